import Foundation
import Testing
import TestSupport

/// Batch runs end to end: the binary runs scripts/onboard-from-csv.roster against a `roster
/// serve` in another process, and the server's state is read back independently.
extension EndToEndTests {
    /// A hung batch (a deadlocked server, say) fails here instead of using up the CI run.
    @Suite(.timeLimit(.minutes(10))) struct BatchTests {
        let onboard = SandboxProcess.scripts.appendingPathComponent("onboard-from-csv.roster").path

        /// Each row's user, membership and invite exist exactly once.
        func expectExactlyOnce(_ state: SandboxProcess.State, rows: Int, domain: String) {
            let logins = state.box_logins.filter { $0.hasSuffix("@" + domain) }
            #expect(logins.count == rows && Set(logins).count == rows, "Box users: \(logins.count) for \(rows) rows")
            let memberships = state.memberships.filter { $0.contains("@" + domain + " ") }
            #expect(memberships.count == rows && Set(memberships.map { $0.split(separator: " ")[0] }).count == rows,
                    "Box memberships: \(memberships.count) for \(rows) rows")
            let emails = state.ld_emails.filter { $0.hasSuffix("@" + domain) }
            #expect(emails.count == rows && Set(emails).count == rows, "LaunchDarkly members: \(emails.count) for \(rows) rows")
        }

        /// Onboarding through a Box app (Client Credentials Grant) whose access tokens live one
        /// second: renewed again and again mid-batch, every row lands exactly once, and neither
        /// the client secret nor an access token shows in any output.
        @Test func aBoxAppWhoseTokensExpireMidBatchOnboardsEveryRowOnce() throws {
            let dir = try RosterProcess.temporaryDirectory()
            let server = try SandboxProcess(database: dir.appendingPathComponent("sandbox.sqlite").path, arguments: ["--box-token-ttl", "1"], logs: true)
            let rows = 400
            let csv = try SandboxProcess.hires(rows, domain: "app.example", in: dir)
            let config = dir.appendingPathComponent("config.toml")
            try """
                [profiles.app]
                box = { url = "\(server.url)", client_id = "sandbox-client-id", client_secret_env = "BOX_CLIENT_SECRET", enterprise_id = "sandbox-enterprise" }
                launchdarkly = { url = "\(server.url)", token_env = "LD_TOKEN" }
                """.write(to: config, atomically: true, encoding: .utf8)
            let r = try RosterProcess.run(["--config", config.path, "--profile", "app", onboard, csv.path, "16"],
                                          environment: ["BOX_CLIENT_SECRET": "sandbox-client-secret", "LD_TOKEN": "api-sandbox-admin"])
            #expect(r.status == 0, "\(r.err.suffix(800))")
            expectExactlyOnce(try server.state(), rows: rows, domain: "app.example")
            #expect(!(r.out + r.err).contains("sandbox-client-secret") && !(r.out + r.err).contains("box-oauth-"), "no secret in any output")
            server.stop()
            let issued = server.log().split(separator: "\n").filter { $0.contains("POST /oauth2/token") }.count
            #expect(issued >= 2, "the token was renewed during the batch: \(issued) issued")
        }

        @Test func sigkillAtRandomInstantsThenResumeAppliesEveryWriteOnce() throws {
            let dir = try RosterProcess.temporaryDirectory()
            let server = try SandboxProcess(database: dir.appendingPathComponent("sandbox.sqlite").path)
            defer { server.stop() }
            let rows = 2000
            let csv = try SandboxProcess.hires(rows, domain: "kill.example", in: dir)
            let journal = dir.appendingPathComponent("onboard.journal").path
            let arguments = ["--sandbox-url", server.url, "--journal", journal, onboard, csv.path, "16"]
            // Seeded: a failure replays with the same kill instants.
            var random = SplitMix64(state: 2026)
            var killedMidway = 0
            for _ in 0..<5 {
                let p = Process()
                p.executableURL = RosterProcess.binary
                p.arguments = arguments
                p.standardOutput = FileHandle.nullDevice
                p.standardError = FileHandle.nullDevice
                try p.run()
                Thread.sleep(forTimeInterval: Double.random(in: 0.3...2.5, using: &random))
                if p.isRunning { killedMidway += 1 }
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
            }
            #expect(killedMidway >= 3, "most kills should land mid-batch")
            let last = try RosterProcess.run(arguments)
            #expect(last.status == 0, "\(last.err)")
            expectExactlyOnce(try server.state(), rows: rows, domain: "kill.example")
            let summary = try RosterProcess.run(["journal", journal])
            let counts = summary.out.split(separator: "\n").filter { $0.hasPrefix("box users create") || $0.hasPrefix("box memberships add") || $0.hasPrefix("ld members invite") }
            #expect(counts.count == 3 && counts.allSatisfy { $0.hasSuffix("\(rows)       0       0") }, "\(summary.out)")
            #expect(!summary.out.contains("in doubt (checked"), "nothing is left in doubt: \(summary.out)")
            let text = try String(contentsOfFile: journal, encoding: .utf8)
            #expect(!text.contains("sandbox-admin"), "the journal holds no token")
        }

