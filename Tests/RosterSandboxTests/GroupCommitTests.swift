import Foundation
import Dispatch
import GRDB
import Testing
@testable import RosterSandbox

/// Writes commit in batches; what each caller hears must be what the database holds.
struct GroupCommitTests {
    static func store() throws -> SandboxStore {
        let store = try SandboxStore(path: ":memory:")
        try store.db.write { db in try db.execute(sql: "CREATE TABLE t (n INTEGER PRIMARY KEY)") }
        return store
    }

    static func rows(_ store: SandboxStore) throws -> Set<Int> {
        Set(try store.read { db in try Int.fetchAll(db, sql: "SELECT n FROM t") })
    }

    /// Runs `writes` concurrently as one batch: a first write holds the writer until all of
    /// them are waiting, so they commit together.
    static func oneBatch<R: Sendable>(_ store: SandboxStore, count: Int, _ write: @escaping @Sendable (Int) async -> R) async -> [Int: R] {
        let gate = DispatchSemaphore(value: 0), holding = DispatchSemaphore(value: 0)
        let held = Task { try? await store.write { _ in holding.signal(); gate.wait() } }
        // The writer is held (its batch under way) before the batch to test is asked for.
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in DispatchQueue.global().async { holding.wait(); c.resume() } }
        return await withTaskGroup(of: (Int, R).self) { group in
            for n in 0..<count { group.addTask { (n, await write(n)) } }
            let deadline = ContinuousClock.now + .seconds(30)
            while store.committer.waiting < count, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(1)) }
            gate.signal()
            _ = await held.value
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
    }

    /// Hundreds of writes in one batch, every seventh failing after it inserted: the ones that
    /// succeeded are all in, the failed ones left nothing (their savepoint, not the batch, is
    /// undone), and every caller got its own value back.
    @Test func aFailedChangeUndoesOnlyItself() async throws {
        struct Refused: Error { let n: Int }
        let store = try Self.store()
        let outcomes = await Self.oneBatch(store, count: 400) { n -> Result<Int, any Error> in
            do {
                return .success(try await store.write { db -> Int in
                    try db.execute(sql: "INSERT INTO t (n) VALUES (?)", arguments: [n])
                    if n % 7 == 0 { throw Refused(n: n) }
                    return n * 2
                })
            } catch {
                return .failure(error)
            }
        }
        let stored = try Self.rows(store)
        for n in 0..<400 {
            switch outcomes[n] {
            case .success(let value)?:
                #expect(n % 7 != 0 && value == n * 2 && stored.contains(n), "\(n)")
            case .failure(let error)?:
                #expect((error as? Refused)?.n == n && !stored.contains(n), "\(n): \(error)")
            case nil:
                Issue.record("\(n) never answered")
            }
        }
        #expect(stored.count == (0..<400).filter { $0 % 7 != 0 }.count)
        #expect(store.settledGeneration == 401, "each write counted once, begun and over (and the one holding the writer)")
    }

    /// A change that ends the transaction under the batch (as SQLite does on some I/O errors)
    /// fails every change of its batch, none of which is in the database; later writes work.
    @Test func aTransactionEndedMidBatchFailsTheWholeBatch() async throws {
        let store = try Self.store()
        let outcomes = await Self.oneBatch(store, count: 200) { n -> Bool in
            do {
                try await store.write { db -> Void in
                    try db.execute(sql: "INSERT INTO t (n) VALUES (?)", arguments: [n])
                    if n == 100 { try db.execute(sql: "ROLLBACK") }
                }
                return true
            } catch {
                return false
            }
        }
        let stored = try Self.rows(store)
        #expect(stored.isEmpty, "nothing of the batch is stored: \(stored.sorted().prefix(5))")
        for n in 0..<200 {
            #expect(outcomes[n] == false, "\(n) was reported stored")
        }
        try await store.write { db in try db.execute(sql: "INSERT INTO t (n) VALUES (1000)") }
        #expect(try Self.rows(store).contains(1000))
    }
}
