import Testing
import OrderedCollections
import TestSupport
@testable import RosterScript

/// `Record` (one object: shared keys, values in its tail) replaced an `OrderedDictionary`.
/// These hold it to the dictionary's semantics over random changes, and to value semantics:
/// a copy taken at any point keeps what it held, whatever is done to the original after.
struct RecordTests {
    func t(_ v: Value) -> String { (try? v.json()) ?? "?" }

    /// The record's keys, values, lookups and iteration, against the model's.
    func expectSame(_ r: Record, _ model: OrderedDictionaryOfValues, _ note: String) {
        #expect(r.count == model.count, "\(note)")
        #expect(r.isEmpty == model.isEmpty, "\(note)")
        #expect(Array(r.keys) == Array(model.keys), "\(note)")
        #expect(r.values.map(t) == model.values.map(t), "\(note)")
        #expect(r.map { "\($0.key)=\(t($0.value))" } == model.map { "\($0.key)=\(t($0.value))" }, "\(note)")
        for k in ["k0", "k1", "k2", "k3", "k7", "k19", "missing"] {
            #expect(r.index(forKey: k) == model.index(forKey: k), "\(note): index of \(k)")
            #expect(r[k].map(t) == model[k].map(t), "\(note): \(k)")
        }
    }

    @Test func randomChangesMatchAnOrderedDictionaryAndCopiesKeepTheirValues() {
        var rng = SplitMix64(state: 21)
        for round in 0..<60 {
            // Rounds start from each way a record is made: empty, from a literal's shared keys,
            // with room reserved.
            var r: Record
            switch round % 3 {
            case 0: r = Record()
            case 1: r = Record(keys: Record(uniqueKeys: ["k0", "k1", "k2"], values: [.null, .null, .null]).keys, values: [.int(0), .string("a"), .list([])])
            default: r = Record(minimumCapacity: Int.random(in: 0...6, using: &rng))
            }
            var model = r.entries
            var copies: [(Record, OrderedDictionaryOfValues)] = []
            for step in 0..<80 {
                let key = "k\(Int.random(in: 0..<20, using: &rng))"
                let value: Value = switch Int.random(in: 0..<4, using: &rng) {
                case 0: .int(step)
                case 1: .string("v\(step) with a text too long to be held inline")
                case 2: .record(["inner": .int(step)])
                default: .list([.int(step)])
                }
                let note = "round \(round) step \(step)"
                switch Int.random(in: 0..<7, using: &rng) {
                case 0, 1:
                    r[key] = value
                    model[key] = value
                case 2:
                    #expect(r.removeValue(forKey: key).map(t) == model.removeValue(forKey: key).map(t), "\(note)")
                case 3:
                    r[key] = nil
                    model[key] = nil
                case 4:
                    let at = Int.random(in: 0...r.count, using: &rng)
                    let a = r.updateValue(value, forKey: key, insertingAt: at)
                    let b = model.updateValue(value, forKey: key, insertingAt: at)
                    #expect(a.originalMember.map(t) == b.originalMember.map(t) && a.index == b.index, "\(note)")
                case 5:
                    if !r.isEmpty {
                        let i = Int.random(in: 0..<r.count, using: &rng)
                        r.withUnsafeMutableValues { $0[i] = value }
                        model.values[i] = value
                    }
                default:
                    r.reserveCapacity(Int.random(in: 0...40, using: &rng))
                }
                expectSame(r, model, note)
                if Int.random(in: 0..<4, using: &rng) == 0 { copies.append((r, model)) }
            }
            for (i, (copy, then)) in copies.enumerated() { expectSame(copy, then, "round \(round), copy \(i)") }
        }
    }

    /// A key is found whether the string asked with is the record's own (the same bits) or
    /// one made apart: long keys of one length in their own buffers, short ones, and
    /// canonically equivalent ones, which Swift's strings hold equal.
    @Test func keysAreFoundByTheirTextNotOnlyTheirIdentity() {
        func made(_ s: String) -> String { String(decoding: Array(s.utf8), as: UTF8.self) }
        let keys = ["a-long-key-number-one-xx", "a-long-key-number-two-xx", "id", "caf\u{E9}", "another-long-key-of-its-own"]
        var r = Record()
        for (i, k) in keys.enumerated() { r[made(k)] = .int(i) }
        for (i, k) in keys.enumerated() {
            #expect(r.index(forKey: k) == i, "\(k)")
            #expect(r.index(forKey: made(k)) == i, "\(k) made apart")
            #expect(r[made(k)].map(t) == "\(i)")
        }
        #expect(r.index(forKey: "cafe\u{301}") == 3)
        #expect(r.index(forKey: "a-long-key-number-six-xx") == nil)
        // Past 16 keys the set's hash table answers.
        for i in 0..<40 { r["key-number-\(i)-with-a-long-tail"] = .int(i) }
        #expect(r.index(forKey: made("key-number-33-with-a-long-tail")) == keys.count + 33)
    }

