import Foundation
import Testing
@testable import RosterScript
@testable import RosterSession
import RosterCatalog

/// Completion as pure logic: text before the cursor → candidates.
struct CompletionTests {
    let session: Session
    let completer: ReplCompleter

    init() throws {
        session = Session(options: SessionOptions(), out: TextOutput(fd: -1), err: TextOutput(fd: -1))
        try session.interpreter.run(SourceFile(name: "setup", text: """
            let member = {name: "ada", user: {login: "ada@x"}}
            let members = [{email: "a@x", role: "admin"}]
            def greet(name, greeting="hello") { return $greeting }
            """), display: false)
        completer = ReplCompleter(interpreter: session.interpreter, host: session.host)
    }

    static let cases: [(String, [String])] = [
        ("pri", ["print"]),
        ("le", ["len", "let"]),
        ("gre", ["greet"]),
        ("$mem", ["$member", "$members"]),
        ("print $member.na", ["$member.name"]),
        ("print $member.user.lo", ["$member.user.login"]),
        ("$members.ro", ["$members.role"]),
        ("greet ada gr", ["greeting="]),
        ("[1] | wh", ["where"]),
        ("help", ["help"]),
        ("let x = upp", ["upper"]),
        ("print $nothing.x", []),
        ("help prof", ["profiles"]),
    ]

    /// `use` takes a profile and `help` a topic or a verb's words: TAB offered `profile=`.
    @Test func useAndHelpCompleteTheirWords() throws {
        var options = SessionOptions()
        options.catalog = Catalog(targets: try SessionTargets(profiles: try Profiles.parse("[profiles.staging]\nbox = { url = \"https://api.box.com\", token_env = \"T\" }", path: "c.toml"),
                                                              environment: [:]) { "http://127.0.0.1:9" })
        let verbs = Session(options: options, out: TextOutput(fd: -1), err: TextOutput(fd: -1))
        let c = ReplCompleter(interpreter: verbs.interpreter, host: verbs.host)
        for (text, expected) in [("use ", ["sandbox", "staging"]), ("use st", ["staging"]), ("help ld m", ["members"]),
                                 ("help box memberships a", ["add"]), ("help los", ["losant"]), ("help lo", ["losant", "lower"])] {
            #expect(c.completions(for: text).candidates == expected, "\(text)")
        }
    }

    @Test(arguments: cases)
    func candidates(_ text: String, _ expected: [String]) {
        #expect(completer.completions(for: text).candidates == expected)
    }

    @Test func replacesOnlyTheWordBeingTyped() {
        let (_, replacing) = completer.completions(for: "print $member.na")
        #expect(replacing == "$member.na".count)
    }
}

/// Verbs completed word by word, then their parameters, from what the host declares (the
/// catalog will be such a host).
struct VerbCompletionTests {
    final class VerbHost: ScriptHost {
        static let verbs = ["box memberships add": ["user", "group", "role"], "box memberships list": ["user", "group"],
                            "box users list": ["limit"], "ld members list": ["limit", "filter"]]
        var commandNames: [String] { VerbHost.verbs.keys.sorted() }
        func resolveCommand(_ words: [String]) -> HostCommand? {
            for n in stride(from: min(3, words.count), through: 1, by: -1) {
                let name = words.prefix(n).joined(separator: " ")
                if VerbHost.verbs[name] != nil { return HostCommand(name: name, wordCount: n) }
            }
            return nil
        }
        func parameterNames(of command: HostCommand) -> [String] { VerbHost.verbs[command.name] ?? [] }
        func valueCompletions(of command: HostCommand, parameter: String, typed: String) -> [String] {
            guard command.name == "box memberships add" else { return [] }
            return parameter == "role" ? ["member", "admin"] : parameter == "group" ? ["Engineering", "Resume Group", "57001"] : []
        }
        func write(_ text: String) {}
        func display(_ value: Value) throws {}
        func readSource(_ path: String, from file: String) throws -> (name: String, text: String) { (path, "") }
        func open(_ path: String) throws -> Value { .null }
        func save(_ value: Value, to path: String) throws {}
        func environment(_ name: String) -> String? { nil }
        func now() -> Double { 0 }
        func sleep(_ seconds: Double) throws {}
    }

    static let cases: [(String, [String])] = [
        ("bo", ["box"]),
        ("box mem", ["memberships"]),
        ("box memberships ", ["add", "list"]),
        ("box memberships a", ["add"]),
        ("box memberships add us", ["user="]),
        ("box memberships add user=5 ", ["group=", "role=", "user="]),
        ("let r = ld members l", ["list"]),
        ("box nothing ", []),
        ("box memberships add user=5 role=", ["admin", "member"]),
        ("box memberships add role=ad", ["admin"]),
        ("box memberships add user=", []),
        // Live names and ids; a name the language cannot take bare is offered quoted.
        ("box memberships add group=", ["\"Resume Group\"", "57001", "Engineering"]),
        ("box memberships add group=En", ["Engineering"]),
        ("box memberships add group=Re", ["\"Resume Group\""]),
        ("box memberships add group=\"Re", ["\"Resume Group\""]),
        ("box memberships add group=\"En", ["\"Engineering\""]),
    ]

    @Test(arguments: cases)
    func candidates(_ text: String, _ expected: [String]) {
        let host = VerbHost()
        let interpreter = Interpreter(host: host)   // the completer holds it unowned, as the session does
        let completer = ReplCompleter(interpreter: interpreter, host: host)
        #expect(completer.completions(for: text).candidates == expected)
        withExtendedLifetime(interpreter) {}
    }
}

/// Times in tables: LaunchDarkly's epoch milliseconds and the others' ISO text as local dates,
/// 0 as never, and a value no calendar can show left as it is.
struct TableTimeTests {
    func shown(_ v: Value, _ column: String) -> String {
        (try? ValueFormatter.displayTime(v, column: column).json()) ?? "?"
    }

    @Test func timesShowAsDatesAndHostileOnesKeepTheirValue() {
        let date = #"^"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"$"#
        #expect(shown(.int(0), "_lastSeen") == #""never""#)
        #expect(shown(.int(1_702_592_000_000), "_lastSeen").range(of: date, options: .regularExpression) != nil)
        #expect(shown(.string("2023-11-08T22:13:20+00:00"), "user.created_at").range(of: date, options: .regularExpression) != nil)
        #expect(shown(.int(Int.max), "_lastSeen") == "\(Int.max)")
        #expect(shown(.int(Int.min), "_lastSeen") == "\(Int.min)")
        #expect(shown(.string("not a time"), "created_at") == #""not a time""#)
        #expect(shown(.int(5), "count") == "5", "only time columns")
    }
}
