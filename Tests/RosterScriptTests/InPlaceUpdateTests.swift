import Testing
@testable import RosterScript

/// Updates change an unshared value where it lives: the storage before and after an update is
/// the same buffer (a copy would make a loop of N updates cost O(N²)), while a shared value is
/// copied and its other holder keeps what it had. Addresses, not timings: these fail exactly
/// when a copy happens.
struct InPlaceUpdateTests {
    let range = SourceRange(file: SourceFile(name: "t", text: "x"), start: 0, end: 1)

    /// Sets the value at `steps` inside `v`, as `$v<steps> = value` does.
    func assign(_ v: inout Value, _ steps: [Compiler.Step], _ value: Value) throws {
        let ranges = steps.map { _ in range }
        try steps.withUnsafeBufferPointer { try Compiler.update(&v, $0, 0, ranges, range: range) { $0 = value } }
    }

    static func valuesBuffer(_ v: Value) -> UnsafeRawPointer? {
        guard case .record(let r) = v else { return nil }
        return r.valuesAddress
    }

    static func listBuffer(_ v: Value) -> UnsafeRawPointer? {
        guard case .list(let l) = v else { return nil }
        return l.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }

    static func record(_ n: Int) -> Value {
        var r = Record()
        for i in 0..<n { r["k\(i)"] = .int(i) }
        return .record(r)
    }

    @Test(arguments: ["k5", "k999"])
    func anExistingFieldIsSetInPlace(key: String) throws {
        var v = Self.record(1000)
        let before = Self.valuesBuffer(v)
        try assign(&v, [.index(.string(key))], .string("new"))
        #expect(Self.valuesBuffer(v) == before)
        try assign(&v, [.field(key)], .int(7))
        #expect(Self.valuesBuffer(v) == before)
        guard case .record(let r) = v else { Issue.record("not a record"); return }
        #expect(try r[key]?.json() == "7" && r.count == 1000)
    }

    @Test func aNestedFieldAndAListElementAreSetInPlace() throws {
        var inner = Self.record(100)
        var v: Value = .record(["a": .list([.int(0), inner])])
        inner = .null
        let list = { () -> Value in if case .record(let r) = v { r["a"]! } else { .null } }
        let outerBefore = Self.valuesBuffer(v), listBefore = Self.listBuffer(list())
        let innerBefore = { () -> UnsafeRawPointer? in if case .list(let l) = list() { Self.valuesBuffer(l[1]) } else { nil } }()
        try assign(&v, [.field("a"), .index(.int(1)), .field("k50")], .int(-1))
        #expect(Self.valuesBuffer(v) == outerBefore)
        #expect(Self.listBuffer(list()) == listBefore)
        if case .list(let l) = list() {
            #expect(Self.valuesBuffer(l[1]) == innerBefore)
            if case .record(let r) = l[1] { #expect(try r["k50"]?.json() == "-1") }
        }
        _ = inner
    }

    /// `+=` on a list, a text or a record that nothing else holds grows it where it lies.
    @Test func addingToAnUnsharedValueGrowsItInPlace() throws {
        var items = List(minimumCapacity: 100)
        items.append(.int(0))
        var list: Value = .list(items)
        items = List()
        let listBefore = Self.listBuffer(list)
        try Value.addInPlace(&list, .list([.int(1), .int(2)]))
        #expect(Self.listBuffer(list) == listBefore)
        #expect(try list.json() == "[0,1,2]")

        var text = String()
        text.reserveCapacity(100)
        text += String(repeating: "a", count: 20)
        var value: Value = .string(text)
        text = ""
        func textBuffer(_ v: Value) -> UnsafeRawPointer? {
            guard case .string(let s) = v else { return nil }
            return s.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
        }
        let textBefore = textBuffer(value)
        try Value.addInPlace(&value, .string("bc"))
        #expect(textBefore != nil && textBuffer(value) == textBefore)
        #expect(try value.json() == "\"\(String(repeating: "a", count: 20))bc\"")

        var fields = Record()
        fields.reserveCapacity(100)
        fields["a"] = .int(1)
        var record: Value = .record(fields)
        fields = Record()
        let recordBefore = Self.valuesBuffer(record)
        try Value.addInPlace(&record, .record(["b": .int(2)]))
        #expect(Self.valuesBuffer(record) == recordBefore)
        #expect(try record.json() == "{\"a\":1,\"b\":2}")
    }

    @Test func aSharedRecordIsCopiedAndTheOtherHolderKeepsItsValue() throws {
        var a = Self.record(10)
        let b = a
        try assign(&a, [.field("k1")], .string("changed"))
        #expect(Self.valuesBuffer(a) != Self.valuesBuffer(b))
        if case .record(let r) = b { #expect(try r["k1"]?.json() == "1") }
        if case .record(let r) = a { #expect(try r["k1"]?.json() == #""changed""#) }
    }

    @Test func aFailedUpdateLeavesTheRecordAsItWas() throws {
        var v = Self.record(10)
        #expect(throws: RuntimeError.self) {
            try assign(&v, [.field("k3"), .field("x")], .int(1))
        }
        if case .record(let r) = v { #expect(try r["k3"]?.json() == "3" && r.count == 10) }
    }
}
