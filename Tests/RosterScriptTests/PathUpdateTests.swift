import Testing
import TestSupport
@testable import RosterScript

/// `$v<path> = x` and `$v<path> += x` as scripts run them, against a model written here as
/// plain functional updates: random values nested three deep, random paths of fields and
/// indexes (negative, out of range, of the wrong type, through nulls and scalars), the variable
/// a top-level one, a function's local and an enclosing function's. Each case checks the new
/// value or the error's code, that a failed update left the value as it was, and that a copy
/// taken before (`let w = $v`) kept what it had.
struct PathUpdateTests {
    enum Step {
        case field(String)
        case index(Value, String)
    }

    /// What the update gives: the new value, or the code of the error it fails with.
    static func model(_ base: Value, _ path: ArraySlice<Step>, _ leaf: (Value) throws(ErrorValue) -> Value) -> Result<Value, ErrorValue> {
        guard let step = path.first else { return Result { () throws(ErrorValue) in try leaf(base) } }
        let rest = path.dropFirst()
        func into(_ r: Record, _ key: String) -> Result<Value, ErrorValue> {
            model(r[key] ?? .null, rest, leaf).map { child in
                var r = r
                r[key] = child   // an existing key keeps its place; a new one goes last
                return .record(r)
            }
        }
        switch (step, base) {
        case (.field(let key), .null): return into([:], key)
        case (.field(let key), .record(let r)), (.index(.string(let key), _), .record(let r)): return into(r, key)
        case (.field(let key), _): return .failure(ErrorValue(code: "not_a_record", message: key))
        case (.index(.int(let i), _), .list(let l)):
            let j = i < 0 ? l.count + i : i
            guard j >= 0, j < l.count else { return .failure(ErrorValue(code: "index_out_of_range", message: "\(i)")) }
            return model(l[j], rest, leaf).map { child in
                var l = l
                l[j] = child
                return .list(l)
            }
        case (.index, _): return .failure(ErrorValue(code: "invalid_index", message: ""))
        }
    }

    struct Gen {
        var rng = SplitMix64(state: 0x9A7E)
        let keys = ["a", "b", "c"]

        mutating func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }

        /// A value and its literal.
        mutating func value(depth: Int) -> (Value, String) {
            switch rng.next() % (depth > 0 ? 7 : 4) {
            case 0: return (.null, "null")
            case 1:
                let n = pick([0, 1, -3, Int.max])
                return (.int(n), "\(n)")
            case 2:
                let s = pick(["x", "yz", ""])
                return (.string(s), "\"\(s)\"")
            case 3: return (.bool(true), "true")
            case 4, 5:
                var items: [Value] = [], texts: [String] = []
                for _ in 0..<(rng.next() % 4) {
                    let (v, t) = value(depth: depth - 1)
                    items.append(v)
                    texts.append(t)
                }
                return (.list(items), "[\(texts.joined(separator: ", "))]")
            default:
                var r = Record(), texts: [String] = []
                for key in keys where rng.next() % 3 != 0 {
                    let (v, t) = value(depth: depth - 1)
                    r[key] = v
                    texts.append("\(key): \(t)")
                }
                return (.record(r), "{\(texts.joined(separator: ", "))}")
            }
        }

        /// A path that exists in `base`, one to three steps (a random one when `base` has none).
        mutating func path(into base: Value) -> [Step] {
            var steps: [Step] = [], cur = base
            // It may stop at a container, so `+=` meets lists and records with items too.
            while steps.count < 3, steps.isEmpty || rng.next() % 3 != 0 {
                if case .record(let r) = cur, !r.isEmpty {
                    let key = pick(Array(r.keys))
                    steps.append(rng.next() % 2 == 0 ? .field(key) : .index(.string(key), "[\"\(key)\"]"))
                    cur = r[key]!
                } else if case .list(let l) = cur, !l.isEmpty {
                    let i = Int(rng.next() % UInt64(l.count))
                    let index = rng.next() % 2 == 0 ? i : i - l.count
                    steps.append(.index(.int(index), "[\(index)]"))
                    cur = l[i]
                } else {
                    break
                }
            }
            return steps.isEmpty ? path() : steps
        }

