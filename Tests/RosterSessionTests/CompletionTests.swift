import Testing
@testable import RosterScript
@testable import RosterSession

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
    ]

    @Test(arguments: cases)
    func candidates(_ text: String, _ expected: [String]) {
        #expect(completer.completions(for: text).candidates == expected)
    }

    @Test func replacesOnlyTheWordBeingTyped() {
        let (_, replacing) = completer.completions(for: "print $member.na")
        #expect(replacing == "$member.na".count)
    }
}
