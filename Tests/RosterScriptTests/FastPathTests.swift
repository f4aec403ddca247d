import Testing
import TestSupport
@testable import RosterScript

/// The compiler's fast paths (`$n - 1` with a local or a top-level variable and an integer
/// constant, `$x // $k` with two ints, `$t += k` in the slot) against the value operations they
/// shortcut (`Value.add`, `Value.arithmetic`, `Value.compare`, `Value.equal`, which every
/// other operand goes through), on operands that include the integers' ends, their
/// neighbours, overflows, zero and values of other types: the same value or the same error.
struct FastPathTests {
    static let operators: [BinaryOp] = [.add, .subtract, .multiply, .modulo, .floorDivide, .less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual]
    static let edges = [0, 1, -1, 2, 3, 7, -7, 1000003, Int.max, Int.max - 1, Int.min, Int.min + 1]
    static let others: [(String, Value)] = [("2.5", .double(2.5)), ("-0.5", .double(-0.5)), ("float(\"nan\")", .double(.nan)), ("\"7\"", .string("7")), ("null", .null),
                                            ("true", .bool(true)), ("[1]", .list([.int(1)])), ("{a: 1}", .record(["a": .int(1)]))]

    /// What the operation gives, as the script prints it (an error as its code and message).
    static func reference(_ op: BinaryOp, _ a: Value, _ b: Value) -> String {
        do {
            let v: Value
            switch op {
            case .add: v = try Value.add(a, b)
            case .equal: v = .bool(Value.equal(a, b))
            case .notEqual: v = .bool(!Value.equal(a, b))
            case .less, .lessEqual, .greater, .greaterEqual:
                // IEEE's comparisons, written out here rather than taken from `Value.ordered`.
                if case .double(let x) = a, case .double(let y) = b {
                    v = .bool(op == .less ? x < y : op == .lessEqual ? x <= y : op == .greater ? x > y : x >= y)
                    break
                }
                if case .double(let y) = b, y.isNaN, Value.compare(a, b) != nil { v = .bool(false); break }
                if case .double(let x) = a, x.isNaN, Value.compare(a, b) != nil { v = .bool(false); break }
                guard let c = Value.compare(a, b) else {
                    throw ErrorValue(code: "type_mismatch", message: "cannot compare \(a.typeName) with \(b.typeName) using '\(op.rawValue)'")
                }
                v = .bool(op == .less ? c < 0 : op == .lessEqual ? c <= 0 : op == .greater ? c > 0 : c >= 0)
            default: v = try Value.arithmetic(op, a, b)
            }
            return try v.json()
        } catch let e as ErrorValue {
            return try! Value.string("error \(e.code): \(e.message)").json()
        } catch {
            return "\(error)"
        }
    }

    /// What a condition makes of a result printed as JSON: its truth, or the same error.
    static func truth(of json: String) -> String {
        if json.hasPrefix("\"error ") { return json }
        // No operation here gives null; NaN is written as null in JSON, and is true (not zero).
        if json == "null" { return "true" }
        return ["false", "0", "0.0", "-0.0", "null", "\"\"", "[]", "{}"].contains(json) ? "false" : "true"
    }

    /// A value against a text, as a condition (`.role == "admin"`) and as a value.
    @Test func aTextComparisonAsAConditionIsEquality() throws {
        let values = Self.edges.map { Self.literal($0) } + Self.others.map(\.0) + ["\"7\"", "\"\"", "\"77\""]
        var program = ""
        for (i, v) in values.enumerated() {
            program += "def e\(i)(x) { if $x == \"7\" { return true }; return false }\n"
            program += "def n\(i)(x) { if $x != \"7\" { return true }; return false }\n"
            program += "print e\(i)(\(v)) n\(i)(\(v)) (\(v) == \"7\") len([\(v)] | where $it == \"7\")\n"
        }
        let host = FakeHost()
        try Interpreter(host: host).run(SourceFile(name: "text.roster", text: program))
        #expect(host.output.count == values.count)
        for (i, line) in host.output.enumerated() where i < values.count {
            let parts = line.split(separator: " ").map(String.init)
            #expect(parts.count == 4 && parts[0] == parts[2] && parts[1] == (parts[0] == "true" ? "false" : "true") && (parts[3] == "1") == (parts[0] == "true"), "\(values[i]): \(line)")
        }
        #expect(host.output.filter { $0.hasPrefix("true") }.count == 2, "\"7\" twice: \(host.output)")
    }

