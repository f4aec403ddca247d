/// Builds an interpolated text in a caller's buffer (on its stack) and makes one String of it
/// at the end: appending to a String part by part costs a few hundred instructions each, and
/// reallocates as it outgrows the small-string form. Text that outgrows the buffer continues
/// in a String.
struct TextBuilder {
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    private var count = 0
    /// The text so far, once it no longer fits the buffer.
    private var spill: String?

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    /// Past the buffer, the text's size is checked against `ValueLimits`.
    mutating func append(_ text: String) throws(ErrorValue) {
        if spill == nil {
            let fitted = text.utf8.withContiguousStorageIfAvailable { source -> Bool in
                if source.isEmpty { return true }
                guard source.count <= buffer.count - count, let from = source.baseAddress, let to = buffer.baseAddress else { return false }
                (to + count).initialize(from: from, count: source.count)
                count += source.count
                return true
            }
            if fitted == true { return }
            spill = String(decoding: UnsafeBufferPointer(rebasing: buffer[..<count]), as: UTF8.self)
        }
        try ValueLimits.checkText(spill!.utf8.count, plus: text.utf8.count)
        spill!.append(text)
    }

    /// A literal part's bytes (valid UTF-8, prepared once when the script was compiled).
    mutating func append(_ literal: LiteralText) throws(ErrorValue) {
        let n = literal.bytes.count
        if spill == nil, n <= buffer.count - count, let to = buffer.baseAddress, let from = literal.bytes.baseAddress {
            (to + count).initialize(from: from, count: n)
            count += n
            return
        }
        try append(literal.text)
    }

    /// An integer's decimal digits, as `String(n)` writes them.
    mutating func append(_ n: Int) throws(ErrorValue) {
        guard spill == nil, buffer.count - count >= 20 else { return try append(String(n)) }
        count += TextBuilder.writeDecimal(n, to: buffer.baseAddress! + count)
    }

    /// Writes `n`'s decimal digits (and sign) at `start`, which has room for 20 bytes (the
    /// longest, Int.min's); returns how many it wrote. JSONWriter writes integers with it too.
    static func writeDecimal(_ n: Int, to start: UnsafeMutablePointer<UInt8>) -> Int {
        var magnitude = n.magnitude
        var digits = 1
        var rest = magnitude / 10
        while rest > 0 { digits += 1; rest /= 10 }
        var at = start
        if n < 0 { at.pointee = UInt8(ascii: "-"); at += 1 }
        var i = digits - 1
        repeat {
            at[i] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            i -= 1
        } while i >= 0
        return (at - start) + digits
    }

    func finish() -> String {
        spill ?? ASCIIText.string(UnsafeBufferPointer(rebasing: buffer[..<count]))
    }

    /// The room a builder gets on the stack.
    static let stackCapacity = 256
}

/// A literal part of an interpolated text, as UTF-8 bytes kept for the compiled script's life:
/// copied with one memcpy, where appending the String went through its contiguous-storage
/// check and a closure (a few dozen instructions a part).
final class LiteralText {
    let text: String
    let bytes: UnsafeBufferPointer<UInt8>

    init(_ text: String) {
        self.text = text
        let storage = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(text.utf8.count, 1))
        _ = storage.initialize(from: text.utf8)
        bytes = UnsafeBufferPointer(rebasing: storage[..<text.utf8.count])
    }

    deinit { UnsafeMutableBufferPointer(mutating: bytes).baseAddress.map { $0.deallocate() } }
}
