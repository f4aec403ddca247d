import Testing
import TestSupport
@testable import RosterScript

/// JSON is written as bytes (JSONWriter) and made a String once; over random values (texts with
/// quotes, backslashes, control characters and non-ASCII, the integers' ends, doubles, nesting)
/// it must give what writing to a String piece by piece gave, compact and indented.
struct JSONWriterTests {
    /// The earlier writer, a String appended to scalar by scalar.
    static func reference(_ v: Value, indent: String?, level: Int) -> String {
        func newline(_ level: Int) -> String { indent.map { "\n" + String(repeating: $0, count: level) } ?? "" }
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let n): return String(n)
        case .double(let d): return d.isFinite ? Value.format(d) : "null"
        case .string(let s): return quoted(s)
        case .record(let r):
            if r.isEmpty { return "{}" }
            return "{" + r.map { newline(level + 1) + quoted($0.key) + (indent == nil ? ":" : ": ") + reference($0.value, indent: indent, level: level + 1) }.joined(separator: ",") + newline(level) + "}"
        case .list(let l):
            if l.isEmpty { return "[]" }
            return "[" + l.map { newline(level + 1) + reference($0, indent: indent, level: level + 1) }.joined(separator: ",") + newline(level) + "]"
        default: return "?"
        }
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    static let pieces = ["a", "\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1}", "\u{1F}", "\u{7F}", "é", "e\u{301}", "👍", "/", " ", "\u{2028}", "ab\"c"]

    static func randomValue(_ depth: Int, _ rng: inout SplitMix64) -> Value {
        switch Int.random(in: 0..<(depth > 2 ? 6 : 8), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int([0, -1, 7, Int.max, Int.min, -1000003, Int.random(in: .min ... .max, using: &rng)].randomElement(using: &rng)!)
        case 3: return .double([0.5, -0.0, 1e300, .infinity, .nan, 3.0, Double.random(in: -1e6...1e6, using: &rng)].randomElement(using: &rng)!)
        case 4, 5: return .string((0..<Int.random(in: 0...6, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined())
        case 6: return .list((0..<Int.random(in: 0...4, using: &rng)).map { _ in randomValue(depth + 1, &rng) })
        default:
            var r = Record()
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                r[(0..<Int.random(in: 0...3, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()] = randomValue(depth + 1, &rng)
            }
            return .record(r)
        }
    }

    @Test func bytesGiveWhatStringAppendsGave() throws {
        var rng = SplitMix64(state: 41)
        for _ in 0..<3_000 {
            let v = Self.randomValue(0, &rng)
            #expect(try v.json() == Self.reference(v, indent: nil, level: 0))
            #expect(try v.prettyJSON() == Self.reference(v, indent: "  ", level: 0))
        }
        #expect(try Value.string("\u{0}\u{1F}\"\\").json() == #""\u0000\u001f\"\\""#)
    }
}
