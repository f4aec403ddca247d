extension Builtins {
    static let text: [Builtin] = [
        b("upper", "upper(text)", "upper case", 1...1) { c in .string(try c.string(0, "the text").uppercased()) },
        b("lower", "lower(text)", "lower case", 1...1) { c in .string(try c.string(0, "the text").lowercased()) },
        b("trim", "trim(text)", "without leading and trailing blanks", 1...1) { c in
            .string(String(try c.string(0, "the text").trimmingBlanks()))
        },
        b("split", "split(text, separator)", "the pieces between separators (blanks when omitted)", 1...2) { c in
            let s = try c.string(0, "the text")
            if c.arguments.count == 1 { return .list(s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map { .string(String($0)) }) }
            let sep = try c.string(1, "the separator")
            guard !sep.isEmpty else { return .list(s.map { .string(String($0)) }) }
            if let pieces = ASCIIText.split(s, sep) { return .list(pieces.map(Value.string)) }
            return .list(s.split(separator: sep, omittingEmptySubsequences: false).map { .string(String($0)) })
        },
        b("join", "join(list, separator)", "the items' text joined by the separator (none when omitted)", 1...2) { c in
            var parts: [String] = []
            try c[0].forEachElement { parts.append(try $0.text()) }
            return .string(parts.joined(separator: c.arguments.count > 1 ? try c.string(1, "the separator") : ""))
        },
        b("replace", "replace(text, old, new)", "every occurrence of old replaced by new", 3...3) { c in
            let s = try c.string(0, "the text"), old = try c.string(1, "the text to replace"), new = try c.string(2, "the replacement")
            guard !old.isEmpty else { throw ErrorValue(code: "invalid_argument", message: "replace needs a non-empty text to replace") }
            if let pieces = ASCIIText.split(s, old) { return .string(pieces.joined(separator: new)) }
            return .string(s.replacing(old, with: new))
        },
        b("contains", "contains(text|list|record, item)", "whether a text has a substring, a list an item, a record a key", 2...2) { c in
            switch c[0] {
            case .string(let s): return .bool(s.contains(try c.string(1, "the substring")))
            case .list(let l): return .bool(l.contains { Value.equal($0, c[1]) })
            case .record(let r): return .bool(r[try c.string(1, "the key")] != nil)
            case .range(let a, let b):
                guard case .int(let n) = c[1] else { return .bool(false) }
                return .bool(n >= a && n < b)
            case .null: return .bool(false)
            case let v: throw ErrorValue(code: "type_mismatch", message: "contains needs a string, list or record, got \(v.typeName)")
            }
        },
        b("starts_with", "starts_with(text, prefix)", "whether the text starts with the prefix", 2...2) { c in
            .bool(try c.string(0, "the text").hasPrefix(try c.string(1, "the prefix")))
        },
        b("ends_with", "ends_with(text, suffix)", "whether the text ends with the suffix", 2...2) { c in
            .bool(try c.string(0, "the text").hasSuffix(try c.string(1, "the suffix")))
        },
    ]
}

/// Byte-wise text work where it means the same as Swift's character-wise: when the text and
/// the separator are ASCII without CR, every character is one byte (CR LF is the only ASCII
/// pair that makes one character). The standard library's generic split and replace cost
/// about 4 µs a call on a short line.
enum ASCIIText {
    static func isSimple(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        !bytes.contains { $0 >= 0x80 || $0 == 0x0D }
    }

    /// The pieces of `text` between non-overlapping occurrences of `separator`, left to right
    /// (empty pieces kept); nil when the byte-wise reading could differ.
    static func split(_ text: String, _ separator: String) -> [String]? {
        var text = text, separator = separator
        return text.withUTF8 { b -> [String]? in
            separator.withUTF8 { sep -> [String]? in
                guard !sep.isEmpty, isSimple(b), isSimple(sep) else { return nil }
                var pieces: [String] = []
                var start = 0, i = 0
                let first = sep[0], m = sep.count
                while i + m <= b.count {
                    if b[i] == first, m == 1 || (1..<m).allSatisfy({ b[i + $0] == sep[$0] }) {
                        pieces.append(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self))
                        i += m
                        start = i
                    } else {
                        i += 1
                    }
                }
                pieces.append(String(decoding: UnsafeBufferPointer(rebasing: b[start...]), as: UTF8.self))
                return pieces
            }
        }
    }
}

extension StringProtocol {
    func trimmingBlanks() -> SubSequence {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isBlank($0) }) else { return self[endIndex...] }
        let end = lastIndex(where: { !isBlank($0) })!
        return self[start...end]
    }
}
