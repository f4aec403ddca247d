import Foundation
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

    /// Hundreds of writes at once, every seventh failing after it inserted: the ones that
    /// succeeded are all in, the failed ones left nothing (their savepoint, not the batch, is
    /// undone), and every caller got its own value back.
    @Test func aFailedChangeUndoesOnlyItself() async throws {
        struct Refused: Error { let n: Int }
        let store = try Self.store()
        let outcomes = await withTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
            for n in 0..<400 {
                group.addTask {
                    do {
                        let value = try await store.write { db -> Int in
                            try db.execute(sql: "INSERT INTO t (n) VALUES (?)", arguments: [n])
                            if n % 7 == 0 { throw Refused(n: n) }
                            return n * 2
                        }
                        return (n, .success(value))
                    } catch {
                        return (n, .failure(error))
                    }
                }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
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
        #expect(store.settledGeneration == 400, "each write counted once, begun and over")
    }

    /// A change that ends the transaction under the batch (as SQLite does on some I/O errors)
    /// fails every change of its batch, none of which is in the database; later writes work.
    @Test func aTransactionEndedMidBatchFailsTheWholeBatch() async throws {
        let store = try Self.store()
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for n in 0..<200 {
                group.addTask {
                    do {
                        try await store.write { db -> Void in
                            try db.execute(sql: "INSERT INTO t (n) VALUES (?)", arguments: [n])
                            if n == 100 { try db.execute(sql: "ROLLBACK") }
                        }
                        return (n, true)
                    } catch {
                        return (n, false)
                    }
                }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        let stored = try Self.rows(store)
        #expect(outcomes[100] == false)
        for n in 0..<200 {
            #expect(outcomes[n] == stored.contains(n), "\(n): reported \(outcomes[n] ?? false), stored \(stored.contains(n))")
        }
        try await store.write { db in try db.execute(sql: "INSERT INTO t (n) VALUES (1000)") }
        #expect(try Self.rows(store).contains(1000))
    }
}
