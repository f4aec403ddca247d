import Testing
@testable import RosterScript

/// The JSON reader every page of every list goes through: exact values and exact errors.
struct JSONReaderTests {
    func parse(_ text: String) throws -> Value { try JSONReader.parse(text) }

    @Test(arguments: [
        (#"{"z": 1, "a": [1.5, 2, "x", null, true, false], "e": {}, "l": []}"#, #"{"z":1,"a":[1.5,2,"x",null,true,false],"e":{},"l":[]}"#),
        (#"  [ {"b":1,"a":2} , {"b":3,"a":4} ]  "#, #"[{"b":1,"a":2},{"b":3,"a":4}]"#),
        (#""tab\there \"q\" \\ \/ \u00e9 \ud83d\ude00""#, #""tab\there \"q\" \\ / é 😀""#),
        (#""lone \ud83d and \ud83d\u0041""#, "\"lone \u{FFFD} and \u{FFFD}A\""),
        (#""héllo wörld, a string longer than fifteen bytes""#, #""héllo wörld, a string longer than fifteen bytes""#),
    ])
    func readsValuesExactly(text: String, json: String) throws {
        #expect(try parse(text).json() == json)
    }

    @Test(arguments: [
        ("9223372036854775807", "int 9223372036854775807"),
        ("-9223372036854775808", "int -9223372036854775808"),
        ("-0", "int 0"),
        ("007", "int 7"),
        ("9223372036854775808", "double 9.223372036854776e+18"),
        ("1e3", "double 1000.0"),
        ("-12.50", "double -12.5"),
    ])
    func integersStayIntegersUntilTheyCannot(text: String, typed: String) throws {
        let v = try parse(text)
        #expect("\(v.typeName) \(try v.json())" == typed)
    }

    /// Objects in a list share their keys; each must still get its own values, and an object
    /// with as many keys but other names must not be taken for them.
    @Test func objectsWithTheSameKeysKeepTheirOwnValues() throws {
        let v = try parse(#"[{"id":"a","n":1},{"id":"b","n":2},{"x":"c","n":3},{"id":"d","n":[4]},{"id":"e","id":5}]"#)
        #expect(try v.json() == #"[{"id":"a","n":1},{"id":"b","n":2},{"x":"c","n":3},{"id":"d","n":[4]},{"id":5}]"#)
    }

    /// Texts written as JSON, through the plain path (nothing to escape) and the escaping one:
    /// every text reads back as itself, and no raw control character, quote or backslash is
    /// left unescaped, whatever its length (inline and heap texts) or neighbours.
    @Test func everyTextIsWrittenAsJSONThatReadsBackAsItself() throws {
        let pieces = ["a", "é", "😀", "\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1f}", "\u{7f}", "/", " ", "0123456789abcdef"]
        var generator = SystemRandomNumberGenerator()
        var texts = pieces + ["", String(repeating: "x", count: 15), String(repeating: "x", count: 16)]
        for _ in 0..<2_000 {
            texts.append((0..<Int.random(in: 1...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
        }
        for text in texts {
            let json = try Value.string(text).json()
            guard case .string(let back) = try parse(json) else { Issue.record("not a text: \(json)"); continue }
            #expect(Array(back.utf8) == Array(text.utf8), "\(json)")
            let inner = json.utf8.dropFirst().dropLast()
            #expect(!inner.contains { $0 < 0x20 }, "\(json)")
            var escaped = false
            for b in inner {
                if escaped { escaped = false; continue }
                if b == UInt8(ascii: "\\") { escaped = true; continue }
                #expect(b != UInt8(ascii: "\""), "\(json)")
            }
        }
    }

    @Test(arguments: [
        (#"{"a" 1}"#, "expected ':'", 5),
        ("[1,]", "unexpected character in JSON", 3),
        (#"{"a":1,}"#, "expected a string key", 7),
        (#""abc"#, "unterminated JSON string", 4),
        ("tru", "invalid JSON literal", 0),
        ("1 2", "unexpected text after the JSON value", 2),
        ("1.2.3", "invalid JSON number '1.2.3'", 0),
        (#""\x""#, "invalid escape in JSON string", 3),
        (#""\u12G4""#, "invalid \\u escape in JSON string", 3),
        ("", "unexpected end of JSON", 0),
    ])
    func reportsWhatIsWrongAndWhere(text: String, message: String, offset: Int) {
        #expect(throws: JSONReader.Failure.self) { try parse(text) }
        do { _ = try parse(text) } catch let failure as JSONReader.Failure {
            #expect(failure.message == message)
            #expect(failure.offset == offset)
        } catch {}
    }
}
