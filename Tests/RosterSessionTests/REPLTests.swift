import Foundation
import Testing

/// The REPL through a pseudo-terminal: completion, history, continuation, Ctrl-C, Ctrl-D.
extension EndToEndTests {
@Suite(.serialized)
struct REPLTests {
    let state: URL

    init() throws {
        state = try RosterProcess.temporaryDirectory()
    }

    func start() throws -> PtySession {
        let s = try PtySession(environment: ["XDG_STATE_HOME": state.path, "HOME": state.path])
        #expect(s.expect("roster> "), "no prompt: \(s.screen)")
        return s
    }

    /// A script's rows show on a terminal as they finish, not when the run ends (stdout waited
    /// for 64 KB), and the progress line is cleared before each.
    @Test func aBatchOnATerminalShowsEachRowAsItFinishes() throws {
        let started = Date()
        let s = try PtySession(arguments: ["-c", "for i in range(2) { print \"row $i\"; sleep(2.5) }"], environment: ["XDG_STATE_HOME": state.path, "HOME": state.path])
        #expect(s.expect("row 0", timeout: 4), "\(s.screen)")
        #expect(Date().timeIntervalSince(started) < 1.8, "row 0 shows at once, not with row 1 at 2.5 s nor at the end")
        #expect(s.expect("row 1", timeout: 4) && !s.screen.contains("ETA 3srow"), "the progress line is cleared first: \(s.screen)")
        #expect(s.waitForExit() == 0)
    }

    @Test func evaluatesAndShowsResults() throws {
        let s = try start()
        s.line("let xs = [{name: \"ada\", n: 1}, {name: \"bob\", n: 22}]")
        let shown = s.line("$xs")
        #expect(shown.contains("name  n\r\nada   1\r\nbob   22\r\n"), "table: \(shown)")
        #expect(s.endOfInput() == 0)
    }

    /// `roster --dry-run` at the prompt plans writes and sends none (it used to send them: only
    /// script runs set the batch flags up).
    /// `:output FORMAT` changes how results show at the prompt.
    @Test func outputFormatChangesAtThePrompt() throws {
        let s = try start()
        s.line(":output json")
        let shown = s.line("{a: 1}")
        #expect(shown.contains("{\r\n  \"a\": 1\r\n}"), "\(shown)")
        let bad = s.line(":output yaml")
        #expect(bad.contains("unknown output format 'yaml'"), "\(bad)")
        #expect(s.endOfInput() == 0)
    }

    /// `:wide` shows every field of listings until `:wide off`; `help :` lists the meta-commands.
    @Test func wideAndHelpAtThePrompt() throws {
        let s = try PtySession(arguments: ["--sandbox-db", ":memory:"], environment: ["XDG_STATE_HOME": state.path, "HOME": state.path], columns: 400)
        #expect(s.expect("roster> "), "no prompt: \(s.screen)")
        #expect(!s.line("box groups list").contains("created_at"))
        #expect(s.line(":wide").contains("listings show every field"))
        let wide = s.line("box groups list")
        #expect(wide.contains("created_at") && wide.contains("modified_at"), "\(wide)")
        _ = s.line(":wide off")
        #expect(!s.line("box groups list").contains("created_at"))
        let help = s.line("help :")
        #expect(help.contains(":wide") && help.contains(":record FILE") && help.contains(":output FORMAT"), "\(help)")
        #expect(s.endOfInput() == 0)
    }

    @Test func dryRunHoldsAtThePrompt() throws {
        let s = try PtySession(arguments: ["--dry-run", "--sandbox-db", ":memory:"], environment: ["XDG_STATE_HOME": state.path, "HOME": state.path])
        #expect(s.expect("roster (dry run)> "), "the prompt says it is a dry run: \(s.screen)")
        s.prompt = "roster (dry run)> "
        #expect(s.screen.contains("dry run: reads go out; writes are shown as the requests they would send, and none is sent."), "\(s.screen)")
        let shown = s.line("let m = box memberships add user=20000006 group=57001 role=member")
        #expect(shown.contains("plan: POST ") && shown.contains("/2.0/group_memberships"), "\(shown)")
        let listed = s.line("print (box memberships list group=57001 | where .user.id == \"20000006\" | count)")
        #expect(listed.contains("\r\n0\r\n"), "nothing was added: \(listed)")
        #expect(s.endOfInput() == 0)
        #expect(s.screen.contains("dry run: 1 write planned, none sent"), "\(s.screen)")
    }

