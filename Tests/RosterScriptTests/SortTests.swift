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

    /// A list of ints sorted as itself gives the general order's items (the first `limit` of
    /// them), and any other item (a null, a double, a text) leaves the list to the other paths.
    @Test func intsSortAsThemselves() {
        var rng = SplitMix64(state: 44)
        for _ in 0..<2_000 {
            let n = Int.random(in: 0...60, using: &rng)
            var items: [Value] = (0..<n).map { _ in .int([Int.min, Int.max, -1, 0, 1].randomElement(using: &rng)! &+ Int.random(in: -3...3, using: &rng)) }
            let limit: Int? = Bool.random(using: &rng) ? nil : Int.random(in: 0...(n + 2), using: &rng)
            for descending in [false, true] {
                let expected = Self.reference(items, descending: descending).prefix(limit ?? n).map { items[$0] }
                let ints = { (values: [Value]) in values.map { v -> Int? in if case .int(let n) = v { n } else { nil } } }
                #expect(Compiler.sortedInts(items, descending: descending, limit: limit).map { ints($0.array) } == ints(expected))
            }
            if n > 0 {
                items[Int.random(in: 0..<n, using: &rng)] = [.null, .double(1), .string("1")].randomElement(using: &rng)!
                #expect(Compiler.sortedInts(items, descending: false, limit: limit) == nil)
            }
        }
    }

    /// `sort | first N` orders only the first N: through a heap when N is a small part of the
    /// keys. The first N must be the full order's first N, ties and nulls included.
    @Test func aLimitGivesTheFullOrdersFirstItems() {
        var rng = SplitMix64(state: 43)
        var heapRounds = 0
        for round in 0..<1_500 {
            let n = Int.random(in: 0...300, using: &rng)
            let keys: [Value] = (0..<n).map { _ in
                if Int.random(in: 0..<10, using: &rng) == 0 { return .null }
                return round % 2 == 0 ? .string(String(Int.random(in: 0...20, using: &rng))) : .int(Int.random(in: -20...20, using: &rng))
            }
            let limit = Bool.random(using: &rng) ? Int.random(in: 0...5, using: &rng) : Int.random(in: 0...(n + 2), using: &rng)
            if limit < (n - keys.count { $0.isNull }) / 8 { heapRounds += 1 }
            for descending in [false, true] {
                guard let fast = Compiler.sortedByPlainKeys(keys, descending: descending, limit: limit) else {
                    #expect(keys.allSatisfy { $0.isNull })
                    continue
                }
                #expect(fast == Array(Self.reference(keys, descending: descending).prefix(limit)), "n \(n) limit \(limit) \(descending)")
            }
        }
        #expect(heapRounds > 300, "the heap was taken \(heapRounds) times")
    }

    @Test func theHeapSelectsTheFirstInOrder() {
        var rng = SplitMix64(state: 44)
        for _ in 0..<2_000 {
            let values = (0..<Int.random(in: 0...100, using: &rng)).map { _ in Int.random(in: 0...9, using: &rng) }
            let before: (Int, Int) -> Bool = { a, b in values[a] == values[b] ? a < b : values[a] < values[b] }
            let k = Int.random(in: 0...(values.count + 1), using: &rng)
            #expect(Heap.first(k, of: values.count, by: before) == Array(values.indices.sorted(by: before).prefix(k)))
        }
    }

    /// Through the language: `sort | first N` in one pipeline (fused) against the sort kept
    /// whole first and `first N` after it (not fused), over records with ties and nulls.
    @Test func aSortThenFirstInOnePipelineIsTheWholeSortsPrefix() throws {
        var rng = SplitMix64(state: 45)
        for round in 0..<40 {
            let n = Int.random(in: 0...400, using: &rng)
            let rows = (0..<n).map { i -> String in
                let k = Int.random(in: 0..<8, using: &rng) == 0 ? "null" : (round % 2 == 0 ? "\(Int.random(in: 0...30, using: &rng))" : "\"w\(Int.random(in: 0...30, using: &rng))\"")
                return "{i: \(i), k: \(k)}"
            }
            let take = Int.random(in: 0...12, using: &rng)
            let program = """
                let xs = [\(rows.joined(separator: ", "))]
                let whole = $xs | sort .k --desc
                print ($xs | sort .k --desc | first \(take)) ($whole | first \(take))
                let asc = $xs | sort .k
                print ($xs | sort .k | first) ($asc | first)
                """
            let host = FakeHost()
            try Interpreter(host: host).run(SourceFile(name: "t", text: program))
            #expect(host.output.count == 2)
            for line in host.output {
                let halves = line.split(separator: " ", maxSplits: 1)
                // Each line prints the fused result, then the reference; the same JSON twice.
                let text = String(line)
                #expect(halves.count == 2 && text.count % 2 == 1 && text.prefix(text.count / 2) == text.suffix(text.count / 2), "\(text)")
            }
        }
    }

    @Test func mixedKeysAreLeftToTheGeneralPath() {
        #expect(Compiler.sortedByPlainKeys([.int(1), .string("a")], descending: false) == nil)
        #expect(Compiler.sortedByPlainKeys([.string("a"), .null, .double(1.5)], descending: false) == nil)
        #expect(Compiler.sortedByPlainKeys([.null, .int(2), .null, .int(1)], descending: false) == [3, 1, 0, 2])
    }
}

