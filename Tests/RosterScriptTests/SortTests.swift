import Testing
import TestSupport
@testable import RosterScript

/// `sort`'s plain-key path gives the order of the general comparison: keys ascending or
/// descending, ties in input order, nulls last; any other mix of keys is left to the general path.
struct SortTests {
    static func reference(_ keys: [Value], descending: Bool) -> [Int] {
        keys.indices.sorted { a, b in
            let (x, y) = (keys[a], keys[b])
            if x.isNull || y.isNull { return x.isNull == y.isNull ? a < b : y.isNull }
            let c = Value.compare(x, y)!
            if c == 0 { return a < b }
            return descending ? c > 0 : c < 0
        }
    }

    @Test func plainKeysSortAsTheGeneralComparisonDoes() {
        var rng = SplitMix64(state: 42)
        let words = ["b", "a", "B", "", "é", "e\u{301}", "aa", "z"]
        for round in 0..<3_000 {
            let n = Int.random(in: 0...40, using: &rng)
            let strings = round % 2 == 0
            let keys: [Value] = (0..<n).map { _ in
                if Int.random(in: 0..<6, using: &rng) == 0 { return .null }
                return strings ? .string(words.randomElement(using: &rng)!) : .int(Int.random(in: -3...3, using: &rng) * (Bool.random(using: &rng) ? 1 : Int.max / 4))
            }
            for descending in [false, true] {
                let fast = Compiler.sortedByPlainKeys(keys, descending: descending)
                if keys.allSatisfy(\.isNull) {
                    #expect(fast == nil)
                } else {
                    #expect(fast == Self.reference(keys, descending: descending), "\(keys.map { $0.typeName }) \(descending)")
                }
            }
        }
    }

    @Test func mixedKeysAreLeftToTheGeneralPath() {
        #expect(Compiler.sortedByPlainKeys([.int(1), .string("a")], descending: false) == nil)
        #expect(Compiler.sortedByPlainKeys([.string("a"), .null, .double(1.5)], descending: false) == nil)
        #expect(Compiler.sortedByPlainKeys([.null, .int(2), .null, .int(1)], descending: false) == [3, 1, 0, 2])
    }
}
