/// A list: values in order, in one object of the language's own, copied on write as Swift's
/// own arrays are.
///
/// Not a Swift array because an array's buffer is released by the standard library, which
/// releases each value in it in turn: a list nested a level deep each (`$x = [$x]` run
/// 30,000,000 times) recursed once a level and overflowed the thread's stack when freed.
/// `ListStorage.deinit` takes nested lists and records apart one after another instead
/// (`Teardown`). Reading and changing one costs what an array's would.
public struct List: Sendable {
    // Unsafe as to Sendable only because ManagedBuffer disowns it: the storage is changed only
    // while one list alone holds it, and is read-only once shared.
    nonisolated(unsafe) var storage: ListStorage

    public init() { storage = ListStorage.empty }

    public init(minimumCapacity: Int) {
        storage = minimumCapacity > 0 ? ListStorage.make(capacity: minimumCapacity) : ListStorage.empty
    }

    public init(_ items: some Collection<Value>) {
        let n = items.count
        guard n > 0 else {
            storage = ListStorage.empty
            return
        }
        let s = ListStorage.make(capacity: n)
        var p = s.items
        for item in items {
            p.initialize(to: item)
            p += 1
        }
        s.count = n
        storage = s
    }

    /// The items as a Swift array (a copy).
    public var array: [Value] { Array(self) }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.count == 0 }
    public var capacity: Int { storage.room }

    public func withUnsafeBufferPointer<R, E: Error>(_ body: (UnsafeBufferPointer<Value>) throws(E) -> R) throws(E) -> R {
        try body(UnsafeBufferPointer(start: storage.items, count: storage.count))
    }

    /// The items, to change in place (this list's own: copied first if another shares them).
    public mutating func withUnsafeMutableBufferPointer<R, E: Error>(_ body: (inout UnsafeMutableBufferPointer<Value>) throws(E) -> R) throws(E) -> R {
        makeUnique(capacity: count)
        var buffer = UnsafeMutableBufferPointer(start: storage.items, count: storage.count)
        return try body(&buffer)
    }

    public mutating func reserveCapacity(_ n: Int) { makeUnique(capacity: n) }

    @inline(__always)
    public mutating func append(_ item: Value) {
        let n = count
        makeUnique(capacity: n + 1)
        (storage.items + n).initialize(to: item)
        storage.count = n + 1
    }

    /// Appends to a list the caller made and has not copied since, which has room left
    /// (`capacity`): no check that no other value shares it. The optimizer takes that check out
    /// of an array's appends in a loop, but not out of this type's, where it is a call.
    @inline(__always)
    mutating func appendInRoom(_ item: Value) {
        let n = count
        precondition(n < storage.room, "appendInRoom past the list's room")
        (storage.items + n).initialize(to: item)
        storage.count = n + 1
    }

    public mutating func append(contentsOf items: List) {
        let n = count, m = items.count
        guard m > 0 else { return }
        makeUnique(capacity: n + m)
        // `items` may be this very list: its storage is read before anything is written.
        (storage.items + n).initialize(from: items.storage.items, count: m)
        storage.count = n + m
    }

    public mutating func append<S: Sequence>(contentsOf items: S) where S.Element == Value {
        reserveCapacity(count + items.underestimatedCount)
        for item in items { append(item) }
    }

    @discardableResult
    public mutating func removeLast() -> Value {
        precondition(!isEmpty, "removeLast from an empty list")
        makeUnique(capacity: count)
        storage.count -= 1
        return (storage.items + storage.count).move()
    }

    /// Makes the storage this list's alone, with room for `capacity` items (doubling, at
    /// least, as an array does, so appends cost O(1) amortized).
    @inline(__always)
    private mutating func makeUnique(capacity: Int) {
        if isKnownUniquelyReferenced(&storage) && storage.room >= capacity { return }
        copyOrGrow(capacity: capacity)
    }

    @inline(never)
    private mutating func copyOrGrow(capacity: Int) {
        let unique = isKnownUniquelyReferenced(&storage)
        let room = storage.room
        if unique && room >= capacity { return }
        let n = count
        let fresh = ListStorage.make(capacity: room >= capacity ? room : Swift.max(capacity, 2 * room, 4))
        if unique {
            // Moved, not copied: the old storage is left with nothing to release.
            fresh.items.moveInitialize(from: storage.items, count: n)
            storage.count = 0
        } else {
            fresh.items.initialize(from: storage.items, count: n)
        }
        fresh.count = n
        storage = fresh
    }

    public static func + (a: List, b: List) -> List {
        var out = List(minimumCapacity: a.count + b.count)
        out.append(contentsOf: a)
        out.append(contentsOf: b)
        return out
    }
}

