import Foundation
import Testing

/// The built binary: scripts from files, stdin and -c; stdout, stderr and exit codes.
extension EndToEndTests {
@Suite(.serialized)
struct BinaryTests {
    @Test func snippetPrintsAndExitsZero() throws {
        let r = try RosterProcess.run(["-c", "print (1 + 2)\nlet x = \"a\"\nprint \"x=$x\""])
        #expect(r.out == "3\nx=a\n")
        #expect(r.err == "")
        #expect(r.status == 0)
    }

    @Test func scriptOnStdinRunsWithoutAnEditor() throws {
        let r = try RosterProcess.run([], stdin: "print \"from stdin\"\n[1, 2]\n")
        #expect(r.out == "from stdin\n1\n2\n")   // no prompt, no banner: libedit was never started
        #expect(r.status == 0)
        let dash = try RosterProcess.run(["-"], stdin: "print 7\n")
        #expect(dash.out == "7\n")
    }

    @Test func fileWithArgumentsAndRun() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let script = dir.appendingPathComponent("args.roster")
        try "print len($args) $args[0]\n".write(to: script, atomically: true, encoding: .utf8)
        let r = try RosterProcess.run([script.path, "one", "two"])
        #expect(r.out == "2 one\n")
        let run = try RosterProcess.run(["run", script.path, "x"])
        #expect(run.out == "1 x\n")
    }

