import Synchronization

/// One place in a script that reads a field by name (`$u.team`), remembering at which position
/// of the record it found the key last time. The records one place sees mostly share their
/// keys' order (they were made by the same literal), so the next read checks that position
/// first: one comparison of equal strings instead of a lookup. Parallel iterations share the
/// place, so the position is an atomic (a relaxed load is a plain one on this hardware), and a
/// wrong guess only costs the lookup.
final class FieldSite: Sendable {
    private let position = Atomic<Int>(0)

    /// The field, when `value` holds a record (read in place: no copy of the record). When the
    /// key is where it was last time and the very same string, nothing is called between
    /// looking at the record and copying the field out, so the record is not retained for it.
    @inline(__always) func read(in value: UnsafeMutablePointer<Value>, _ key: String) -> Value? {
        let i = position.load(ordering: .relaxed)
        guard case .record(let record) = value.pointee else { return nil }
        if record.keyIsIdentical(at: i, to: key) { return record.value(at: i) }
        return readLooking(in: value, key)
    }

    @inline(never)
    private func readLooking(in value: UnsafeMutablePointer<Value>, _ key: String) -> Value? {
        if case .record(let r) = value.pointee { read(r, key) } else { nil }
    }

    @inline(__always) func read(_ record: Record, _ key: String) -> Value {
        let i = position.load(ordering: .relaxed)
        if i < record.count, record.key(at: i) == key { return record.value(at: i) }
        guard let j = record.index(forKey: key) else { return .null }
        position.store(j, ordering: .relaxed)
        return record.value(at: j)
    }
}