extension List: RandomAccessCollection, MutableCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.count }
    public func index(after i: Int) -> Int { i + 1 }
    public func index(before i: Int) -> Int { i - 1 }

    public subscript(i: Int) -> Value {
        get {
            precondition(i >= 0 && i < storage.count, "list index out of range")
            return storage.items[i]
        }
        set {
            precondition(i >= 0 && i < storage.count, "list index out of range")
            makeUnique(capacity: count)
            storage.items[i] = newValue
        }
    }

    public subscript(bounds: Range<Int>) -> Slice<List> {
        get { Slice(base: self, bounds: bounds) }
        set {
            precondition(bounds.count == newValue.count, "a slice of a list is replaced by as many items")
            var i = bounds.lowerBound
            for item in newValue {
                self[i] = item
                i += 1
            }
        }
    }

    public func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<Value>) throws -> R) rethrows -> R? {
        try withUnsafeBufferPointer(body)
    }

    public mutating func withContiguousMutableStorageIfAvailable<R>(_ body: (inout UnsafeMutableBufferPointer<Value>) throws -> R) rethrows -> R? {
        try withUnsafeMutableBufferPointer(body)
    }
}

extension List: RangeReplaceableCollection {
    public mutating func replaceSubrange<C: Collection>(_ bounds: Range<Int>, with items: C) where C.Element == Value {
        precondition(bounds.lowerBound >= 0 && bounds.upperBound <= count, "list range out of bounds")
        var out = List(minimumCapacity: count - bounds.count + items.count)
        out.append(contentsOf: self[..<bounds.lowerBound])
        out.append(contentsOf: items)
        out.append(contentsOf: self[bounds.upperBound...])
        self = out
    }
}

struct ListHeader {
    /// How many items are initialized, from the first.
    var count: Int
    /// How many the tail has room for (ManagedBuffer's own `capacity` asks malloc).
    let capacity: Int
}

/// A list's items. Changed only while one list alone holds it (`makeUnique`), so threads that
/// share a list only ever read it.
final class ListStorage: ManagedBuffer<ListHeader, Value> {
    /// Every empty list until it takes an item: `[]` allocates nothing.
    nonisolated(unsafe) static let empty = make(capacity: 0)

    /// Storage with room for `capacity` items and none in it.
    static func make(capacity: Int) -> ListStorage {
        unsafeDowncast(ListStorage.create(minimumCapacity: capacity) { _ in
            ListHeader(count: 0, capacity: capacity)
        }, to: ListStorage.self)
    }

    // Through the header's pointer: `header` itself is a class's stored property, whose every
    // access pays Swift's run-time exclusivity check.
    @inline(__always) var count: Int {
        get { withUnsafeMutablePointerToHeader { $0.pointee.count } }
        set { withUnsafeMutablePointerToHeader { $0.pointee.count = newValue } }
    }
    @inline(__always) var room: Int { withUnsafeMutablePointerToHeader { $0.pointee.capacity } }
    /// The items, valid while the storage lives (they are part of it).
    @inline(__always) var items: UnsafeMutablePointer<Value> { withUnsafeMutablePointerToElements { $0 } }

    deinit { Teardown.release(items, count) }
}