    /// A failure that stops a loop over a file names the row it was on (its file and line, a
    /// quoted field's newline counted), through a `where` stage and in a parallel loop alike.
    @Test func aFailureInALoopOverAFileNamesTheRow() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let csv = dir.appendingPathComponent("people.csv")
        try "name,email,n\n\"Ada\nLovelace\",ada@example.com,1\nBob,bob@example.com,0\n".write(to: csv, atomically: true, encoding: .utf8)
        for loop in ["for p in (open \"people.csv\")", "for p in (open \"people.csv\" | where .n != \"2\")",
                     "for p in (open \"people.csv\") --parallel 2 --key email"] {
            let r = try RosterProcess.run(["-c", "\(loop) { print (10 / int($p.n)) }"], directory: dir)
            #expect(r.status == 70, "\(loop): \(r.err)")
            let row = loop.contains("--key") ? "email=bob@example.com" : "name=Bob, email=bob@example.com, …"
            #expect(r.err.contains("error: division by zero") && r.err.hasSuffix("people.csv:4: note: the row: \(row)\n"), "\(loop): \(r.err)")
        }
    }

    /// A sandbox database named by a bare file name lives in the current folder.
    @Test func aRelativeSandboxDatabaseIsInTheCurrentFolder() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let r = try RosterProcess.run(["--sandbox-db", "here.sqlite", "-c", "print (ld members get id=me).email"], directory: dir)
        #expect(r.status == 0 && r.out == "ada@example.com\n", "\(r.err)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("here.sqlite").path))
    }

    @Test func variablesFromTheCommandLine() throws {
        let r = try RosterProcess.run(["--var", "n=41", "--var", "name=ada", "-c", "print ($n + 1) $name"])
        #expect(r.out == "42 ada\n")
    }

    @Test func syntaxErrorsExit65AndNothingRuns() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let script = dir.appendingPathComponent("bad.roster")
        try "print \"before\"\nlet x = (1 +)\nlet = 2\n".write(to: script, atomically: true, encoding: .utf8)
        let r = try RosterProcess.run([script.path])
        #expect(r.status == 65)
        #expect(r.out == "")
        #expect(r.err.hasPrefix("\(script.path):2:13: error: expected an expression, found ')'\nlet x = (1 +)\n            ^\n"))
        #expect(r.err.contains("\(script.path):3:5: error: expected a variable name after 'let', found '='\nlet = 2\n    ^\n"))
        #expect(r.err.contains("2 errors"))
    }

    @Test func runtimeErrorsExit70WithLocationAndCaret() throws {
        let r = try RosterProcess.run(["-c", "print \"ok\"\nlet xs = [1]\nprint $xs[3]\nprint \"never\""])
        #expect(r.status == 70)
        #expect(r.out == "ok\n")
        #expect(r.err == "<-c>:3:11: error: index 3 is out of range for a list of length 1\nprint $xs[3]\n          ^\n")
    }

    @Test func runtimeErrorInFunctionNamesTheCallSite() throws {
        let r = try RosterProcess.run(["-c", "def f(x) {\n  return $x.a\n}\nf(1)"])
        #expect(r.status == 70)
        #expect(r.err.contains("<-c>:2:10: error: cannot read field 'a' of int"))
        #expect(r.err.contains("<-c>:4:1: note: in 'f', called from here"))
    }

    @Test func exitCodes() throws {
        #expect(try RosterProcess.run(["-c", "exit 3"]).status == 3)
        #expect(try RosterProcess.run(["-c", "exit"]).status == 0)
        #expect(try RosterProcess.run(["no-such-file.roster"]).status == 64)
        #expect(try RosterProcess.run(["--output", "yaml", "-c", "1"]).status == 64)
        #expect(try RosterProcess.run(["--var", "1x=2", "-c", "1"]).status == 64)
        #expect(try RosterProcess.run(["--bogus"]).status == 64)
    }

    @Test func interruptedBatchExits130() throws {
        let r = try RosterProcess.run(["-c", "print \"started\"\nsleep 30\nprint \"not reached\""], interruptAfter: 0.5)
        #expect(r.status == 130)
        #expect(r.out == "started\n")
        #expect(r.err.contains("interrupted"))
        // A builtin reading a stream to its end stops too (it ran on past Ctrl-C and SIGTERM).
        for program in ["print (len(range(0, 9223372036854775807, 2)))", "print (sum(range(0, 9223372036854775807, 3)))"] {
            let stopped = try RosterProcess.run(["-c", program], interruptAfter: 0.5, killAfter: 30)
            #expect(stopped.status == 130 && stopped.err.contains("interrupted"), "\(program): \(stopped.status) \(stopped.err)")
        }
    }

    @Test func outputFormats() throws {
        let rows = "[{name: \"ada\", n: 1}, {name: \"bob, jr\", n: 2}]"
        #expect(try RosterProcess.run(["-c", rows]).out == "{\"name\":\"ada\",\"n\":1}\n{\"name\":\"bob, jr\",\"n\":2}\n")
        #expect(try RosterProcess.run(["--output", "csv", "-c", rows]).out == "name,n\nada,1\n\"bob, jr\",2\n")
        #expect(try RosterProcess.run(["--output", "table", "-c", rows]).out == "name     n\nada      1\nbob, jr  2\n")
        #expect(try RosterProcess.run(["--output", "json", "-c", "{a: [1]}"]).out == "{\n  \"a\": [\n    1\n  ]\n}\n")
    }

    @Test func checkParsesWithoutRunning() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let good = dir.appendingPathComponent("good.roster")
        try "print \"would print\"\ndef fail() { exit 3 }\nfail()\n".write(to: good, atomically: true, encoding: .utf8)
        let ok = try RosterProcess.run(["check", good.path])
        #expect(ok.status == 0)
        #expect(ok.out == "")
        let bad = dir.appendingPathComponent("bad.roster")
        try "break\n".write(to: bad, atomically: true, encoding: .utf8)
        let r = try RosterProcess.run(["check", bad.path])
        #expect(r.status == 65)
        #expect(r.err.contains("bad.roster:1:1: error: 'break' outside a loop"))
    }

    /// `roster check` (and `run`, before anything runs) finds every problem a verb call has
    /// whatever its variables hold, and every variable no statement declares, each at its place.
    @Test func checkFindsEveryBindingProblemBeforeAnythingRuns() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let script = dir.appendingPathComponent("t.roster")
        try """
            print "ran"
            box memberships add usr=1 group=57001
            ld members replace-roles role=superuser ids=["64b000000000000000000002"]
            print $undefined_var
            box membrs list
            let n = 3
            ld members list limit=$n sort=-lastSeen
            losant tokens get id=x
            def greet(name) { print "hi $name" }
            gret ada
            print len(1, 2)
            greeet("ada")
            greet(upper("ada"))
            greet("a", "b")
            def later(a, b = 1) { return $a }
            print later() later(1) later(1, 2)
            let swap = 1
            def swap(x) { return $x }
            print swap(1, 2)
            greet ada extra
            [1] | greet 2
            greet nme=1
            len 1 2
            $zz = 1
            for i in [1] { let x = if true { continue } else { 1 } }
            """.write(to: script, atomically: true, encoding: .utf8)
        let r = try RosterProcess.run(["--sandbox-db", ":memory:", "check", script.path])
        #expect(r.status == 65, "\(r.err)")
        let errors = r.err.split(separator: "\n").filter { $0.contains(": error: ") }.map { String($0.drop { $0 != ":" }.dropFirst()) }
        #expect(errors == [
            "2:1: error: box memberships add needs user= (the user's id or login)",
            "2:21: error: box memberships add has no parameter 'usr'; did you mean 'user'?; parameters: user, group, role, configurable_permissions, fields",
            "3:26: error: role=superuser is not allowed; valid: reader, writer, admin, no_access",
            "4:7: error: undefined variable '$undefined_var'",
            "5:1: error: unknown command 'box membrs list'; did you mean 'box memberships list'?",
            "10:1: error: unknown command 'gret'; did you mean 'greet'?",
            "11:7: error: len takes 1 argument, got 2: len(value)",
            "12:1: error: unknown function 'greeet'; did you mean 'greet'?",
            "14:1: error: 'greet' takes 1 argument (name), got 2",
            "16:7: error: 'later' needs a value for 'a'",
            // Calls in command form, checked as those in call form are.
            "20:1: error: 'greet' takes 1 argument (name), got 2",
            "21:7: error: 'greet' takes 1 argument (name), got 2",
            "22:7: error: 'greet' has no parameter 'nme'; did you mean 'name'?; its parameters are name",
            "23:1: error: len takes 1 argument, got 2: len(value)",
            "24:1: error: cannot assign to undeclared variable '$zz'; declare it first with 'let zz = ...'",
            "25:34: error: break, continue and return cannot leave an if that gives a value; use an if statement",
        ], "\(r.err)")
        // A run reports the same, and runs nothing.
        let run = try RosterProcess.run(["--sandbox-db", ":memory:", script.path])
        #expect(run.status == 65 && run.out.isEmpty, "\(run.out)")
        #expect(run.err.contains("t.roster:2:21: error: box memberships add has no parameter 'usr'"))
    }

    /// Every script the repository ships passes the check.
    @Test func theExampleScriptsPassTheCheck() throws {
        let scripts = try FileManager.default.contentsOfDirectory(atPath: SandboxProcess.scripts.path).filter { $0.hasSuffix(".roster") }
        #expect(scripts.count >= 3)
        for name in scripts {
            let r = try RosterProcess.run(["check", SandboxProcess.scripts.appendingPathComponent(name).path])
            #expect(r.status == 0 && r.err.isEmpty, "\(name): \(r.err)")
        }
    }

    /// The command line as swift-argument-parser means it: help and version everywhere, options
    /// before or after the subcommand, `roster help VERB`, completion scripts.
    @Test func helpAndVersionWorkForTheToolAndEachSubcommand() throws {
        for args in [["--help"], ["-h"]] {
            let r = try RosterProcess.run(args)
            #expect(r.status == 0 && r.out.contains("USAGE: roster") && r.out.contains("SUBCOMMANDS:") && r.out.contains("completions"), "\(args): \(r.out.prefix(300)) \(r.err)")
        }
        let overview = try RosterProcess.run(["help"])
        #expect(overview.status == 0 && overview.out.hasPrefix("roster: a command language for SaaS account administration."), "\(overview.out.prefix(200))")
        let version = try RosterProcess.run(["--version"])
        #expect(version.status == 0 && version.out == "0.1.0\n", "\(version.out)")
        for sub in ["run", "check", "serve", "verbs", "profiles", "journal", "completions"] {
            let r = try RosterProcess.run([sub, "--help"])
            #expect(r.status == 0 && r.out.contains("USAGE: roster \(sub)"), "\(sub) --help: \(r.out.prefix(200)) \(r.err)")
            let v = try RosterProcess.run([sub, "--version"])
            #expect(v.status == 0 && v.out == "0.1.0\n", "\(sub) --version: \(v.out) \(v.err)")
        }
        let runHelp = try RosterProcess.run(["run", "-h"])
        #expect(runHelp.out.contains("--dry-run") && runHelp.out.contains("--journal <FILE>"), "\(runHelp.out)")
    }

    /// `roster FILE ARG...` runs without the argument parser (start-up's larger half);
    /// `roster run FILE ARG...` goes through it. Both must do the same for every such line:
    /// the script's words, an option after the path refused, `--`, a misspelt subcommand, a
    /// verb typed as a path, a missing file, a failing script.
    @Test func aScriptRunsTheSameWithAndWithoutTheParser() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let script = dir.appendingPathComponent("w.roster")
        try "print len($args) $args\nif len($args) > 2 { print 1 / 0 }\n".write(to: script, atomically: true, encoding: .utf8)
        let lines: [[String]] = [
            [script.path], [script.path, "a", "b"], [script.path, "--dry-run"], [script.path, "--", "--dry-run"],
            [script.path, "--help"], [script.path, "--version"], [script.path, "x", "y", "z"], [script.path, "--var=x"],
            ["chek", script.path], ["ld", "members", "list"], [dir.appendingPathComponent("none.roster").path],
        ]
        for line in lines {
            let plain = try RosterProcess.run(line)
            let parsed = try RosterProcess.run(["run"] + line)
            #expect(plain.status == parsed.status && plain.out == parsed.out && plain.err == parsed.err,
                    "\(line): \(plain.status) \(plain.out) \(plain.err) | \(parsed.status) \(parsed.out) \(parsed.err)")
        }
    }

    @Test func optionsGoBeforeOrAfterTheSubcommandAndTheScriptKeepsTheRest() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let script = dir.appendingPathComponent("v.roster")
        try "print $x len($args) $args\n".write(to: script, atomically: true, encoding: .utf8)
        for args in [["--var", "x=1", "run", script.path, "--", "--dry-run", "a"], ["run", "--var", "x=1", script.path, "--", "--dry-run", "a"],
                     ["--var", "x=1", script.path, "--", "--dry-run", "a"]] {
            let r = try RosterProcess.run(args)
            #expect(r.status == 0 && r.out == "1 2 [\"--dry-run\",\"a\"]\n", "\(args): \(r.out) \(r.err)")
            // Without --, roster's own option there is refused: the run would go ahead without it.
            let refused = try RosterProcess.run(args.filter { $0 != "--" })
            #expect(refused.status == 64 && refused.out.isEmpty, "\(args): \(refused.err)")
        }
        let dry = try RosterProcess.run(["run", "--dry-run", "--sandbox-db", ":memory:", "-c", "box groups create name=Planned"])
        #expect(dry.status == 0 && dry.out.contains("plan: POST ") && dry.err.contains("dry run: 1 write planned"), "\(dry.out) \(dry.err)")
        let bad = try RosterProcess.run(["--nope"])
        #expect(bad.status == 64, "\(bad.err)")
    }

    @Test func helpTopicPrintsWhatTheREPLsHelpPrints() throws {
        let r = try RosterProcess.run(["help", "box", "memberships", "add"])
        #expect(r.status == 0 && r.out.hasPrefix("box memberships add") && r.out.contains("Parameters:") && r.out.contains("--dry-run"), "\(r.out) \(r.err)")
        let builtin = try RosterProcess.run(["help", "len"])
        #expect(builtin.status == 0 && builtin.out.hasPrefix("len("), "\(builtin.out)")
    }

    /// `roster completions bash` is a script bash accepts, which completes subcommands and,
    /// after `roster help`, a verb's words and then its parameters.
    @Test func completionScriptsCompleteSubcommandsAndVerbs() throws {
        let dir = try RosterProcess.temporaryDirectory()
        for shell in ["bash", "zsh", "fish"] {
            let r = try RosterProcess.run(["completions", shell])
            #expect(r.status == 0 && r.out.count > 200, "\(shell): \(r.err)")
            if shell == "bash" { try r.out.write(to: dir.appendingPathComponent("roster.bash"), atomically: true, encoding: .utf8) }
        }
        let syntax = Process()
        syntax.executableURL = URL(fileURLWithPath: "/bin/bash")
        syntax.arguments = ["-n", dir.appendingPathComponent("roster.bash").path]
        try syntax.run()
        syntax.waitUntilExit()
        #expect(syntax.terminationStatus == 0, "bash -n accepts the script")
        func complete(_ line: String) throws -> [String] {
            let words = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            let probe = """
                PATH=\(RosterProcess.binary.deletingLastPathComponent().path):$PATH
                source \(dir.appendingPathComponent("roster.bash").path)
                COMP_WORDS=(\(words.map { "'\($0)'" }.joined(separator: " ")))
                COMP_CWORD=\(words.count - 1)
                COMP_LINE='\(line)'
                COMP_POINT=${#COMP_LINE}
                _roster roster '\(words.last!)' '\(words[words.count - 2])'
                printf '%s\\n' "${COMPREPLY[@]}"
                """
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = ["-c", probe]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return text.split(separator: "\n").map(String.init)
        }
        #expect(try complete("roster ch").contains("check"))
        #expect(try complete("roster help box mem").contains("memberships"))
        let parameters = try complete("roster help box memberships add ")
        #expect(parameters.contains("user=") && parameters.contains("group=") && parameters.contains("role="), "\(parameters)")
    }

    /// `save` into a folder that does not exist names the file and the folder.
    @Test func saveNamesWhatIsMissing() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let r = try RosterProcess.run(["-c", "save([{a: 1}], \"no/such/out.csv\")"], directory: dir)
        #expect(r.status == 70 && r.err.contains("cannot write 'no/such/out.csv': the folder 'no/such' does not exist"), "\(r.err)")
    }

    /// A stream from `open` holds no file open until it is read: a script may hold more of them
    /// than it may have files open (here 64, set for the child alone).
    @Test func unreadFilesHoldNothingOpen() throws {
        let dir = try RosterProcess.temporaryDirectory()
        try "id\n1\n2\n".write(to: dir.appendingPathComponent("a.csv"), atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "ulimit -n 64 && exec \"$0\" \"$@\"", RosterProcess.binary.path, "-c", """
            let files = []
            for i in range(500) { $files += [open("a.csv")] }
            print len($files) len(list($files[499]))
            """]
        p.currentDirectoryURL = dir
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problems = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0 && text == "500 2\n", "\(text) \(problems)")
    }

    @Test func csvJsonAndNdjsonFiles() throws {
        let dir = try RosterProcess.temporaryDirectory()
        try "name,email,id\nAda,ada@example.com,007\n\"Lovelace, A\",al@example.com,8\n".write(to: dir.appendingPathComponent("hires.csv"), atomically: true, encoding: .utf8)
        let r = try RosterProcess.run(["-c", """
            let file = open("hires.csv")
            let rows = list($file)
            print len($rows) $rows[0].id $rows[1].name
            print len($file) len($file | where .id == "8")
            $rows | save out.json
            save($rows, "out.ndjson")
            $rows | select .name | save names.csv
            print (open "out.json")[1].email
            print len(open("out.ndjson"))
            print open("names.csv")
            """], directory: dir)
        #expect(r.err == "")
        #expect(r.out == "2 007 Lovelace, A\n2 1\nal@example.com\n2\n[{\"name\":\"Ada\"},{\"name\":\"Lovelace, A\"}]\n", "a file's stream is read again by each use")
        let csv = try String(contentsOf: dir.appendingPathComponent("names.csv"), encoding: .utf8)
        #expect(csv == "name\nAda\n\"Lovelace, A\"\n")
    }

    @Test func badCsvRowIsReportedWithItsLine() throws {
        let dir = try RosterProcess.temporaryDirectory()
        try "a,b\n1,2\n3\n".write(to: dir.appendingPathComponent("bad.csv"), atomically: true, encoding: .utf8)
        let r = try RosterProcess.run(["-c", "open bad.csv"], directory: dir)
        #expect(r.status == 70)
        #expect(r.err.contains("bad.csv:3: expected 2 fields (a,b), found 1"))
        var bytes = Data("a,b\n1,".utf8)
        bytes.append(contentsOf: [0xFF, 0xFE])
        bytes.append(Data("\n".utf8))
        try bytes.write(to: dir.appendingPathComponent("binary.csv"))
        let u = try RosterProcess.run(["-c", "open binary.csv"], directory: dir)
        #expect(u.status == 70)
        #expect(u.err.contains("invalid UTF-8"))
    }

    @Test func sourceIsRelativeToTheScript() throws {
        let dir = try RosterProcess.temporaryDirectory()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("lib"), withIntermediateDirectories: true)
        try "def hello(n) { return \"hello $n\" }\n".write(to: dir.appendingPathComponent("lib/util.roster"), atomically: true, encoding: .utf8)
        try "source util.roster\nprint hello(\"ada\")\n".write(to: dir.appendingPathComponent("lib/main.roster"), atomically: true, encoding: .utf8)
        let r = try RosterProcess.run([dir.appendingPathComponent("lib/main.roster").path])
        #expect(r.out == "hello ada\n")
    }

    @Test func servePrintsItsURLLogsRequestsAndStopsOnSIGTERM() throws {
        let server = try SandboxProcess(database: ":memory:", logs: true)
        let url = server.url
        #expect(url.hasPrefix("http://127.0.0.1:"))
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        curl.arguments = ["python3", "-c", "import urllib.request as u; r = u.urlopen(u.Request('\(url)/api/v2/members/me', headers={'Authorization': 'api-sandbox-admin'})); print(r.status)"]
        let curlOut = Pipe()
        curl.standardOutput = curlOut
        try curl.run()
        curl.waitUntilExit()
        #expect(String(decoding: curlOut.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "200\n")
        #expect(server.stop() == 0)
        let log = server.log()
        #expect(log.contains("GET /api/v2/members/me 200"))
        #expect(!log.contains("api-sandbox-admin"), "tokens never reach the log")
    }

    /// `--profile NAME` on one command sends only that call to NAME; `ROSTER_SANDBOX_URL` points
    /// a whole run at a running server. Which server got each write is read back from both.
    @Test func oneCommandGoesToAnotherProfileAndTheSandboxURLComesFromTheEnvironment() throws {
        let server = try SandboxProcess(database: ":memory:")
        defer { server.stop() }
        let config = try RosterProcess.temporaryDirectory().appendingPathComponent("config.toml")
        try "[profiles.other]\nlaunchdarkly = { url = \"\(server.url)\", token_env = \"OTHER_LD\" }\n".write(to: config, atomically: true, encoding: .utf8)
        let r = try RosterProcess.run(["--sandbox-db", ":memory:", "-c", """
            let invited = ld members invite email=far@example.com role=reader --profile other
            print (len(list(ld members list filter=query:far@example.com)))
            print (len(list(ld members list filter=query:far@example.com --profile other)))
            print (len(list(ld members list filter=query:far@example.com profile=other)))
            """], environment: ["ROSTER_CONFIG": config.path, "OTHER_LD": "api-sandbox-admin"])
        #expect(r.status == 0 && r.out == "0\n1\n1\n", "\(r.out)\(r.err)")
        let viaEnvironment = try RosterProcess.run(["-c", "ld members invite email=env@example.com role=reader"],
                                                   environment: ["ROSTER_SANDBOX_URL": server.url, "ROSTER_CONFIG": config.path])
        #expect(viaEnvironment.status == 0, "\(viaEnvironment.err)")
        let emails = try server.state().ld_emails
        #expect(emails.contains("far@example.com") && emails.contains("env@example.com"))
    }

    /// A list parameter given an open file reads the whole file (it used to send an empty list:
    /// the stream was pulled without being started).
    @Test func aListParameterTakesAnOpenFile() throws {
        let dir = try RosterProcess.temporaryDirectory()
        try "\"alpha\"\n\"beta\"\n".write(to: dir.appendingPathComponent("teams.ndjson"), atomically: true, encoding: .utf8)
        let r = try RosterProcess.run(["--dry-run", "--sandbox-db", ":memory:", "-c",
                                       "let r = ld members add-teams id=64b000000000000000000003 teams=(open \"teams.ndjson\")"], directory: dir)
        #expect(r.status == 0 && r.out.contains(#"/api/v2/members/64b000000000000000000003/teams {"teamKeys":["alpha","beta"]}"#), "\(r.out)\(r.err)")
    }

    /// A run may read its previous failures file and write the new one to the same path: the
    /// new one replaces the old only when the run ends (it used to be emptied at the start).
    @Test func aRerunReadsAndRewritesTheSameFailuresFile() throws {
        let dir = try RosterProcess.temporaryDirectory()
        let first = try RosterProcess.run(["--keep-going", "--failures", "f.jsonl", "-c", "for x in [1, 2] { fail(\"no $x\") }"], directory: dir)
        #expect(first.status == 1)
        let again = try RosterProcess.run(["--keep-going", "--failures", "f.jsonl", "-c",
                                           "for x in (open \"f.jsonl\") { print \"retry $x\"; if $x == 1 { fail(\"still\") } }"], directory: dir)
        #expect(again.status == 1 && again.out == "retry 1\nretry 2\n", "\(again.out)\(again.err)")
        let left = try String(contentsOf: dir.appendingPathComponent("f.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(left.count == 1 && left[0].hasSuffix(#""input":1}"#), "\(left)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("f.jsonl.pending").path))
    }

    /// Off loopback the fixed tokens are refused and fresh ones, printed after the URL, work.
    @Test func serveOffLoopbackMakesFreshTokens() throws {
        let server = try SandboxProcess(database: ":memory:", arguments: ["--host", "0.0.0.0"])
        defer { server.stop() }
        let lines = server.lines(8)
        try #require(lines.count >= 8, "\(lines)")
        let port = try #require(lines[0].split(separator: ":").last)
        func token(_ label: String) -> String { lines.first { $0.hasPrefix(label + ": ") }.map { String($0.dropFirst(label.count + 2)) } ?? "" }
        let box = token("box admin token"), ld = token("launchdarkly admin token"), losant = token("losant all.Instance token")
        #expect(box.hasPrefix("box-") && ld.hasPrefix("api-") && losant.hasPrefix("losant-") && box != "box-sandbox-admin")
        func status(_ path: String, _ authorization: String) throws -> String {
            let py = Process()
            py.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            py.arguments = ["python3", "-c", """
                import urllib.request as u, urllib.error as e
                try: print(u.urlopen(u.Request('http://127.0.0.1:\(port)\(path)', headers={'Authorization': '\(authorization)'})).status)
                except e.HTTPError as x: print(x.code)
                """]
            let pipe = Pipe()
            py.standardOutput = pipe
            try py.run()
            py.waitUntilExit()
            return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try status("/2.0/users/me", "Bearer box-sandbox-admin") == "401")
        #expect(try status("/2.0/users/me", "Bearer \(box)") == "200")
        #expect(try status("/api/v2/members/me", "api-sandbox-admin") == "401")
        #expect(try status("/api/v2/members/me", ld) == "200")
        #expect(try status("/instances/5f0000000000000000000001/tokens", "Bearer \(losant)") == "200")
        // The Box app's secret is fresh too: the public one gets no token.
        let secret = token("box app client secret")
        #expect(secret.hasPrefix("box-secret-"), "\(lines)")
        func grant(_ secret: String) throws -> String {
            let py = Process()
            py.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            py.arguments = ["python3", "-c", """
                import urllib.request as u, urllib.error as e, urllib.parse as p
                body = p.urlencode({'grant_type': 'client_credentials', 'client_id': 'sandbox-client-id', 'client_secret': '\(secret)',
                                    'box_subject_type': 'enterprise', 'box_subject_id': 'sandbox-enterprise'}).encode()
                try: print(u.urlopen(u.Request('http://127.0.0.1:\(port)/oauth2/token', data=body)).status)
                except e.HTTPError as x: print(x.code)
                """]
            let pipe = Pipe()
            py.standardOutput = pipe
            try py.run()
            py.waitUntilExit()
            return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try grant("sandbox-client-secret") == "400")
        #expect(try grant(secret) == "200")
    }

    /// The exploration scripts, against the embedded sandbox (in memory), as a newcomer runs them.
    @Test func theExplorationScriptsRun() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let expected = ["launchdarkly": "after delete: 404 not_found", "losant": "deleted: true", "box": "memberships of Explorer Box: 0"]
        for (service, lastLine) in expected {
            let r = try RosterProcess.run([root.appendingPathComponent("scripts/explore-\(service).roster").path],
                                          environment: ["ROSTER_SANDBOX_DB": ":memory:", "XDG_CONFIG_HOME": try RosterProcess.temporaryDirectory().path])
            #expect(r.status == 0, "\(service): \(r.err)")
            #expect(r.out.hasSuffix(lastLine + "\n"), "\(service): \(r.out)")
        }
    }

    @Test func verbsHelpAndProfilesComeFromTheCatalog() throws {
        let verbs = try RosterProcess.run(["verbs"])
        #expect(verbs.out.contains("box memberships add") && verbs.out.contains("ld members replace-roles") && verbs.out.contains("losant tokens create"))
        let help = try RosterProcess.run(["-c", "help box memberships add"])
        #expect(help.out.contains("POST /2.0/group_memberships") && help.out.contains("create_group_membership"))
        // A listing's help says how to choose its table's columns (only the README did).
        let listing = try RosterProcess.run(["-c", "help ld members list"])
        #expect(listing.out.contains("--wide ") && listing.out.contains("--columns A,B") && !help.out.contains("--wide"), "\(listing.out)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("roster-profiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let config = dir.appendingPathComponent("config.toml")
        try "[profiles.acme]\nbox = { url = \"https://api.box.com\", token_env = \"BOX_TOKEN\" }\n".write(to: config, atomically: true, encoding: .utf8)
        let profiles = try RosterProcess.run(["profiles"], environment: ["ROSTER_CONFIG": config.path, "BOX_TOKEN": "very-secret"])
        #expect(profiles.out.contains("acme:") && profiles.out.contains("token from $BOX_TOKEN") && !profiles.out.contains("very-secret"))
        let unknown = try RosterProcess.run(["--profile", "nope", "-c", "print 1"], environment: ["ROSTER_CONFIG": config.path])
        #expect(unknown.status == 64 && unknown.err.contains("no profile 'nope'"))
        let use = try RosterProcess.run(["-c", "use acme\nbox users me"], environment: ["ROSTER_CONFIG": config.path])
        #expect(use.status == 70 && use.err.contains("BOX_TOKEN is not set"), "\(use.err)")
    }

    @Test func theTourExampleRuns() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let r = try RosterProcess.run([root.appendingPathComponent("scripts/examples/tour.roster").path])
        #expect(r.status == 0)
        #expect(r.out == """
            Engineering has 3 members
            admins:
              ada@example.com
            ada@example.com, alan@example.com, grace@example.com
            refused: invalid_email (not an email: nobody)

            """)
    }

    @Test func helpListsTopicsAndBuiltins() throws {
        let r = try RosterProcess.run(["-c", "help"])
        #expect(r.out.contains("Topics:"))
        #expect(r.out.contains("starts_with"))
        let topic = try RosterProcess.run(["-c", "help pipelines"])
        #expect(topic.out.contains("where COND"))
        let unknown = try RosterProcess.run(["-c", "help pipelnes"])
        #expect(unknown.status == 70)
        #expect(unknown.err.contains("did you mean 'pipelines'?"))
    }
}
}
