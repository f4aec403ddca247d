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

    /// A loop's input in a line: the `key` field, else a record's first two fields
    /// (`name=Ada, email=ada@example.com`), anything else as its text, each cut to 40 characters
    /// and made visible (a row may hold control characters).
    public func brief(key: String? = nil) -> String {
        func short(_ v: Value) -> String {
            let text = Sanitize.visible((try? v.text()) ?? "?")
            return text.count > 40 ? text.prefix(39) + "…" : text
        }
        guard case .record(let r) = self else { return short(self) }
        if let key, let v = r[key] { return "\(key)=\(short(v))" }
        return r.prefix(2).map { "\($0.key)=\(short($0.value))" }.joined(separator: ", ") + (r.count > 2 ? ", …" : "")
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
        try ValueLimits.checkDepth(level)
        func newline(_ level: Int) {
            guard let indent else { return }
            out += "\n" + String(repeating: indent, count: level)
        }
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let n): out += String(n)
        // JSON has no infinity or NaN (a reply's 1e999 reads as one): null keeps every line
        // written (the journal's, NDJSON's) valid JSON.
        case .double(let d): out += d.isFinite ? Value.format(d) : "null"
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
                try ValueLimits.checkText(out.utf8.count)
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
                // A long range, or a deep value written with indentation, can ask for more
                // text than one value may hold.
                try ValueLimits.checkText(out.utf8.count)
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
            let c = try s.cursor()
            while let v = try c.next() { try body(v) }
        default: try body(self)
        }
    }

    static func writeJSONString(_ s: String, to out: inout String) {
        out += "\""
        // Most texts need no escape: one scan of their bytes, then one append.
        let plain = s.utf8.withContiguousStorageIfAvailable { bytes in
            !bytes.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        }
        if plain == true {
            out += s
            out += "\""
            return
        }
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
