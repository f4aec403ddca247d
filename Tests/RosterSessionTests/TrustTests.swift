import Foundation
import Testing

/// The trust promises through the built binary: no input crashes it, a journal is one run's at a
/// time, tokens never leave it, writes go only where the user pointed, and server text cannot
/// drive the terminal. Each test is a reproduction of a way the promise once broke.
extension EndToEndTests {
@Suite(.serialized)
struct TrustTests {
    /// Exit codes a crash gives (SIGILL, SIGABRT, SIGSEGV); never acceptable.
    static func crashed(_ status: Int32) -> Bool { [132, 134, 139].contains(status) || status < 0 }

    @Test func edgesOfIntegersAndNestingDoNotCrash() throws {
        let cases: [(String, Int32)] = [
            ("print len(range(-2, 9223372036854775807))", 70),
            ("for i in range(-2, 9223372036854775807) { break }", 70),
            ("ld members list offset=9223372036854775807 | count", 0),
            ("ld members list limit=9223372036854775807 offset=9223372036854775807 | count", 0),
            ("let x = []\nfor i in range(200000) { $x = [$x] }\nprint 1", 0),
            // The size check cannot bound an empty text's repetition: it looped for ever.
            ("print len(\"\" * 9223372036854775807)", 0),
        ]
        for (source, expected) in cases {
            let r = try RosterProcess.run(["--sandbox-db", ":memory:", "-c", source], killAfter: 60)
            #expect(r.status == expected && !TrustTests.crashed(r.status), "\(source): \(r.status) \(r.err.prefix(300))")
        }
    }

    @Test func tooManyVariablesAreAUsageErrorAtOnce() throws {
        let args = (0..<1_500).flatMap { ["--var", "v\($0)=\($0)"] }
        let started = Date()
        let r = try RosterProcess.run(args + ["-c", "print 1"])
        #expect(r.status == 64 && r.err.contains("at most 1000"), "\(r.err)")
        #expect(Date().timeIntervalSince(started) < 20)
    }

    @Test func aScriptThatSourcesItselfIsACycleError() throws {
        let dir = try RosterProcess.temporaryDirectory()
        try "source \"loop.roster\"\n".write(to: dir.appendingPathComponent("loop.roster"), atomically: true, encoding: .utf8)
        let r = try RosterProcess.run(["loop.roster"], directory: dir)
        #expect(r.status == 70 && r.err.contains("source cycle: loop.roster -> loop.roster"), "\(r.status) \(r.err.prefix(300))")
    }

    @Test func aSecondRunWithTheSameJournalStopsAt75NamingTheHolder() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let journal = dir.appendingPathComponent("j.jsonl").path
        let holder = Process()
        holder.executableURL = RosterProcess.binary
        holder.arguments = ["--sandbox-db", ":memory:", "--journal", journal, "-c", "sleep(4)"]
        holder.standardOutput = FileHandle.nullDevice
        holder.standardError = FileHandle.nullDevice
        try holder.run()
        defer { holder.waitUntilExit() }
        // Wait for the holder's run header (written once it holds the lock).
        for _ in 0..<100 where !((try? String(contentsOfFile: journal, encoding: .utf8))?.contains("\"pid\"") ?? false) {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let second = try RosterProcess.run(["--sandbox-db", ":memory:", "--journal", journal, "-c", "box groups create name=twice"])
        #expect(second.status == 75, "\(second.err)")
        #expect(second.err.contains("in use by another run (process \(holder.processIdentifier))"), "\(second.err)")
        var st = stat()
        #expect(stat(journal, &st) == 0 && st.st_mode & 0o777 == 0o600)
    }

    /// A create answered from the journal on a re-run: its token was shown once, in the first
    /// run, and is not kept; the re-run says so on stderr, naming the statement.
    @Test func aReplayedSecretIsNamedNotPassedOff() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let arguments = ["--sandbox-db", dir.appendingPathComponent("sandbox.sqlite").path, "--journal", "j.jsonl",
                         "-c", "let t = losant tokens create name=replayed scope=[\"all.Instance.read\"]\nprint (len($t.token) > 20)"]
        let first = try RosterProcess.run(arguments, directory: dir)
        #expect(first.status == 0 && first.out == "true\n" && !first.err.contains("warning"), "\(first.err)")
        let again = try RosterProcess.run(arguments, directory: dir)
        #expect(again.status == 0 && again.out == "false\n", "\(again.out) \(again.err)")
        #expect(again.err.contains("<-c>:1:9: warning: losant tokens create was done by an earlier run") && again.err.contains("token was shown once"), "\(again.err)")
    }

