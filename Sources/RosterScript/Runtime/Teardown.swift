import CThreadLocal

/// Lets go of a list's or a record's values without recursing once a level.
///
/// Releasing a value releases each list and record inside it, and each of theirs in turn: a
/// level of the thread's stack each, which a long chain (`$head = {next: $head}`, `$x = [$x]`
/// in a loop) overflowed. So releases nest only `maxNesting` deep on a thread (as deep as
/// nearly every value goes, at no cost beyond a counter); a release deeper than that takes
/// the lists and records inside out first and releases them one after another, each having
/// had its own taken out before it goes. One another value still holds is merely released: it
/// lives on, and nothing of it is touched.
enum Teardown {
    /// Deep enough for any value but a chain, shallow enough for any thread's stack.
    static let maxNesting = 100

    /// Deinitializes the `n` values at `values` (a storage's, as it is freed).
    @inline(__always)
    static func release(_ values: UnsafeMutablePointer<Value>, _ n: Int) {
        defer { roster_release_leave() }
        guard roster_release_enter() <= maxNesting else { return releaseInTurn(values, n) }
        // One at a time: the generic `deinitialize(count:)` costs more on a short list.
        for i in 0..<n { (values + i).deinitialize(count: 1) }
    }

    @inline(never)
    private static func releaseInTurn(_ values: UnsafeMutablePointer<Value>, _ n: Int) {
        var records: [RecordStorage] = [], lists: [ListStorage] = []
        for i in 0..<n {
            switch (values + i).move() {
            case .record(let r): records.append(r.storage)
            case .list(let l): lists.append(l.storage)
            default: continue
            }
        }
        while true {
            if var storage = records.popLast() {
                if isKnownUniquelyReferenced(&storage) { takeNested(storage.values, storage.count, &records, &lists) }
            } else if var storage = lists.popLast() {
                if isKnownUniquelyReferenced(&storage) { takeNested(storage.items, storage.count, &records, &lists) }
            } else {
                return
            }
            // The storage is released here, with nothing nested left in it.
        }
    }

    private static func takeNested(_ values: UnsafeMutablePointer<Value>, _ n: Int, _ records: inout [RecordStorage], _ lists: inout [ListStorage]) {
        for i in 0..<n {
            switch values[i] {
            case .record(let r):
                values[i] = .null
                records.append(r.storage)
            case .list(let l):
                values[i] = .null
                lists.append(l.storage)
            default:
                continue
            }
        }
    }
}
