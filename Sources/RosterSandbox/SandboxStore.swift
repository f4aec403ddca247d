import Foundation
import GRDB

/// The sandbox's data: one SQLite database (WAL, one writer at a time, every change in a
/// transaction, so a killed server never leaves half a change behind).
public final class SandboxStore: Sendable {
    let db: any DatabaseWriter

    /// `path` is a file, or `:memory:`.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        if path == ":memory:" {
            db = try DatabaseQueue(configuration: configuration)
        } else {
            db = try DatabasePool(path: path, configuration: configuration)
        }
        try SandboxStore.migrator.migrate(db)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("launchdarkly-members") { db in
            try db.execute(sql: """
                CREATE TABLE ld_member (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    first_name TEXT,
                    last_name TEXT,
                    role TEXT NOT NULL,
                    custom_roles TEXT NOT NULL DEFAULT '[]',
                    role_attributes TEXT,
                    pending_invite INTEGER NOT NULL DEFAULT 0,
                    verified INTEGER NOT NULL DEFAULT 1,
                    mfa TEXT NOT NULL DEFAULT 'disabled',
                    last_seen INTEGER,
                    creation_date INTEGER NOT NULL,
                    version INTEGER NOT NULL DEFAULT 1
                );
                CREATE INDEX ld_member_last_seen ON ld_member(last_seen);
                CREATE TABLE ld_team (key TEXT PRIMARY KEY COLLATE NOCASE, name TEXT NOT NULL);
                CREATE TABLE ld_member_team (
                    member_id TEXT NOT NULL REFERENCES ld_member(id) ON DELETE CASCADE,
                    team_key TEXT NOT NULL REFERENCES ld_team(key),
                    PRIMARY KEY (member_id, team_key)
                );
                CREATE TABLE ld_custom_role (key TEXT PRIMARY KEY, name TEXT NOT NULL);
                CREATE TABLE ld_token (token TEXT PRIMARY KEY, member_id TEXT NOT NULL REFERENCES ld_member(id) ON DELETE CASCADE);
                CREATE TABLE sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                """)
        }
        return migrator
    }

    func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await db.read(body)
    }

    func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await db.write(body)
    }
}
