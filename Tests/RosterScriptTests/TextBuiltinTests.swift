import Testing
import TestSupport
@testable import RosterScript

/// `split`, `replace` and `len` take a byte-wise path for ASCII text; over random texts it must
/// give what the character-wise standard library gives, and step aside where it could differ.
/// `join` writes its text once; it must give what `joined(separator:)` gives.
struct TextBuiltinTests {
    let range = SourceRange(file: SourceFile(name: "t", text: "x"), start: 0, end: 1)

    @Test func theByteWisePathAgreesWithTheStandardLibrary() throws {
        var rng = SplitMix64(state: 14)
        let alphabet: [String] = ["a", "b", ",", " ", "ab", "\n", "\t", "", "\r", "é", "e\u{301}", "\r\n"]
        var taken = 0
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }.joined()
            let sep = (0..<Int.random(in: 1...3, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }.joined()
            guard !sep.isEmpty else { continue }
            let replacement = (0..<Int.random(in: 0...3, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }.joined()
            let expected = text.split(separator: sep, omittingEmptySubsequences: false).map(String.init)
            #expect(ASCIIText.count(text) == text.count, "len(\(text.debugDescription))")
            // Indexing (byte-wise for ASCII text) gives the character at each place, from
            // either end, and refuses a place outside the text.
            let characters = Array(text)
            for k in -characters.count - 1...characters.count {
                let indexed = try? Compiler.index(.string(text), .int(k), range, range)
                let expected = k < characters.count && k >= -characters.count ? String(characters[k < 0 ? characters.count + k : k]) : nil
                #expect(indexed.flatMap { (try? $0.text()) } == expected, "\(text.debugDescription)[\(k)]")
            }
            #expect(try ASCIIText.join(expected, replacement) == expected.joined(separator: replacement))
            #expect(try ASCIIText.join(strings: List(expected.map { .string($0) }), replacement) == expected.joined(separator: replacement))
            #expect(try ASCIIText.join(strings: List(expected.map { .string($0) } + [.int(1)]), replacement) == nil, "not all texts: the general way")
            if let pieces = try ASCIIText.split(text, sep)?.map({ (try? $0.text()) ?? "?" }) {
                taken += 1
                #expect(pieces == expected, "split(\(text.debugDescription), \(sep.debugDescription))")
                #expect(!text.contains("\r") && text.utf8.allSatisfy { $0 < 0x80 })
            } else {
                #expect(text.utf8.contains { $0 >= 0x80 || $0 == 0x0D } || sep.utf8.contains { $0 >= 0x80 || $0 == 0x0D })
            }
            if let replaced = try ASCIIText.replace(text, sep, replacement) {
                #expect(replaced == text.replacing(sep, with: replacement), "replace(\(text.debugDescription), \(sep.debugDescription), \(replacement.debugDescription))")
            } else {
                #expect(text.utf8.contains { $0 >= 0x80 || $0 == 0x0D } || sep.utf8.contains { $0 >= 0x80 || $0 == 0x0D })
            }
        }
        #expect(taken > 1_000, "the byte-wise path was taken \(taken) times")
        // Separators that overlap themselves ("aa" in "aaa"): occurrences are taken left to
        // right without overlapping, as the standard library takes them.
        for _ in 0..<3_000 {
            let text = String((0..<Int.random(in: 0...10, using: &rng)).map { _ in Bool.random(using: &rng) ? "a" : "b" })
            let sep = String((0..<Int.random(in: 1...3, using: &rng)).map { _ in Int.random(in: 0..<4, using: &rng) == 0 ? "b" : "a" })
            #expect(try ASCIIText.split(text, sep)?.map { (try? $0.text()) ?? "?" } == text.split(separator: sep, omittingEmptySubsequences: false).map(String.init), "split(\(text), \(sep))")
            #expect(try ASCIIText.replace(text, sep, "x") == text.replacing(sep, with: "x"), "replace(\(text), \(sep))")
        }
    }

    /// `trim`, `int` and `float` cut blanks byte by byte at ASCII edges; over random texts of
    /// blanks, combining marks, Unicode spaces and other characters, the cut must be the one
    /// Character by Character gives (the way it was made before).
    @Test func blanksAreTrimmedAsCharacterByCharacter() {
        func byCharacter(_ s: String) -> String {
            let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" || $0.isWhitespace }
            guard let start = s.firstIndex(where: { !isBlank($0) }) else { return "" }
            return String(s[start...s.lastIndex(where: { !isBlank($0) })!])
        }
        var rng = SplitMix64(state: 29)
        let pieces: [String] = [" ", "\t", "\n", "\r", "\r\n", "\u{0B}", "\u{0C}", "\u{1C}", "\u{85}", "\u{A0}", "\u{3000}", "\u{2028}",
                                "\u{301}", "\u{200D}", "\u{600}", "a", "7", "-", "é", "e\u{301}", "👍", "\u{1F1E9}\u{1F1EA}"]
        var cutBytewise = 0
        for _ in 0..<30_000 {
            let text = (0..<Int.random(in: 0...7, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            let trimmed = String(text.trimmingBlanks())
            #expect(trimmed == byCharacter(text), "\(text.debugDescription)")
            if trimmed != text, text.unicodeScalars.allSatisfy(\.isASCII) { cutBytewise += 1 }
        }
        #expect(cutBytewise > 1_000, "ASCII blanks were cut \(cutBytewise) times")
    }

    /// `isASCII` and `isSimple` read eight bytes a step, then the rest (one by one, or as a
    /// last word overlapping the one before): a byte of 0x80 or more, or for `isSimple` a CR,
    /// is found anywhere in texts of every length up to 40.
    @Test func aHighByteIsFoundAtEveryPlace() {
        for length in 0...40 {
            var bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 % 128 == 13 ? 14 : $0 * 37 % 128) }
            #expect(bytes.withUnsafeBytes { ASCIIText.isASCII($0) }, "\(length) ASCII bytes")
            #expect(bytes.withUnsafeBufferPointer { ASCIIText.isSimple($0) }, "\(length) ASCII bytes without CR")
            for place in 0..<length {
                for odd: UInt8 in [0x80, 0xC3, 0xFF, 0x0D] {
                    let kept = bytes[place]
                    bytes[place] = odd
                    if odd != 0x0D {
                        #expect(!bytes.withUnsafeBytes { ASCIIText.isASCII($0) }, "0x\(String(odd, radix: 16)) at \(place) of \(length)")
                    }
                    #expect(!bytes.withUnsafeBufferPointer { ASCIIText.isSimple($0) }, "0x\(String(odd, radix: 16)) at \(place) of \(length)")
                    bytes[place] = kept
                }
            }
        }
    }
}