    /// Colour (bold table headers) on a terminal, unless NO_COLOR is set to something.
    /// The banner says where verbs go, and the prompt names a profile other than the sandbox,
    /// so a write to production is never a surprise.
    @Test func theBannerAndPromptNameTheTarget() throws {
        let sandbox = try start()
        #expect(sandbox.screen.contains("verbs go to the sandbox (no real service is touched)"), "\(sandbox.screen)")
        #expect(sandbox.endOfInput() == 0)
        let config = state.appendingPathComponent("config.toml")
        try "default = \"acme\"\n[profiles.acme]\nbox = { url = \"https://api.box.com\", token_env = \"BOX_TOKEN\" }\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let s = try PtySession(environment: ["XDG_STATE_HOME": state.path, "HOME": state.path, "ROSTER_CONFIG": config.path])
        #expect(s.expect("roster acme> "), "\(s.screen)")
        #expect(s.screen.contains("verbs go to profile acme: box https://api.box.com"), "\(s.screen)")
        s.prompt = "roster> "
        _ = s.line("use sandbox")
        #expect(s.screen.hasSuffix("roster> "), "after use sandbox the prompt is plain: \(s.screen.suffix(40))")
        #expect(s.endOfInput() == 0)
    }

    /// `--dry-run` after one command plans that command alone, naming whom it touches.
    @Test func oneCommandDryRunsAtThePrompt() throws {
        let s = try PtySession(arguments: ["--sandbox-db", ":memory:"], environment: ["XDG_STATE_HOME": state.path, "HOME": state.path])
        #expect(s.expect("roster> "), "no prompt: \(s.screen)")
        _ = s.line("let everyone = list(ld members list)")
        let shown = s.line("ld members delete id=64b000000000000000000003 --dry-run")
        #expect(shown.contains("plan: DELETE ") && shown.contains("/api/v2/members/64b000000000000000000003  # alan@example.com"), "\(shown)")
        let still = s.line("print (ld members get id=64b000000000000000000003).email")
        #expect(still.contains("\r\nalan@example.com\r\n"), "not deleted: \(still)")
        #expect(s.endOfInput() == 0)
        #expect(!s.screen.contains("dry run: 1 write planned"), "the session itself is not a dry run: \(s.screen)")
    }

    @Test func tableHeadersAreBoldUnlessNoColor() throws {
        let s = try PtySession(environment: ["XDG_STATE_HOME": state.path, "HOME": state.path, "NO_COLOR": ""])
        #expect(s.expect("roster> "), "no prompt: \(s.screen)")
        let shown = s.line("[{name: \"ada\"}]")
        #expect(shown.contains("\u{1B}[1mname\u{1B}[0m\r\nada"), "bold header: \(shown)")
        #expect(s.endOfInput() == 0)
        let plain = try start()
        #expect(!plain.line("[{name: \"ada\"}]").contains("\u{1B}["), "NO_COLOR=1: no escapes")
        #expect(plain.endOfInput() == 0)
    }

    @Test func tabCompletesWordsVariablesAndFields() throws {
        let s = try start()
        s.line("let member_count = {total: 5}")
        var m = s.mark
        s.send("pri\t$member_c\t\r")   // print $member_count
        #expect(s.expect("{\"total\":5}", after: m), "\(s.screen)")
        m = s.mark
        s.send("print $member_count.to\t\r")
        #expect(s.expect("\r\n5\r\n", after: m), "\(s.screen)")
    }

