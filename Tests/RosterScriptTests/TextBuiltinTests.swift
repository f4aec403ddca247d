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
            #expect(try ASCIIText.join(strings: expected.map { .string($0) }, replacement) == expected.joined(separator: replacement))
            #expect(try ASCIIText.join(strings: expected.map { .string($0) } + [.int(1)], replacement) == nil, "not all texts: the general way")
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
    }
}
