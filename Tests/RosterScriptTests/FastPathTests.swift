import Testing
import TestSupport
@testable import RosterScript

/// The compiler's fast paths (`$n - 1`: a local and an integer constant, matched in the slot)
/// against the general path they shortcut (`$n - $k`: two locals), on random operands that
/// include the integers' ends, overflows, zero and values of other types: the same value or
/// the same error, every time.
struct FastPathTests {
    static let operators = ["+", "-", "%", "<", "<=", ">", ">=", "==", "!="]
    static let edges = [0, 1, -1, 2, 3, 7, -7, 1000003, Int.max, Int.max - 1, Int.min, Int.min + 1]

    @Test func aLocalAndAnIntegerConstantGiveWhatTheGeneralPathGives() throws {
        var rng = SplitMix64(state: 14)
        // Each case is its own pair of functions, with the constant written into the fast one.
        var program = ""
        var cases: [String] = []
        func literal(_ n: Int) -> String { n == Int.min ? "(\(Int.min + 1) - 1)" : "\(n)" }
        let others = ["2.5", "-0.5", "\"7\"", "null", "true", "[1]", "{a: 1}"]
        // Every operator with every edge constant (a negative one is a negation, not a literal)
        // against every edge, the constant itself and its neighbours; then random operands.
        var grid: [(String, Int, String)] = []
        for op in Self.operators {
            for k in Self.edges where k >= 0 {
                let near = [k, k &- 1, k &+ 1].map(literal)
                for x in Self.edges.map(literal) + near + others { grid.append((op, k, x)) }
            }
        }
        for _ in 0..<300 {
            let op = Self.operators[Int(rng.next() % UInt64(Self.operators.count))]
            let k = Int(truncatingIfNeeded: rng.next() >> 1) >> Int(rng.next() % 63)
            let x = literal(Int(truncatingIfNeeded: rng.next()) >> Int(rng.next() % 64))
            grid.append((op, k, x))
        }
        for (c, (op, k, x)) in grid.enumerated() {
            program += "def f\(c)(x) { try { return $x \(op) \(k) } catch e { return \"error \" + $e.code + \": \" + $e.message } }\n"
            program += "def s\(c)(x, k) { try { return $x \(op) $k } catch e { return \"error \" + $e.code + \": \" + $e.message } }\n"
            // `$t += k` (added to in its slot) against `$x + $k`, for every `+` case.
            var adding = ""
            if op == "+" {
                program += "def a\(c)(x) { try { let t = $x; $t += \(k); return $t } catch e { return \"error \" + $e.code + \": \" + $e.message } }\n"
                adding = " \"|\" to_json(a\(c)(\(x)))"
            }
            program += "print to_json(f\(c)(\(x))) \"|\" to_json(s\(c)(\(x), \(k)))\(adding)\n"
            cases.append("\(x) \(op) \(k)")
        }
        let host = FakeHost()
        let interpreter = Interpreter(host: host)
        try interpreter.run(SourceFile(name: "fast.roster", text: program))
        #expect(host.output.count == cases.count)
        for (line, c) in zip(host.output, cases) {
            let parts = line.components(separatedBy: " | ")
            #expect(parts.count >= 2 && Set(parts).count == 1, "\(c): \(line)")
        }
        #expect(cases.count > 1000)
    }
}
