import Foundation

/// RFC 8259 JSON read straight from bytes into `JSONValue`. Going through `JSONDecoder` and
/// `Decodable` tried each type in turn for every value, and was a tenth of a POST's time.
/// Strict as the decoder was: no comments, trailing commas, leading zeros, bare control
/// characters or lone surrogates; whole numbers that fit Int64 are ints, others doubles (a
/// double must be finite); nesting stops at 512 levels; the first of repeated keys counts.
struct JSONParser {
    static let maxDepth = 512

    private let bytes: UnsafeRawBufferPointer
    private var i = 0

    private init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    static func parse(_ data: Data) -> JSONValue? {
        data.withUnsafeBytes { raw -> JSONValue? in
            var parser = JSONParser(raw)
            guard let value = parser.value(depth: 0) else { return nil }
            parser.skipSpace()
            // Not `? value : nil`: JSONValue takes a nil literal, which would be `.null`.
            guard parser.i == raw.count else { return nil }
            return value
        }
    }

    private var current: UInt8? { i < bytes.count ? bytes[i] : nil }

    private mutating func skipSpace() {
        while let b = current, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { i += 1 }
    }

    private mutating func literal(_ word: StaticString, _ value: JSONValue) -> JSONValue? {
        let n = word.utf8CodeUnitCount
        guard bytes.count - i >= n else { return nil }
        for k in 0..<n where bytes[i + k] != word.utf8Start[k] { return nil }
        i += n
        return value
    }

    private mutating func value(depth: Int) -> JSONValue? {
        guard depth < JSONParser.maxDepth else { return nil }
        skipSpace()
        guard let first = current else { return nil }
        switch first {
        case UInt8(ascii: "{"): return object(depth: depth)
        case UInt8(ascii: "["): return array(depth: depth)
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "n"): return literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
        default: return nil
        }
    }

    private mutating func object(depth: Int) -> JSONValue? {
        i += 1
        var o: [String: JSONValue] = [:]
        skipSpace()
        if current == UInt8(ascii: "}") { i += 1; return .object(o) }
        while true {
            skipSpace()
            guard current == UInt8(ascii: "\""), let key = string() else { return nil }
            skipSpace()
            guard current == UInt8(ascii: ":") else { return nil }
            i += 1
            guard let v = value(depth: depth + 1) else { return nil }
            // The first of repeated keys counts, as the decoder had it (and as FormQuery does).
            if o[key] == nil { o[key] = v }
            skipSpace()
            switch current {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "}"): i += 1; return .object(o)
            default: return nil
            }
        }
    }

    private mutating func array(depth: Int) -> JSONValue? {
        i += 1
        var a: [JSONValue] = []
        skipSpace()
        if current == UInt8(ascii: "]") { i += 1; return .array(a) }
        while true {
            guard let v = value(depth: depth + 1) else { return nil }
            a.append(v)
            skipSpace()
            switch current {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "]"): i += 1; return .array(a)
            default: return nil
            }
        }
    }

    private mutating func hex4() -> UInt32? {
        guard bytes.count - i >= 4 else { return nil }
        var n: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[i]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: return nil
            }
            n = n * 16 + UInt32(d)
            i += 1
        }
        return n
    }

    /// A string starting at the opening quote; its bytes must be valid UTF-8.
    private mutating func string() -> String? {
        i += 1
        let start = i
        // The common case: no escapes, copied in one piece.
        while let b = current, b != UInt8(ascii: "\""), b != UInt8(ascii: "\\") {
            guard b >= 0x20 else { return nil }
            i += 1
        }
        guard current != nil else { return nil }
        var out = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
        while let b = current {
            i += 1
            switch b {
            case UInt8(ascii: "\""):
                return String(validating: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let e = current else { return nil }
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4() else { return nil }
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A high surrogate must be followed by an escaped low one.
                        guard bytes.count - i >= 2, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else { return nil }
                        i += 2
                        guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { return nil }
                    out.append(contentsOf: String(Character(u)).utf8)
                default: return nil
                }
            default:
                guard b >= 0x20 else { return nil }
                out.append(b)
            }
        }
        return nil
    }

    private mutating func digits() -> Int {
        let start = i
        while let b = current, b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { i += 1 }
        return i - start
    }

    private mutating func number() -> JSONValue? {
        let start = i
        let negative = current == UInt8(ascii: "-")
        if negative { i += 1 }
        let leading = current
        let wholeStart = i
        let whole = digits()
        guard whole > 0, !(leading == UInt8(ascii: "0") && whole > 1) else { return nil }
        var mantissa = Array(UnsafeRawBufferPointer(rebasing: bytes[wholeStart..<i]))
        var exponent = 0
        var integral = true
        if current == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            let fraction = digits()
            guard fraction > 0 else { return nil }
            mantissa += UnsafeRawBufferPointer(rebasing: bytes[fractionStart..<i])
            exponent = -fraction
            integral = false
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            i += 1
            let signStart = i
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { i += 1 }
            let digitsStart = i
            guard digits() > 0 else { return nil }
            // An exponent too long for Int is far outside Int64 either way.
            let written = Int(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[digitsStart..<i]), as: UTF8.self)).map {
                bytes[signStart] == UInt8(ascii: "-") ? -$0 : $0
            }
            exponent = written.flatMap { exponent.addingReportingOverflow($0).overflow ? nil : exponent + $0 } ?? .max
            integral = false
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        if integral, let n = Int64(text) { return .int(n) }
        // A whole number written with a fraction or exponent (`1e3`, `2.50e1`) is an int when it
        // fits, as the decoder read it: decided on the digits, not on a rounded double.
        if !integral, let n = JSONParser.wholeNumber(mantissa, exponent: exponent, negative: negative) { return .int(n) }
        guard let d = Double(text), d.isFinite else { return nil }
        return .double(d)
    }

    /// `mantissa` (ASCII digits) times ten to `exponent`, if that is a whole number within Int64.
    static func wholeNumber(_ mantissa: [UInt8], exponent: Int, negative: Bool) -> Int64? {
        var digits = mantissa
        if digits.allSatisfy({ $0 == UInt8(ascii: "0") }) { return 0 }
        if exponent >= 0 {
            guard exponent <= 19 else { return nil }
            digits += repeatElement(UInt8(ascii: "0"), count: exponent)
        } else {
            // Never `-exponent`: a fraction digit and an exponent of -(2^63 - 1) add up to Int.min.
            guard exponent >= -digits.count else { return nil }
            let dropped = Int(exponent.magnitude)
            guard digits.suffix(dropped).allSatisfy({ $0 == UInt8(ascii: "0") }) else { return nil }
            digits.removeLast(dropped)
        }
        return Int64((negative ? "-" : "") + String(decoding: digits.isEmpty ? [UInt8(ascii: "0")] : digits, as: UTF8.self))
    }
}
