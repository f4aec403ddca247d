#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Builtins {
    /// A text made by a builtin, within the limit for one value.
    static func checked(_ s: String) throws(ErrorValue) -> String {
        try ValueLimits.checkText(s.utf8.count)
        return s
    }

    /// How many pieces `split` makes of `s`: by blanks (nil), one per character (""), else
    /// one more than the separator's occurrences.
    static func pieceCount(_ s: String, _ separator: String?) -> Int {
        guard let separator else {
            var pieces = 0, inPiece = false
            for b in s.utf8 {
                let blank = b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
                if !blank && !inPiece { pieces += 1 }
                inPiece = !blank
            }
            return pieces
        }
        if separator.isEmpty { return ASCIIText.count(s) }
        return s.utf8.count / max(separator.utf8.count, 1) + 1 > ValueLimits.listItems ? s.ranges(of: separator).count + 1 : 0
    }

    static let text: [Builtin] = [
        // A case change can triple a text's bytes (ΐ is three letters in upper case).
        b("upper", "upper(text)", "upper case", 1...1) { c in .string(try Builtins.checked(try c.string(0, "the text").uppercased())) },
        b("lower", "lower(text)", "lower case", 1...1) { c in .string(try Builtins.checked(try c.string(0, "the text").lowercased())) },
        b("trim", "trim(text)", "without leading and trailing blanks", 1...1) { c in
            .string(String(try c.string(0, "the text").trimmingBlanks()))
        },
        b("split", "split(text, separator)", "the pieces between separators (blanks when omitted)", 1...2) { c in
            let s = try c.string(0, "the text")
            // Counted before the pieces are made: a text of 100 MB made 100 million of them.
            if s.utf8.count > ValueLimits.listItems { try ValueLimits.checkList(Builtins.pieceCount(s, c.arguments.count == 1 ? nil : try c.string(1, "the separator"))) }
            if c.arguments.count == 1 { return .list(s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }).map { .string(String($0)) }) }
            let sep = try c.string(1, "the separator")
            guard !sep.isEmpty else { return .list(s.map { .string(String($0)) }) }
            if let pieces = try ASCIIText.split(s, sep) { return .list(pieces) }
            return .list(s.split(separator: sep, omittingEmptySubsequences: false).map { .string(String($0)) })
        },
        b("join", "join(list, separator)", "the items' text joined by the separator (none when omitted)", 1...2) { c in
            let separator = c.arguments.count > 1 ? try c.string(1, "the separator") : ""
            if case .list(let items) = c[0], let joined = try ASCIIText.join(strings: items, separator) { return .string(joined) }
            var parts: [String] = []
            if case .list(let items) = c[0] { parts.reserveCapacity(items.count) }
            try c[0].forEachElement {
                parts.append(try $0.text())
                if parts.count > ValueLimits.listItems { try ValueLimits.checkList(parts.count) }
            }
            return .string(try ASCIIText.join(parts, separator))
        },
        b("replace", "replace(text, old, new)", "every occurrence of old replaced by new", 3...3) { c in
            let s = try c.string(0, "the text"), old = try c.string(1, "the text to replace"), new = try c.string(2, "the replacement")
            guard !old.isEmpty else { throw ErrorValue(code: "invalid_argument", message: "replace needs a non-empty text to replace") }
            if let replaced = try ASCIIText.replace(s, old, new) { return .string(replaced) }
            if new.utf8.count > old.utf8.count {
                // The most it could grow (every position an occurrence); counted when that is too much.
                let most = s.utf8.count / old.utf8.count * (new.utf8.count - old.utf8.count)
                if most > ValueLimits.textBytes - s.utf8.count {
                    try ValueLimits.checkText(s.utf8.count, plus: s.ranges(of: old).count * (new.utf8.count - old.utf8.count))
                }
            }
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
/// about 4 µs a call on a short line, and `count` walks grapheme clusters.
public enum ASCIIText {
    static func isSimple(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        // Eight bytes at a time: none may have its high bit set, nor equal CR (a byte of
        // w ^ CRs is zero exactly where w holds a CR; the classic has-zero-byte test finds one).
        let high: UInt64 = 0x8080_8080_8080_8080, ones: UInt64 = 0x0101_0101_0101_0101, crs: UInt64 = 0x0D0D_0D0D_0D0D_0D0D
        // A word's high bits where a byte is not simple.
        func flags(_ at: Int) -> UInt64 {
            let w = UnsafeRawPointer(base).loadUnaligned(fromByteOffset: at, as: UInt64.self)
            let x = w ^ crs
            return (w | ((x &- ones) & ~x)) & high
        }
        let n = bytes.count
        guard n >= 8 else {
            for i in 0..<n where base[i] >= 0x80 || base[i] == 0x0D { return false }
            return true
        }
        // Two words a step, one test for both.
        var i = 0
        while i + 16 <= n {
            if flags(i) | flags(i + 8) != 0 { return false }
            i += 16
        }
        if i + 8 <= n {
            if flags(i) != 0 { return false }
            i += 8
        }
        // The last bytes as one word ending at the end (overlapping bytes already checked).
        return i == n || flags(n - 8) == 0
    }

    /// A String of bytes that are valid UTF-8 (ASCII, or a String's bytes cut between its
    /// characters). One of 15 bytes or fewer (kept inside the String itself) is made through
    /// `init(unsafeUninitializedCapacity:)`, about a third cheaper there than `init(decoding:)`,
    /// which is the cheaper for longer ones.
    public static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard bytes.count <= 15 else { return String(decoding: bytes, as: UTF8.self) }
        return String(unsafeUninitializedCapacity: bytes.count) { out in
            guard let from = bytes.baseAddress, let to = out.baseAddress else { return 0 }
            to.initialize(from: from, count: bytes.count)
            return bytes.count
        }
    }

    /// Whether every byte is below 0x80, checked eight at a time.
    public static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var i = 0
        while i + 8 <= bytes.count {
            if base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            i += 8
        }
        while i < bytes.count {
            if base.load(fromByteOffset: i, as: UInt8.self) >= 0x80 { return false }
            i += 1
        }
        return true
    }

    /// The number of characters, as `String.count` gives it.
    static func count(_ text: String) -> Int {
        let simple = text.utf8.withContiguousStorageIfAvailable { isSimple($0) ? $0.count : nil }
        if let simple, let n = simple { return n }
        return text.count
    }

    /// Calls `found` with the byte offset of each occurrence of `sep` in `b`, left to right and
    /// not overlapping (`sep` is not empty).
    @inline(__always) private static func scan(_ b: UnsafeBufferPointer<UInt8>, _ sep: UnsafeBufferPointer<UInt8>, _ found: (Int) -> Void) {
        let m = sep.count
        guard b.count >= m, let text = b.baseAddress, let pattern = sep.baseAddress else { return }
        let first = Int32(pattern[0]), last = b.count - m
        // memchr finds each candidate's first byte (looking at many bytes a step), memcmp
        // checks the rest of it.
        var i = 0
        while i <= last, let hit = memchr(text + i, first, last - i + 1) {
            let at = UnsafeRawPointer(hit) - UnsafeRawPointer(text)
            if m == 1 || memcmp(text + at + 1, pattern + 1, m - 1) == 0 {
                found(at)
                i = at + m
            } else {
                i = at + 1
            }
        }
    }

    /// The pieces of `text` between non-overlapping occurrences of `separator`, left to right
    /// (empty pieces kept), as string values; nil when the byte-wise reading could differ.
    static func split(_ text: String, _ separator: String) throws -> List? {
        var text = text, separator = separator
        return try text.withUTF8 { b throws -> List? in
            try separator.withUTF8 { sep throws -> List? in
                guard !sep.isEmpty, isSimple(b), isSimple(sep) else { return nil }
                var pieces: List
                if b.count < ValueLimits.listItems {
                    // Fewer pieces than the limit, however many separators: one pass, and
                    // room for a short line's few pieces made at once.
                    pieces = List(minimumCapacity: Swift.min(b.count + 1, 8))
                } else {
                    var count = 1
                    scan(b, sep) { _ in count += 1 }
                    try ValueLimits.checkList(count)
                    pieces = List(minimumCapacity: count)
                }
                // The list is this function's own: only its room needs checking. (Written out
                // twice: a nested function capturing it paid run-time exclusivity checks.)
                var start = 0
                scan(b, sep) { i in
                    let value = Value.string(string(UnsafeBufferPointer(rebasing: b[start..<i])))
                    if pieces.count < pieces.capacity { pieces.appendInRoom(value) } else { pieces.append(value) }
                    start = i + sep.count
                }
                let value = Value.string(string(UnsafeBufferPointer(rebasing: b[start...])))
                if pieces.count < pieces.capacity { pieces.appendInRoom(value) } else { pieces.append(value) }
                return pieces
            }
        }
    }

    /// `text` with every occurrence of `old` replaced by `new`, written once; nil when the
    /// byte-wise reading could differ.
    static func replace(_ original: String, _ old: String, _ new: String) throws -> String? {
        var text = original, old = old, new = new
        return try text.withUTF8 { b throws -> String? in
            try old.withUTF8 { sep throws -> String? in
                guard !sep.isEmpty, isSimple(b), isSimple(sep) else { return nil }
                var count = 0
                scan(b, sep) { _ in count += 1 }
                if count == 0 { return original }
                let (grown, overflow) = count.multipliedReportingOverflow(by: new.utf8.count - sep.count)
                try ValueLimits.checkText(b.count, plus: overflow ? .max : grown)
                return new.withUTF8 { replacement -> String in
                    String(unsafeUninitializedCapacity: b.count + count * (replacement.count - sep.count)) { out in
                        var start = 0, n = 0
                        scan(b, sep) { i in
                            n = out.initialize(from: b, start..<i, at: n)
                            n = out.initialize(from: replacement, 0..<replacement.count, at: n)
                            start = i + sep.count
                        }
                        return out.initialize(from: b, start..<b.count, at: n)
                    }
                }
            }
        }
    }

    /// `parts` joined by `separator`, written once.
    static func join(_ parts: [String], _ separator: String) throws(ErrorValue) -> String {
        guard parts.count > 1 else { return parts.first ?? "" }
        // Parts and separator are each within the limits, so this sum cannot overflow.
        var length = separator.utf8.count * (parts.count - 1)
        for p in parts { length += p.utf8.count }
        try ValueLimits.checkText(length)
        // Bytes copied into the result's own storage: String's append costs a few hundred
        // instructions a part.
        // (No closure captures the write position: a captured var pays a run-time exclusivity
        // check at every use.)
        return String(unsafeUninitializedCapacity: length) { out in
            guard var at = out.baseAddress else { return 0 }
            let start = at
            for (i, p) in parts.enumerated() {
                if i > 0 { at = copy(separator, to: at) }
                at = copy(p, to: at)
            }
            return at - start
        }
    }

    /// A list of texts joined straight from the values (no array of their texts, the common
    /// case); nil when an item is not a string.
    static func join(strings items: List, _ separator: String) throws(ErrorValue) -> String? {
        // Each text and the list are within the limits, so this sum cannot overflow.
        // Read in place: iterating the list itself holds a reference to it.
        try items.withUnsafeBufferPointer { (items) throws(ErrorValue) -> String? in
            var length = separator.utf8.count * max(items.count - 1, 0)
            for item in items {
                guard case .string(let s) = item else { return nil }
                length += s.utf8.count
            }
            try ValueLimits.checkText(length)
            if items.count == 1, case .string(let s) = items[0] { return s }
            return String(unsafeUninitializedCapacity: length) { out in
                guard var at = out.baseAddress else { return 0 }
                let start = at
                for i in items.indices {
                    if i > 0 { at = copy(separator, to: at) }
                    if case .string(let s) = items[i] { at = copy(s, to: at) }
                }
                return at - start
            }
        }
    }

    /// Writes `text`'s bytes at `to`, returning where they end.
    /// (The UTF-8 view's own copy: it takes a short text's bytes from the String itself, where
    /// lending them as a buffer first copied them to the stack.)
    private static func copy(_ text: String, to: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let n = text.utf8.count
        _ = UnsafeMutableBufferPointer(start: to, count: n).initialize(from: text.utf8)
        return to + n
    }
}

