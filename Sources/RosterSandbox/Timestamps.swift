import Foundation

/// Times are stored as epoch milliseconds and shown the way each vendor writes them.
enum Timestamps {
    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// `2016-06-13T04:00:00.000Z` (Losant) or `2016-06-13T04:00:00+00:00` (Box).
    static func iso(_ ms: Int64, style: Style) -> String {
        var out: [UInt8] = []
        writeISO(ms, style: style, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `iso` written into `out` (list pages write two per record). Fields are printed as
    /// `%0Nd` prints them: zero-padded to N digits, longer if they need more, `-` first.
    static func writeISO(_ ms: Int64, style: Style, to out: inout [UInt8]) {
        // Floored: a time before 1970 is whole seconds before it plus 0 to 999 ms (truncating
        // wrote 1969-12-31T23:59:59.-500Z).
        let (q, r) = ms.quotientAndRemainder(dividingBy: 1000)
        let millis = r < 0 ? r + 1000 : r
        var seconds = time_t(r < 0 ? q - 1 : q)
        var t = tm()
        gmtime_r(&seconds, &t)
        func field(_ n: Int, _ width: Int, then separator: UInt8?) {
            JSONValue.writeInt(Int64(n), width: width, to: &out)
            if let separator { out.append(separator) }
        }
        field(Int(t.tm_year) + 1900, 4, then: UInt8(ascii: "-"))
        field(Int(t.tm_mon) + 1, 2, then: UInt8(ascii: "-"))
        field(Int(t.tm_mday), 2, then: UInt8(ascii: "T"))
        field(Int(t.tm_hour), 2, then: UInt8(ascii: ":"))
        field(Int(t.tm_min), 2, then: UInt8(ascii: ":"))
        field(Int(t.tm_sec), 2, then: nil)
        switch style {
        case .milliseconds:
            out.append(UInt8(ascii: "."))
            field(Int(millis), 3, then: UInt8(ascii: "Z"))
        case .offset: out += "+00:00".utf8
        }
    }

    enum Style { case milliseconds, offset }

    /// An ISO-8601 date-time with or without fractional seconds; nil if it is not one.
    static func parse(_ text: String) -> Int64? {
        let plain = Date.ISO8601FormatStyle()
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        guard let date = (try? fractional.parse(text)) ?? (try? plain.parse(text)) else { return nil }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}