    /// A server that echoes the Authorization header in its 401 body: the token is in no output
    /// and no file roster writes.
    @Test func anEchoedTokenIsScrubbedEverywhere() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let server = try ScriptedServer.echo()
        defer { server.stop() }
        let config = dir.appendingPathComponent("config.toml")
        try "default = \"echo\"\n[profiles.echo]\nbox = { url = \"\(server.url)\", token_file = \"token\" }\n".write(to: config, atomically: true, encoding: .utf8)
        let secret = "s3cr3t-\(UUID().uuidString)"
        let tokenFile = dir.appendingPathComponent("token").path
        try secret.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        chmod(tokenFile, 0o644)
        try "n\n1\n".write(to: dir.appendingPathComponent("rows.csv"), atomically: true, encoding: .utf8)
        let r = try RosterProcess.run(["--keep-going", "--failures", "failed.jsonl", "--journal", "j.jsonl", "-c", """
            try { box users me } catch e { print $e; print $e.body.echo; print "holds the token: ${contains(to_json($e.body), "s3cr3t")}" }
            for row in (open "rows.csv") { box groups create name=$row.n }
            """], environment: ["ROSTER_CONFIG": config.path], directory: dir)
        #expect(r.status == 1, "\(r.err)")
        #expect(r.out.contains("Bearer (redacted)"), "\(r.out)")
        #expect(r.out.contains("holds the token: false"), "the reply is scrubbed before it becomes a value, not only when shown: \(r.out)")
        #expect(r.err.contains("the token file token may be read by others (mode 644); chmod 600 token"), "\(r.err)")
        for text in [r.out, r.err] + (try ["failed.jsonl", "j.jsonl"].map { try String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8) }) {
            #expect(!text.contains(secret), "\(text)")
        }
    }

    /// A server whose certificate roster cannot trust: the error comes at once, naming the URL
    /// and the cause, never after minutes of retries.
    @Test func anUntrustedCertificateIsReportedAtOnce() throws {
        let server = try ScriptedServer.echo(tls: true)
        defer { server.stop() }
        let config = try RosterProcess.temporaryDirectory().appendingPathComponent("config.toml")
        try "default = \"tls\"\n[profiles.tls]\nbox = { url = \"\(server.url)\", token_env = \"TLS_BOX\" }\n".write(to: config, atomically: true, encoding: .utf8)
        let started = Date()
        let r = try RosterProcess.run(["-c", "box users me"], environment: ["ROSTER_CONFIG": config.path, "TLS_BOX": "tls-token-123456"])
        #expect(r.status == 70 && r.err.contains(server.url) && r.err.contains("certificate is not trusted"), "\(r.err)")
        #expect(Date().timeIntervalSince(started) < 15, "took \(Date().timeIntervalSince(started)) s")
    }

    @Test func writesGoOnlyWhereTheUserPointed() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let missing = try RosterProcess.run(["-c", "print 1"], environment: ["ROSTER_CONFIG": "/typo/config.toml"])
        #expect(missing.status == 64 && missing.err.contains("/typo/config.toml"), "\(missing.err)")
        let option = try RosterProcess.run(["--config", "/typo/other.toml", "-c", "print 1"])
        #expect(option.status == 64 && option.err.contains("/typo/other.toml"), "\(option.err)")
        // A default profile pointing at a real service: --sandbox-db means the sandbox.
        let config = dir.appendingPathComponent("config.toml")
        try "default = \"acme\"\n[profiles.acme]\nbox = { url = \"https://127.0.0.1:9\", token_env = \"ACME_BOX\" }\n".write(to: config, atomically: true, encoding: .utf8)
        let sandbox = try RosterProcess.run(["--sandbox-db", ":memory:", "-c", "print (box groups create name=x).name"],
                                            environment: ["ROSTER_CONFIG": config.path, "ACME_BOX": "acme-token-123456"])
        #expect(sandbox.status == 0 && sandbox.out == "x\n", "\(sandbox.err)")
        try "[profiles.plain]\nbox = { url = \"http://example.com\", token_env = \"ACME_BOX\" }\n".write(to: config, atomically: true, encoding: .utf8)
        let plain = try RosterProcess.run(["-c", "print 1"], environment: ["ROSTER_CONFIG": config.path])
        #expect(plain.status == 64 && plain.err.contains("plain http"), "\(plain.err)")
        try "[profiles.plain]\nbox = { url = \"http://127.example.com\", token_env = \"ACME_BOX\" }\n".write(to: config, atomically: true, encoding: .utf8)
        let lookalike = try RosterProcess.run(["-c", "print 1"], environment: ["ROSTER_CONFIG": config.path])
        #expect(lookalike.status == 64, "a name that starts with 127. is not loopback: \(lookalike.err)")
        try "[profiles.plain]\nbox = { url = \"http://example.com\", token_env = \"ACME_BOX\", allow_http = true }\n".write(to: config, atomically: true, encoding: .utf8)
        let allowed = try RosterProcess.run(["-c", "print 1"], environment: ["ROSTER_CONFIG": config.path])
        #expect(allowed.status == 0, "\(allowed.err)")
    }

    @Test func aDamagedRowNeverReachesTheScript() throws {
        let dir = try RosterProcess.temporaryDirectory()
        var bytes = Array("email,role\nada@x,admin\ngrace@x,wr".utf8)
        bytes += [0xFF] + Array("iter\n".utf8)
        try Data(bytes).write(to: dir.appendingPathComponent("bad.csv"))
        let r = try RosterProcess.run(["-c", "for r in (open \"bad.csv\") { print $r.role }"], directory: dir)
        #expect(r.status == 70 && r.out == "", "nothing is handed to the loop: \(r.out)")
        #expect(r.err.contains("bad.csv:3: invalid UTF-8"), "\(r.err)")
        // JSON and NDJSON too: a bad byte read as U+FFFD would reach a service in an email.
        try Data(Array("{\"email\": \"a".utf8) + [0xFF] + Array("b@x\"}\n".utf8)).write(to: dir.appendingPathComponent("bad.ndjson"))
        try Data(Array("[{\"email\": \"a".utf8) + [0xFF] + Array("b@x\"}]".utf8)).write(to: dir.appendingPathComponent("bad.json"))
        for file in ["bad.ndjson", "bad.json"] {
            let j = try RosterProcess.run(["-c", "for r in (open \"\(file)\") { print $r.email }"], directory: dir)
            #expect(j.status == 70 && j.out == "" && j.err.contains("\(file)") && j.err.contains("UTF-8"), "\(file): \(j.out) \(j.err)")
        }
        // A quote that never closes took every later row into one field, and the run said 1 row.
        try "email,role\nada@x,\"admin\ngrace@x,writer\nlin@x,reader\n".write(to: dir.appendingPathComponent("open.csv"), atomically: true, encoding: .utf8)
        let open = try RosterProcess.run(["-c", "for r in (open \"open.csv\") { print $r.email }"], directory: dir)
        #expect(open.status == 70 && open.out == "" && open.err.contains("open.csv:2: a quoted field that begins here is not closed"), "\(open.out) \(open.err)")
    }

    /// Expressions longer than the tree limit are a syntax error before anything runs (a
    /// chain of 20,000 additions crashed `check` and a run); one under it still runs.
    @Test func aLongChainIsASyntaxErrorNotACrash() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let chains = [
            "print (" + Array(repeating: "1", count: 20_000).joined(separator: " + ") + ")",
            "let r = {}\nprint $r" + String(repeating: ".a", count: 20_000),
            "print [1]" + String(repeating: "[0]", count: 20_000),
            "print ([1] " + String(repeating: "| first ", count: 20_000) + ")",
            "print (" + Array(repeating: "(1 + 1", count: 150).joined(separator: " + ") + Array(repeating: " + 1", count: 900).joined() + String(repeating: ")", count: 150) + ")",
        ]
        for (i, source) in chains.enumerated() {
            try source.write(to: dir.appendingPathComponent("chain\(i).roster"), atomically: true, encoding: .utf8)
            for mode in [["check"], []] {
                let r = try RosterProcess.run(mode + ["chain\(i).roster"], directory: dir, killAfter: 60)
                #expect(r.status == 65 && r.err.contains("too long or nested too deeply"), "chain \(i) \(mode): \(r.status) \(r.err.prefix(300))")
                #expect(r.err.utf8.count < 2_000, "the diagnostic shows the part of the line around the column: \(r.err.utf8.count) bytes")
            }
        }
        let fine = try RosterProcess.run(["-c", "print (" + Array(repeating: "1", count: 900).joined(separator: " + ") + ")"], killAfter: 60)
        #expect(fine.status == 0 && fine.out == "900\n", "\(fine.err.prefix(300))")
    }

    /// A --failures file is replaced at the end of the run: it may not be a directory, the
    /// journal (whose record of applied writes would go) or any file that is not one.
    @Test func aFailuresFileCannotReplaceTheJournalOrAScript() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let script = "for i in [1, 2] { fail(\"x\") }\n"
        try script.write(to: dir.appendingPathComponent("v.roster"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("fdir.jsonl"), withIntermediateDirectories: true)
        try "{\"id\": 1}\n".write(to: dir.appendingPathComponent("rows.jsonl"), atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["--failures", "fdir.jsonl", "v.roster"], "is a directory"),
            (["--failures", "rows.jsonl", "v.roster"], "is not a failures file"),
            // A name `open` would not read back as JSON lines (the summary says to).
            (["--failures", "v.roster", "v.roster"], "name it .jsonl"),
            (["--failures", "failed.csv", "v.roster"], "name it .jsonl"),
            // Against stand-in answers every write succeeds.
            (["--dry-run", "--failures", "f.jsonl", "v.roster"], "cannot tell which rows failed"),
            (["--journal", "j.jsonl", "--failures", "j.jsonl", "v.roster"], "name the same file"),
            (["--journal", "j.jsonl", "--failures", "./sub/../j.jsonl", "v.roster"], "name the same file"),
            (["--failures", "missing/f.jsonl", "v.roster"], "does not exist"),
        ]
        for (args, message) in cases {
            let r = try RosterProcess.run(["--sandbox-db", ":memory:", "--keep-going"] + args, directory: dir)
            #expect(r.status == 64 && r.err.contains(message), "\(args): \(r.status) \(r.err)")
        }
        #expect(try String(contentsOf: dir.appendingPathComponent("v.roster"), encoding: .utf8) == script)
        #expect(try String(contentsOf: dir.appendingPathComponent("rows.jsonl"), encoding: .utf8) == "{\"id\": 1}\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".pending") } == [])
        // An earlier failures file is taken (a rerun's input and output).
        let first = try RosterProcess.run(["--sandbox-db", ":memory:", "--keep-going", "--failures", "f.jsonl", "v.roster"], directory: dir)
        let again = try RosterProcess.run(["--sandbox-db", ":memory:", "--keep-going", "--failures", "f.jsonl", "v.roster"], directory: dir)
        #expect(first.status == 1 && again.status == 1, "\(again.err)")
    }

    /// A failures file is the only list of the rows still to do: a run that ends before its
    /// loop, or is refused because another run holds the journal, leaves it as it was; so does
    /// one that cannot write it, which says so and keeps the failures on stderr.
    @Test func aFailuresFileIsReplacedOnlyByARunThatReachedItsLoop() throws {
        let dir = try RosterProcess.temporaryDirectory()
        try "id\n1\n2\n".write(to: dir.appendingPathComponent("in.csv"), atomically: true, encoding: .utf8)
        let loop = "for r in open($args[0]) { fail(\"no \" + $r.id) }\n"
        try loop.write(to: dir.appendingPathComponent("loop.roster"), atomically: true, encoding: .utf8)
        try ("fail(\"the service is down\")\n" + loop).write(to: dir.appendingPathComponent("early.roster"), atomically: true, encoding: .utf8)
        let common = ["--sandbox-db", ":memory:", "--keep-going", "--failures", "f.jsonl"]
        let first = try RosterProcess.run(common + ["loop.roster", "in.csv"], directory: dir)
        let failures = try String(contentsOf: dir.appendingPathComponent("f.jsonl"), encoding: .utf8)
        #expect(first.status == 1 && failures.split(separator: "\n").count == 2, "\(first.err)")
        // The retry stops before its loop: the file it was given stays.
        let early = try RosterProcess.run(common + ["early.roster", "f.jsonl"], directory: dir)
        #expect(early.status == 70 && early.err.contains("left as it was"), "\(early.err)")
        #expect(try String(contentsOf: dir.appendingPathComponent("f.jsonl"), encoding: .utf8) == failures)
        // A setup loop ran, then the service was down before the loop that reads the file.
        try ("for t in [\"setup\"] { print $t }\nfail(\"the service is down\")\n" + loop).write(to: dir.appendingPathComponent("twostage.roster"), atomically: true, encoding: .utf8)
        let twostage = try RosterProcess.run(common + ["twostage.roster", "f.jsonl"], directory: dir)
        #expect(twostage.status == 70 && twostage.err.contains("left as it was"), "\(twostage.err)")
        #expect(try String(contentsOf: dir.appendingPathComponent("f.jsonl"), encoding: .utf8) == failures)
        // A pending file a killed run left (in a container the next run may have its pid) is
        // in nobody's way, and goes.
        for pid in 1...3 { try "".write(to: dir.appendingPathComponent("f.jsonl.\(pid).pending"), atomically: true, encoding: .utf8) }
        let beside = try RosterProcess.run(common + ["loop.roster", "f.jsonl"], directory: dir)
        #expect(beside.status == 1, "\(beside.err)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".pending") } == [])
        // Another run holds the journal: this one is refused and touches nothing.
        let journal = dir.appendingPathComponent("j.journal").path
        let fd = open(journal, O_RDWR | O_CREAT, 0o600)
        #expect(fd >= 0 && flock(fd, LOCK_EX) == 0)
        let busy = try RosterProcess.run(common + ["--journal", "j.journal", "loop.roster", "in.csv"], directory: dir)
        close(fd)
        #expect(busy.status == 75, "\(busy.err)")
        #expect(try String(contentsOf: dir.appendingPathComponent("f.jsonl"), encoding: .utf8) == failures)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".pending") } == [])
    }

    /// Runs roster through the shell, for redirections a Process cannot make (a closed
    /// descriptor, a full device); returns the exit status and stderr.
    func shell(_ line: String, in dir: URL) throws -> (status: Int32, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", line]
        p.environment = ProcessInfo.processInfo.environment.merging(["ROSTER": RosterProcess.binary.path, "NO_COLOR": "1"]) { $1 }
        p.currentDirectoryURL = dir
        let err = Pipe()
        p.standardError = err
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    /// The standard descriptors: a run with stdout closed never writes its results into the
    /// journal it opens (it took descriptor 1), and ends 74 for the results it could not write;
    /// a closed or unreadable stdin is an error, not a crash; results that cannot be written
    /// (a full disk) fail the run instead of ending 0.
    @Test func closedOrFullStandardDescriptorsNeitherCorruptNorCrash() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let closed = try shell(#""$ROSTER" --sandbox-db :memory: --journal j.journal -c 'box groups create name=Temp; box groups list; print "into-the-journal"' >&-"#, in: dir)
        #expect(closed.status == 74 && closed.err.contains("the output could not be written: it was closed when roster started"), "\(closed.status) \(closed.err)")
        let journal = try String(contentsOf: dir.appendingPathComponent("j.journal"), encoding: .utf8)
        #expect(!journal.contains("into-the-journal") && journal.split(separator: "\n").allSatisfy { $0.hasPrefix("{") }, "\(journal)")
        let summary = try RosterProcess.run(["journal", "j.journal"], directory: dir)
        #expect(summary.status == 0 && summary.out.contains("box groups create"), "\(summary.err)")

        for (redirect, reason) in [("<&-", "it was closed when roster started"), ("< /", "it is a directory")] {
            let r = try shell(#""$ROSTER" - \#(redirect)"#, in: dir)
            #expect(r.status == 64 && !r.err.contains("Fatal error"), "\(redirect): \(r.status) \(r.err)")
            #expect(r.err.contains("cannot read the script on standard input: \(reason)"), "\(r.err)")
        }
        // Nothing written, nothing lost: a run that prints nothing with stdout closed ends 0.
        #expect(try shell(#""$ROSTER" --sandbox-db :memory: -c 'let x = 1' >&-"#, in: dir).status == 0)
        for command in ["ld members list", #"print "hi""#] {
            let full = try shell(#""$ROSTER" --sandbox-db :memory: -c '\#(command)' > /dev/full"#, in: dir)
            #expect(full.status == 74 && full.err.contains("the output could not be written: No space left on device"), "\(command): \(full.status) \(full.err)")
        }
    }

    /// A journal replays writes only where they were made: the same journal against another
    /// sandbox database (or URL, or a profile's corrected URL) is refused before anything runs,
    /// not answered from the first target's outcomes.
    @Test func aJournalIsRefusedAgainstAnotherTarget() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let script = "let u = box users create name=J login=j@example.com\nprint $u.login\n"
        try script.write(to: dir.appendingPathComponent("make.roster"), atomically: true, encoding: .utf8)
        let staging = try RosterProcess.run(["--sandbox-db", "staging.sqlite", "--journal", "make.journal", "make.roster"], directory: dir)
        #expect(staging.status == 0 && staging.out == "j@example.com\n", "\(staging.err)")
        let before = try Data(contentsOf: dir.appendingPathComponent("make.journal"))
        let production = try RosterProcess.run(["--sandbox-db", "production.sqlite", "--journal", "make.journal", "make.roster"], directory: dir)
        #expect(production.status == 64 && production.err.contains("only where they were made") && production.err.contains("production.sqlite"),
                "\(production.status) \(production.err)")
        #expect(production.out.isEmpty)
        #expect(try Data(contentsOf: dir.appendingPathComponent("make.journal")) == before, "a refused run leaves no empty run in the journal")
        // Nor does a run that does not parse, or one that writes nothing.
        for program in ["print (", "print 1"] {
            let r = try RosterProcess.run(["--sandbox-db", "staging.sqlite", "--journal", "make.journal", "-c", program], directory: dir)
            #expect(r.status == (program == "print 1" ? 0 : 65), "\(r.err)")
            #expect(try Data(contentsOf: dir.appendingPathComponent("make.journal")) == before, "\(program): no empty run")
        }
        // The same target again: replayed, as ever.
        let again = try RosterProcess.run(["--sandbox-db", "./staging.sqlite", "--journal", "make.journal", "make.roster"], directory: dir)
        #expect(again.status == 0 && again.out == "j@example.com\n" && again.err.contains("1 skipped"), "\(again.err)")
        // A database made in a folder reached through a link, and one named with `~`: the same
        // command twice is the same target (the first run spelt the file before it existed).
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("real"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("link").path, withDestinationPath: dir.appendingPathComponent("real").path)
        for (db, env) in [("link/x.sqlite", [String: String]()), ("~/t.sqlite", ["HOME": dir.appendingPathComponent("real").path])] {
            let journal = "j-\(db.hasPrefix("~") ? "t" : "x").journal"
            for run in 1...2 {
                let r = try RosterProcess.run(["--sandbox-db", db, "--journal", journal, "make.roster"], environment: env, directory: dir)
                #expect(r.status == 0 && r.out == "j@example.com\n", "\(db) run \(run): \(r.err)")
            }
        }
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("real/t.sqlite").path), "~ is the home, not a folder named ~")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("~").path))
        // A sandbox in memory is new with each run: no journal answers for it.
        let memory = try RosterProcess.run(["--sandbox-db", ":memory:", "--journal", "m.journal", "make.roster"], directory: dir)
        let memoryAgain = try RosterProcess.run(["--sandbox-db", ":memory:", "--journal", "m.journal", "make.roster"], directory: dir)
        #expect(memory.status == 0 && memoryAgain.status == 64 && memoryAgain.err.contains("only where they were made"), "\(memoryAgain.err)")
    }

    /// A sandbox URL is checked before anything runs (a port beyond 65535 trapped in NIO), and
    /// a closed port is said in words.
    @Test func aSandboxURLIsCheckedAndAClosedPortSaidInWords() throws {
        for url in ["http://127.0.0.1:99999", "http://localhost:70000", "ftp://127.0.0.1", "garbage"] {
            let r = try RosterProcess.run(["--sandbox-url", url, "-c", "box users me"])
            #expect(r.status == 64 && r.err.hasPrefix("roster: --sandbox-url \(url) "), "\(url): \(r.status) \(r.err.prefix(300))")
        }
        let closed = try RosterProcess.run(["--sandbox-url", "http://127.0.0.1:1", "--timeout", "5", "-c", "box users me"], killAfter: 120)
        #expect(closed.status == 70 && closed.err.contains("connection refused") && !closed.err.contains("errno"), "\(closed.err)")
    }

    /// An option roster does not know, where its options may come, is a usage error: a typo of
    /// --dry-run after -c ran the writes. After `--`, words are the script's.
    @Test func aMistypedOptionNeverRunsTheScript() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let typo = try RosterProcess.run(["--sandbox-db", "s.sqlite", "-c", "box groups create name=Typo\nprint \"ran\"", "--dryrun"], directory: dir)
        #expect(typo.status == 64 && typo.err.contains("unknown option '--dryrun'") && typo.err.contains("--dry-run") && typo.out.isEmpty, "\(typo.err)")
        let passed = try RosterProcess.run(["--sandbox-db", ":memory:", "-c", "print $args", "--", "--dryrun", "x"], directory: dir)
        #expect(passed.status == 0 && passed.out == "[\"--dryrun\",\"x\"]\n", "\(passed.err)")
        try "print $args\n".write(to: dir.appendingPathComponent("a.roster"), atomically: true, encoding: .utf8)
        let file = try RosterProcess.run(["--sandbox-db", ":memory:", "--", "a.roster", "-v"], directory: dir)
        #expect(file.status == 0 && file.out == "[\"-v\"]\n", "\(file.err)")
        // roster's own option after the script's name would go to the script, the run going
        // ahead without it: refused, unless after --.
        let after = try RosterProcess.run(["--sandbox-db", ":memory:", "a.roster", "x", "--dry-run"], directory: dir)
        #expect(after.status == 64 && after.err.contains("'--dry-run' after the script's name") && after.out.isEmpty, "\(after.err)")
        let passedOn = try RosterProcess.run(["--sandbox-db", ":memory:", "a.roster", "x", "--", "--dry-run"], directory: dir)
        #expect(passedOn.status == 0 && passedOn.out == "[\"x\",\"--dry-run\"]\n", "\(passedOn.err)")
        // --help changes nothing a run does: a script may take it as its own.
        let scriptHelp = try RosterProcess.run(["--sandbox-db", ":memory:", "a.roster", "--help"], directory: dir)
        #expect(scriptHelp.status == 0 && scriptHelp.out == "[\"--help\"]\n", "\(scriptHelp.err)")
        // `roster --help` says to ask `roster help <subcommand>`; a misspelt one is named.
        let help = try RosterProcess.run(["help", "check"], directory: dir)
        #expect(help.status == 0 && help.out.contains("USAGE: roster check"), "\(help.out) \(help.err)")
        // `verbs` is a topic too, as the overview lists it: the REPL's list, not the subcommand's usage.
        let verbs = try RosterProcess.run(["help", "verbs"], directory: dir)
        #expect(verbs.status == 0 && verbs.out.contains("box memberships add") && !verbs.out.contains("USAGE:"), "\(verbs.out.prefix(300))")
        let misspelt = try RosterProcess.run(["chek", "a.roster"], directory: dir)
        #expect(misspelt.status == 64 && misspelt.err.contains("did you mean 'check' (a subcommand)?"), "\(misspelt.err)")
        // A verb typed as roster's arguments: told how to run it.
        let verb = try RosterProcess.run(["ld", "members", "get", "id=grace@example.com"], directory: dir)
        #expect(verb.status == 64 && verb.err.contains("roster -c 'ld members get id=grace@example.com'"), "\(verb.err)")
    }

    /// A write an earlier run left in doubt, which this run never reaches (the script selects
    /// by a state its own earlier writes changed), is said at the end, and the run is not a
    /// success: its outcome is still unknown.
    @Test func aWriteInDoubtThatThisRunNeverReachedIsSaid() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let journal = #"{"journal":"roster","version":2,"run":"2026-01-01T00:00:00.000Z"}"# + "\n"
            + #"{"intent":"00ff","op":"losant tokens create","profile":"sandbox","method":"POST","path":"/instances/x/tokens","time":1}"# + "\n"
        try journal.write(to: dir.appendingPathComponent("j.journal"), atomically: true, encoding: .utf8)
        let r = try RosterProcess.run(["--sandbox-db", ":memory:", "--journal", "j.journal", "-c", "print 1"], directory: dir)
        #expect(r.status == 1 && r.out == "1\n" && r.err.contains("1 write an earlier run left in doubt was not reached by this run"), "\(r.status) \(r.err)")
        #expect(r.err.contains("--forget-in-doubt"), "the way out is named: \(r.err)")
    }

    /// Writes in doubt a script never reaches again are forgotten once checked by hand: the
    /// next run exits 0, the listing counts them as forgotten, and a run that does reach one
    /// sends it as a new write (here a second token: the first was made before the "crash",
    /// and forgetting said not to look for it). A journal a run holds is not touched (75).
    /// What forgetting refuses, and what it never leaves half done: a journal of another
    /// version (its lines may mean what this roster cannot read), and a full disk part way
    /// through (the lines written are taken back). A file of one line without a newline that is
    /// no journal is neither listed as one nor cut off by a run (it was emptied).
    @Test func forgettingIsAllOrNothingAndOnlyOfThisVersionsJournals() throws {
        let dir = try RosterProcess.temporaryDirectory()
        var journal = #"{"journal":"roster","version":2,"run":"2026-01-01T00:00:00.000Z"}"# + "\n"
        for i in 0..<50 {
            journal += #"{"intent":"\#(String(format: "%032x", 0x1000 + i))","op":"losant tokens create","profile":"sandbox","method":"POST","path":"/instances/x/tokens","time":1}"# + "\n"
        }
        let path = dir.appendingPathComponent("j.journal")
        try journal.write(to: path, atomically: true, encoding: .utf8)
        // A file size limit a few hundred bytes past the journal's end: the first lines go, then none.
        let blocks = journal.utf8.count / 512 + 1
        let full = Process()
        full.executableURL = URL(fileURLWithPath: "/bin/sh")
        full.arguments = ["-c", "trap '' XFSZ; ulimit -f \(blocks); exec \"$0\" journal j.journal --forget-in-doubt", RosterProcess.binary.path]
        full.currentDirectoryURL = dir
        let err = Pipe()
        full.standardError = err
        full.standardOutput = FileHandle.nullDevice
        try full.run()
        full.waitUntilExit()
        let said = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(full.terminationStatus == 74 && said.contains("nothing was forgotten"), "\(full.terminationStatus) \(said)")
        #expect(try String(contentsOf: path, encoding: .utf8) == journal, "the journal is as it was")

        let newer = journal.replacingOccurrences(of: #""version":2"#, with: #""version":3"#)
        try newer.write(to: path, atomically: true, encoding: .utf8)
        let refused = try RosterProcess.run(["journal", "j.journal", "--forget-in-doubt"], directory: dir)
        #expect(refused.status == 64 && refused.err.contains("a newer roster"), "\(refused.status) \(refused.err)")
        #expect(try String(contentsOf: path, encoding: .utf8) == newer)

        let notes = dir.appendingPathComponent("notes.txt")
        try "my notes, no newline".write(to: notes, atomically: true, encoding: .utf8)
        let listed = try RosterProcess.run(["journal", "notes.txt"], directory: dir)
        #expect(listed.status == 64 && listed.err.contains("not a roster journal"), "\(listed.status) \(listed.out) \(listed.err)")
        let run = try RosterProcess.run(["--sandbox-db", ":memory:", "--journal", "notes.txt", "-c", "print 1"], directory: dir)
        #expect(run.status != 0 && run.err.contains("not a roster journal"), "\(run.status) \(run.err)")
        #expect(try String(contentsOf: notes, encoding: .utf8) == "my notes, no newline")
    }

    /// A last line cut short by a crash is cut off by a forget, as a run would (it told the
    /// user to run a script first, which could send writes just to repair the file).
    @Test func aForgetCutsOffATornLastLine() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let whole = #"{"journal":"roster","version":2,"run":"2026-01-01T00:00:00.000Z"}"# + "\n"
            + #"{"intent":"00ff","op":"losant tokens create","profile":"sandbox","method":"POST","path":"/instances/x/tokens","time":1}"# + "\n"
        try (whole + #"{"intent":"01ff","op":"los"#).write(to: dir.appendingPathComponent("j.journal"), atomically: true, encoding: .utf8)
        let forget = try RosterProcess.run(["journal", "j.journal", "--forget-in-doubt"], directory: dir)
        #expect(forget.status == 0 && forget.out.contains("forgot 1 write in doubt"), "\(forget.out) \(forget.err)")
        let text = try String(contentsOf: dir.appendingPathComponent("j.journal"), encoding: .utf8)
        #expect(text.hasPrefix(whole) && text.dropFirst(whole.count).hasPrefix(#"{"forgot":"#) && text.hasSuffix("\n"), "\(text)")
        let listing = try RosterProcess.run(["journal", "j.journal"], directory: dir)
        #expect(listing.status == 0 && !listing.out.contains("cut short"), "\(listing.out)")
    }

    @Test func writesInDoubtCanBeForgottenOnceChecked() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let db = dir.appendingPathComponent("sandbox.db").path
        let script = #"losant tokens create name=forgotten scope=["all.Instance.read"]"#
        let made = try RosterProcess.run(["--sandbox-db", db, "--journal", "j.journal", "-c", script], directory: dir)
        #expect(made.status == 0, "\(made.err)")
        // The run "crashed" between sending and hearing back: its outcome line is gone.
        let path = dir.appendingPathComponent("j.journal")
        let lines = try String(contentsOf: path, encoding: .utf8).split(separator: "\n").filter { !$0.contains(#""done":"#) }
        try (lines.joined(separator: "\n") + "\n").write(to: path, atomically: true, encoding: .utf8)
        let before = try RosterProcess.run(["journal", "j.journal"], directory: dir)
        #expect(before.out.contains("in doubt (checked"), "\(before.out)")

        // A run holds the journal: nothing is forgotten.
        let held = open(path.path, O_RDONLY)
        #expect(flock(held, LOCK_EX | LOCK_NB) == 0)
        let busy = try RosterProcess.run(["journal", "j.journal", "--forget-in-doubt"], directory: dir)
        // A run stopped by a holder that wrote no header names no process (the last header's is gone).
        let blocked = try RosterProcess.run(["--sandbox-db", db, "--journal", "j.journal", "-c", "print 1"], directory: dir)
        close(held)
        #expect(blocked.status == 75 && blocked.err.contains("in use by another process") && !blocked.err.contains("(process"), "\(blocked.err)")
        #expect(busy.status == 75 && busy.err.contains("in use by another process"), "\(busy.status) \(busy.err)")

        let forget = try RosterProcess.run(["journal", "j.journal", "--forget-in-doubt"], directory: dir)
        #expect(forget.status == 0 && forget.out.contains("forgot 1 write in doubt") && forget.out.contains("POST /instances/"), "\(forget.out) \(forget.err)")
        let again = try RosterProcess.run(["journal", "j.journal", "--forget-in-doubt"], directory: dir)
        #expect(again.status == 0 && again.out.contains("no write is in doubt"), "\(again.out)")
        let listing = try RosterProcess.run(["journal", "j.journal"], directory: dir)
        #expect(listing.out.contains("forgotten") && !listing.out.contains("in doubt (checked"), "\(listing.out)")

        // Not reached: the run is clean. Reached: sent as new, not looked up.
        let clean = try RosterProcess.run(["--sandbox-db", db, "--journal", "j.journal", "-c", "print 1"], directory: dir)
        #expect(clean.status == 0 && !clean.err.contains("not reached"), "\(clean.status) \(clean.err)")
        let reached = try RosterProcess.run(["--sandbox-db", db, "--journal", "j.journal", "-c", script + "\nprint len(losant tokens list | where .name == \"forgotten\")"], directory: dir)
        #expect(reached.status == 0 && reached.out.hasSuffix("2\n"), "\(reached.out) \(reached.err)")
    }

    /// $HOME is the home, as shells and Python take it (under sudo, in CI, in a container):
    /// the config under it is read, and `~` is it (Foundation on Linux reads only the account's).
    @Test func homeIsTheHOMEVariable() throws {
        let home = try RosterProcess.temporaryDirectory()
        let config = home.appendingPathComponent(".config/roster")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try "[profiles.mine]\nbox = { url = \"https://api.box.com\", token_file = \"~/box.token\" }\n"
            .write(to: config.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
        let env = ["HOME": home.path, "XDG_CONFIG_HOME": "", "XDG_DATA_HOME": "", "XDG_STATE_HOME": "", "ROSTER_CONFIG": ""]
        let profiles = try RosterProcess.run(["profiles"], environment: env)
        #expect(profiles.status == 0 && profiles.out.contains("mine:"), "\(profiles.out) \(profiles.err)")
        let token = try RosterProcess.run(["--profile", "mine", "-c", "box users me"], environment: env)
        #expect(token.err.contains("token file \(home.path)/box.token"), "\(token.err)")
        let saved = try RosterProcess.run(["--sandbox-db", ":memory:", "-c", "save({a: 1}, \"~/x.json\")"], environment: env)
        #expect(saved.status == 0 && FileManager.default.fileExists(atPath: home.appendingPathComponent("x.json").path), "\(saved.err)")
    }

    /// A stop is graceful, but not for ever: a client dripping a request body held
    /// `roster serve` after SIGTERM until it was killed.
    @Test func serveStopsWithinItsGraceWhateverAClientHolds() throws {
        let script = """
            import socket, subprocess, sys, time, signal
            srv = subprocess.Popen([sys.argv[1], "serve", "--port", "0", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            url = srv.stdout.readline().decode().strip()
            port = int(url.rsplit(":", 1)[1])
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"POST /2.0/groups HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer box-sandbox-admin\\r\\nContent-Type: application/json\\r\\nContent-Length: 100000\\r\\n\\r\\n{")
            time.sleep(0.5)
            srv.send_signal(signal.SIGTERM)
            t0 = time.time()
            while srv.poll() is None and time.time() - t0 < 40:
                time.sleep(1)
                try: s.sendall(b" ")
                except Exception: pass
            print(srv.poll(), round(time.time() - t0))
            if srv.poll() is None: srv.kill()
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, RosterProcess.binary.path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: " ")
        #expect(text.count == 2 && text[0] == "0" && (Int(text[1].trimmingCharacters(in: .whitespacesAndNewlines)) ?? 99) <= 20, "\(text)")
    }

    /// A loop that stops at a failure (no --keep-going) records the input it failed on with
    /// that failure (its code and place), not as an input it never finished.
    @Test func theInputALoopStoppedAtKeepsItsFailure() throws {
        let dir = try RosterProcess.temporaryDirectory()
        try "n\n1\n2\n3\n".write(to: dir.appendingPathComponent("rows.csv"), atomically: true, encoding: .utf8)
        let r = try RosterProcess.run(["--failures", "f.jsonl", "-c", "for r in (open \"rows.csv\") { if $r.n == \"2\" { fail(\"bad row\") } }"], directory: dir)
        #expect(r.status == 70, "\(r.err)")
        let lines = try String(contentsOf: dir.appendingPathComponent("f.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.first?.contains(#""n":"2""#) == true && lines.first?.contains("bad row") == true && lines.first?.contains(#""code":"unfinished""#) == false
                && lines.first?.contains(#""at":"<-c>:1:"#) == true, "\(lines)")
        #expect(lines.last?.contains(#""n":"3""#) == true && lines.last?.contains(#""code":"unfinished""#) == true, "\(lines)")
    }

    /// A script or config is read up to 64 MB: /dev/zero named as a script filled the memory.
    @Test func anEndlessFileIsNotReadForEver() throws {
        let r = try RosterProcess.run(["check", "/dev/zero"], killAfter: 60)
        #expect(r.status == 64 && r.err.contains("larger than 64 MB"), "\(r.status) \(r.err)")
    }

    /// One-character file names (corelibs Foundation's `deletingLastPathComponent` traps on
    /// them) for every file a run names.
    @Test func oneCharacterFileNamesAreFiles() throws {
        let dir = try RosterProcess.temporaryDirectory()
        for args in [["--journal", "j"], ["--dry-run", "--plan", "p"], ["--sandbox-db", "d"]] {
            let r = try RosterProcess.run(args + ["-c", "print 1"], directory: dir)
            #expect(r.status == 0 && r.out == "1\n", "\(args): \(r.status) \(r.err.prefix(300))")
        }
    }

    /// The files a user names are read as what they are (a pipe, /dev/stdin), and checked
    /// before anything runs: a directory, a missing folder or a file that is no journal is said
    /// so, in words, and nothing is made on the way.
    @Test func namedFilesAreReadOrRefusedInWords() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let stdin = try RosterProcess.run(["/dev/stdin"], stdin: "print 1\n")
        #expect(stdin.status == 0 && stdin.out == "1\n", "\(stdin.err)")
        try "{\"a\": 1}\n".write(to: dir.appendingPathComponent("other.jsonl"), atomically: true, encoding: .utf8)
        try "print \"a\"\rprint \"b\"\r".write(to: dir.appendingPathComponent("mac.roster"), atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            ([dir.path], "cannot read '\(dir.path)': it is a directory"),
            (["journal", dir.path], "is a directory, not a journal"),
            (["journal", "other.jsonl"], "is not a roster journal"),
            (["help", "nope"], "no help for 'nope'"),
            (["--dry-run", "--plan", dir.path, "-c", "print 1"], "is a directory"),
            (["--dry-run", "--plan", "missing/plan.jsonl", "-c", "print 1"], "the directory"),
            (["--sandbox-db", "missing/x.db", "-c", "print 1"], "the directory"),
        ]
        for (args, message) in cases {
            let r = try RosterProcess.run(args, directory: dir)
            #expect(r.status == 64 && r.err.contains(message) && !r.err.contains("ErrorValue("), "\(args): \(r.status) \(r.err)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("missing").path), "no folder is made for a typo")
        // A CR alone ends a line (an old Mac file), as in Python.
        let mac = try RosterProcess.run(["mac.roster"], directory: dir)
        #expect(mac.status == 0 && mac.out == "a\nb\n", "\(mac.out) \(mac.err)")
    }

    /// A seed far past any test data would fill the disk: refused at once.
    @Test func anAbsurdSeedIsAUsageError() throws {
        let r = try RosterProcess.run(["serve", "--port", "0", "--db", ":memory:", "--seed", "9223372036854775807"], killAfter: 30)
        #expect(r.status == 64 && r.err.contains("--seed must be 0 to 10000000"), "\(r.status) \(r.err)")
    }

    /// A port another server holds is said in words, not as NIO's system call.
    @Test func aPortInUseIsSaidInWords() throws {
        let holder = try ScriptedServer("def answer(h, body):\n    reply(h, 200, {})")
        defer { holder.stop() }
        let port = String(holder.url.split(separator: ":").last!)
        let r = try RosterProcess.run(["serve", "--port", port, "--db", ":memory:", "--quiet"], killAfter: 30)
        #expect(r.status != 0 && r.err.contains("port \(port) on 127.0.0.1 is in use"), "\(r.status) \(r.err)")
    }

    /// --var keeps the text typed when a number would not read back as it (an id's zeros).
    @Test func aVariableKeepsTheTextOfAnID() throws {
        let r = try RosterProcess.run(["--sandbox-db", ":memory:", "--dry-run", "--var", "u=00123", "--var", "big=9223372036854775808", "--var", "n=5",
                                       "-c", "print to_json([$u, $big, $n + 1])\nbox users update id=$u status=inactive"])
        #expect(r.out.hasPrefix("[\"00123\",\"9223372036854775808\",6]\n"), "\(r.out)")
        #expect((r.out + r.err).contains("PUT http://127.0.0.1:") && (r.out + r.err).contains("/2.0/users/00123 "), "\(r.out) \(r.err)")
    }

    /// A profile's token is scrubbed from the start: a script can read it before any verb.
    @Test func aConfiguredTokenIsScrubbedBeforeAnyVerb() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let config = dir.appendingPathComponent("config.toml")
        try "default = \"acme\"\n[profiles.acme]\nlaunchdarkly = { url = \"https://127.0.0.1:9\", token_env = \"ACME_LD\" }\n".write(to: config, atomically: true, encoding: .utf8)
        let secret = "api-\(UUID().uuidString)"
        let r = try RosterProcess.run(["-c", "print env(\"ACME_LD\")\nfail(env(\"ACME_LD\"))"], environment: ["ROSTER_CONFIG": config.path, "ACME_LD": secret])
        #expect(r.status == 70 && !r.out.contains(secret) && !r.err.contains(secret), "\(r.out) \(r.err)")
        #expect(r.out == "(redacted)\n", "\(r.out)")
    }

    @Test func aSourcedFileThatDoesNotParseExits70AfterStatementsRan() throws {
        let dir = try RosterProcess.temporaryDirectory()
        try "let = 1\n".write(to: dir.appendingPathComponent("bad.roster"), atomically: true, encoding: .utf8)
        let r = try RosterProcess.run(["-c", "print \"x\"\nsource \"bad.roster\""], directory: dir)
        #expect(r.status == 70 && r.out == "x\n", "\(r.status) \(r.err)")
        // check reads what a file sources by name (and what that sources), so it finds this first.
        try "source \"bad.roster\"\n".write(to: dir.appendingPathComponent("middle.roster"), atomically: true, encoding: .utf8)
        try "print \"x\"\nsource \"middle.roster\"\nsource \"gone.roster\"\n".write(to: dir.appendingPathComponent("main.roster"), atomically: true, encoding: .utf8)
        let check = try RosterProcess.run(["check", "main.roster"], directory: dir)
        #expect(check.status == 65 && check.out.isEmpty, "\(check.status) \(check.err)")
        #expect(check.err.contains("bad.roster:1:") && check.err.contains("cannot read 'gone.roster'"), "\(check.err)")
        // ... and binds the verbs of what it sources, as it binds its own.
        try "box users get id=1 2\n".write(to: dir.appendingPathComponent("lib.roster"), atomically: true, encoding: .utf8)
        try "source \"lib.roster\"\nprint 1\n".write(to: dir.appendingPathComponent("uses.roster"), atomically: true, encoding: .utf8)
        let bound = try RosterProcess.run(["check", "uses.roster"], directory: dir)
        #expect(bound.status == 65 && bound.err.contains("takes no more positional values"), "\(bound.status) \(bound.err)")
    }

    /// A retry that reads the failures file and writes the same one, stopped by `exit` or by
    /// SIGINT midway: the file still holds every input not known to have succeeded.
    @Test func aFailuresFileNeverLosesARow() throws {
        let dir = try RosterProcess.temporaryDirectory()
        try ("n\n" + (1...6).map(String.init).joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("rows.csv"), atomically: true, encoding: .utf8)
        func rows() throws -> [String] {
            let text = try String(contentsOf: dir.appendingPathComponent("failed.jsonl"), encoding: .utf8)
            return text.split(separator: "\n").compactMap { line in
                guard let r = line.range(of: #""input":{"n":""#) else { return nil }
                return String(line[r.upperBound...].prefix { $0 != "\"" })
            }.sorted()
        }
        let first = try RosterProcess.run(["--keep-going", "--failures", "failed.jsonl", "-c", "for r in (open \"rows.csv\") { if $r.n != \"1\" { fail(\"no\") } }"], directory: dir)
        #expect(first.status == 1)
        #expect(try rows() == ["2", "3", "4", "5", "6"])
        // Without a journal, the advice says how to retry without doing a row's writes twice.
        #expect(first.err.contains("with a --journal from the start next time"), "\(first.err)")
        let exited = try RosterProcess.run(["--keep-going", "--failures", "failed.jsonl", "-c", """
            for r in (open "failed.jsonl") { if $r.n == "2" { continue }; if $r.n == "4" { exit 3 }; fail("again") }
            """], directory: dir)
        #expect(exited.status == 3, "\(exited.err)")
        #expect(try rows() == ["3", "4", "5", "6"], "2 succeeded; 3 failed again; 4 was cut short by exit; 5 and 6 never ran")
        // A row that failed again still names the line it first came from, not the line of
        // the failures file this run replaced.
        let again = try String(contentsOf: dir.appendingPathComponent("failed.jsonl"), encoding: .utf8)
        #expect(again.split(separator: "\n").contains { $0.contains(#""n":"3""#) && $0.contains(#""row":"rows.csv:4""#) }, "\(again)")
        let interrupted = try RosterProcess.run(["--keep-going", "--failures", "failed.jsonl", "-c", """
            for r in (open "failed.jsonl") --parallel 2 { sleep(0.4); if $r.n == "3" { print "done 3" } else { fail("still") } }
            """], directory: dir, interruptAfter: 0.6)
        #expect(interrupted.status == 130, "\(interrupted.err)")
        #expect(try rows() == ["4", "5", "6"], "3 succeeded before the interrupt; \(interrupted.out) \(interrupted.err)")
        // Ctrl-C in a loop with most of its inputs not begun: every one of them is written (the
        // reading of the rest was itself stopped by the interrupt, and only the current row kept).
        try (["n"] + (1...40).map(String.init)).joined(separator: "\n").write(to: dir.appendingPathComponent("many.csv"), atomically: true, encoding: .utf8)
        for width in [1, 2] {
            let stopped = try RosterProcess.run(["--keep-going", "--failures", "failed.jsonl", "-c",
                                                 "for r in (open \"many.csv\") --parallel \(width) { sleep(0.3) }"], directory: dir, interruptAfter: 0.5)
            #expect(stopped.status == 130, "\(stopped.err)")
            let written = try rows()
            #expect(written.count >= 36 && written.contains("40") && !stopped.err.contains("does not hold the inputs"), "width \(width): \(written.count) rows; \(stopped.err)")
        }
    }

    /// A row that cannot be read (a ragged CSV line, a quote left open, a line of bad JSON) is a
    /// failed input of its own: kept as its text in the failures file, passed over by
    /// --keep-going, listed with the unfinished when the loop stops at it, and failed again by
    /// a retry until someone mends it. It was in neither the file nor the counts.
    @Test func aRowThatCannotBeReadIsKeptNotLost() throws {
        let dir = try RosterProcess.temporaryDirectory()
        try "n,e\n1,a\n2,b,x\n3,c\n4,\"d\n".write(to: dir.appendingPathComponent("h.csv"), atomically: true, encoding: .utf8)
        func lines(_ name: String) throws -> [String] {
            try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8).split(separator: "\n").map(String.init)
        }
        for width in ["", " --parallel 2"] {
            let going = try RosterProcess.run(["--keep-going", "--failures", "f.jsonl", "-c", "for r in (open \"h.csv\")\(width) { print $r.n }"], directory: dir)
            #expect(going.status == 1 && going.out.split(separator: "\n").sorted() == ["1", "3"], "\(width): \(going.out) \(going.err)")
            let kept = try lines("f.jsonl")
            #expect(kept.count == 2 && kept.allSatisfy { $0.contains(#""unreadable":true"#) }, "\(kept)")
            #expect(kept.contains { $0.contains(#""row":"h.csv:3""#) && $0.hasSuffix(#""input":"2,b,x"}"#) }, "\(kept)")
            #expect(kept.contains { $0.contains(#""row":"h.csv:5""#) && $0.hasSuffix(#""input":"4,\"d"}"#) }, "\(kept)")
            #expect(going.err.contains("2 rows could not be read (h.csv:3, h.csv:5)"), "\(going.err)")
            // Without --keep-going the loop stops at the first, and the rest are all kept.
            let stopped = try RosterProcess.run(["--failures", "g.jsonl", "-c", "for r in (open \"h.csv\")\(width) { print $r.n }"], directory: dir)
            let rest = try lines("g.jsonl")
            // (Two workers: the other may have taken row 3 before the stop.)
            let third = #""row":"h.csv:4","error":{"code":"unfinished""#
            #expect(stopped.status == 70 && (stopped.out == "1\n" || (width != "" && stopped.out == "1\n3\n")), "\(width): \(stopped.out) \(stopped.err)")
            // In the order they ended: with two workers, row 5 may end before row 3 (seen on CI).
            #expect(rest.count == (stopped.out == "1\n" ? 3 : 2) && rest.contains { $0.contains(#""row":"h.csv:3""#) && $0.hasSuffix(#""input":"2,b,x"}"#) }
                    && rest.contains { $0.contains(#""row":"h.csv:5""#) && $0.contains(#""unreadable":true"#) }
                    && rest.contains { $0.contains(third) } == (stopped.out == "1\n"), "\(width): \(rest)")
            if width == "" { #expect(rest.first?.hasSuffix(#""input":"2,b,x"}"#) == true && rest.last?.contains(#""row":"h.csv:5""#) == true, "\(rest)") }
            #expect(!stopped.err.contains("does not hold"), "\(stopped.err)")
        }
        // A retry from the failures file fails them again, with the rows they came from.
        let retry = try RosterProcess.run(["--keep-going", "--failures", "f.jsonl", "-c", "for r in (open \"f.jsonl\") { print $r.n }"], directory: dir)
        #expect(retry.status == 1 && retry.out == "" && retry.err.contains("h.csv:3: expected 2 fields (n,e), found 3"), "\(retry.out) \(retry.err)")
        #expect(try lines("f.jsonl").count == 2)
        // Mended in the failures file (the input made a record), a row reads as any other.
        let mended = try lines("f.jsonl").map { $0.replacingOccurrences(of: #""input":"2,b,x""#, with: #""input":{"n":"2","e":"b"}"#) }
        try (mended.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("f.jsonl"), atomically: true, encoding: .utf8)
        let fixed = try RosterProcess.run(["--keep-going", "--failures", "f.jsonl", "-c", "for r in (open \"f.jsonl\") { print $r.n }"], directory: dir)
        let left = try lines("f.jsonl")
        #expect(fixed.out == "2\n" && left.count == 1, "\(fixed.out) \(fixed.err)")
        // NDJSON: a line of bad JSON is passed over the same way.
        try "{\"a\":1}\n{\"a\":2\n\n{\"a\":3}\n".write(to: dir.appendingPathComponent("n.ndjson"), atomically: true, encoding: .utf8)
        let json = try RosterProcess.run(["--keep-going", "--failures", "j.jsonl", "-c", "for r in (open \"n.ndjson\") { print $r.a }"], directory: dir)
        let jsonKept = try lines("j.jsonl")
        #expect(json.out == "1\n3\n" && jsonKept == [#"{"failure":{"at":"<-c>:1:11","row":"n.ndjson:2","iterations":[1],"error":{"code":"invalid_json","message":"n.ndjson:2: invalid JSON at column 7: unexpected end of JSON in an object","location":"<-c>:1:11"},"unreadable":true},"input":"{\"a\":2"}"#], "\(json.out) \(json.err)")
    }

    /// A quoted field still open after 1 MB stops the reading mid-field: the lines after it are
    /// not rows, and are never handed to the loop nor written as inputs, whatever reads next.
    @Test func aReadingThatCannotGoOnHandsOutNoMoreRows() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let long = String(repeating: "x", count: 1_100_000)
        try "n,e\n1,a\n2,\"\(long)\n3,c\n4,d\n".write(to: dir.appendingPathComponent("h.csv"), atomically: true, encoding: .utf8)
        for width in ["", " --parallel 2"] {
            let r = try RosterProcess.run(["--keep-going", "--failures", "f.jsonl", "-c", "for r in (open \"h.csv\")\(width) { print $r.n }"], directory: dir)
            #expect(r.status == 70 && r.out == "1\n", "\(width): \(r.out) \(r.err.prefix(500))")
            #expect(r.err.contains("does not end within 1024 KB") && r.err.contains("does not hold the inputs this loop never began"), "\(r.err.prefix(800))")
            let written = (try? String(contentsOf: dir.appendingPathComponent("f.jsonl"), encoding: .utf8)) ?? ""
            #expect(!written.contains(#""n":"3""#) && !written.contains(#""n":"4""#), "\(written.prefix(300))")
            try? FileManager.default.removeItem(at: dir.appendingPathComponent("f.jsonl"))
        }
    }

    /// A list of inputs known to lack some (behind a pipeline stage, or a reading that failed)
    /// never replaces an earlier failures file, which may be the very input that holds them.
    @Test func aFailuresFileIsNeverReplacedByAListThatLacksRows() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let earlier = (1...5).map { #"{"failure":{"at":"x","error":{"code":"no","message":"no"}},"input":{"n":"\#($0)"}}"# }.joined(separator: "\n") + "\n"
        try earlier.write(to: dir.appendingPathComponent("f.jsonl"), atomically: true, encoding: .utf8)
        let r = try RosterProcess.run(["--failures", "f.jsonl", "-c", "for r in (open \"f.jsonl\") | where true { if $r.n == \"2\" { fail(\"boom\") } }"], directory: dir)
        #expect(r.status == 70)
        #expect(try String(contentsOf: dir.appendingPathComponent("f.jsonl"), encoding: .utf8) == earlier, "rows 3 to 5 are only in the earlier file")
        let aside = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("f.") && $0.hasSuffix(".jsonl") && $0 != "f.jsonl" }
        #expect(aside.count == 1 && r.err.contains("f.jsonl is left as it was") && r.err.contains("this run's failures are in \(aside.first ?? "?")"), "\(aside) \(r.err)")
        let kept = try String(contentsOf: dir.appendingPathComponent(aside.first ?? "none"), encoding: .utf8)
        #expect(kept.contains(#""input":{"n":"2"}"#) && !kept.contains(#""n":"3""#), "\(kept)")
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: dir.path)).contains { $0.hasSuffix(".pending") })
    }

    /// A run killed before its end leaves its pending failures file; the next run naming the
    /// same file removes it (no process holds it). One a live run holds stops a second run at
    /// once with 75: whichever ended last would have replaced the other's failures.
    @Test func aFailuresFileHasOneWriterAndNoLeftovers() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let stale = dir.appendingPathComponent("f.jsonl.4242-abc.pending").path
        try "{}\n".write(toFile: stale, atomically: false, encoding: .utf8)
        let swept = try RosterProcess.run(["--keep-going", "--failures", "f.jsonl", "-c", "for i in range(3) { if $i == 1 { fail(\"no\") } }"], directory: dir)
        #expect(swept.status == 1 && !FileManager.default.fileExists(atPath: stale), "\(swept.err)")
        #expect(swept.err.contains("removed f.jsonl.4242-abc.pending"), "\(swept.err)")
        let live = dir.appendingPathComponent("f.jsonl.4343-def.pending").path
        let fd = open(live, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX) == 0)
        let before = try String(contentsOf: dir.appendingPathComponent("f.jsonl"), encoding: .utf8)
        let busy = try RosterProcess.run(["--keep-going", "--failures", "f.jsonl", "-c", "for i in range(3) { fail(\"no\") }"], directory: dir)
        #expect(busy.status == 75 && busy.err.contains("another run (pid 4343) is writing the failures file 'f.jsonl'"), "\(busy.status) \(busy.err)")
        let after = try String(contentsOf: dir.appendingPathComponent("f.jsonl"), encoding: .utf8)
        #expect(FileManager.default.fileExists(atPath: live) && after == before)
        let pendings = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".pending") }
        #expect(pendings == ["f.jsonl.4343-def.pending"], "the refused run leaves nothing: \(pendings)")
    }

    /// A run killed after some writes: every line it printed before its last write left is in
    /// its output (stdout went out only when 64 KB filled, so a kill lost every `done` line of
    /// rows the journal records as done).
    @Test func whatARunPrintedBeforeAWriteSurvivesAKill() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let r = try RosterProcess.run(["--sandbox-db", "sb.sqlite", "--journal", "j.journal", "-c",
                                       "for i in range(400) { box groups create name=\"g$i\"; print \"done $i\"; sleep(0.02) }"],
                                      directory: dir, killAfter: 0.7)
        let journal = try String(contentsOf: dir.appendingPathComponent("j.journal"), encoding: .utf8)
        let done = journal.split(separator: "\n").filter { $0.hasPrefix(#"{"done":"#) }.count
        let printed = r.out.split(separator: "\n").count
        #expect(r.status == 137 || r.status == -9 || r.status == 9, "killed: \(r.status)")
        #expect(done >= 3 && printed >= done - 1 && printed <= done, "the journal has \(done) done, the output \(printed) lines")
    }

    /// A byte order mark (or two: a tool that adds one to a file that had one) is not data: it
    /// was refused in NDJSON and JSON, and a second one in a CSV went into the first column's
    /// name, so `$r.email` read null.
    @Test func aByteOrderMarkIsNotData() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
        try Data(mark + mark + Array("email,n\na@x,1\n".utf8)).write(to: dir.appendingPathComponent("b.csv"))
        try Data(mark + Array("{\"email\":\"a@x\"}\n".utf8)).write(to: dir.appendingPathComponent("b.ndjson"))
        try Data(mark + Array("[{\"email\":\"a@x\"}]".utf8)).write(to: dir.appendingPathComponent("b.json"))
        for file in ["b.csv", "b.ndjson", "b.json"] {
            let r = try RosterProcess.run(["-c", "for r in (open \"\(file)\") { print $r.email }"], directory: dir)
            #expect(r.status == 0 && r.out == "a@x\n", "\(file): \(r.out) \(r.err)")
        }
    }

    /// `fail($e)` raises a caught error again: the diagnostic points at the `fail` and names
    /// where the error was first raised (it named only the `fail`).
    @Test func anErrorRaisedAgainNamesWhereItWasFirstRaised() throws {
        let dir = try RosterProcess.temporaryDirectory()
        try "def f() {\n  fail(\"boom\", \"x\")\n}\ntry { f() } catch e {\n  fail($e)\n}\n".write(to: dir.appendingPathComponent("f.roster"), atomically: true, encoding: .utf8)
        let r = try RosterProcess.run(["f.roster"], directory: dir)
        #expect(r.status == 70 && r.err.contains("f.roster:5:3: error: boom") && r.err.contains("f.roster:2:3: note: raised here first"), "\(r.err)")
        let once = try RosterProcess.run(["-c", "fail(\"boom\")"], directory: dir)
        #expect(!once.err.contains("raised here first"), "\(once.err)")
    }

    /// A filter-based role change an earlier run left in doubt, whose filters select nobody on
    /// the rerun (its change applied: the writers are readers now), is recorded as done, and the
    /// run says that who changed is not known (it was passed off as "no member changed").
    @Test func aFilteredChangeInDoubtThatNowSelectsNobodyIsSaid() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let args = ["--sandbox-db", "sb.sqlite", "--journal", "j.jsonl", "-c", "print (ld members replace-all-roles role=reader filter_roles=writer).members"]
        let first = try RosterProcess.run(args, directory: dir)
        #expect(first.status == 0, "\(first.err)")
        // As if killed before the answer was journaled: the intent stays, its outcome does not.
        let journal = dir.appendingPathComponent("j.jsonl")
        let lines = try String(contentsOf: journal, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix(#"{"done":"#) }
        try (lines.joined(separator: "\n") + "\n").write(to: journal, atomically: true, encoding: .utf8)
        let again = try RosterProcess.run(args, directory: dir)
        #expect(again.status == 0 && again.err.contains("never learnt the outcome") && again.err.contains("which ones is not known"), "\(again.out) \(again.err)")
    }

    /// Another file's unreadable row, met by a pipeline stage's own code, is that stage's error:
    /// it was taken for a row of the loop's stream, and every row of it was written as the other
    /// file's text.
    @Test func anotherFilesUnreadableRowIsNotTheLoopsRow() throws {
        let dir = try RosterProcess.temporaryDirectory()
        try "email\na@x\nb@x\n".write(to: dir.appendingPathComponent("a.csv"), atomically: true, encoding: .utf8)
        try "email\nz@x,extra\n".write(to: dir.appendingPathComponent("b.csv"), atomically: true, encoding: .utf8)
        let r = try RosterProcess.run(["--keep-going", "--failures", "f.jsonl", "-c",
                                       "for r in (open \"a.csv\" | where .email != list(open(\"b.csv\"))[0].email) { print $r.email }"], directory: dir)
        let kept = (try? String(contentsOf: dir.appendingPathComponent("f.jsonl"), encoding: .utf8)) ?? ""
        #expect(r.status != 0 && !kept.contains("z@x,extra") && !kept.contains("unreadable"), "\(r.status) \(kept) \(r.err)")
    }

    /// A run that prints and then waits shows the line within a second, even killed while it
    /// waits without a journal (only a later line, or the end, sent it).
    @Test func aLinePrintedBeforeAWaitSurvivesAKill() throws {
        let r = try RosterProcess.run(["-c", "print \"a\"; sleep(5); print \"b\""], killAfter: 2.5)
        #expect(r.out == "a\n", "\(r.status) \(r.out)")
    }

    @Test func theServersTemporaryDatabaseIsPrivateAndGoesWithIt() throws {
        let p = Process()
        p.executableURL = RosterProcess.binary
        p.arguments = ["serve", "--port", "0", "--quiet", "--idle-timeout", "1"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        var data = Data()
        while !data.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            data.append(chunk)
        }
        let url = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let port = UInt16(url.split(separator: ":").last.flatMap { Int($0) } ?? 0)
        let prefix = "roster-sandbox-\(p.processIdentifier)-"
        let tmp = FileManager.default.temporaryDirectory.path
        let files = try FileManager.default.contentsOfDirectory(atPath: tmp).filter { $0.hasPrefix(prefix) && $0.hasSuffix(".sqlite") }
        #expect(files.count == 1)
        var st = stat()
        #expect(files.first.map { stat(tmp + "/" + $0, &st) == 0 && st.st_mode & 0o777 == 0o600 } == true)
        // A request half sent is closed after the idle timeout (1 s here).
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(connected == 0)
        _ = "GET /2.0/users HTTP/1.1\r\nHost: x\r\n".withCString { send(fd, $0, strlen($0), 0) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let started = Date()
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        #expect(n == 0 && Date().timeIntervalSince(started) < 4, "closed by the server: \(n) after \(Date().timeIntervalSince(started)) s")
        close(fd)
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        let left = try FileManager.default.contentsOfDirectory(atPath: tmp).filter { $0.hasPrefix(prefix) }
        #expect(left.isEmpty, "\(left)")
    }

    @Test func serverTextCannotDriveTheTerminal() throws {
        let r = try RosterProcess.run(["--sandbox-db", ":memory:", "--output", "table", "-c", """
            let u = box users create name="Eve\\u{1B}]0;owned\\u{7}\\u{1B}[31m" login=eve@example.com
            [$u] | select .name .login
            $u.name
            fail($u.name)
            """])
        #expect(r.status == 70)
        for text in [r.out, r.err] { #expect(!text.contains("\u{1B}") && !text.contains("\u{7}"), "\(text)") }
        #expect(r.out.contains("Eve\\u{1B}]0;owned\\u{7}\\u{1B}[31m"), "\(r.out)")
        let json = try RosterProcess.run(["--sandbox-db", ":memory:", "--output", "json", "-c", "box users create name=\"Eve\\u{1B}\" login=e@example.com | select .name"])
        #expect(json.out.contains("Eve\\u001b"), "JSON stays exact: \(json.out)")
        // print: exact into a pipe, escaped on a terminal (tabs and newlines kept).
        let script = "let u = box users create name=\"Eve\\u{1B}[2J\\u{200B}\" login=e@example.com\nprint \"${$u.name}\\tdone\\nnext\""
        let piped = try RosterProcess.run(["--sandbox-db", ":memory:", "-c", script])
        #expect(piped.out == "Eve\u{1B}[2J\u{200B}\tdone\nnext\n", "\(piped.out)")
        let dir = try RosterProcess.temporaryDirectory()
        let s = try PtySession(arguments: ["--sandbox-db", ":memory:", "-c", script], environment: ["XDG_STATE_HOME": dir.path, "HOME": dir.path])
        #expect(s.expect("next"), "\(s.screen)")
        #expect(!s.screen.contains("\u{1B}[2J") && !s.screen.contains("\u{200B}"), "\(s.screen)")
        #expect(s.screen.contains("Eve\\u{1B}[2J\\u{200B}\tdone"), "\(s.screen)")
    }
}
}

extension ScriptedServer {
    /// A server that answers every request 401 with the Authorization header it was sent in
    /// its body (`tls`: HTTPS with the self-signed certificate in Tests/fixtures/tls).
    static func echo(tls: Bool = false) throws -> ScriptedServer {
        try ScriptedServer("""
            def answer(h, body):
                auth = h.headers.get("Authorization", "")
                reply(h, 401, {"type": "error", "status": 401, "code": "unauthorized", "message": "bad token " + auth, "echo": auth})
            """, tls: tls)
    }
}
