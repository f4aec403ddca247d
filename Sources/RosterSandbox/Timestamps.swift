import Foundation

/// Times are stored as epoch milliseconds and shown the way each vendor writes them.
enum Timestamps {
    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// `2016-06-13T04:00:00.000Z` (Losant) or `2016-06-13T04:00:00+00:00` (Box).
    static func iso(_ ms: Int64, style: Style) -> String {
        var seconds = time_t(ms / 1000)
        var t = tm()
        gmtime_r(&seconds, &t)
        let date = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", Int(t.tm_year) + 1900, Int(t.tm_mon) + 1, Int(t.tm_mday),
                          Int(t.tm_hour), Int(t.tm_min), Int(t.tm_sec))
        switch style {
        case .milliseconds: return date + String(format: ".%03dZ", Int(ms % 1000))
        case .offset: return date + "+00:00"
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
