import Foundation
import Testing

/// The REPL through a pseudo-terminal: completion, history, continuation, Ctrl-C, Ctrl-D.
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
        var m = s.mark
        s.send("let xs = [{name: \"ada\", n: 1}, {name: \"bob\", n: 22}]\r")
        #expect(s.expect("roster> ", after: m))
        m = s.mark
        s.send("$xs\r")
        #expect(s.expect("name  n", after: m), "table header: \(s.screen)")
        #expect(s.expect("bob   22", after: m))
        s.send("\u{4}")
        #expect(s.waitForExit() == 0)
    }

    @Test func tabCompletesWordsVariablesAndFields() throws {
        let s = try start()
        s.send("let member_count = {total: 5}\r")
        #expect(s.expect("roster> ", after: s.mark))
        var m = s.mark
        s.send("pri\t$member_c\t\r")   // print $member_count
        #expect(s.expect("{\"total\":5}", after: m), "\(s.screen)")
        m = s.mark
        s.send("print $member_count.to\t\r")
        #expect(s.expect("\r\n5\r\n", after: m), "\(s.screen)")
    }

    @Test func tabTabListsTheChoices() throws {
        let s = try start()
        let m = s.mark
        s.send("le\t\t")
        #expect(s.expect("len", after: m) && s.expect("let", after: m), "\(s.screen)")
        s.send("\u{3}")
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
        s.send("\u{3}")
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
            s.send("print \"remembered\"\r")
            #expect(s.expect("remembered\r\n", after: s.screen.startIndex))
            s.send("print \"token=hunter2\"\r")
            #expect(s.expect("token=hunter2\r\n"))
            s.send("\u{4}")
            #expect(s.waitForExit() == 0)
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
        s.send(":record \(file.path)\r")
        #expect(s.expect("recording"))
        s.send("let a = 2\r")
        s.send("print $nope\r")
        #expect(s.expect("undefined variable"))
        s.send("print ($a * 21)\r")
        #expect(s.expect("42"))
        s.send("\u{4}")
        #expect(s.waitForExit() == 0)
        let recorded = try String(contentsOf: file, encoding: .utf8)
        #expect(recorded.contains("let a = 2\nprint ($a * 21)\n"))
        #expect(!recorded.contains("$nope"))
        let replay = try RosterProcess.run([file.path])
        #expect(replay.out == "42\n")
    }
}
