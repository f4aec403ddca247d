import Testing
import TestSupport
@testable import RosterScript

/// A function body whose returns are all at its ends (its last statement, or an `if` branch
/// that returns on every path) runs as the value of what it returns (Compiler+FunctionBody);
/// any other body runs as statements, each handing on how it ended. Random bodies of
/// assignments, appends to a log, `let`, loops, and `if` / `else if` / `else` nested three
/// deep with returns (with and without a value) anywhere, each run both ways: as written, and
/// inside a `try`, which always takes the statements' way. For every pair of arguments in a
/// grid, the same value and the same log (what ran, in which order).
struct FunctionBodyTests {
    struct Gen {
        var rng = SplitMix64(state: 0xB0D1)
        var names = 0

        mutating func below(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }

        /// An int (the variables stay ints, so every condition can compare them).
        mutating func expression() -> String {
            ["$a", "$b", "$a + $b", "\(below(5))", "$a - 1", "len($log)"][below(6)]
        }

        mutating func condition() -> String {
            ["$a < \(below(4))", "$b == \(below(3))", "$a > $b", "len($log) > \(below(3))"][below(4)]
        }

        /// Statements, half the time ending in a return (so that many branches return on
        /// every path, and many do not).
        mutating func block(depth: Int) -> String {
            var statements = (0..<(1 + below(3))).map { _ in statement(depth: depth) }
            if below(2) == 0 { statements.append(returning()) }
            return statements.joined(separator: "; ")
        }

        mutating func returning() -> String {
            switch below(6) {
            case 0: "return"
            case 1: "return [$a, $b]"
            default: "return \(expression())"
            }
        }

        mutating func statement(depth: Int) -> String {
            names += 1
            switch below(depth > 0 ? 10 : 6) {
            case 0, 1: return "$log += [\"\(names)\"]"
            case 2: return "$a = \(expression())"
            case 3: return "let t\(names) = \(expression()); $b += len(to_json($t\(names)))"
            case 4: return below(4) == 0 ? returning() : "$b += 1"   // sometimes before other statements
            case 5: return "$b += $a"
            case 6: return "for i in range(2) { $log += [\"\(names):$i\"]; \(statement(depth: depth - 1)) }"
            default: return ifStatement(depth: depth)
            }
        }

        mutating func ifStatement(depth: Int) -> String {
            var s = "if \(condition()) { \(block(depth: depth - 1)) }"
            for _ in 0..<below(3) { s += " else if \(condition()) { \(block(depth: depth - 1)) }" }
            if below(2) == 0 { s += " else { \(block(depth: depth - 1)) }" }
            return s
        }

        /// A function's body: half of them an `if` between other statements.
        mutating func body() -> String {
            below(2) == 0 ? block(depth: 3) : "\(statement(depth: 0)); \(ifStatement(depth: 3)); \(block(depth: 2))"
        }
    }

    @Test func bodiesGiveWhatTheirStatementsWould() throws {
        var gen = Gen()
        var program = "let log = []\n"
        var valued = 0, branching = 0
        let bodies = 300
        for k in 0..<bodies {
            let body = gen.body()
            // Which way the body compiles (the test must reach both).
            let (parsed, problems) = Parser.parse(SourceFile(name: "body", text: "def f(a, b) { \(body) }"))
            #expect(problems.isEmpty, "\(body)")
            if case .function(let decl)? = parsed.first, Compiler.runsAsValue(decl.body.statements) {
                valued += 1
                // An `if` some branch of which returns: the shape the value is chosen in.
                if decl.body.statements.contains(where: { if case .ifElse = $0 { Compiler.returns($0) } else { false } }) { branching += 1 }
            }
            program += "def f\(k)(a, b) { \(body) }\n"
            program += "def g\(k)(a, b) { try { \(body) } catch e { return \"error \" + $e.code } }\n"
            program += """
                for x in [0, 1, 2, 5] { for y in [0, 2, 3] {
                    $log = []
                    let v = f\(k)($x, $y)
                    let w = $log
                    $log = []
                    print to_json([$v, $w]) "|" to_json([g\(k)($x, $y), $log]) "| body \(k)"
                } }

                """
        }
        let host = FakeHost()
        let interpreter = Interpreter(host: host)
        try interpreter.run(SourceFile(name: "bodies.roster", text: program))
        #expect(host.output.count == bodies * 12)
        for line in host.output {
            let parts = line.components(separatedBy: " | ")
            #expect(parts.count == 3 && parts[0] == parts[1], "\(line)")
        }
        #expect(valued > bodies / 4 && valued < bodies * 3 / 4, "\(valued) of \(bodies) bodies compiled to their value")
        #expect(branching > bodies / 10, "\(branching) of \(bodies) bodies choose their value in an if")
    }

    /// The shapes themselves: which bodies may run as their value.
    @Test func returnsAtEndsAcceptsOnlyReturnsItCanTakeTheValueOf() throws {
        let cases: [(String, Bool)] = [
            ("return 1", true),
            ("$a = 1", true),
            ("if $a { return 1 }; return 2", true),
            ("if $a { return 1 } else { $b = 2 }; return $b", true),
            ("if $a { $b = 1; if $b { return 1 } else { return 2 } }; return 3", true),
            ("if $a { if $b { return 1 }; return 2 }; return 3", true),
            ("if $a { if $b { return 1 } }; return 3", false),   // a branch that returns on some paths only
            ("return 1; $a = 2", false),                        // statements after a return
            ("for i in range(2) { return $i }", false),
            ("try { return 1 } catch e { return 2 }", false),
            ("def g() { return 1 }; return g()", true),          // a nested def's return is its own
        ]
        // Few returns, or the statements' way (a shallow stack for a generated body).
        let many = (0..<70).map { "if $a == \($0) { return \($0) }" }.joined(separator: "; ") + "; return -1"
        for (body, expected) in [(many, false), ((0..<60).map { "if $a == \($0) { return \($0) }" }.joined(separator: "; ") + "; return -1", true)] {
            let (parsed, _) = Parser.parse(SourceFile(name: "body", text: "def f(a, b) { \(body) }"))
            guard case .function(let decl)? = parsed.first else { Issue.record("no def"); continue }
            #expect(Compiler.runsAsValue(decl.body.statements) == expected)
        }
        let host = FakeHost()
        try Interpreter(host: host).run(SourceFile(name: "many.roster", text: "def f(a) { \(many) }\nprint f(69) f(70) f(0)\n"))
        #expect(host.output == ["69 -1 0"])
        for (body, expected) in cases {
            let (parsed, problems) = Parser.parse(SourceFile(name: "body", text: "def f(a, b) { \(body) }"))
            #expect(problems.isEmpty)
            guard case .function(let decl)? = parsed.first else { Issue.record("no def: \(body)"); continue }
            #expect(Compiler.returnsAtEnds(decl.body.statements[...]) == expected, "\(body)")
        }
    }
}
