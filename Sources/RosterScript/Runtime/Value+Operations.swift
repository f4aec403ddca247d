/// The language's operators on values. Failures are ErrorValues; the interpreter adds where.
extension Value {
    /// `==`: structural; different types are unequal except integer vs double. Lists and
    /// records are compared pair by pair from a work list, not by recursion: a script can nest
    /// values deeper than any stack (`$head = {next: $head}` in a loop).
    public static func equal(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.list, .list), (.record, .record): break
        default: return equalScalar(a, b)
        }
        var pending: [(Value, Value)] = [(a, b)]
        while let (x, y) = pending.popLast() {
            switch (x, y) {
            case (.list(let l), .list(let m)):
                guard l.count == m.count else { return false }
                for i in l.indices { pending.append((l[i], m[i])) }
            case (.record(let r), .record(let s)):
                guard r.count == s.count else { return false }
                for (k, v) in r {
                    guard let w = s[k] else { return false }
                    pending.append((v, w))
                }
            default:
                guard equalScalar(x, y) else { return false }
            }
        }
        return true
    }

    /// `==` for anything but two lists or two records.
    private static func equalScalar(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y
        case (.int(let x), .double(let y)): return compareExactly(x, y) == 0
        case (.double(let x), .int(let y)): return compareExactly(y, x) == 0
        case (.string(let x), .string(let y)): return x == y
        case (.list, .list), (.record, .record): return equal(a, b)
        case (.range(let a1, let b1), .range(let a2, let b2)): return (a1 == a2 && b1 == b2) || (b1 <= a1 && b2 <= a2)
        case (.error(let x), .error(let y)): return x.code == y.code && x.message == y.message && x.status == y.status
        case (.function(let x), .function(let y)): return x === y
        case (.stream(let x), .stream(let y)): return x === y
        default: return false
        }
    }

    /// The order of `sort`, `min` and `max`: numbers with numbers, strings with strings, bools;
    /// else nil. A total order: NaN comes after every number and equals itself (IEEE's NaN is
    /// unordered, which left a sort's order to chance).
    public static func compare(_ a: Value, _ b: Value) -> Int? {
        func order<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x == y ? 0 : 1) }
        func order(_ x: Double, _ y: Double) -> Int {
            if x.isNaN || y.isNaN { return x.isNaN == y.isNaN ? 0 : (x.isNaN ? 1 : -1) }
            return x < y ? -1 : (x == y ? 0 : 1)
        }
        switch (a, b) {
        case (.int(let x), .int(let y)): return order(x, y)
        case (.double(let x), .double(let y)): return order(x, y)
        case (.int(let x), .double(let y)): return compareExactly(x, y) ?? order(Double(x), y)
        case (.double(let x), .int(let y)): return compareExactly(y, x).map { -$0 } ?? order(x, Double(y))
        case (.string(let x), .string(let y)): return order(x, y)
        case (.bool(let x), .bool(let y)): return order(x ? 1 : 0, y ? 1 : 0)
        default: return nil
        }
    }

    /// `<`, `<=`, `>` and `>=`: as `compare`, except that every comparison with NaN is false,
    /// as in IEEE 754 and Python. Nil for values that do not compare.
    public static func ordered(_ op: BinaryOp, _ a: Value, _ b: Value) -> Bool? {
        guard let c = compare(a, b) else { return nil }
        if case .double(let x) = a, x.isNaN { return false }
        if case .double(let y) = b, y.isNaN { return false }
        switch op {
        case .less: return c < 0
        case .lessEqual: return c <= 0
        case .greater: return c > 0
        default: return c >= 0
        }
    }

    /// An integer against a double, exactly, as Python compares them (through a double,
    /// 2^53 + 1 equalled 2^53, and Int.max was not below 2^63); nil for NaN.
    static func compareExactly(_ x: Int, _ y: Double) -> Int? {
        if y.isNaN { return nil }
        if y >= 9_223_372_036_854_775_808.0 { return -1 }   // 2^63: above every Int
        if y < -9_223_372_036_854_775_808.0 { return 1 }
        let whole = y.rounded(.down)
        let n = Int(whole)
        if x != n { return x < n ? -1 : 1 }
        return y > whole ? -1 : 0
    }

    static func typeError(_ op: String, _ a: Value, _ b: Value) -> ErrorValue {
        ErrorValue(code: "type_mismatch", message: "cannot apply '\(op)' to \(a.typeName) and \(b.typeName)")
    }

    static func overflow(_ op: String) -> ErrorValue {
        ErrorValue(code: "overflow", message: "integer overflow in '\(op)'")
    }

    public static func add(_ a: Value, _ b: Value) throws(ErrorValue) -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let (r, o) = x.addingReportingOverflow(y)
            if o { throw overflow("+") }
            return .int(r)
        case (.double(let x), .double(let y)): return .double(x + y)
        case (.int(let x), .double(let y)): return .double(Double(x) + y)
        case (.double(let x), .int(let y)): return .double(x + Double(y))
        case (.string(let x), .string(let y)):
            try ValueLimits.checkText(x.utf8.count, plus: y.utf8.count)
            return .string(x + y)
        case (.list(let x), .list(let y)):
            try ValueLimits.checkList(x.count, plus: y.count)
            return .list(x + y)
        case (.record(var x), .record(let y)):
            for (k, v) in y { x[k] = v }
            return .record(x)
        case (.string, _), (_, .string):
            var e = typeError("+", a, b)
            e.message += "; convert with str(...) or use interpolation: \"${...}\""
            throw e
        default: throw typeError("+", a, b)
        }
    }

    public static func arithmetic(_ op: BinaryOp, _ a: Value, _ b: Value) throws(ErrorValue) -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            switch op {
            case .subtract:
                let (r, o) = x.subtractingReportingOverflow(y)
                if o { throw overflow("-") }
                return .int(r)
            case .multiply:
                let (r, o) = x.multipliedReportingOverflow(by: y)
                if o { throw overflow("*") }
                return .int(r)
            case .divide:
                if y == 0 { throw divisionByZero() }
                return .double(Double(x) / Double(y))
            case .floorDivide:
                if y == 0 { throw divisionByZero() }
                if x == Int.min, y == -1 { throw overflow("//") }
                let q = x / y
                return .int((x % y != 0 && (x < 0) != (y < 0)) ? q - 1 : q)
            case .modulo:
                if y == 0 { throw divisionByZero() }
                if y == -1 { return .int(0) }
                let r = x % y
                return .int(r != 0 && (r < 0) != (y < 0) ? r + y : r)
            default: break
            }
        case (.int, .double), (.double, .int), (.double, .double):
            let x = a.asDouble!, y = b.asDouble!
            switch op {
            case .subtract: return .double(x - y)
            case .multiply: return .double(x * y)
            case .divide:
                if y == 0 { throw divisionByZero() }
                return .double(x / y)
            case .floorDivide:
                if y == 0 { throw divisionByZero() }
                return .double((x / y).rounded(.down))
            case .modulo:
                if y == 0 { throw divisionByZero() }
                let r = x.truncatingRemainder(dividingBy: y)
                return .double(r != 0 && (r < 0) != (y < 0) ? r + y : r)
            default: break
            }
        case (.string(let s), .int(let n)) where op == .multiply:
            guard n >= 0 else { throw ErrorValue(code: "invalid_argument", message: "cannot repeat a string \(n) times") }
            // The size check cannot bound the work for an empty text: "" * Int.max would loop.
            if s.isEmpty { return .string("") }
            let (bytes, overflow) = s.utf8.count.multipliedReportingOverflow(by: n)
            try ValueLimits.checkText(overflow ? .max : bytes)
            return .string(String(repeating: s, count: n))
        default: break
        }
        throw typeError(op.rawValue, a, b)
    }

    static func divisionByZero() -> ErrorValue { ErrorValue(code: "division_by_zero", message: "division by zero") }

    public var asDouble: Double? {
        switch self {
        case .int(let n): Double(n)
        case .double(let d): d
        default: nil
        }
    }
}
