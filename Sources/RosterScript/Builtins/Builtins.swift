#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A builtin function. The same table serves `len($x)` and `print "x"` (command form).
public struct Builtin: Sendable {
    public let name: String
    public let signature: String
    public let summary: String
    let arity: ClosedRange<Int>
    let run: @Sendable (BuiltinCall) throws -> Value
}

/// One call of a builtin. Its arguments are lent for the call only (they may live on the
/// caller's stack): a builtin must not keep them, nor the call, past its return.
struct BuiltinCall {
    let arguments: UnsafeBufferPointer<Value>
    /// Held as a plain pointer (the interpreter outlives every call): a reference would be
    /// retained and released by each builtin call.
    let owner: Unmanaged<Interpreter>
    var interpreter: Interpreter { owner.takeUnretainedValue() }

    subscript(_ i: Int) -> Value { i < arguments.count ? arguments[i] : .null }
    var host: ScriptHost { interpreter.host }

    func string(_ i: Int, _ what: String) throws(ErrorValue) -> String {
        guard case .string(let s) = self[i] else {
            throw ErrorValue(code: "type_mismatch", message: "\(what) must be a string, got \(self[i].typeName)")
        }
        return s
    }

    func int(_ i: Int, _ what: String) throws(ErrorValue) -> Int {
        guard case .int(let n) = self[i] else {
            throw ErrorValue(code: "type_mismatch", message: "\(what) must be an integer, got \(self[i].typeName)")
        }
        return n
    }
}

public enum Builtins {
    public static var names: [String] { table.keys.sorted() }

    static let table: [String: Builtin] = {
        var t: [String: Builtin] = [:]
        for b in core + text + conversion + time { t[b.name] = b }
        return t
    }()

    public static func describe(_ name: String) -> (signature: String, summary: String)? {
        table[name].map { ($0.signature, $0.summary) }
    }

    static func b(_ name: String, _ signature: String, _ summary: String, _ arity: ClosedRange<Int>,
                  _ run: @escaping @Sendable (BuiltinCall) throws -> Value) -> Builtin {
        Builtin(name: name, signature: signature, summary: summary, arity: arity, run: run)
    }

