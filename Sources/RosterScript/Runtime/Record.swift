import OrderedCollections

/// A record: string keys in the order they were added, each with a value.
///
/// One object holds the keys and, in its own tail, the values, copied on write as Swift's own
/// collections are. A value is copied at every field read, argument and loop item, and the
/// `OrderedDictionary` records were before retained two or three buffers for each copy (its
/// keys, its values, past 15 keys its hash table); this retains one. The keys are an
/// `OrderedSet`, itself copied on write: every record made by one literal, one CSV header or
/// one shape of JSON object shares them until it gains or loses a key, so making such a record
/// allocates once.
///
/// A change to a record another value shares copies it first (`let b = $a; $b.x = 1` leaves
/// `$a` alone); one held only here changes in place. The object also lets a record nested a
/// million levels deep (`$head = {next: $head}` in a loop) be released without recursing once
/// a level (`RecordStorage.deinit`).
public struct Record: Sendable {
    // Unsafe as to Sendable only because ManagedBuffer disowns it: the storage is changed only
    // while one record alone holds it, and is read-only once shared.
    nonisolated(unsafe) var storage: RecordStorage

    public init() { storage = RecordStorage.empty }

    public init(minimumCapacity: Int) {
        storage = minimumCapacity > 0 ? RecordStorage.make(keys: [], capacity: minimumCapacity) : RecordStorage.empty
    }

    /// The keys (unique, in order) and a value for each, in the same order.
    init(keys: OrderedSet<String>, values: some Collection<Value>) {
        precondition(keys.count == values.count, "a record needs a value for each key")
        guard !keys.isEmpty else {
            storage = RecordStorage.empty
            return
        }
        let s = RecordStorage.make(keys: keys, capacity: keys.count)
        var p = s.values
        for value in values {
            p.initialize(to: value)
            p += 1
        }
        storage = s
    }

    /// A record of `keys` whose values `fill` initializes in order from the pointer it is
    /// given, counting them in its second argument (on a throw, those counted are released).
    init(keys: OrderedSet<String>, initializingWith fill: (UnsafeMutablePointer<Value>, inout Int) throws -> Void) rethrows {
        let s = RecordStorage.make(keys: [], capacity: keys.count)
        var n = 0
        do { try fill(s.values, &n) } catch {
            s.values.deinitialize(count: n)
            throw error
        }
        precondition(n == keys.count, "a record needs a value for each key")
        s.withUnsafeMutablePointerToHeader { $0.pointee.keys = keys }
        storage = s
    }

    /// A record with `shape`'s keys (shared with it, not copied), the value of the `i`th made
    /// by `value(i)`. (A closure, not a generic collection: another module's call of a generic
    /// initializer is not specialized, and looked up the collection's type at every row.)
    public init(keysOf shape: Record, value: (Int) -> Value) {
        let keys = shape.keys
        guard !keys.isEmpty else {
            storage = RecordStorage.empty
            return
        }
        let s = RecordStorage.make(keys: keys, capacity: keys.count)
        for i in 0..<keys.count { (s.values + i).initialize(to: value(i)) }
        storage = s
    }

    public init(_ entries: OrderedDictionary<String, Value>) { self.init(keys: entries.keys, values: entries.values) }

    public init(uniqueKeys keys: some Sequence<String>, values: some Sequence<Value>) {
        self.init(OrderedDictionary(uniqueKeys: keys, values: values))
    }

    public init(uncheckedUniqueKeys keys: some Sequence<String>, values: some Sequence<Value>) {
        self.init(OrderedDictionary(uncheckedUniqueKeys: keys, values: values))
    }

    public init<S: Sequence>(uniqueKeysWithValues pairs: S) where S.Element == (String, Value) {
        self.init(OrderedDictionary(uniqueKeysWithValues: pairs))
    }

    public init<S: Sequence>(uncheckedUniqueKeysWithValues pairs: S) where S.Element == (String, Value) {
        self.init(OrderedDictionary(uncheckedUniqueKeysWithValues: pairs))
    }

