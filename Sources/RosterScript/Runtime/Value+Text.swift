extension Value {
    /// How `print` and interpolation show a value: strings raw, numbers plainly, the rest as
    /// compact JSON. Streams are drained to show them.
    public func text() throws -> String {
        switch self {
        case .string(let s): return s
        case .int(let n): return String(n)
        case .double(let d): return Value.format(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .function(let f): return "<function \(f.name)>"
        case .list, .record, .range, .stream, .error: return try json()
        }
    }

    /// Compact JSON, keys in order. Integers stay integers; doubles always show a fraction or exponent.
    public func json() throws -> String {
        var out = ""
        try writeJSON(to: &out, indent: nil, level: 0)
        return out
    }

    public func prettyJSON() throws -> String {
        var out = ""
        try writeJSON(to: &out, indent: "  ", level: 0)
        return out
    }

    public static func format(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        return d.description
    }

    func writeJSON(to out: inout String, indent: String?, level: Int) throws {
        func newline(_ level: Int) {
            guard let indent else { return }
            out += "\n" + String(repeating: indent, count: level)
        }
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let n): out += String(n)
        case .double(let d): out += Value.format(d)
        case .string(let s): Value.writeJSONString(s, to: &out)
        case .function(let f): Value.writeJSONString("<function \(f.name)>", to: &out)
        case .error(let e): try Value.record(e.record).writeJSON(to: &out, indent: indent, level: level)
        case .record(let r):
            if r.isEmpty { out += "{}"; return }
            out += "{"
            var first = true
            for (k, v) in r {
                if !first { out += "," }
                first = false
                newline(level + 1)
                Value.writeJSONString(k, to: &out)
                out += indent == nil ? ":" : ": "
                try v.writeJSON(to: &out, indent: indent, level: level + 1)
            }
            newline(level)
            out += "}"
        case .list, .range, .stream:
            out += "["
            var first = true
            try forEachElement { v in
                if !first { out += "," }
                first = false
                newline(level + 1)
                try v.writeJSON(to: &out, indent: indent, level: level + 1)
            }
            if !first { newline(level) }
            out += "]"
        }
    }

    /// Visits the elements of a list, range or stream (consuming a stream).
    public func forEachElement(_ body: (Value) throws -> Void) throws {
        switch self {
        case .list(let l): for v in l { try body(v) }
        case .range(let a, let b): var i = a; while i < b { try body(.int(i)); i += 1 }
        case .stream(let s):
            try s.begin()
            while let v = try s.next() { try body(v) }
        default: try body(self)
        }
    }

    static func writeJSONString(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}

/// JSON text to values without loss: object keys keep their order, integers stay integers.
public struct JSONReader {
    public struct Failure: Error, Sendable {
        public let message: String
        public let offset: Int
    }

    private let bytes: [UInt8]
    private var i = 0

    public static func parse(_ text: String) throws(Failure) -> Value {
        try parse(bytes: Array(text.utf8))
    }

    public static func parse(bytes: [UInt8]) throws(Failure) -> Value {
        var reader = JSONReader(bytes: bytes)
        reader.skipBlanks()
        let v = try reader.value(depth: 0)
        reader.skipBlanks()
        guard reader.i == reader.bytes.count else { throw reader.failure("unexpected text after the JSON value") }
        return v
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    private func failure(_ m: String) -> Failure { Failure(message: m, offset: i) }

    private mutating func skipBlanks() {
        while i < bytes.count, bytes[i] == 32 || bytes[i] == 9 || bytes[i] == 10 || bytes[i] == 13 { i += 1 }
    }

    private mutating func value(depth: Int) throws(Failure) -> Value {
        guard depth < 512 else { throw failure("JSON nested too deeply") }
        guard i < bytes.count else { throw failure("unexpected end of JSON") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var r = Record()
            skipBlanks()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .record(r) }
            while true {
                skipBlanks()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw failure("expected a string key") }
                let k = try string()
                skipBlanks()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw failure("expected ':'") }
                i += 1
                skipBlanks()
                r[k] = try value(depth: depth + 1)
                skipBlanks()
                guard i < bytes.count else { throw failure("unexpected end of JSON in an object") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .record(r) }
                throw failure("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            i += 1
            var l: [Value] = []
            skipBlanks()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .list(l) }
            while true {
                skipBlanks()
                l.append(try value(depth: depth + 1))
                skipBlanks()
                guard i < bytes.count else { throw failure("unexpected end of JSON in an array") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .list(l) }
                throw failure("expected ',' or ']'")
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): return try word("true", .bool(true))
        case UInt8(ascii: "f"): return try word("false", .bool(false))
        case UInt8(ascii: "n"): return try word("null", .null)
        default:
            return try number()
        }
    }

    private mutating func word(_ w: String, _ v: Value) throws(Failure) -> Value {
        let u = Array(w.utf8)
        guard i + u.count <= bytes.count, Array(bytes[i..<i + u.count]) == u else { throw failure("invalid JSON literal") }
        i += u.count
        return v
    }

    private mutating func number() throws(Failure) -> Value {
        let start = i
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
        var isDouble = false
        while i < bytes.count {
            let b = bytes[i]
            if Lexer.isDigit(b) { i += 1; continue }
            if b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") {
                isDouble = true
                i += 1
                continue
            }
            break
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        guard !text.isEmpty, text != "-" else { i = start; throw failure("unexpected character in JSON") }
        if !isDouble, let n = Int(text) { return .int(n) }
        if let d = Double(text) { return .double(d) }
        i = start
        throw failure("invalid JSON number '\(text)'")
    }

    private mutating func string() throws(Failure) -> String {
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw failure("unterminated JSON string") }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { i += 1; break }
            if b == UInt8(ascii: "\\") {
                guard i + 1 < bytes.count else { throw failure("unterminated JSON string") }
                let e = bytes[i + 1]
                i += 2
                switch e {
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "/"), UInt8(ascii: "\\"), UInt8(ascii: "\""): out.append(e)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if scalar >= 0xD800, scalar < 0xDC00, i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                        i += 2
                        let low = try hex4()
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    let s = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                    out.append(contentsOf: Array(String(Character(s)).utf8))
                default: throw failure("invalid escape in JSON string")
                }
                continue
            }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16) else {
            throw failure("invalid \\u escape in JSON string")
        }
        i += 4
        return v
    }
}