private extension UnsafeMutableBufferPointer<UInt8> {
    /// Copies `source[range]` to `at`, returning where the copy ends.
    func initialize(from source: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, at: Int) -> Int {
        guard !range.isEmpty else { return at }
        UnsafeMutableBufferPointer(rebasing: self[at..<at + range.count]).baseAddress!
            .initialize(from: source.baseAddress! + range.lowerBound, count: range.count)
        return at + range.count
    }
}

extension String {
    /// The text without the blanks at its ends: ASCII spaces, tabs and line ends ("\r\n" is one
    /// Character: a line from a Windows file ends in it), and Unicode's spaces (a no-break
    /// space pasted from a web page, an ideographic space).
    func trimmingBlanks() -> Substring {
        // ASCII blanks go a byte at a time: asking Unicode's tables about a Character costs
        // hundreds of instructions, and `int($row.logins)` asks for every row. A blank byte
        // next to ASCII is a Character of its own (or half of "\r\n"); beside a non-ASCII
        // byte it may not be (a space takes a combining mark after it, and ends a Character
        // that U+0600 begins), and the Character test decides there.
        let bytes = utf8
        var start = bytes.startIndex, end = bytes.endIndex
        while start < end, Self.isASCIIBlank(bytes[start]) {
            let next = bytes.index(after: start)
            if next < end, bytes[next] >= 0x80 { break }
            start = next
        }
        while start < end {
            let last = bytes.index(before: end)
            guard Self.isASCIIBlank(bytes[last]) else { break }
            if last > start, bytes[bytes.index(before: last)] >= 0x80 { break }
            end = last
        }
        let rest = self[start..<end]
        guard start < end else { return rest }
        let first = bytes[start], last = bytes[bytes.index(before: end)]
        if first < 0x80, !Self.isASCIIBlank(first), last < 0x80, !Self.isASCIIBlank(last) { return rest }
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" || $0.isWhitespace }
        guard let from = rest.firstIndex(where: { !isBlank($0) }) else { return rest[rest.endIndex...] }
        return rest[from...rest.lastIndex(where: { !isBlank($0) })!]
    }

    private static func isASCIIBlank(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
}
