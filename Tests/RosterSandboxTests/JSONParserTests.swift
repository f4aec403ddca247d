import Foundation
import Testing
import TestSupport
@testable import RosterSandbox

/// The reference: how the sandbox read JSON before `JSONParser`, through Foundation's decoder.
extension JSONValue: Decodable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Int64.self) { self = .int(n) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }
}

/// The sandbox's JSON parser against Foundation's decoder (the path it replaced), over random
/// documents and random damage to them: valid documents read the same; of damaged ones, the
/// parser accepts nothing the decoder refused and reads what it accepts the same. It is
/// stricter than the decoder, which took trailing commas and never looked at the values of
/// repeated keys after the first (the real services' parsers refuse both).
struct JSONParserTests {
    static func decoded(_ data: Data) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: data)
    }

    static func document(_ rng: inout SplitMix64, depth: Int = 0) -> String {
        let space = [" ", "", "\n", "\t", "\r\n", ""].randomElement(using: &rng)!
        switch Int.random(in: 0..<(depth > 3 ? 6 : 8), using: &rng) {
        case 0: return ["null", "true", "false"].randomElement(using: &rng)!
        case 1: return String(Int64.random(in: .min ... .max, using: &rng) >> Int64.random(in: 0...63, using: &rng))
        case 2: return ["0", "-0", "1.5", "-2.25e3", "1E-7", "9223372036854775807", "-9223372036854775808",
                        "9223372036854775808", "1e308", "0.1", "12345678901234567890123"].randomElement(using: &rng)!
        case 3, 4, 5:
            let pieces = ["a", "Zoë", "名", "🙂", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\ud83d\\ude00", "\\u0000", "\\b\\f\\r\\t", " ", ""]
            return "\"" + (0..<Int.random(in: 0...5, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined() + "\""
        case 6:
            return "[" + space + (0..<Int.random(in: 0...4, using: &rng)).map { _ in document(&rng, depth: depth + 1) }.joined(separator: "," + space) + "]"
        default:
            let keys = ["id", "name", "user", "é", "", "id"]
            return "{" + (0..<Int.random(in: 0...4, using: &rng)).map { _ in
                "\"\(keys.randomElement(using: &rng)!)\"" + space + ":" + document(&rng, depth: depth + 1)
            }.joined(separator: ",") + space + "}"
        }
    }

    /// Damage of the kinds a client sends: cut short, a byte changed, a trailing comma, junk after.
    static func damaged(_ text: String, _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return bytes }
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: bytes.removeLast(Int.random(in: 1...bytes.count, using: &rng))
        case 1: bytes[Int.random(in: 0..<bytes.count, using: &rng)] = [0x00, 0x1F, 0x22, 0x2C, 0x5C, 0x7B, 0x5D, 0xFF, 0xC3, 0x30, 0x2E, 0x65].randomElement(using: &rng)!
        case 2: bytes.insert(UInt8(ascii: ","), at: Int.random(in: 0...bytes.count, using: &rng))
        case 3: bytes += Array(["x", " 1", "}", "]", "\u{0}"].randomElement(using: &rng)!.utf8)
        default: bytes.insert(contentsOf: Array(["01", "-", "1.", ".5", "+1", "1e", "tru", "nul", "\\u12", "\\ud800", "//", "NaN"].randomElement(using: &rng)!.utf8),
                              at: Int.random(in: 0...bytes.count, using: &rng))
        }
        return bytes
    }

    static func asDoubles(_ v: JSONValue) -> JSONValue {
        switch v {
        case .int(let n): .double(Double(n))
        case .array(let a): .array(a.map(asDoubles))
        case .object(let o): .object(o.mapValues(asDoubles))
        default: v
        }
    }

    @Test func readsWhatTheDecoderRead() {
        var rng = SplitMix64(state: 2026)
        var accepted = 0
        for _ in 0..<20_000 {
            let text = Self.document(&rng)
            let valid = Data(text.utf8)
            let mine = JSONParser.parse(valid)
            if mine != nil { accepted += 1 }
            #expect(mine != nil && mine == Self.decoded(valid), "\(text): \(String(describing: mine)) vs \(String(describing: Self.decoded(valid)))")
            let damaged = Data(Self.damaged(text, &rng))
            // Numbers compared as doubles here: the decoder read some non-whole literals
            // (`1e-701`, `-92233720368547758.8`) as ints, by rounding through a double first.
            if let read = JSONParser.parse(damaged) {
                #expect(Self.decoded(damaged).map(Self.asDoubles) == Self.asDoubles(read), "\(String(decoding: damaged, as: UTF8.self)): \(read) vs \(String(describing: Self.decoded(damaged)))")
            }
        }
        #expect(accepted == 20_000)
    }

    @Test func refusesWhatTheRealServicesRefuse() {
        for text in ["[1,]", #"{"a":1,}"#, #"{"a":1,"a":"\x"}"#, "01", "1.", ".5", "+1", "-", "1e", "tru", #""\ud800""#, #""\udc00x""#,
                     "\"a\u{1}\"", "[1] x", "", " ", "{", #"{"a"}"#, "1e400", "nan", "[" + "\u{0}" + "]"] {
            #expect(JSONParser.parse(Data(text.utf8)) == nil, "\(text)")
        }
        #expect(JSONParser.parse(Data(#" {"a" : [1, -0, 2.5, 1e3, "\u00e9\ud83d\ude00"], "a": 2} "#.utf8))
                == ["a": [.int(1), .int(0), .double(2.5), .int(1000), .string("é😀")]])
        #expect(JSONParser.parse(Data([0x22, 0xC3, 0x28, 0x22])) == nil, "invalid UTF-8")
    }

    /// Exponents at the ends of Int: `1.5e-9223372036854775807` once made the exponent Int.min,
    /// whose negation trapped (any body or `lastSeen` filter could stop the server).
    @Test func extremeExponentsAreNumbersNotCrashes() {
        let cases: [(String, JSONValue?)] = [
            ("1.5e-9223372036854775807", .double(0)), ("15e-9223372036854775808", .double(0)), ("1.25e-9223372036854775806", .double(0)),
            ("0.0e-9223372036854775807", .int(0)), ("-0.5e-9223372036854775807", .double(-0.0)),
            ("1e9223372036854775807", nil), ("1.5e99999999999999999999999", nil), ("0e99999999999999999999999", .int(0)),
            ("1.5e-99999999999999999999999", .double(0)), ("9.3e18", .double(9.3e18)), ("9.2e18", .int(9_200_000_000_000_000_000)),
        ]
        for (text, expected) in cases {
            #expect(JSONParser.parse(Data(text.utf8)) == expected, "\(text)")
            #expect(JSONParser.parse(Data("[\(text)]".utf8)) == expected.map { .array([$0]) }, "[\(text)]")
        }
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(JSONParser.parse(Data(deep.utf8)) == nil)
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(JSONParser.parse(Data(fine.utf8)) != nil)
    }
}