    // MARK: reading

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.count == 0 }
    public var keys: OrderedSet<String> { storage.keys }
    public var values: Values { Values(storage: storage) }

    // The keys are read where they lie: `storage.keys` would copy the set (two retains).
    public func index(forKey key: String) -> Int? {
        storage.withUnsafeMutablePointerToHeader { h in
            if let i = h.pointee.keys.withContiguousStorageIfAvailable({ Record.identical(key, in: $0) }) ?? nil { return i }
            return h.pointee.keys.firstIndex(of: key)
        }
    }

    /// The position of a key that is the very same string as `key` (the same bits: the same
    /// short text held inline, or the same buffer), among a few keys. A record's keys and the
    /// names a script reads them by are mostly such copies of one another, and telling two
    /// different short strings apart otherwise takes a call into the String comparison.
    /// Nil says nothing: the key may still be there as a string made apart.
    private static func identical(_ key: String, in keys: UnsafeBufferPointer<String>) -> Int? {
        guard keys.count <= 16, MemoryLayout<String>.size == 16, let base = keys.baseAddress else { return nil }
        let k = withUnsafeBytes(of: key) { $0.loadUnaligned(as: (UInt64, UInt64).self) }
        let raw = UnsafeRawPointer(base)
        for i in 0..<keys.count {
            let b = raw.loadUnaligned(fromByteOffset: 16 * i, as: (UInt64, UInt64).self)
            if b.0 == k.0 && b.1 == k.1 { return i }
        }
        return nil
    }

    /// Whether the key at position `i` is the very same string as `key` (the same bits), told
    /// without a call (so a caller reading a record where it lies need not hold it meanwhile).
    /// False says nothing: the key may be there as a string made apart.
    @inline(__always) func keyIsIdentical(at i: Int, to key: String) -> Bool {
        storage.withUnsafeMutablePointerToHeader { h in
            h.pointee.keys.withContiguousStorageIfAvailable { i >= 0 && i < $0.count && $0[i]._isIdentical(to: key) } ?? false
        }
    }

    /// The key and the value at position `i` (below `count`).
    func key(at i: Int) -> String { storage.withUnsafeMutablePointerToHeader { $0.pointee.keys[i] } }
    func value(at i: Int) -> Value { storage.values[i] }

    public subscript(key: String) -> Value? {
        get {
            guard let i = index(forKey: key) else { return nil }
            return storage.values[i]
        }
        set {
            if let newValue { updateValue(newValue, forKey: key) } else { removeValue(forKey: key) }
        }
    }

    /// The entries as an ordered dictionary (a copy of the values).
    public var entries: OrderedDictionary<String, Value> {
        OrderedDictionary(uncheckedUniqueKeys: storage.keys, values: values)
    }

    /// Where the values lie (for tests that an update changed them in place).
    var valuesAddress: UnsafeRawPointer { UnsafeRawPointer(storage.values) }

    // MARK: changing

    /// The values, to change in place (this record's own: copied first if another shares them).
    public mutating func withUnsafeMutableValues<R>(_ body: (UnsafeMutableBufferPointer<Value>) throws -> R) rethrows -> R {
        makeUnique(capacity: count)
        return try body(UnsafeMutableBufferPointer(start: storage.values, count: count))
    }

    @discardableResult
    public mutating func updateValue(_ value: Value, forKey key: String) -> Value? {
        updateValue(value, forKey: key, insertingAt: count).originalMember
    }

    /// Sets `key`'s value where it is, or inserts it at `index` when the record lacks it.
    @discardableResult
    public mutating func updateValue(_ value: Value, forKey key: String, insertingAt index: Int) -> (originalMember: Value?, index: Int) {
        if let i = self.index(forKey: key) {
            makeUnique(capacity: count)
            let old = (storage.values + i).move()
            (storage.values + i).initialize(to: value)
            return (old, i)
        }
        precondition(index >= 0 && index <= count, "insertion index out of range")
        let n = count
        makeUnique(capacity: n + 1)
        let v = storage.values
        (v + index + 1).moveInitialize(from: v + index, count: n - index)
        (v + index).initialize(to: value)
        storage.withUnsafeMutablePointerToHeader { h in
            if index == n { h.pointee.keys.append(key) } else { h.pointee.keys.insert(key, at: index) }
        }
        return (nil, index)
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> Value? {
        guard let i = index(forKey: key) else { return nil }
        let n = count
        makeUnique(capacity: n)
        let v = storage.values
        let old = (v + i).move()
        (v + i).moveInitialize(from: v + i + 1, count: n - i - 1)
        storage.withUnsafeMutablePointerToHeader { _ = $0.pointee.keys.remove(at: i) }
        return old
    }

    public mutating func reserveCapacity(_ n: Int) { makeUnique(capacity: n) }

    /// Makes the storage this record's alone, with room for `capacity` values.
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
        let fresh = RecordStorage.make(keys: storage.keys, capacity: room >= capacity ? room : Swift.max(capacity, 2 * room, 4))
        if unique {
            // Moved, not copied: the old storage is left without keys or values to release.
            fresh.values.moveInitialize(from: storage.values, count: n)
            storage.withUnsafeMutablePointerToHeader { $0.pointee.keys = [] }
        } else {
            fresh.values.initialize(from: storage.values, count: n)
        }
        storage = fresh
    }

    /// A record's values in order (a view of it: changes made later are not seen).
    public struct Values: RandomAccessCollection, Sendable {
        nonisolated(unsafe) fileprivate let storage: RecordStorage
        public var startIndex: Int { 0 }
        public var endIndex: Int { storage.count }
        public subscript(i: Int) -> Value {
            precondition(i >= 0 && i < storage.count, "index out of range")
            return storage.values[i]
        }
    }
}