    static func literal(_ n: Int) -> String { n == Int.min ? "(\(Int.min + 1) - 1)" : "\(n)" }

    /// Every operator with every edge constant (a negative one is a negation, not a literal)
    /// against every edge, the constant itself and its neighbours and other types; then random
    /// operands.
    static func grid() -> [(BinaryOp, Int, String, Value)] {
        var rng = SplitMix64(state: 14)
        // Every operator with every edge constant (a negative one is a negation, not a literal)
        // against every edge, the constant itself and its neighbours and other types; then
        // random operands.
        var grid: [(BinaryOp, Int, String, Value)] = []
        for op in Self.operators {
            for k in Self.edges where k >= 0 {
                for x in Self.edges + [k, k &- 1, k &+ 1] { grid.append((op, k, Self.literal(x), .int(x))) }
                for (text, value) in Self.others { grid.append((op, k, text, value)) }
            }
        }
        for _ in 0..<300 {
            let op = Self.operators[Int(rng.next() % UInt64(Self.operators.count))]
            let k = Int(truncatingIfNeeded: rng.next() >> 1) >> Int(rng.next() % 63)
            let x = Int(truncatingIfNeeded: rng.next()) >> Int(rng.next() % 64)
            grid.append((op, k, Self.literal(x), .int(x)))
        }
        return grid
    }

    @Test func fastPathsGiveWhatTheValueOperationsGive() throws {
        let grid = Self.grid()
        // Each case: the variable as a local (a parameter), as a top-level variable, added to
        // in its slot (for +), and two ints as locals (for //).
        var program = "let g = null\ndef id(v) { return $v }\n"
        var expected: [String] = []
        let catching = "catch e { return \"error \" + $e.code + \": \" + $e.message }"
        for (c, (op, k, x, value)) in grid.enumerated() {
            let o = op.rawValue
            program += "def f\(c)(x) { try { return $x \(o) \(k) } \(catching) }\n"
            program += "def g\(c)(x) { $g = $x; try { return $g \(o) \(k) } \(catching) }\n"
            program += "def p\(c)(x, k) { try { return $x \(o) $k } \(catching) }\n"
            // And computed operands: a call's value with a constant, and two calls' values.
            program += "def c\(c)(x) { try { return id($x) \(o) \(k) } \(catching) }\n"
            program += "def d\(c)(x, k) { try { return id($x) \(o) id($k) } \(catching) }\n"
            var line = "to_json(f\(c)(\(x))) \"|\" to_json(g\(c)(\(x))) \"|\" to_json(p\(c)(\(x), \(k)))"
            line += " \"|\" to_json(c\(c)(\(x))) \"|\" to_json(d\(c)(\(x), \(k)))"
            if op == .add {
                program += "def a\(c)(x) { try { let t = $x; $t += \(k); return $t } \(catching) }\n"
                line += " \"|\" to_json(a\(c)(\(x)))"
            }
            program += "print \(line)\n"
            expected.append(Self.reference(op, value, .int(k)))
        }
        let host = FakeHost()
        let interpreter = Interpreter(host: host)
        try interpreter.run(SourceFile(name: "fast.roster", text: program))
        #expect(host.output.count == grid.count)
        for (i, line) in host.output.enumerated() where i < grid.count {
            let parts = line.components(separatedBy: " | ")
            #expect(parts.count >= 5 && parts.allSatisfy { $0 == expected[i] }, "\(grid[i].2) \(grid[i].0.rawValue) \(grid[i].1): \(line), expected \(expected[i])")
        }
        #expect(grid.count > 1500)
    }

