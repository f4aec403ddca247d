import Synchronization

/// Where the pages of a list begin, remembered between requests: a client walking a list page
/// by page asks for offset N + limit right after offset N, so the sandbox can start that page
/// after the last row it sent (a keyset seek) instead of stepping over N rows again, and reuse
/// the total it counted. Entries hold only while nothing has been written (the store's
/// generation is unchanged).
final class PageCursors: Sendable {
    struct Entry {
        var generation: Int
        var total: Int
        /// (offset, the key of the last row before it), newest last. Walks in progress at once
        /// each keep their newest cursor; the least recently made go first.
        var after: [(offset: Int, last: Int64)]
    }

    /// Enough for a handful of walks over the same query at once.
    static let cursorsPerQuery = 16

    private let entries = Mutex<[String: Entry]>([:])

    /// The total and the seek key for `offset`, if this query was paged here since the last write.
    func lookup(_ query: String, offset: Int, generation: Int) -> (total: Int, after: Int64?)? {
        entries.withLock { e in
            guard let entry = e[query], entry.generation == generation else { return nil }
            return (entry.total, offset == 0 ? nil : entry.after.last(where: { $0.offset == offset })?.last)
        }
    }

    /// Records the total, and that the page at `offset` ends with the row keyed `last`.
    func remember(_ query: String, generation: Int, total: Int, nextOffset: Int, last: Int64?) {
        entries.withLock { e in
            var entry = e[query].flatMap { $0.generation == generation ? $0 : nil } ?? Entry(generation: generation, total: total, after: [])
            entry.total = total
            if let last {
                // Evicting by age, not by offset: a new walk from the start must not lose its
                // cursors to a finished walk's deeper ones (that made every later page a scan).
                entry.after.removeAll { $0.offset == nextOffset }
                entry.after.append((nextOffset, last))
                if entry.after.count > PageCursors.cursorsPerQuery { entry.after.removeFirst() }
            }
            if e.count > 64 { e.removeAll() }
            e[query] = entry
        }
    }
}