    /// Records made from one literal share its keys and not their values.
    @Test func recordsOfOneLiteralAreApart() throws {
        let host = FakeHost()
        try Interpreter(host: host).run(SourceFile(name: "t.roster", text: """
        let rs = []
        for i in range(3) { $rs += [{id: $i, tags: []}] }
        $rs[0].tags += ["x"]
        $rs[1].extra = true
        $rs[2].id = 9
        print $rs
        """))
        #expect(host.output.prefix(1) == [#"[{"id":0,"tags":["x"]},{"id":1,"tags":[],"extra":true},{"id":9,"tags":[]}]"#])
    }

    /// `List` replaced `[Value]`: over random changes it gives what an array gives, and copies
    /// taken along the way keep what they held.
    @Test func randomChangesMatchAnArrayAndCopiesKeepTheirValues() {
        var rng = SplitMix64(state: 33)
        for round in 0..<60 {
            var l = round % 2 == 0 ? List() : List(minimumCapacity: Int.random(in: 0...6, using: &rng))
            var model: [Value] = []
            var copies: [(List, [Value])] = []
            for step in 0..<80 {
                let value: Value = step % 3 == 0 ? .string("item \(step) with a text too long to be held inline") : .list([.int(step)])
                let note = "round \(round) step \(step)"
                switch Int.random(in: 0..<7, using: &rng) {
                case 0, 1:
                    l.append(value)
                    model.append(value)
                case 2:
                    let more = (0..<Int.random(in: 0...5, using: &rng)).map { Value.int($0) }
                    if Bool.random(using: &rng) { l.append(contentsOf: List(more)) } else { l.append(contentsOf: more) }
                    model.append(contentsOf: more)
                case 3:
                    if !l.isEmpty {
                        let i = Int.random(in: 0..<l.count, using: &rng)
                        l[i] = value
                        model[i] = value
                    }
                case 4:
                    if !l.isEmpty { #expect(t(l.removeLast()) == t(model.removeLast()), "\(note)") }
                case 5:
                    let a = Int.random(in: 0...l.count, using: &rng), b = Int.random(in: a...l.count, using: &rng)
                    let with = (0..<Int.random(in: 0...3, using: &rng)).map { Value.int(-$0) }
                    l.replaceSubrange(a..<b, with: with)
                    model.replaceSubrange(a..<b, with: with)
                default:
                    if l.count < 64 {
                        l = l + l
                        model = model + model
                    }
                }
                #expect(l.map(t) == model.map(t), "\(note)")
                if Int.random(in: 0..<4, using: &rng) == 0 { copies.append((l, model)) }
            }
            for (i, (copy, then)) in copies.enumerated() { #expect(copy.map(t) == then.map(t), "round \(round), copy \(i)") }
        }
    }

    /// Lists and records nested a level deep each are released without recursing once a level:
    /// more levels than the thread's stack could hold frames for (the unfixed code crashes).
    @Test func longChainsOfListsAndRecordsAreReleasedWithoutRecursing() {
        var x = Value.null
        for _ in 0..<300_000 { x = .list(List(CollectionOfOne(x))) }
        x = .null
        for i in 0..<300_000 { x = i % 2 == 0 ? .list(List(CollectionOfOne(x))) : .record(Record(uniqueKeys: ["next"], values: [x])) }
        x = .null
        #expect(x.isNull)
    }

    /// A chain of records a level deep each is released without recursing once a level: more
    /// levels than the thread's stack could hold frames for.
    @Test func aLongChainOfRecordsIsReleasedWithoutRecursing() {
        var head = Value.null
        for i in 0..<300_000 { head = .record(Record(uniqueKeys: ["i", "next"], values: [.int(i), head])) }
        // A record another value still holds is released, not taken apart.
        var kept = head
        for _ in 0..<150_000 {
            guard case .record(let r) = kept, let next = r["next"] else { break }
            kept = next
        }
        head = .null
        guard case .record(let r) = kept else { Issue.record("the held record was lost"); return }
        #expect(r["i"].map(t) == "149999")
        var depth = 0
        while case .record(let r) = kept, let next = r["next"] {
            kept = next
            depth += 1
        }
        #expect(depth == 150_000)
    }
}

typealias OrderedDictionaryOfValues = OrderedDictionary<String, Value>