/// NaN in an order: `sort`, `min` and `max` give one answer whatever the input's order (NaN
/// after every number, before nulls), and every `<`, `<=`, `>`, `>=` with NaN is false.
struct NaNOrderTests {
    @Test func nanHasOnePlaceInEverySortAndNoneInComparisons() throws {
        var rng = SplitMix64(state: 46)
        let pool = ["$nan", "1", "1.5", "-2.0", "0", "null", "3"]
        for _ in 0..<200 {
            let items = (0..<Int.random(in: 1...9, using: &rng)).map { _ in pool.randomElement(using: &rng)! }
            let shuffled = items.shuffled(using: &rng)
            let program = """
                let nan = float("nan")
                print ([\(items.joined(separator: ", "))] | sort) ([\(shuffled.joined(separator: ", "))] | sort)
                print ([\(items.joined(separator: ", "))] | sort --desc) ([\(shuffled.joined(separator: ", "))] | sort --desc)
                """
            let host = FakeHost()
            try Interpreter(host: host).run(SourceFile(name: "t", text: program))
            let halves = host.output.first?.split(separator: " ") ?? []
            #expect(halves.count == 2 && halves[0] == halves[1], "\(items) \(shuffled)")
            let descending = host.output.last?.split(separator: " ") ?? []
            #expect(descending.count == 2 && descending[0] == descending[1], "--desc: \(items) \(shuffled)")
            // Ascending: the numbers in order, then NaN (written as null in JSON), then the nulls.
            let numbers = items.filter { $0 != "$nan" && $0 != "null" }.compactMap(Double.init).sorted()
            let sorted = try JSONReader.parse(String(halves.first ?? ""))
            guard case .list(let values) = sorted else { Issue.record("not a list"); continue }
            let numeric = values.prefix(numbers.count).map { v -> Double in
                switch v { case .int(let n): Double(n); case .double(let d): d; default: .infinity }
            }
            #expect(numeric == numbers, "\(items)")
            let rest = values.dropFirst(numbers.count).allSatisfy { $0.isNull }
            #expect(rest, "\(items)")
        }
        let host = FakeHost()
        try Interpreter(host: host).run(SourceFile(name: "t", text: """
            let nan = float("nan")
            print ($nan < 1) ($nan > 1) (1 < $nan) (1 > $nan) ($nan <= $nan) ($nan >= 1.0) (2.0 > $nan) ($nan == $nan)
            print max([1, $nan, 2]) max([$nan, 2, 1]) min([1, $nan, 2]) min([$nan, 2, 1])
            """))
        #expect(host.output == ["false false false false false false false false", "nan nan 1 1"])
    }
}