    static let core: [Builtin] = [
        b("print", "print VALUE...", "write values separated by spaces, then a newline (strings as they are)", 0...Int.max) { c in
            c.interpreter.emit(try c.arguments.map { try $0.text() }.joined(separator: " "))
            return .null
        },
        b("len", "len(value)", "the number of characters, items or fields", 1...1) { c in
            switch c[0] {
            case .string(let s): return .int(ASCIIText.count(s))
            case .list(let l): return .int(l.count)
            case .record(let r): return .int(r.count)
            case .range(let a, let b): return .int(b - a)
            case .stream:
                var n = 0
                try c[0].forEachElement { _ in n += 1 }
                return .int(n)
            case let v: throw ErrorValue(code: "type_mismatch", message: "len needs a string, list, record or stream, got \(v.typeName)")
            }
        },
        b("keys", "keys(record)", "the field names of a record, in order", 1...1) { c in
            guard case .record(let r) = c[0] else { throw ErrorValue(code: "type_mismatch", message: "keys needs a record, got \(c[0].typeName)") }
            return .list(r.keys.map { .string($0) })
        },
        b("values", "values(record)", "the field values of a record, in order", 1...1) { c in
            guard case .record(let r) = c[0] else { throw ErrorValue(code: "type_mismatch", message: "values needs a record, got \(c[0].typeName)") }
            return .list(Array(r.values))
        },
        b("range", "range(n) | range(start, end) | range(start, end, step)",
          "the integers from 0 (or start) up to, not including, end; every step-th (a negative step counts down)", 1...3) { c in
            if c.arguments.count == 1 { return try .range(from: 0, upTo: try c.int(0, "the end")) }
            let start = try c.int(0, "the start"), end = try c.int(1, "the end")
            guard c.arguments.count == 3 else { return try .range(from: start, upTo: end) }
            return try .range(from: start, to: end, step: try c.int(2, "the step"))
        },
        b("list", "list(value)", "collect a stream or range into a list", 1...1) { c in
            if case .list = c[0] { return c[0] }
            if case .range(let a, let b) = c[0] { try ValueLimits.checkList(b - a) }
            var out = List()
            try c[0].forEachElement {
                out.append($0)
                if out.count > ValueLimits.listItems { try ValueLimits.checkList(out.count) }
            }
            return .list(out)
        },
        b("open", "open(path)", "a .csv (header row) or .ndjson file as a stream of rows, read again by each use; a .json file as a value", 1...1) { c in
            try c.host.open(try c.string(0, "the path"))
        },
        b("save", "save(value, path)", "write a value as .csv, .json or .ndjson, chosen by the extension", 2...2) { c in
            try c.host.save(c[0], to: try c.string(1, "the path"))
            return .null
        },
        b("env", "env(name) | env(name, default)", "an environment variable, or the default (null) when unset", 1...2) { c in
            let name = try c.string(0, "the variable name")
            return c.host.environment(name).map { .string($0) } ?? c[1]
        },
        b("now", "now()", "the current time in seconds since 1970, as a double", 0...0) { c in
            .double(c.host.now())
        },
        b("sleep", "sleep(seconds)", "wait; Ctrl-C cancels", 1...1) { c in
            guard let s = c[0].asDouble else { throw ErrorValue(code: "type_mismatch", message: "sleep needs a number of seconds, got \(c[0].typeName)") }
            guard s >= 0 else { throw ErrorValue(code: "invalid_argument", message: "sleep needs 0 or more seconds, got \(try c[0].json())") }
            try c.host.sleep(s)
            return .null
        },
        b("assert", "assert(condition, message)", "fail with the message unless the condition is true", 1...2) { c in
            if c[0].isTruthy { return .null }
            let m = c.arguments.count > 1 ? try c[1].text() : "assertion failed"
            throw ErrorValue(code: "assertion_failed", message: m)
        },
        b("fail", "fail(message) | fail(message, code) | fail(error)", "raise an error that try/catch can catch (given a caught error, raise it again: its code, message, status and first place kept)", 1...2) { c in
            if case .error(let e) = c[0], c.arguments.count == 1 { throw e }
            throw ErrorValue(code: c.arguments.count > 1 ? try c[1].text() : "failed", message: try c[0].text())
        },
        b("type", "type(value)", "the type's name: null, bool, int, double, string, list, record, range, stream, error, function", 1...1) { c in
            .string(c[0].typeName)
        },
        b("to_json", "to_json(value) | to_json(value, true)", "JSON text, compact or (with true) indented", 1...2) { c in
            .string(c[1].isTruthy ? try c[0].prettyJSON() : try c[0].json())
        },
        b("from_json", "from_json(text)", "parse JSON text; object keys keep their order", 1...1) { c in
            let s = try c.string(0, "the JSON text")
            do throws(JSONReader.Failure) { return try JSONReader.parse(s) } catch {
                throw ErrorValue(code: "invalid_json", message: "invalid JSON at byte \(error.offset): \(error.message)")
            }
        },
        b("sum", "sum(list)", "the sum of numbers", 1...1) { c in
            var total = Value.int(0)
            try c[0].forEachElement { total = try Value.add(total, $0) }
            return total
        },
        b("min", "min(list) | min(a, b, ...)", "the smallest value", 1...Int.max) { c in try extreme(c, -1) },
        b("max", "max(list) | max(a, b, ...)", "the largest value", 1...Int.max) { c in try extreme(c, 1) },
        b("abs", "abs(number)", "the absolute value", 1...1) { c in
            switch c[0] {
            case .int(let n) where n != Int.min: return .int(Swift.abs(n))
            case .int: throw Value.overflow("abs")
            case .double(let d): return .double(Swift.abs(d))
            default: throw ErrorValue(code: "type_mismatch", message: "abs needs a number, got \(c[0].typeName)")
            }
        },
        b("round", "round(number) | round(number, digits)", "round half away from zero; to an integer without digits", 1...2) { c in
            guard let d = c[0].asDouble else { throw ErrorValue(code: "type_mismatch", message: "round needs a number, got \(c[0].typeName)") }
            let digits = c.arguments.count == 1 ? nil : try c.int(1, "the digits")
            // An integer stays one (through a double, 2^53 + 1 came back as 2^53).
            if case .int(let n) = c[0] { return .int(try roundInteger(n, digits ?? 0)) }
            guard let digits else {
                guard let n = Int(exactly: d.rounded()) else { throw ErrorValue(code: "overflow", message: "\(Value.format(d)) does not round to a 64-bit integer") }
                return .int(n)
            }
            guard d.isFinite else { return .double(d) }
            if digits >= 0 {
                // Past 2^52 at that scale a double has no fraction left to round (and scaling
                // 1e300 by 1e10 would give infinity).
                let p = pow(10, Double(Swift.min(digits, 400)))
                let scaled = d * p
                return .double(!scaled.isFinite || abs(scaled) >= 4_503_599_627_370_496 ? d : scaled.rounded() / p)
            }
            // (-digits would overflow for Int.min.)
            let p = pow(10, digits < -400 ? 400.0 : Double(-digits))
            guard p.isFinite else { return .double(d < 0 ? -0.0 : 0.0) }
            return .double((d / p).rounded() * p)
        },
    ]

    /// `n` rounded half away from zero to `digits` places (a negative count rounds to tens,
    /// hundreds, ...): an integer's own arithmetic, overflow an error.
    static func roundInteger(_ n: Int, _ digits: Int) throws(ErrorValue) -> Int {
        guard digits < 0 else { return n }
        let overflow = ErrorValue(code: "overflow", message: "round(\(n), \(digits)) does not fit in a 64-bit integer")
        guard digits >= -18 else {
            // 10^19 is past Int.max: everything rounds to 0, or away to ±10^19.
            if n.magnitude >= 5_000_000_000_000_000_000 { throw overflow }
            return 0
        }
        var p = 1
        for _ in 0..<(-digits) { p *= 10 }
        let r = n % p
        var result = n - r
        if r.magnitude * 2 >= p.magnitude {
            let (away, o) = result.addingReportingOverflow(n < 0 ? -p : p)
            if o { throw overflow }
            result = away
        }
        return result
    }

    private static func extreme(_ c: BuiltinCall, _ sign: Int) throws -> Value {
        var items: [Value] = []
        if c.arguments.count == 1 {
            try c[0].forEachElement {
                items.append($0)
                if items.count > ValueLimits.listItems { try ValueLimits.checkList(items.count) }
            }
        } else {
            items = Array(c.arguments)
        }
        guard var best = items.first else { throw ErrorValue(code: "empty", message: "\(sign < 0 ? "min" : "max") of an empty list") }
        for v in items.dropFirst() {
            guard let o = Value.compare(v, best) else {
                throw ErrorValue(code: "type_mismatch", message: "cannot compare \(v.typeName) with \(best.typeName)")
            }
            if o * sign > 0 { best = v }
        }
        return best
    }
}
