extension Builtins {
    static let conversion: [Builtin] = [
        b("int", "int(value)", "an integer from a number (truncating), a numeric text or a bool", 1...1) { c in
            switch c[0] {
            case .int: return c[0]
            case .double(let d):
                guard let n = Int(exactly: d.rounded(.towardZero)) else { throw ErrorValue(code: "overflow", message: "\(Value.format(d)) does not fit in a 64-bit integer") }
                return .int(n)
            case .bool(let b): return .int(b ? 1 : 0)
            case .string(let s):
                let t = String(s.trimmingBlanks())
                if let n = Int(t) { return .int(n) }
                if let d = Builtins.decimal(t), let n = Int(exactly: d.rounded(.towardZero)) { return .int(n) }
                if let d = Builtins.decimal(t) { throw ErrorValue(code: "overflow", message: "'\(s)' does not fit in a 64-bit integer\(d.isFinite ? "" : " (it is \(Value.format(d)))")") }
                throw ErrorValue(code: "invalid_number", message: "'\(s)' is not a number")
            case let v: throw ErrorValue(code: "type_mismatch", message: "int cannot convert \(v.typeName)")
            }
        },
        b("float", "float(value)", "a double from a number or a numeric text", 1...1) { c in
            switch c[0] {
            case .int(let n): return .double(Double(n))
            case .double: return c[0]
            case .string(let s):
                let t = String(s.trimmingBlanks())
                guard let d = Builtins.decimal(t) ?? Builtins.special(t) else { throw ErrorValue(code: "invalid_number", message: "'\(s)' is not a number") }
                return .double(d)
            case let v: throw ErrorValue(code: "type_mismatch", message: "float cannot convert \(v.typeName)")
            }
        },
        b("str", "str(value)", "the value as text, as print shows it", 1...1) { c in .string(try c[0].text()) },
    ]

    /// A number written in decimal (`12`, `-1.5e3`): Swift's Double(_:) also reads hexadecimal
    /// (`0x10` was 16) and `nan`, which a numeric text from a file is not.
    static func decimal(_ t: String) -> Double? {
        guard !t.isEmpty, t.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 43 || $0 == 45 || $0 == 46 || $0 == 101 || $0 == 69 }) else { return nil }
        return Double(t)
    }

    /// `inf`, `-inf` and `nan` as `float` reads them (as Python's does), and as roster prints them.
    static func special(_ t: String) -> Double? {
        switch t.lowercased() {
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan": return .nan
        default: return nil
        }
    }
}
