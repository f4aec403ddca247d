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
        /// offset → the key of the last row before it.
        var after: [Int: Int64]
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// The total and the seek key for `offset`, if this query was paged here since the last write.
    func lookup(_ query: String, offset: Int, generation: Int) -> (total: Int, after: Int64?)? {
        entries.withLock { e in
            guard let entry = e[query], entry.generation == generation else { return nil }
            return (entry.total, offset == 0 ? nil : entry.after[offset])
        }
    }

    /// Records the total, and that the page at `offset` ends with the row keyed `last`.
    func remember(_ query: String, generation: Int, total: Int, nextOffset: Int, last: Int64?) {
        entries.withLock { e in
            var entry = e[query].flatMap { $0.generation == generation ? $0 : nil } ?? Entry(generation: generation, total: total, after: [:])
            entry.total = total
            if let last { entry.after[nextOffset] = last }
            // A walk needs only the newest cursor or two; keep the table small.
            if entry.after.count > 8, let oldest = entry.after.keys.min() { entry.after[oldest] = nil }
            if e.count > 64 { e.removeAll() }
            e[query] = entry
        }
    }
}