        @Test func parallelBatchUnderInjectedFaultsAppliesEveryRowOnce() throws {
            let dir = try RosterProcess.temporaryDirectory()
            let server = try SandboxProcess(database: dir.appendingPathComponent("sandbox.sqlite").path,
                                            arguments: ["--faults", "429:0.1,500:0.05,reset:0.02", "--fault-seed", "11"])
            let rows = 10_000
            let csv = try SandboxProcess.hires(rows, domain: "faults.example", in: dir)
            let r = try RosterProcess.run(["--sandbox-url", server.url, onboard, csv.path, "16"])
            #expect(r.status == 0, "\(r.err.prefix(2000))")
            #expect(r.out.split(separator: "\n").count == rows)
            server.stop()
            // Read the outcome from a clean server over the same store.
            let clean = try SandboxProcess(database: server.database)
            defer { clean.stop() }
            expectExactlyOnce(try clean.state(), rows: rows, domain: "faults.example")
        }

        /// The most common rerun: the CSV fixed and run again with the same journal. Rows inserted,
        /// removed and reordered: only the new rows' writes go out.
        @Test func aRerunWithAnEditedCSVSendsOnlyTheNewRows() throws {
            let dir = try RosterProcess.temporaryDirectory()
            let server = try SandboxProcess(database: dir.appendingPathComponent("sandbox.sqlite").path)
            defer { server.stop() }
            let csv = try SandboxProcess.hires(55, domain: "rerun.example", in: dir)
            var lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").map(String.init)
            let header = lines.removeFirst()
            let journal = dir.appendingPathComponent("onboard.journal").path
            try ([header] + lines[0..<50]).joined(separator: "\n").appending("\n").write(to: csv, atomically: true, encoding: .utf8)
            let first = try RosterProcess.run(["--sandbox-url", server.url, "--journal", journal, onboard, csv.path, "4"])
            #expect(first.status == 0, "\(first.err)")

            // Rows 50...54 are new, 3 of the first 50 are gone, and the rest are shuffled (seeded).
            var kept = Array(lines[0..<50])
            kept.removeAll { $0.hasPrefix("Person 7,") || $0.hasPrefix("Person 21,") || $0.hasPrefix("Person 40,") }
            var edited = kept + lines[50..<55]
            var seed: UInt64 = 42
            for i in stride(from: edited.count - 1, to: 0, by: -1) {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                edited.swapAt(i, Int(seed >> 33) % (i + 1))
            }
            try ([header] + edited).joined(separator: "\n").appending("\n").write(to: csv, atomically: true, encoding: .utf8)
            let second = try RosterProcess.run(["--sandbox-url", server.url, "--journal", journal, onboard, csv.path, "4"])
            #expect(second.status == 0, "a finished write sent again would be refused (409): \(second.err)")
            #expect(second.out.split(separator: "\n").count == 52, "every row reports, from the journal or the server")
            expectExactlyOnce(try server.state(), rows: 55, domain: "rerun.example")
            let summary = try RosterProcess.run(["journal", journal]).out
            let counts = summary.split(separator: "\n").filter { $0.hasPrefix("box users create") || $0.hasPrefix("box memberships add") || $0.hasPrefix("ld members invite") }
            #expect(counts.count == 3 && counts.allSatisfy { $0.hasSuffix("      55       0       0") }, "55 writes each, none refused: \(summary)")
        }

