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
        var out = JSONWriter()
        try writeJSON(to: &out, indent: nil, level: 0)
        return out.text()
    }

    public func prettyJSON() throws -> String {
        var out = JSONWriter()
        try writeJSON(to: &out, indent: "  ", level: 0)
        return out.text()
    }

    public static func format(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        return d.description
    }

    func writeJSON(to out: inout JSONWriter, indent: String?, level: Int) throws {
        try ValueLimits.checkDepth(level)
        func newline(_ level: Int) {
            guard let indent else { return }
            out.append(UInt8(ascii: "\n"))
            for _ in 0..<level { out.append(indent) }
        }
        switch self {
        case .null: out.append("null")
        case .bool(let b): out.append(b ? "true" : "false")
        case .int(let n): out.append(n)
        // JSON has no infinity or NaN (a reply's 1e999 reads as one): null keeps every line
        // written (the journal's, NDJSON's) valid JSON.
        case .double(let d): if d.isFinite { out.append(Value.format(d)) } else { out.append("null") }
        case .string(let s): out.appendQuoted(s)
        case .function(let f): out.appendQuoted("<function \(f.name)>")
        case .error(let e): try Value.record(e.record).writeJSON(to: &out, indent: indent, level: level)
        case .record(let r):
            if r.isEmpty { out.append("{}"); return }
            out.append(UInt8(ascii: "{"))
            var first = true
            for (k, v) in r {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                try ValueLimits.checkText(out.count)
                newline(level + 1)
                out.appendQuoted(k)
                out.append(indent == nil ? ":" : ": ")
                try v.writeJSON(to: &out, indent: indent, level: level + 1)
            }
            newline(level)
            out.append(UInt8(ascii: "}"))
        case .list, .range, .stream:
            out.append(UInt8(ascii: "["))
            var first = true
            try forEachElement { v in
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                // A long range, or a deep value written with indentation, can ask for more
                // text than one value may hold.
                try ValueLimits.checkText(out.count)
                newline(level + 1)
                try v.writeJSON(to: &out, indent: indent, level: level + 1)
            }
            if !first { newline(level) }
            out.append(UInt8(ascii: "]"))
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

    /// A text as a JSON string, quoted and escaped.
    static func quotedJSON(_ s: String) -> String {
        var out = JSONWriter()
        out.appendQuoted(s)
        return out.text()
    }
}
