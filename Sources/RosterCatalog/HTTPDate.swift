import Foundation
import RosterScript

/// The HTTP headers that carry times: a `Date` (the server's clock) and a `Retry-After` (a
/// number of seconds, or an HTTP-date).
enum HTTPDate {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Seconds since 1970 of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, the only form
    /// servers send today); nil for anything else.
    static func parse(_ text: String) -> Double? {
        let p = text.split(separator: " ")
        guard p.count == 6, p[0].hasSuffix(","), p[5] == "GMT", p[1].count == 2, p[3].count == 4,
              let day = Int(p[1]), let year = Int(p[3]), let month = months.firstIndex(of: String(p[2])) else { return nil }
        let t = p[4].split(separator: ":", omittingEmptySubsequences: false)
        guard t.count == 3, t.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
              let h = Int(t[0]), let m = Int(t[1]), let s = Int(t[2]),
              (1...31).contains(day), (1970...9999).contains(year), (0..<24).contains(h), (0..<60).contains(m), (0...60).contains(s) else { return nil }
        return Double(ISOTime.days(year, month + 1, day) * 86_400 + h * 3600 + m * 60 + s)
    }

    /// The server's now, from its `Date`, when our clock is more than two seconds away from it
    /// (a reset instant it sends is on its clock); else ours, which counts below the second.
    static func serverNow(_ date: String?, local: Double) -> Double {
        guard let date, let server = parse(date), abs(server - local) > 2 else { return local }
        return server
    }

    /// A `Retry-After` as seconds from `now`: delta-seconds (digits only: `0x10` or `1e3` is no
    /// number of seconds), or an HTTP-date.
    static func retryAfter(_ text: String, now: Double) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            return Double(trimmed)
        }
        return parse(trimmed).map { max(0, $0 - now) }
    }
}
