/// JSON written as UTF-8 bytes and made a String once, at the end: appended to a String piece
/// by piece, a third of a JSON-heavy script's time went to the String's growth and its
/// count-and-flags bookkeeping.
struct JSONWriter {
    private var bytes: [UInt8] = []

    /// Bytes written so far.
    var count: Int { bytes.count }

    mutating func append(_ byte: UInt8) { bytes.append(byte) }

    /// An ASCII literal (`null`, `true`, `": "`).
    mutating func append(_ literal: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// An integer's decimal digits, as `String(n)` writes them.
    mutating func append(_ n: Int) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            let written = TextBuilder.writeDecimal(n, to: digits.baseAddress!)
            bytes.append(contentsOf: UnsafeBufferPointer(start: digits.baseAddress, count: written))
        }
    }

    /// A text as a JSON string: quoted, with `"`, `\` and control characters escaped (every
    /// byte to escape is ASCII, so the text is walked byte by byte).
    mutating func appendQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { source in
            // Most texts need no escape: one scan of their bytes, then one copy.
            guard source.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
                bytes.append(contentsOf: source)
                return
            }
            for byte in source {
                switch byte {
                case UInt8(ascii: "\""): append("\\\"")
                case UInt8(ascii: "\\"): append("\\\\")
                case UInt8(ascii: "\n"): append("\\n")
                case UInt8(ascii: "\r"): append("\\r")
                case UInt8(ascii: "\t"): append("\\t")
                case ..<0x20:
                    append("\\u00")
                    bytes.append(UInt8(ascii: "0") + byte >> 4)
                    let low = byte & 0xF
                    bytes.append(low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "a") + low - 10)
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The text written (valid UTF-8: every piece came from a String).
    func text() -> String { String(decoding: bytes, as: UTF8.self) }
}