    /// TAB after a parameter that takes an id offers the service's live names, quoted when
    /// they need it, and the completed name resolves when the line runs.
    @Test func tabCompletesLiveNames() throws {
        let s = try PtySession(arguments: ["--sandbox-db", ":memory:"], environment: ["XDG_STATE_HOME": state.path, "HOME": state.path])
        #expect(s.expect("roster> "), "no prompt: \(s.screen)")
        _ = s.line("let g = box groups create name=\"Resume Group\"")
        var m = s.mark
        s.send("print (box groups get id=Res\t).name\r")
        #expect(s.expect("\"Resume Group\" ).name", after: m) && s.expect("\r\nResume Group\r\n", after: m), "\(s.screen)")
        m = s.mark
        s.send("print (box memberships list group=Eng\t | count)\r")
        #expect(s.expect("ineering  | count)", after: m) && s.expect("\r\n3\r\n", after: m), "\(s.screen)")
        #expect(s.endOfInput() == 0)
    }

    /// Each service's listing on a real terminal of 80 and 150 columns: no line wider than the
    /// terminal, the declared columns, `…` where cut, times as dates, the count; `first N`
    /// keeps the columns and says how many there were; too narrow for the columns, records.
    @Test func listingTablesFitTheTerminal() throws {
        let listings: [(String, [String], String)] = [
            ("ld members list", ["email", "firstName", "lastName", "role", "customRoles", "teams", "lastSeen"], "6 members"),
            ("box memberships list group=Engineering", ["id", "login", "user.name", "group.name", "role", "created_at"], "3 memberships"),
            ("box users list", ["id", "login", "name", "status"], "6 users"),
            ("box groups list", ["id", "name", "group_type"], "2 groups"),
            ("losant tokens list", ["id", "name", "status", "scope", "expirationDate"], "5 tokens"),
            ("ld members list | sort .email | first 2", ["email", "firstName", "lastName", "role", "customRoles", "teams", "lastSeen"], "2 of 6 members"),
        ]
        for width in [80, 150] {
            let s = try PtySession(arguments: ["--sandbox-db", ":memory:"], environment: ["XDG_STATE_HOME": state.path, "HOME": state.path, "TZ": "UTC"],
                                   columns: Int32(width))
            #expect(s.expect("roster> "), "no prompt: \(s.screen)")
            var cut = false
            for (command, header, footer) in listings {
                let shown = s.line(command).components(separatedBy: "\r\n").dropFirst().dropLast()
                #expect(shown.allSatisfy { $0.count <= width }, "\(command) at \(width): \(shown.filter { $0.count > width })")
                if width == 80 && command.hasPrefix("losant") {
                    // Three of five columns would be cut: each token is a block of lines.
                    #expect(shown.first?.split(separator: " ").map(String.init) == ["id", "66a000000000000000000003"], "\(shown)")
                    #expect(shown.contains { $0.hasPrefix("scope ") && $0.hasSuffix(" instanceApiTokens.get, instanceApiToken.get") }, "\(shown)")
                } else {
                    // A header may be cut as its cells are (`first…`), never the emails.
                    let words = shown.first?.split(separator: " ").map(String.init) ?? []
                    #expect(words.count == header.count && zip(words, header).allSatisfy { w, h in w == h || (w.hasSuffix("…") && h.hasPrefix(w.dropLast())) },
                            "\(command) at \(width): \(shown)")
                    if command.hasPrefix("ld") { #expect(shown.contains { $0.contains("katherine@example.com ") } || command.contains("first 2"), "\(shown)") }
                }
                #expect(shown.last == footer, "\(command) at \(width): \(shown)")
                cut = cut || shown.contains { $0.contains("…") }
                if command.hasPrefix("ld") {
                    #expect(shown.contains { $0.range(of: #"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"#, options: .regularExpression) != nil }, "dates: \(shown)")
                }
                if command.hasPrefix("losant") { #expect(shown.contains { $0.contains("active (expired)") }, "\(shown)") }
            }
            #expect(cut == (width == 80), "cells are cut with … at 80 columns only")
            let narrow = s.line("ld members list --wide | first 1").components(separatedBy: "\r\n")
            #expect(narrow.contains { $0.hasPrefix("email ") && $0.hasSuffix(" ada@example.com") }, "too wide even narrowed: a record of lines: \(narrow)")
            #expect(narrow.contains { $0.hasPrefix("_lastSeen ") && $0.range(of: #" \d{4}-\d{2}-\d{2} \d{2}:\d{2}$"#, options: .regularExpression) != nil }, "\(narrow)")
            let json = s.line(":output json")
            #expect(!json.contains("error"))
            let whole = s.line("ld members list | first 1")
            #expect(whole.contains("\"_links\"") && whole.contains("\"_lastSeen\": "), "JSON keeps the whole objects: \(whole)")
            #expect(s.endOfInput() == 0)
        }
    }

    /// Results at the prompt go through the pager (ROSTER_PAGER, else PAGER); --no-pager and
    /// an empty ROSTER_PAGER show them directly; quitting the pager early stops the listing.
    @Test func resultsGoThroughThePager() throws {
        let env = ["XDG_STATE_HOME": state.path, "HOME": state.path]
        let paged = try PtySession(arguments: ["--sandbox-db", ":memory:"], environment: env.merging(["ROSTER_PAGER": "sed s/^/PAGED:/"]) { $1 })
        #expect(paged.expect("roster> "), "no prompt: \(paged.screen)")
        let shown = paged.line("ld members list")
        #expect(shown.contains("PAGED:email") && shown.contains("PAGED:6 members"), "\(shown)")
        let printed = paged.line("print \"plain\"")
        #expect(printed.contains("\r\nplain\r\n") && !printed.contains("PAGED:"), "print is not a result: \(printed)")
        #expect(paged.endOfInput() == 0)
        let early = try PtySession(arguments: ["--sandbox-db", ":memory:"], environment: env.merging(["ROSTER_PAGER": "head -3"]) { $1 })
        #expect(early.expect("roster> "), "no prompt: \(early.screen)")
        let cut = early.line("range(10000000) | each { $it }", timeout: 20)
        #expect(cut.contains("\r\n2\r\n") && !cut.contains("\r\n3\r\n"), "\(cut.suffix(200))")
        #expect(early.line("print \"after\"").contains("after"), "the session goes on")
        #expect(early.endOfInput() == 0)
        for (arguments, pager) in [(["--no-pager"], "sed s/^/PAGED:/"), ([], "")] {
            let direct = try PtySession(arguments: arguments + ["--sandbox-db", ":memory:"], environment: env.merging(["ROSTER_PAGER": pager]) { $1 })
            #expect(direct.expect("roster> "), "no prompt: \(direct.screen)")
            let out = direct.line("ld members list")
            #expect(out.contains("6 members") && !out.contains("PAGED:"), "\(arguments) \(pager): \(out)")
            #expect(direct.endOfInput() == 0)
        }
        // A pager that fails shows nothing: that is said, not left for the admin to wonder at.
        let failing = try PtySession(arguments: ["--sandbox-db", ":memory:"], environment: env.merging(["ROSTER_PAGER": "false"]) { $1 })
        #expect(failing.expect("roster> "), "no prompt: \(failing.screen)")
        let said = failing.line("ld members list")
        #expect(said.contains("the pager 'false' failed (exit status 1)"), "\(said)")
        #expect(failing.endOfInput() == 0)
    }

    @Test func tabTabListsTheChoices() throws {
        let s = try start()
        let m = s.mark
        s.send("le\t\t")
        #expect(s.expect("len", after: m) && s.expect("let", after: m), "\(s.screen)")
        s.control("\u{3}")
        #expect(s.expect("roster> ", after: m))
    }

    @Test func continuationPromptWhileABlockIsOpen() throws {
        let s = try start()
        let m = s.mark
        s.send("if true {\r")
        #expect(s.expect("...> ", after: m), "\(s.screen)")
        s.send("print \"inside\"\r")
        s.send("}\r")
        #expect(s.expect("inside", after: m))
        let n = s.mark
        s.send("print \"unterminated\r")
        #expect(s.expect("...> ", after: n))
        s.send("string\"\r")
        #expect(s.expect("unterminated\r\nstring", after: n), "\(s.screen)")
    }

    @Test func ctrlCDiscardsAPartialLine() throws {
        let s = try start()
        let m = s.mark
        s.send("print \"partial")
        s.control("\u{3}")
        #expect(s.expect("roster> ", after: m))
        let n = s.mark
        s.send("print \"after\"\r")
        #expect(s.expect("after", after: n))
        #expect(!s.screen[n...].contains("partial"))
    }

    /// Ctrl-C stops a running command, and the showing of a long result too: its items are
    /// shown one by one, so a long list (or a listing whose pages come fast) never runs on
    /// where the interrupt is not looked for.
    @Test(arguments: ["sleep 30", "range(5000000)"])
    func ctrlCCancelsARunningCommand(command: String) throws {
        let s = try start()
        let m = s.mark
        s.send(command + "\r")
        Thread.sleep(forTimeInterval: 0.5)
        s.send("\u{3}")
        #expect(s.expect("interrupted", after: m, timeout: 10), "\(s.screen.suffix(300))")
        let n = s.mark
        s.send("print \"still here\"\r")
        #expect(s.expect("still here", after: n))
    }

    @Test func historyPersistsAcrossRunsWithoutSecrets() throws {
        do {
            let s = try start()
            #expect(s.line("print \"remembered\"").contains("remembered\r\n"))
            #expect(s.line("print \"token=hunter2\"").contains("token=hunter2\r\n"))
            #expect(s.endOfInput() == 0)
        }
        let history = try String(contentsOf: state.appendingPathComponent("roster/history"), encoding: .utf8)
        #expect(history.contains("remembered"))
        #expect(!history.contains("hunter2"))
        let s = try start()
        let m = s.mark
        s.send("\u{1B}[A\r")   // up arrow: the last saved line
        #expect(s.expect("remembered\r\n", after: m), "\(s.screen)")
    }

    /// The usual ways of typing a secret are kept out of history (only `token=x` was).
    @Test func historyKeepsOutSecretsTypedAnyWay() throws {
        let typed = [#"let token = "sk-live-S1""#, #"let creds = {token : "S2"}"#, #"print "Bearer S3""#, #"let ld_api_key = "S4""#,
                     #"let x = {"token": "S5"}"#, #"let p = {'password': "S6"}"#, #"print "remembered""#, "losant tokens list | count"]
        do {
            let s = try start()
            for line in typed { s.line(line) }
            #expect(s.endOfInput() == 0)
        }
        let history = try String(contentsOf: state.appendingPathComponent("roster/history"), encoding: .utf8)
        #expect(history.contains("remembered") && history.contains("tokens\\040list"), "lines without a secret are kept: \(history)")
        for n in 1...6 { #expect(!history.contains("S\(n)"), "S\(n): \(history)") }
    }

    /// Two prompts at once keep both's lines (each wrote its own memory over the other's); a
    /// history path that is a link to a file roster did not write is left alone, and said.
    @Test func historyIsSharedByTwoPromptsAndNeverOverwritesAnotherFile() throws {
        let a = try start(), b = try start()
        a.line(#"print "A1""#)
        b.line(#"print "B1""#)
        a.line(#"print "A2""#)
        b.line(#"print "B2""#)
        #expect(a.endOfInput() == 0 && b.endOfInput() == 0)
        let history = try String(contentsOf: state.appendingPathComponent("roster/history"), encoding: .utf8)
        for line in ["A1", "B1", "A2", "B2"] { #expect(history.contains(line), "\(line): \(history)") }

        let path = state.appendingPathComponent("roster/history")
        let victim = state.appendingPathComponent("victim.txt")
        try "root:x:0:0:an important line\n".write(to: victim, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: path)
        try FileManager.default.createSymbolicLink(at: path, withDestinationURL: victim)
        let s = try start()
        #expect(s.line("print 1").contains("history is not kept: \(path.path) is not a history file roster wrote"), "\(s.screen)")
        #expect(!s.line("print 2").contains("history is not kept"), "said once")
        #expect(s.endOfInput() == 0)
        #expect(try String(contentsOf: victim, encoding: .utf8) == "root:x:0:0:an important line\n")
    }

    /// A delete answers with nothing; at the prompt it says it was done, naming whom.
    @Test func aDeleteAtThePromptSaysItWasDone() throws {
        let s = try PtySession(arguments: ["--sandbox-db", ":memory:"], environment: ["XDG_STATE_HOME": state.path, "HOME": state.path])
        #expect(s.expect("roster> "), "no prompt: \(s.screen)")
        #expect(s.line("ld members delete id=alan@example.com").contains("ld members delete: done (alan@example.com)"), "\(s.screen)")
        #expect(s.line("box memberships remove id=1560001").contains("box memberships remove: done"), "\(s.screen)")
        #expect(s.endOfInput() == 0)
    }

    /// Ctrl-D in the middle of a statement leaves, saying the statement was not run.
    @Test func endOfInputInAStatementSaysItWasNotRun() throws {
        let s = try start()
        s.send("print (1 +\r")
        #expect(s.expect("...> "), "\(s.screen)")
        #expect(s.endOfInput() == 0)
        #expect(s.screen.contains("the unfinished statement was not run"), "\(s.screen)")
    }

    @Test func exitStatementLeavesWithItsCode() throws {
        let s = try start()
        s.send("exit 4\r")
        #expect(s.waitForExit() == 4)
    }

    @Test func recordWritesSucceedingStatements() throws {
        let file = state.appendingPathComponent("session.roster")
        let s = try start()
        #expect(s.line(":record \(file.path)").contains("recording"))
        s.line("let a = 2")
        #expect(s.line("print $nope").contains("undefined variable"))
        #expect(s.line("print ($a * 21)").contains("42"))
        #expect(s.endOfInput() == 0, "\(s.screen.debugDescription)")
        let recorded = try String(contentsOf: file, encoding: .utf8)
        #expect(recorded.contains("let a = 2\nprint ($a * 21)\n"))
        #expect(!recorded.contains("$nope"))
        let replay = try RosterProcess.run([file.path])
        #expect(replay.out == "42\n")
    }

    /// `:record` says in plain words why it cannot record, takes a name with spaces, says
    /// when it adds to a file that holds something, and `:record off` when not recording.
    @Test func recordSaysWhatItDoes() throws {
        let s = try start()
        #expect(s.line(":record \(state.path)/nodir/x.roster").contains("cannot record into '\(state.path)/nodir/x.roster': its folder does not exist"), "\(s.screen)")
        #expect(s.line(":record \(state.path)").contains("Is a directory"), "\(s.screen)")
        #expect(s.line(":record off").contains("not recording"))
        let spaced = state.appendingPathComponent("my file.roster")
        #expect(s.line(":record \"\(spaced.path)\"").contains("recording statements that succeed into \(spaced.path)"), "\(s.screen)")
        s.line("print 7")
        #expect(s.line(":record off").contains("recording stopped"))
        #expect(s.line(":record \(spaced.path)").contains("(after what it holds)"), "\(s.screen)")
        #expect(s.endOfInput() == 0)
        #expect(try String(contentsOf: spaced, encoding: .utf8) == "# recorded by roster\nprint 7\n")
    }

    /// A meta-command's word is checked: `:wide maybe` turned wide on.
    @Test func metaCommandsTakeOnlyTheirWords() throws {
        let s = try start()
        #expect(s.line(":wide maybe").contains("usage: :wide"))
        #expect(s.line(":wide").contains("listings show every field"))
        #expect(s.line(":wide off").contains("listings show their columns"))
    }

    /// A statement history keeps out (it may hold a secret) is left out of a recording too,
    /// but in words, there and at the prompt: the recording no longer replays on its own.
    @Test func aRecordingSaysWhatItLeftOut() throws {
        let file = state.appendingPathComponent("secretive.roster")
        let s = try start()
        #expect(s.line(":record \(file.path)").contains("recording"))
        #expect(s.line("let cfg = {token: \"x\"}").contains("leaves this statement out"))
        s.line("print 1")
        #expect(s.endOfInput() == 0)
        let recorded = try String(contentsOf: file, encoding: .utf8)
        #expect(recorded.contains("# (left out: a statement that may hold a secret") && recorded.hasSuffix("print 1\n") && !recorded.contains("token"), "\(recorded)")
    }
}
}
