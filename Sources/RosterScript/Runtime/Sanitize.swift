/// Text from outside (a server's reply, a file) made safe to show on a terminal: control
/// characters (C0, DEL, C1) and bidirectional overrides are written as the language's own
/// escapes (`\u{1B}`), so a value can neither move the cursor, retitle the window nor reorder
/// what is shown. JSON, NDJSON and CSV output stay exact; tables, displayed text and
/// diagnostics go through here.
public enum Sanitize {
    /// `s` with every such character escaped; `keepNewlines` leaves `\n` (multi-line messages),
    /// `keepLayout` leaves tabs too (a script's own printed columns).
    public static func visible(_ s: String, keepNewlines: Bool = false, keepLayout: Bool = false) -> String {
        let keepNewlines = keepNewlines || keepLayout
        // The lead bytes of every unsafe character's UTF-8 (C2: C1 and the soft hyphen, D8: the
        // Arabic letter mark, E2: the bidi and zero-width ones, EF: the byte order mark).
        guard s.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 || $0 == 0xD8 || $0 == 0xE2 || $0 == 0xEF }) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        for u in s.unicodeScalars {
            if (keepNewlines && u == "\n") || (keepLayout && u == "\t") || !isUnsafe(u) {
                out.unicodeScalars.append(u)
            } else {
                switch u {
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                case "\r": out += "\\r"
                default: out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
                }
            }
        }
        return out
    }

    /// `s` visible and in double quotes, cut to `limit` characters: for naming a value in a message.
    public static func quoted(_ s: String, limit: Int = 80) -> String {
        let v = visible(s)
        return "\"" + (v.count > limit ? String(v.prefix(limit)) + "…" : v) + "\""
    }

    /// Control characters, bidirectional controls, and the invisible ones that make two texts
    /// look alike (a zero-width space in an email, a soft hyphen, a byte order mark). The
    /// zero-width joiners stay: scripts and emoji need them.
    static func isUnsafe(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0..<0x20, 0x7F...0x9F, 0xAD, 0x61C, 0x200B, 0x200E, 0x200F, 0x202A...0x202E, 0x2060...0x2064, 0x2066...0x2069, 0xFEFF: true
        default: false
        }
    }
}