        mutating func path() -> [Step] {
            (0...(rng.next() % 3)).map { _ in
                switch rng.next() % 6 {
                case 0, 1: return .field(pick(keys + ["z"]))
                case 2, 3:
                    let i = pick([0, 1, 2, 5, -1, -2, -4])
                    return .index(.int(i), "[\(i)]")
                case 4:
                    let k = pick(keys + ["z"])
                    return .index(.string(k), "[\"\(k)\"]")
                default:
                    return pick([Step.index(.null, "[null]"), .index(.double(1.5), "[1.5]"), .index(.bool(true), "[true]")])
                }
            }
        }
    }

    static func text(_ steps: [Step]) -> String {
        steps.map { step in
            switch step {
            case .field(let f): ".\(f)"
            case .index(_, let t): t
            }
        }.joined()
    }

    @Test func updatesThroughAnyPathGiveWhatTheModelGives() throws {
        var gen = Gen()
        var program = ""
        var expected: [String] = []
        let cases = 3000
        for c in 0..<cases {
            let (base, baseText) = gen.value(depth: 3)
            let path = gen.rng.next() % 2 == 0 ? gen.path() : gen.path(into: base)
            let adding = gen.rng.next() % 2 == 0
            // `$v... += [x]` has a path of its own in the compiler: a list of one, often.
            let (item, itemText) = gen.value(depth: 1)
            let (operand, operandText) = adding && gen.rng.next() % 3 == 0 ? (Value.list([item]), "[\(itemText)]") : gen.value(depth: 1)
            let leaf: (Value) throws(ErrorValue) -> Value = adding ? { old throws(ErrorValue) in try Value.add(old, operand) } : { _ in operand }
            let outcome = Self.model(base, path[...], leaf)
            let after = (try? outcome.get()) ?? base
            let code: String = switch outcome {
            case .success: "ok"
            case .failure(let e): e.code
            }
            expected.append("\(code) \(try after.json()) \(try base.json())")

            let update = "$v\(Self.text(path)) \(adding ? "+=" : "=") \(operandText)"
            let body = """
                let v = \(baseText)
                let w = $v
                let r = "ok"
                try { \(update) } catch e { $r = $e.code }
                """
            switch c % 3 {
            case 0:
                // Top level: each case in a block of its own, so its names are its own.
                program += "if true {\n\(body)\nprint $r (to_json($v)) (to_json($w))\n}\n"
            case 1:
                program += "def t\(c)() {\n\(body)\nreturn \"$r ${to_json($v)} ${to_json($w)}\"\n}\nprint (t\(c)())\n"
            default:
                // The variable of an enclosing function, updated from a function inside it.
                program += """
                    def t\(c)() {
                    let v = \(baseText)
                    let w = $v
                    def inner() {
                    let r = "ok"
                    try { \(update) } catch e { $r = $e.code }
                    return $r
                    }
                    let r = inner()
                    return "$r ${to_json($v)} ${to_json($w)}"
                    }
                    print (t\(c)())

                    """
            }
        }
        let host = FakeHost()
        try Interpreter(host: host).run(SourceFile(name: "paths.roster", text: program))
        #expect(host.output.count == cases)
        var failed = 0
        for (i, line) in host.output.enumerated() where i < cases && line != expected[i] {
            failed += 1
            if failed <= 5 { Issue.record("case \(i): got \(line), expected \(expected[i])") }
        }
        // The generator reaches every outcome, not only the easy ones.
        for outcome in ["ok ", "not_a_record ", "index_out_of_range ", "invalid_index ", "type_mismatch ", "overflow "] {
            #expect(expected.contains { $0.hasPrefix(outcome) }, "no case ends \(outcome)")
        }
    }
}
