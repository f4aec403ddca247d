/// Times as the services write them: ISO 8601 text (Losant, Box) and epoch numbers (now(),
/// LaunchDarkly's milliseconds). Pure arithmetic on the proleptic Gregorian calendar, in UTC.
extension Builtins {
    static let time: [Builtin] = [
        b("parse_time", "parse_time(text)", "seconds since 1970 from an ISO 8601 time (2024-01-02T03:04:05.000Z, or with +01:00)", 1...1) { c in
            let text = try c.string(0, "the time")
            guard let seconds = ISOTime.parse(text) else {
                throw ErrorValue(code: "invalid_time", message: "'\(text)' is not an ISO 8601 time; write e.g. 2024-01-02T03:04:05Z or 2024-01-02")
            }
            return .double(seconds)
        },
        b("format_time", "format_time(seconds)", "the ISO 8601 UTC text of a time in seconds since 1970, with milliseconds", 1...1) { c in
            let seconds: Double
            switch c[0] {
            case .int(let n): seconds = Double(n)
            case .double(let d): seconds = d
            case let v: throw ErrorValue(code: "type_mismatch", message: "format_time needs seconds since 1970, got \(v.typeName)")
            }
            guard seconds.isFinite, abs(seconds) < 253_402_300_800 else {
                throw ErrorValue(code: "invalid_time", message: "\(Value.format(seconds)) is outside the years 0 to 9999")
            }
            return .string(ISOTime.format(seconds))
        },
    ]
}

/// ISO 8601 times, public for the catalog (journal stamps, Losant creation dates).
public enum ISOTime {
    /// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
    public static func days(_ y: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y - 1 : y
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Seconds since 1970; nil when the text is not an ISO 8601 date or time.
    public static func parse(_ text: String) -> Double? {
        let s = Array(text.utf8)
        var i = 0
        func number(_ width: Int) -> Int? {
            guard i + width <= s.count else { return nil }
            var n = 0
            for b in s[i..<i + width] {
                guard b >= 48, b <= 57 else { return nil }
                n = n * 10 + Int(b - 48)
            }
            i += width
            return n
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < s.count, s[i] == c else { return false }
            i += 1
            return true
        }
        guard let y = number(4), expect(45), let m = number(2), (1...12).contains(m), expect(45), let d = number(2), (1...31).contains(d) else { return nil }
        var seconds = Double(days(y, m, d) * 86_400)
        if i == s.count { return seconds }
        guard expect(84) || expect(116) || expect(32), let h = number(2), h < 24, expect(58), let mi = number(2), mi < 60 else { return nil }
        seconds += Double(h * 3600 + mi * 60)
        if expect(58) {
            guard let sec = number(2), sec < 61 else { return nil }
            seconds += Double(sec)
            if expect(46) {
                var scale = 0.1
                var any = false
                while i < s.count, s[i] >= 48, s[i] <= 57 {
                    seconds += Double(s[i] - 48) * scale
                    scale /= 10
                    i += 1
                    any = true
                }
                guard any else { return nil }
            }
        }
        if expect(90) || expect(122) { return i == s.count ? seconds : nil }
        guard i < s.count, s[i] == 43 || s[i] == 45 else { return nil }
        let sign = s[i] == 43 ? -1.0 : 1.0
        i += 1
        guard let oh = number(2), oh < 24 else { return nil }
        _ = expect(58)
        guard let om = number(2), om < 60, i == s.count else { return nil }
        return seconds + sign * Double(oh * 3600 + om * 60)
    }

    /// UTC with milliseconds: `2024-02-29T12:30:15.250Z`.
    public static func format(_ seconds: Double) -> String {
        let ms = Int((seconds * 1000).rounded(.down))
        let day = ms >= 0 ? ms / 86_400_000 : -((-ms + 86_399_999) / 86_400_000)
        let rest = ms - day * 86_400_000
        let (y, m, d) = civil(day)
        func pad(_ n: Int, _ w: Int) -> String { let t = String(n); return String(repeating: "0", count: max(0, w - t.count)) + t }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rest / 3_600_000, 2)):\(pad(rest / 60_000 % 60, 2)):\(pad(rest / 1000 % 60, 2)).\(pad(rest % 1000, 3))Z"
    }
}
