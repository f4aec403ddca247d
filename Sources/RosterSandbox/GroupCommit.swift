import Dispatch
import GRDB
import Synchronization

/// Writes that arrive together commit together. Each change runs in a savepoint of its own, so
/// one that fails leaves the others; the batch commits once, and only then does any caller
/// hear that its change is in. A commit costs a WAL append and, with one writer, every other
/// writer waiting; onboarding sends thousands of small writes at once, and waiting threads are
/// the server's event loops, which could be reading the next requests meanwhile.
final class GroupCommit: Sendable {
    /// A change: applied inside the batch's transaction, then told how the batch ended.
    struct Change: Sendable {
        let apply: @Sendable (Database) -> Void
        let complete: @Sendable ((any Error)?) -> Void
    }

    /// A change that never ran: its batch failed before it (no outcome of its own).
    struct Aborted: Error {}

    /// Enough to spread a commit thin, few enough that a change waits little for its batch.
    static let maxBatch = 256

    private let db: any DatabaseWriter
    private let queue = DispatchQueue(label: "roster.sandbox.writes")
    private let pending = Mutex<(changes: [Change], draining: Bool)>(([], false))

    init(_ db: any DatabaseWriter) { self.db = db }

    /// Changes waiting for the next batch (tests line up a batch with it).
    var waiting: Int { pending.withLock { $0.changes.count } }

    func submit(_ change: Change) {
        let start = pending.withLock { state -> Bool in
            state.changes.append(change)
            defer { state.draining = true }
            return !state.draining
        }
        if start { queue.async { self.drain() } }
    }

    private func drain() {
        while true {
            let batch = pending.withLock { state -> [Change] in
                let n = min(state.changes.count, GroupCommit.maxBatch)
                let batch = Array(state.changes.prefix(n))
                state.changes.removeFirst(n)
                if batch.isEmpty { state.draining = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            var failure: (any Error)?
            do {
                // A change that ends the transaction (SQLite rolls back on some I/O and memory
                // errors) leaves GRDB inside its transaction block: every later statement of the
                // batch, and its commit, fail with SQLITE_ABORT, so nothing runs outside a
                // transaction and the whole batch fails (GroupCommitTests holds GRDB to that).
                try db.write { db in
                    for change in batch { change.apply(db) }
                }
            } catch {
                failure = error
            }
            for change in batch { change.complete(failure) }
        }
    }
}

extension SandboxStore {
    /// Applies `body` with the next batch of writes; returns once the batch is committed. A
    /// thrown error undoes `body`'s changes only; a failed commit fails every change in it.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        beginWrite()
        defer { endWrite() }
        let outcome = Mutex<Result<T, any Error>?>(nil)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            committer.submit(GroupCommit.Change(
                apply: { db in
                    do {
                        var value: T?
                        try db.inSavepoint {
                            value = try body(db)
                            return .commit
                        }
                        outcome.withLock { $0 = .success(value!) }
                    } catch {
                        outcome.withLock { $0 = .failure(error) }
                    }
                },
                complete: { batchFailure in
                    // No outcome: the batch failed before this change ran (its BEGIN, say).
                    let result = outcome.withLock { $0 } ?? .failure(batchFailure ?? GroupCommit.Aborted())
                    if case .success = result, let batchFailure {
                        continuation.resume(throwing: batchFailure)
                    } else {
                        continuation.resume(with: result)
                    }
                }))
        }
    }
}
