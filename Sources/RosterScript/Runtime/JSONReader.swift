import OrderedCollections

/// JSON text to values without loss: object keys keep their order, integers stay integers.
///
/// Every page of every list passes through here, so the reader works on the raw bytes: a string
/// without escapes becomes a `String` straight from its bytes, an integer is accumulated without
/// an intermediate string, and an object's entries are gathered before the record is built.
public struct JSONReader: ~Copyable {
    public struct Failure: Error, Sendable {
        public let message: String
        public let offset: Int
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0
    /// The last object built with each number of keys. The objects in a list usually share
    /// their keys, so the next one with the same keys is a copy of it with new values: no
    /// hashing, and all of them share one copy of the keys.
    private var shapes: [OrderedSet<String>?] = Array(repeating: nil, count: 32)

    public static func parse(_ text: String) throws(Failure) -> Value {
        try parse(bytes: Array(text.utf8))
    }

    public static func parse(bytes: [UInt8]) throws(Failure) -> Value {
        let result: Result<Value, Failure> = bytes.withUnsafeBufferPointer { buffer in
            var reader = JSONReader(bytes: buffer)
            do throws(Failure) { return .success(try reader.document()) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private mutating func document() throws(Failure) -> Value {
        skipBlanks()
        let v = try value(depth: 0)
        skipBlanks()
        guard i == bytes.count else { throw failure("unexpected text after the JSON value") }
        return v
    }

    private func failure(_ m: String) -> Failure { Failure(message: m, offset: i) }

    private mutating func skipBlanks() {
        while i < bytes.count, bytes[i] == 32 || bytes[i] == 9 || bytes[i] == 10 || bytes[i] == 13 { i += 1 }
    }

    private mutating func value(depth: Int) throws(Failure) -> Value {
        guard depth < 512 else { throw failure("JSON nested too deeply") }
        guard i < bytes.count else { throw failure("unexpected end of JSON") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["):
            i += 1
            var l = List()
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

    private mutating func object(depth: Int) throws(Failure) -> Value {
        i += 1
        skipBlanks()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .record(Record()) }
        var keys: [String] = []
        var values: [Value] = []
        while true {
            skipBlanks()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw failure("expected a string key") }
            keys.append(try string())
            skipBlanks()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw failure("expected ':'") }
            i += 1
            skipBlanks()
            values.append(try value(depth: depth + 1))
            skipBlanks()
            guard i < bytes.count else { throw failure("unexpected end of JSON in an object") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; break }
            throw failure("expected ',' or '}'")
        }
        if keys.count < shapes.count, let shape = shapes[keys.count], shape.elementsEqual(keys) {
            return .record(Record(keys: shape, values: values))
        }
        // Building the record once from unique keys skips a lookup per entry; a repeated key
        // (legal but rare) keeps its first place and its last value, as assignment would.
        let unique = OrderedSet(keys)
        var r: Record
        if unique.count == keys.count {
            r = Record(uncheckedUniqueKeys: unique, values: values)
            if keys.count < shapes.count { shapes[keys.count] = unique }
        } else {
            r = Record()
            for (k, v) in zip(keys, values) { r[k] = v }
        }
        return .record(r)
    }

    private mutating func word(_ w: StaticString, _ v: Value) throws(Failure) -> Value {
        let literal = UnsafeBufferPointer(start: w.utf8Start, count: w.utf8CodeUnitCount)
        guard i + literal.count <= bytes.count, bytes[i..<i + literal.count].elementsEqual(literal) else { throw failure("invalid JSON literal") }
        i += literal.count
        return v
    }

    private mutating func number() throws(Failure) -> Value {
        let start = i
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        // Integers are accumulated as they are read (negatively, so Int.min fits); anything with
        // a fraction, an exponent or too many digits goes through Double's parser.
        var n = 0
        var exact = true
        while i < bytes.count, Lexer.isDigit(bytes[i]) {
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.subtractingReportingOverflow(Int(bytes[i] &- 48))
            if o1 || o2 { exact = false }
            n = s
            i += 1
        }
        var isDouble = false
        while i < bytes.count, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")
                || bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") || Lexer.isDigit(bytes[i]) {
            isDouble = true
            i += 1
        }
        let digits = i - start - (negative ? 1 : 0)
        if !isDouble, digits > 0, exact {
            if negative { return .int(n) }
            if n != Int.min { return .int(-n) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        guard !text.isEmpty, text != "-" else { i = start; throw failure("unexpected character in JSON") }
        if !isDouble, let n = Int(text) { return .int(n) }
        if let d = Double(text) { return .double(d) }
        i = start
        throw failure("invalid JSON number '\(text)'")
    }

    private mutating func string() throws(Failure) -> String {
        i += 1
        let start = i
        while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\") { i += 1 }
        guard i < bytes.count else { throw failure("unterminated JSON string") }
        if bytes[i] == UInt8(ascii: "\"") {
            i += 1
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i - 1]), as: UTF8.self)
        }
        var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<i]))
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
                    // A high surrogate and the low one after it make one scalar; an unpaired
                    // half becomes U+FFFD, and what follows it is read on its own.
                    if scalar >= 0xD800, scalar < 0xDC00, i + 5 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                        let mark = i
                        i += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            i = mark
                        }
                    }
                    out.append(contentsOf: String(Unicode.Scalar(scalar) ?? "\u{FFFD}").utf8)
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
        guard i + 4 <= bytes.count else { throw failure("invalid \\u escape in JSON string") }
        var v: UInt32 = 0
        for b in bytes[i..<i + 4] {
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw failure("invalid \\u escape in JSON string")
            }
            v = v << 4 | UInt32(digit)
        }
        i += 4
        return v
    }
}