        /// A write that partly failed counts as failed: warned of per member, passed over with
        /// --keep-going and counted in the exit code.
        @Test func aPartialFailureIsAFailedIterationWithKeepGoing() throws {
            let dir = try RosterProcess.temporaryDirectory()
            let server = try SandboxProcess(database: dir.appendingPathComponent("sandbox.sqlite").path)
            defer { server.stop() }
            let script = dir.appendingPathComponent("demote.roster")
            try """
                let everyone = list(ld members list)
                for ids in [["64b000000000000000000001", "64b000000000000000000002"], ["64b000000000000000000004"]] {
                    ld members replace-roles role=reader ids=$ids
                }
                print "after"
                """.write(to: script, atomically: true, encoding: .utf8)
            let r = try RosterProcess.run(["--sandbox-url", server.url, "--keep-going", script.path])
            #expect(r.status == 1, "\(r.err)")
            #expect(r.out == "after\n")
            #expect(r.err.contains("demote.roster:3:5: warning: ld members replace-roles: ada@example.com (64b000000000000000000001) not changed: you cannot modify your own role"), "\(r.err)")
            #expect(r.err.contains("error: ld members replace-roles: 1 of 2 members not changed: ada@example.com"), "\(r.err)")
            #expect(r.err.contains("demote.roster:2:1: done 1, failed 1"), "\(r.err)")
        }

        @Test func dryRunChangesNothingAndPlansEveryWriteTheRealRunMakes() throws {
            let dir = try RosterProcess.temporaryDirectory()
            let server = try SandboxProcess(database: dir.appendingPathComponent("sandbox.sqlite").path)
            defer { server.stop() }
            let csv = try SandboxProcess.hires(40, domain: "dry.example", in: dir)
            let before = try server.state()
            let plan = dir.appendingPathComponent("plan.jsonl").path
            let dry = try RosterProcess.run(["--sandbox-url", server.url, "--dry-run", "--plan", plan, onboard, csv.path, "4"])
            #expect(dry.status == 0, "\(dry.err)")
            #expect(dry.err.contains("dry run: 120 writes planned, none sent: box users create 40, box memberships add 40, ld members invite 40"), "\(dry.err)")
            #expect(dry.out.contains("plan: POST \(server.url)/2.0/group_memberships {\"user\":{\"id\":\"planned-"))
            let after = try server.state()
            #expect(after.box_logins == before.box_logins && after.memberships == before.memberships && after.ld_emails == before.ld_emails,
                    "a dry run changes nothing")

