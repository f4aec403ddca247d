import Testing
import TestSupport
@testable import RosterScript

/// Interpolation writes its parts into a stack buffer and spills into a String when they
/// outgrow it; whatever the parts, the text must be what concatenating them gives.
struct TextBuilderTests {
    @Test func itWritesWhatConcatenationWrites() throws {
        var rng = SplitMix64(state: 15)
        let texts = ["", "a", ",", "é", "e\u{301}", "\r\n", "🙂", "user", String(repeating: "x", count: 40), String(repeating: "ü", count: 100)]
        let ints = [0, 7, -7, 10, -10, 99, 100, 123_456_789, Int.max, Int.min, Int.min + 1, -1]
        let literals = texts.map(LiteralText.init)
        for capacity in [0, 1, 8, 20, 21, 64, TextBuilder.stackCapacity] {
            for _ in 0..<2_000 {
                var expected = ""
                let result = try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer -> String in
                    var builder = TextBuilder(buffer)
                    for _ in 0..<Int.random(in: 0...12, using: &rng) {
                        switch Int.random(in: 0..<3, using: &rng) {
                        case 0:
                            let t = texts.randomElement(using: &rng)!
                            try builder.append(t)
                            expected += t
                        case 1:
                            // A literal part, as interpolation prepares one.
                            let l = literals.randomElement(using: &rng)!
                            try builder.append(l)
                            expected += l.text
                        default:
                            let n = Bool.random(using: &rng) ? ints.randomElement(using: &rng)! : Int.random(in: Int.min...Int.max, using: &rng) >> Int.random(in: 0...63, using: &rng)
                            try builder.append(n)
                            expected += String(n)
                        }
                    }
                    return builder.finish()
                }
                #expect(Array(result.utf8) == Array(expected.utf8), "capacity \(capacity)")
            }
        }
    }
}