    /// The same grid as conditions (if, while and where decide without making a bool): the
    /// value's truth, or the same error; the variable a local, a top-level one and the item.
    @Test func conditionsGiveTheTruthOfTheValueOperations() throws {
        let grid = Self.grid()
        var program = "let g = null\n"
        var truths: [String] = []
        let catching = "catch e { return \"error \" + $e.code + \": \" + $e.message }"
        for (c, (op, k, x, value)) in grid.enumerated() {
            let o = op.rawValue
            program += "def i\(c)(x) { try { if $x \(o) \(k) { return true }; return false } \(catching) }\n"
            program += "def w\(c)(x) { try { return len([$x] | where $it \(o) \(k)) == 1 } \(catching) }\n"
            program += "def h\(c)(x) { $g = $x; try { let n = 0; while $g \(o) \(k) { $n += 1; break }; return $n == 1 } \(catching) }\n"
            program += "print to_json(i\(c)(\(x))) \"|\" to_json(w\(c)(\(x))) \"|\" to_json(h\(c)(\(x)))\n"
            truths.append(Self.truth(of: Self.reference(op, value, .int(k))))
        }
        let host = FakeHost()
        try Interpreter(host: host).run(SourceFile(name: "conditions.roster", text: program))
        #expect(host.output.count == grid.count)
        for (i, line) in host.output.enumerated() where i < grid.count {
            let parts = line.components(separatedBy: " | ")
            #expect(parts.count == 3 && parts.allSatisfy { $0 == truths[i] }, "\(grid[i].2) \(grid[i].0.rawValue) \(grid[i].1): \(line), expected \(truths[i])")
        }
    }

    /// `$x[i]`, `$x[i].f` and `$r[k]` read in place (a variable's list or record, an index
    /// without effects) against the same reads of the same value through an expression, which
    /// takes the general way: the same value or the same error, for a top-level variable and a
    /// function's own, over indexes in and out of range, of every type, and containers that are
    /// not lists or records.
    @Test func readsInPlaceGiveWhatTheGeneralReadsGive() throws {
        let containers = ["[{f: 1}, {f: \"x\", g: 2}, 2, null, [3], {}]", "{a: {f: 2}, b: 3, \"\": {f: [4]}, f: {f: 5}}",
                          "\"abc\"", "\"ĂĉÉ\"", "null", "5", "[]", "{}", "true"]
        let indexes = (-8...8).map(String.init) + ["\(Int.max)", "(\(Int.min + 1) - 1)", "\"a\"", "\"b\"", "\"f\"", "\"\"", "\"zz\"",
                                                   "null", "1.5", "true", "[0]", "{}"]
        // Each read's JSON, or its error, appended to $out.
        let reads = ["$c[$i]", "[$c][0][$i]", "$c[$i].f", "[$c][0][$i].f"].map {
            "try { $out += [to_json(\($0))] } catch e { $out += [\"error \" + $e.code + \": \" + $e.message] }"
        }.joined(separator: "\n")
        var program = """
            def local(c, i) {
                let out = []
                \(reads)
                return join($out, " | ")
            }

            """
        for c in containers {
            for i in indexes {
                program += """
                    let c = \(c)
                    let i = \(i)
                    let out = []
                    \(reads)
                    print join($out, " | ")
                    print local($c, $i)

                    """
            }
        }
        let host = FakeHost()
        try Interpreter(host: host).run(SourceFile(name: "reads.roster", text: program))
        #expect(host.output.count == containers.count * indexes.count * 2)
        var errors = 0
        for (n, line) in host.output.enumerated() {
            let parts = line.components(separatedBy: " | ")
            let what = "\(containers[min(n / 2 / indexes.count, containers.count - 1)])[\(indexes[n / 2 % indexes.count])]"
            #expect(parts.count == 4 && parts[0] == parts[1] && parts[2] == parts[3], "\(what): \(line)")
            errors += parts.filter { $0.hasPrefix("\"error ") || $0.hasPrefix("error ") }.count
        }
        // Both ways are exercised: values found, and errors of every kind.
        #expect(errors > 100 && errors < host.output.count * 4 - 100, "\(errors) errors")
    }
}