            let journal = dir.appendingPathComponent("real.journal").path
            let real = try RosterProcess.run(["--sandbox-url", server.url, "--journal", journal, onboard, csv.path, "4"])
            #expect(real.status == 0, "\(real.err)")
            // Every write of the real run was planned at the same place, with the same request;
            // where the plan shows a placeholder the real run has the id the server gave.
            let planned = try Self.lines(plan).reduce(into: [String: [String: Any]]()) { $0[Self.place($1)] = $1 }
            let made = try Self.lines(journal).filter { $0["intent"] != nil }
            #expect(made.count == 120 && planned.count == 120)
            for write in made {
                let p = try #require(planned[Self.place(write)], "unplanned write at \(Self.place(write))")
                #expect(p["method"] as? String == write["method"] as? String)
                #expect((p["url"] as? String).map { $0 == server.url + (write["path"] as! String) } == true)
                #expect(Self.same(p["body"], write["body"]), "\(String(describing: p["body"])) vs \(String(describing: write["body"]))")
            }
        }

        @Test func keepGoingRecordsFailuresThatARerunTakesAsItsInput() throws {
            let dir = try RosterProcess.temporaryDirectory()
            let server = try SandboxProcess(database: dir.appendingPathComponent("sandbox.sqlite").path)
            defer { server.stop() }
            let csv = try SandboxProcess.hires(12, domain: "keep.example", in: dir, groups: ["Engineering", "Design", "Support"])
            let failures = dir.appendingPathComponent("failed.jsonl").path
            let first = try RosterProcess.run(["--sandbox-url", server.url, "--keep-going", "--failures", failures, onboard, csv.path, "3"])
            #expect(first.status == 1)
            // Each failure names its row: the file and line, and the loop's --key field.
            let summary = first.err.split(separator: "\n").first { $0.contains("onboard-from-csv.roster:19:1: done 8, failed 4 (") }
            #expect(summary.map { line in [3, 6, 9, 12].allSatisfy { line.contains("\(csv.path):\($0)") } } == true, "\(first.err)")
            // In input order, however the parallel rows ended.
            let places = summary.map { line in [3, 6, 9, 12].compactMap { line.range(of: "\(csv.path):\($0)")?.lowerBound } } ?? []
            #expect(places.count == 4 && places == places.sorted(), "\(summary ?? "")")
            #expect(first.err.contains("\n4 failed in all"), "\(first.err)")
            #expect(first.err.contains("error: no Box group named 'Design'"))
            for (line, person) in [(3, 1), (6, 4), (9, 7), (12, 10)] {
                #expect(first.err.contains("\(csv.path):\(line): note: the row: email=p\(person)@keep.example\n"), "\(first.err)")
            }
            #expect(!first.err.contains("\r"), "no progress line when stderr is not a terminal")
            let lines = try Self.lines(failures)
            #expect(lines.count == 4)
            let inputs = lines.compactMap { ($0["input"] as? [String: Any])?["group"] as? String }
            #expect(inputs == ["Design", "Design", "Design", "Design"])
            let rows = Set(lines.compactMap { ($0["failure"] as? [String: Any])?["row"] as? String })
            #expect(rows == Set([3, 6, 9, 12].map { "\(csv.path):\($0)" }), "\(rows)")
            let keys = Set(lines.compactMap { ($0["failure"] as? [String: Any])?["key"] as? String })
            #expect(keys == Set([1, 4, 7, 10].map { "email=p\($0)@keep.example" }), "\(keys)")
            #expect(lines.allSatisfy { (($0["failure"] as? [String: Any])?["at"] as? String)?.contains("onboard-from-csv.roster:") == true })

            let made = try RosterProcess.run(["--sandbox-url", server.url, "-c", "box groups create name=Design"])
            #expect(made.status == 0, "\(made.err)")
            let again = try RosterProcess.run(["--sandbox-url", server.url, "--keep-going", onboard, failures])
            #expect(again.status == 0, "\(again.err)")
            #expect(again.out.split(separator: "\n").count == 4)
            expectExactlyOnce(try server.state(), rows: 12, domain: "keep.example")
        }

        /// The example scripts, each as its comment says to run it: dry run first, then for real.
        @Test func exampleScriptsDoWhatTheySay() throws {
            let dir = try RosterProcess.temporaryDirectory()
            let server = try SandboxProcess(database: dir.appendingPathComponent("sandbox.sqlite").path)
            defer { server.stop() }
            let scripts = SandboxProcess.scripts
            func roster(_ arguments: [String]) throws -> RosterProcess.Result {
                try RosterProcess.run(["--sandbox-url", server.url] + arguments, directory: dir)
            }

            // onboard-from-csv.roster with its sample file.
            let hires = scripts.appendingPathComponent("samples/hires.csv").path
            let onboard = try roster(["--journal", "onboard.journal", scripts.appendingPathComponent("onboard-from-csv.roster").path, hires])
            #expect(onboard.status == 0, "\(onboard.err)")
            #expect(onboard.out.contains("gbh@example.com: Box user 2000") && onboard.out.split(separator: "\n").count == 8)

            // sync-group.roster: the dry run changes nothing; the real run makes the group equal the CSV; a second finds nothing to do.
            let sync = scripts.appendingPathComponent("sync-group.roster").path
            let team = scripts.appendingPathComponent("samples/engineering.csv").path
            let engineering = { try server.state().memberships.filter { $0.contains(" Engineering ") }.sorted() }
            let before = try engineering()
            let dry = try roster(["--dry-run", sync, "Engineering", team])
            #expect(dry.status == 0 && dry.out.contains("removed alan@example.com"), "\(dry.err)")
            #expect(try engineering() == before)
            let real = try roster([sync, "Engineering", team])
            #expect(real.status == 0, "\(real.err)")
            #expect(try engineering() == ["ada@example.com Engineering admin", "grace@example.com Engineering admin",
                                          "katherine@example.com Engineering member", "margaret@example.com Engineering member"])
            let again = try roster([sync, "Engineering", team])
            #expect(again.out.hasSuffix("Engineering: 0 added, 0 changed, 0 removed\n"), "\(again.out)")

            // migrate-roles.roster: readers after, and the old Losant tokens rotated (the one in use kept).
            let migrate = scripts.appendingPathComponent("migrate-roles.roster").path
            let planned = try roster(["--dry-run", migrate, "90"])
            // The plan tells what the real run will: Ada is refused there too (exit 1).
            #expect(planned.status == 1 && planned.err.contains("ld members replace-roles 1"), "\(planned.err)")
            #expect(planned.out.contains("LaunchDarkly: ada@example.com NOT demoted: you cannot modify your own role\n") && !planned.out.contains("ada@example.com demoted"), "\(planned.out)")
            let roles = "print to_json(list(ld members list | where .email == \"grace@example.com\" | each { .role }))"
            #expect(try roster(["-c", roles]).out == "[\"writer\"]\n", "the dry run changed nothing")
            // Ada is the sandbox token's own member: LaunchDarkly refuses to change her, and the
            // script says so (from the answer, not from the list it asked for) and exits 1.
            let migrated = try roster(["--journal", "migrate.journal", migrate, "90"])
            #expect(migrated.status == 1, "\(migrated.err)")
            #expect(migrated.out.contains("LaunchDarkly: ada@example.com NOT demoted: you cannot modify your own role\n"), "\(migrated.out)")
            #expect(!migrated.out.contains("ada@example.com demoted"), "\(migrated.out)")
            #expect(migrated.out.contains("LaunchDarkly: grace@example.com demoted from writer to reader\n"), "\(migrated.out)")
            #expect(migrated.err.contains("warning: ld members replace-roles: ada@example.com (64b000000000000000000001) not changed"), "\(migrated.err)")
            #expect(try roster(["-c", roles]).out == "[\"reader\"]\n")
            let tokens = try roster(["-c", "print to_json(list(losant tokens list | where .status == \"active\" | each { .name } | sort))"])
            #expect(tokens.out == "[\"ci-deploy\",\"old-integration\",\"sandbox-all\",\"sandbox-read\"]\n", "replacements are active, the old ones not: \(tokens.out)")
            let inactive = try roster(["-c", "print len(list(losant tokens list | where .status == \"inactive\"))"])
            #expect(inactive.out == "4\n")

            // offboard.roster with its sample (Alan and Linus leave): the dry run changes nothing;
            // the run deactivates them, takes them out of every group and removes their
            // LaunchDarkly membership; run again, it finds nothing left to do.
            let offboard = scripts.appendingPathComponent("offboard.roster").path
            let leavers = scripts.appendingPathComponent("samples/leavers.csv").path
            let statuses = "print to_json(list(box users list | where .login == \"alan@example.com\" or .login == \"linus@example.com\" | each { .status }))"
            let dryOff = try roster(["--dry-run", offboard, leavers])
            #expect(dryOff.status == 0 && dryOff.err.contains("box users update 2"), "\(dryOff.err)")
            #expect(try roster(["-c", statuses]).out == "[\"active\",\"active\"]\n")
            let off = try roster(["--journal", "offboard.journal", offboard, leavers])
            #expect(off.status == 0 && off.out.split(separator: "\n").count == 2 && off.out.contains("LaunchDarkly: removed"), "\(off.err)")
            #expect(try roster(["-c", statuses]).out == "[\"inactive\",\"inactive\"]\n")
            let state = try server.state()
            #expect(!state.memberships.contains { $0.hasPrefix("alan@") || $0.hasPrefix("linus@") }, "\(state.memberships)")
            #expect(!state.ld_emails.contains("alan@example.com") && !state.ld_emails.contains("linus@example.com"))
            let offAgain = try roster([offboard, leavers])
            #expect(offAgain.status == 0 && offAgain.out.components(separatedBy: "out of 0 groups; LaunchDarkly: not a member").count == 3, "\(offAgain.out)")
        }

        @Test func progressLineOnATerminal() throws {
            let dir = try RosterProcess.temporaryDirectory()
            let s = try PtySession(arguments: ["-c", "for i in range(6) { sleep(0.2) }\nprint \"finished\""],
                                   environment: ["XDG_STATE_HOME": dir.path, "HOME": dir.path])
            #expect(s.expect("finished", timeout: 20))
            #expect(s.screen.contains("/6] ") && s.screen.contains("/s, ETA "), "\(s.screen)")
        }

        static func lines(_ path: String) throws -> [[String: Any]] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
            }
        }

        /// A write's place: its statement and loop iterations.
        static func place(_ line: [String: Any]) -> String {
            "\(line["at"] ?? "") \((line["iterations"] as? [Int]) ?? [])"
        }

        /// Equal, where a planned placeholder id stands for any id.
        static func same(_ planned: Any?, _ real: Any?) -> Bool {
            switch (planned, real) {
            case (let p as String, _) where p.hasPrefix("planned-"): return real is String
            case (let p as [String: Any], let r as [String: Any]):
                return Set(p.keys) == Set(r.keys) && p.keys.allSatisfy { same(p[$0], r[$0]) }
            case (let p as [Any], let r as [Any]):
                return p.count == r.count && zip(p, r).allSatisfy { same($0, $1) }
            case (let p as NSObject, let r as NSObject): return p == r
            case (nil, nil): return true
            default: return false
            }
        }
    }
}
