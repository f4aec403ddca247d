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

    @Test func ctrlCCancelsARunningCommand() throws {
        let s = try start()
        let m = s.mark
        s.send("sleep 30\r")
        Thread.sleep(forTimeInterval: 0.5)
        s.send("\u{3}")
        #expect(s.expect("interrupted", after: m, timeout: 5), "\(s.screen)")
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
}
}