extension Record: Sequence {
    public struct Iterator: IteratorProtocol {
        fileprivate let storage: RecordStorage
        fileprivate var i = 0
        public mutating func next() -> (key: String, value: Value)? {
            guard i < storage.count else { return nil }
            defer { i += 1 }
            return (storage.withUnsafeMutablePointerToHeader { $0.pointee.keys[i] }, storage.values[i])
        }
    }
    public func makeIterator() -> Iterator { Iterator(storage: storage) }
    public var underestimatedCount: Int { count }
}

extension Record: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, Value)...) {
        if elements.isEmpty { self.init() } else { self.init(uniqueKeysWithValues: elements) }
    }
}

struct RecordHeader {
    /// One for each value; `keys.count` values are initialized.
    var keys: OrderedSet<String>
    /// How many values the tail has room for (ManagedBuffer's own `capacity` asks malloc).
    let capacity: Int
}

/// A record's keys and values. Changed only while one record alone holds it (`makeUnique`),
/// so threads that share a record only ever read it.
final class RecordStorage: ManagedBuffer<RecordHeader, Value> {
    /// Every empty record until it takes a key: `{}` and `Record()` allocate nothing.
    nonisolated(unsafe) static let empty = make(keys: [], capacity: 0)

    /// Storage for `keys` with room for `capacity` values, whose first `keys.count` the caller
    /// must initialize at once.
    static func make(keys: OrderedSet<String>, capacity: Int) -> RecordStorage {
        unsafeDowncast(RecordStorage.create(minimumCapacity: capacity) { _ in
            RecordHeader(keys: keys, capacity: capacity)
        }, to: RecordStorage.self)
    }

    // Through the header's pointer: `header` itself is a class's stored property, whose every
    // access pays Swift's run-time exclusivity check.
    @inline(__always) var keys: OrderedSet<String> { withUnsafeMutablePointerToHeader { $0.pointee.keys } }
    @inline(__always) var count: Int { withUnsafeMutablePointerToHeader { $0.pointee.keys.count } }
    @inline(__always) var room: Int { withUnsafeMutablePointerToHeader { $0.pointee.capacity } }
    /// The values, valid while the storage lives (they are part of it).
    @inline(__always) var values: UnsafeMutablePointer<Value> { withUnsafeMutablePointerToElements { $0 } }

    deinit { Teardown.release(values, count) }
}
