import Testing
@testable import RosterScript

/// No builtin has named parameters: `name=value` or `--flag` given to one in command form is
/// refused, by the check before a run as by the run itself (golden
/// `error_builtin_named_argument`), never passed along and ignored.
struct BuiltinArgumentTests {
    @Test func theCheckRefusesNamedArgumentsAndFlagsToABuiltin() {
        let interpreter = Interpreter(host: FakeHost())
        let found = interpreter.check(SourceFile(name: "t", text: "def later() { return (upper \"abc\" mode=x) }\nlet n = (len \"abc\" --foo)\n"))
        #expect(found.map { "\($0.id) \($0.range.location.line):\($0.range.location.column)" } == ["unknown_parameter 1:35", "unknown_parameter 2:20"])
        #expect(found.first?.message == "'upper' has no parameter 'mode'; it takes its arguments in order: upper(text)")
        // A function of the name takes them instead.
        let defined = interpreter.check(SourceFile(name: "t", text: "def len(v, foo = false) { return 0 }\nlet n = (len \"abc\" --foo)\n"))
        #expect(defined.isEmpty, "\(defined.map { $0.rendered() })")
    }
}
