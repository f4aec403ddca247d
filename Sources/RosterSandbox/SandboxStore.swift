import Foundation
import GRDB
import Synchronization

/// The sandbox's data: one SQLite database (WAL, one writer at a time, every change in a
/// transaction, so a killed server never leaves half a change behind).
public final class SandboxStore: Sendable {
    let db: any DatabaseWriter
    let committer: GroupCommit
    /// Writes begun and writes over (committed or not), so caches of what was read can tell
    /// whether a read saw exactly the state they were made from.
    private let started = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)

    /// The number of writes over, read before a read begins, if no write is under way then:
    /// the database is then in the state those writes left. Nil while a write is under way.
    var settledGeneration: Int? {
        let over = finished.load(ordering: .sequentiallyConsistent)
        return started.load(ordering: .sequentiallyConsistent) == over ? over : nil
    }

    /// Whether no write has begun since `settledGeneration` gave `generation`. Asked inside a
    /// read after its first statement (which fixes the read's snapshot), a yes means the read
    /// sees exactly the state of `generation`.
    func unchanged(since generation: Int) -> Bool {
        started.load(ordering: .sequentiallyConsistent) == generation
    }

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
        committer = GroupCommit(db)
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
        migrator.registerMigration("losant-instance-tokens") { db in
            try db.execute(sql: """
                CREATE TABLE losant_token (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    instance_id TEXT NOT NULL,
                    value TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    description TEXT,
                    scope TEXT NOT NULL,
                    status TEXT NOT NULL,
                    expiration_date INTEGER,
                    creation_date INTEGER NOT NULL,
                    last_updated INTEGER NOT NULL,
                    creator_id TEXT NOT NULL,
                    creator_type TEXT NOT NULL,
                    creator_name TEXT NOT NULL,
                    default_role TEXT,
                    org_roles TEXT
                );
                """)
        }
        migrator.registerMigration("box-memberships") { db in
            try db.execute(sql: """
                CREATE TABLE box_user (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    login TEXT UNIQUE COLLATE NOCASE,
                    role TEXT NOT NULL,
                    status TEXT NOT NULL,
                    attributes TEXT NOT NULL DEFAULT '{}',
                    created_at INTEGER NOT NULL,
                    modified_at INTEGER NOT NULL
                );
                CREATE TABLE box_group (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    group_type TEXT NOT NULL,
                    attributes TEXT NOT NULL DEFAULT '{}',
                    created_at INTEGER NOT NULL,
                    modified_at INTEGER NOT NULL
                );
                CREATE TABLE box_membership (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    user_id TEXT NOT NULL REFERENCES box_user(id) ON DELETE CASCADE,
                    group_id TEXT NOT NULL REFERENCES box_group(id) ON DELETE CASCADE,
                    role TEXT NOT NULL,
                    configurable_permissions TEXT,
                    created_at INTEGER NOT NULL,
                    modified_at INTEGER NOT NULL,
                    UNIQUE (user_id, group_id)
                );
                CREATE INDEX box_membership_group ON box_membership(group_id, seq);
                CREATE TABLE box_token (token TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES box_user(id) ON DELETE CASCADE);
                """)
        }
        // OAuth access tokens expire (epoch ms); the fixed tokens never do (NULL).
        migrator.registerMigration("box-oauth") { db in
            try db.execute(sql: "ALTER TABLE box_token ADD COLUMN expires_at INTEGER")
        }
        return migrator
    }

    /// Revokes every Box OAuth access token, as an admin can in Box's console: the next request
    /// with one gets the 401 that makes a client renew.
    public func revokeBoxAppTokens() async throws {
        try await write { db in try db.execute(sql: "DELETE FROM box_token WHERE expires_at IS NOT NULL") }
    }

    /// A read runs on the calling thread, on a pooled reader: a hop to a database thread and
    /// back cost more than most requests' SQL. Every read is synchronous, so no reader is ever
    /// held across a suspension (GRDB's async read holds one while it awaits), and a thread
    /// waiting for a reader always sees one freed. Writes go through `GroupCommit`.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        // GRDB's `read` compiles BEGIN and COMMIT anew for every read; the same transaction
        // from cached statements (one snapshot for the whole body, as page cursors need).
        try db.unsafeRead { db in
            try db.cachedStatement(sql: "BEGIN DEFERRED TRANSACTION").execute()
            do {
                let value = try body(db)
                try db.cachedStatement(sql: "COMMIT").execute()
                return value
            } catch {
                try? db.cachedStatement(sql: "ROLLBACK").execute()
                throw error
            }
        }
    }

    /// Counted from the moment a write is asked for (so a read never trusts a state a pending
    /// write may change) until its batch has committed or failed.
    func beginWrite() { started.add(1, ordering: .sequentiallyConsistent) }
    func endWrite() { finished.add(1, ordering: .sequentiallyConsistent) }
}

extension String {
    /// Whether LIKE can match the text: SQLite reads a pattern only up to a NUL, so a term
    /// with one would match as its part before it (`query:%00` matched every member).
    /// Stored texts come from JSON and may hold one too; the term then matches nothing,
    /// which is nearer the truth than matching everything.
    var likeable: Bool { !utf8.contains(0) }

    /// The text as a literal inside a `LIKE ... ESCAPE '\'` pattern.
    var likeEscaped: String {
        var out = ""
        for c in self {
            if c == "%" || c == "_" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out
    }
}
