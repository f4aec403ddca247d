import Foundation
import GRDB

/// One consistent demo organisation: the same people appear in every service. Deterministic.
public struct SandboxPerson: Sendable {
    public let first: String
    public let last: String
    public let email: String
    public let ldRole: String
    public let customRoles: [String]
    public let teams: [String]
    public let lastSeen: Int64?
    /// Enterprise role in Box (admin, coadmin or user) and the groups they are in, with their role there.
    public let boxRole: String
    public let boxGroups: [(group: String, role: String)]
}

/// The tokens a sandbox answers to: the fixed ones of DESIGN's contract on loopback, fresh
/// random ones anywhere else.
public struct SandboxTokens: Sendable {
    public var ldAdmin = "api-sandbox-admin"
    public var ldReader = "api-sandbox-reader"
    public var losantAll = "losant-sandbox-all"
    public var losantRead = "losant-sandbox-read"
    public var boxAdmin = "box-sandbox-admin"
    public var boxUser = "box-sandbox-user"
    /// The Box app's client secret (Client Credentials and JWT grants): a token in all but name.
    public var boxClientSecret = "sandbox-client-secret"

    public static let fixed = SandboxTokens()

    /// As the database keeps them (the client secret is the server's, not the database's).
    var stored: String { [ldAdmin, ldReader, losantAll, losantRead, boxAdmin, boxUser].joined(separator: "\n") }

    init?(stored: String) {
        let parts = stored.split(separator: "\n").map(String.init)
        guard parts.count == 6 else { return nil }
        (ldAdmin, ldReader, losantAll, losantRead, boxAdmin, boxUser) = (parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])
    }

    init(ldAdmin: String = "api-sandbox-admin", ldReader: String = "api-sandbox-reader", losantAll: String = "losant-sandbox-all",
         losantRead: String = "losant-sandbox-read", boxAdmin: String = "box-sandbox-admin", boxUser: String = "box-sandbox-user",
         boxClientSecret: String = "sandbox-client-secret") {
        (self.ldAdmin, self.ldReader, self.losantAll, self.losantRead, self.boxAdmin, self.boxUser, self.boxClientSecret) =
            (ldAdmin, ldReader, losantAll, losantRead, boxAdmin, boxUser, boxClientSecret)
    }

    public static func random() -> SandboxTokens {
        func fresh(_ prefix: String) -> String { prefix + UUID().uuidString.lowercased() }
        return SandboxTokens(ldAdmin: fresh("api-"), ldReader: fresh("api-"), losantAll: fresh("losant-"), losantRead: fresh("losant-"),
                             boxAdmin: fresh("box-"), boxUser: fresh("box-"), boxClientSecret: fresh("box-secret-"))
    }

    /// As `roster serve` prints them off loopback.
    public var listing: String {
        """
        launchdarkly admin token: \(ldAdmin)
        launchdarkly reader token: \(ldReader)
        losant all.Instance token: \(losantAll)
        losant all.Instance.read token: \(losantRead)
        box admin token: \(boxAdmin)
        box user token: \(boxUser)
        box app client secret: \(boxClientSecret)

        """
    }
}

public enum SandboxSeed {
    /// Fixed timestamps keep every run identical.
    static let epoch: Int64 = 1_700_000_000_000
    static let day: Int64 = 86_400_000

    public static let people: [SandboxPerson] = [
        SandboxPerson(first: "Ada", last: "Lovelace", email: "ada@example.com", ldRole: "admin", customRoles: [], teams: ["platform"],
                      lastSeen: epoch + day * 30, boxRole: "admin", boxGroups: [("Engineering", "admin")]),
        SandboxPerson(first: "Grace", last: "Hopper", email: "grace@example.com", ldRole: "writer", customRoles: ["release-managers"], teams: ["platform"],
                      lastSeen: epoch + day * 20, boxRole: "user", boxGroups: [("Engineering", "member")]),
        SandboxPerson(first: "Alan", last: "Turing", email: "alan@example.com", ldRole: "reader", customRoles: [], teams: [],
                      lastSeen: epoch + day * 10, boxRole: "user", boxGroups: [("Engineering", "member"), ("Support", "member")]),
        SandboxPerson(first: "Katherine", last: "Johnson", email: "katherine@example.com", ldRole: "writer", customRoles: ["flag-editors"], teams: ["platform"],
                      lastSeen: epoch - day * 200, boxRole: "user", boxGroups: [("Support", "admin")]),
        SandboxPerson(first: "Margaret", last: "Hamilton", email: "margaret@example.com", ldRole: "owner", customRoles: [], teams: [],
                      lastSeen: epoch + day * 25, boxRole: "coadmin", boxGroups: [("Support", "member")]),
        SandboxPerson(first: "Linus", last: "Torvalds", email: "linus@example.com", ldRole: "reader", customRoles: [], teams: [],
                      lastSeen: nil, boxRole: "user", boxGroups: []),
    ]

    /// Box groups: name and description. Members may see who else is in them.
    static let boxGroups = [("Engineering", "Everyone who builds the product"), ("Support", "Customer support")]

    /// LaunchDarkly member ids: 24 hex digits, numbered.
    static func ldMemberID(_ n: Int) -> String {
        let hex = String(n, radix: 16)
        return "64b" + String(repeating: "0", count: 21 - hex.count) + hex
    }

    /// The fixed tokens of DESIGN's contract (loopback only).
    public static let ldAdminToken = SandboxTokens.fixed.ldAdmin
    public static let ldReaderToken = SandboxTokens.fixed.ldReader

    /// Seeds an empty store with the demo organisation plus `synthetic` generated people
    /// (each a LaunchDarkly member and a Box user). A store already seeded is left alone.
    public static func seed(_ store: SandboxStore, synthetic: Int = 0, tokens: SandboxTokens = .fixed) throws {
        try store.db.write { db in
            if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sandbox_meta WHERE key = 'seeded'") == 1 {
                try useTokens(db, tokens)
                return
            }
            try seedLaunchDarkly(db, tokens)
            try seedBox(db, tokens)
            try seedLosant(db, tokens)
            try seedSynthetic(db, synthetic)
            try db.execute(sql: "INSERT INTO sandbox_meta (key, value) VALUES ('seeded', '1')")
            try db.execute(sql: "INSERT OR REPLACE INTO sandbox_meta (key, value) VALUES ('tokens', ?)", arguments: [tokens.stored])
        }
    }

    /// A database seeded before answers to this start's tokens, and no longer to the last
    /// one's: served off loopback, the fixed tokens (public knowledge) must not open it, and the
    /// fresh ones printed must.
    static func useTokens(_ db: Database, _ tokens: SandboxTokens) throws {
        let old = try String.fetchOne(db, sql: "SELECT value FROM sandbox_meta WHERE key = 'tokens'").flatMap(SandboxTokens.init(stored:)) ?? .fixed
        guard old.stored != tokens.stored else { return }
        // Back to the public fixed tokens only by choice: a server off loopback may still be
        // serving this database with its own, and the fixed ones would open it to anyone.
        if tokens.stored == SandboxTokens.fixed.stored {
            throw SandboxOptionError("this sandbox database was last served off loopback, with tokens of its own: the public fixed tokens do not open it; use another database here, or serve it off loopback again")
        }
        for (was, now) in [(old.ldAdmin, tokens.ldAdmin), (old.ldReader, tokens.ldReader)] {
            try db.execute(sql: "UPDATE ld_token SET token = ? WHERE token = ?", arguments: [now, was])
        }
        for (was, now) in [(old.boxAdmin, tokens.boxAdmin), (old.boxUser, tokens.boxUser)] {
            try db.execute(sql: "UPDATE box_token SET token = ? WHERE token = ?", arguments: [now, was])
        }
        for (was, now) in [(old.losantAll, tokens.losantAll), (old.losantRead, tokens.losantRead)] {
            try db.execute(sql: "UPDATE losant_token SET value = ? WHERE value = ?", arguments: [now, was])
        }
        try db.execute(sql: "INSERT OR REPLACE INTO sandbox_meta (key, value) VALUES ('tokens', ?)", arguments: [tokens.stored])
    }

    static let ldInsert = """
        INSERT INTO ld_member (id, email, first_name, last_name, role, custom_roles, pending_invite, verified, last_seen, creation_date)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    static let boxUserInsert = "INSERT INTO box_user (seq, id, name, login, role, status, created_at, modified_at) VALUES (?, ?, ?, ?, ?, 'active', ?, ?)"

    static func seedLaunchDarkly(_ db: Database, _ tokens: SandboxTokens) throws {
        try db.execute(sql: "INSERT INTO ld_custom_role (key, name) VALUES ('release-managers', 'Release managers'), ('flag-editors', 'Flag editors')")
        try db.execute(sql: "INSERT INTO ld_team (key, name) VALUES ('platform', 'Platform')")
        let insert = try db.cachedStatement(sql: ldInsert)
        for (i, p) in people.enumerated() {
            let id = ldMemberID(i + 1)
            let roles = JSONValue(strings: p.customRoles).text
            try insert.execute(arguments: [id, p.email, p.first, p.last, p.ldRole, roles, p.lastSeen == nil, p.lastSeen != nil,
                                           p.lastSeen, epoch - Int64(people.count - i) * day])
            for t in p.teams {
                try db.execute(sql: "INSERT INTO ld_member_team (member_id, team_key) VALUES (?, ?)", arguments: [id, t])
            }
        }
        try db.execute(sql: "INSERT INTO ld_token (token, member_id) VALUES (?, ?), (?, ?)",
                       arguments: [tokens.ldAdmin, ldMemberID(1), tokens.ldReader, ldMemberID(3)])
    }

    static func seedBox(_ db: Database, _ tokens: SandboxTokens) throws {
        for (i, g) in boxGroups.enumerated() {
            let attributes = #"{"description": "\#(g.1)", "member_viewability_level": "admins_and_members"}"#
            try db.execute(sql: "INSERT INTO box_group (seq, id, name, group_type, attributes, created_at, modified_at) VALUES (?, ?, ?, 'managed_group', ?, ?, ?)",
                           arguments: [i + 1, BoxRecords.groupID(Int64(i + 1)), g.0, attributes, epoch - 400 * day, epoch - 400 * day])
        }
        let insert = try db.cachedStatement(sql: boxUserInsert)
        var membership: Int64 = 0
        for (i, p) in people.enumerated() {
            let seq = Int64(i + 1), created = epoch - Int64(people.count - i) * day
            try insert.execute(arguments: [seq, BoxRecords.userID(seq), "\(p.first) \(p.last)", p.email, p.boxRole, created, created])
            for (group, role) in p.boxGroups {
                membership += 1
                let groupSeq = Int64(boxGroups.firstIndex { $0.0 == group }! + 1)
                try db.execute(sql: """
                    INSERT INTO box_membership (seq, id, user_id, group_id, role, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [membership, BoxRecords.membershipID(membership), BoxRecords.userID(seq), BoxRecords.groupID(groupSeq), role, created, created])
            }
        }
        // The admin token is Ada (enterprise admin); the user token is Alan (a regular user).
        try db.execute(sql: "INSERT INTO box_token (token, user_id) VALUES (?, ?), (?, ?)",
                       arguments: [tokens.boxAdmin, BoxRecords.userID(1), tokens.boxUser, BoxRecords.userID(3)])
    }

    /// The Losant instance's tokens: the two of the contract, plus a CI token, an inactive one
    /// and an expired one, so listing, filtering and rotation have something to find.
    static func seedLosant(_ db: Database, _ tokens: SandboxTokens) throws {
        let rows: [(name: String, value: String, scope: String, status: String, expires: Int64?, created: Int64)] = [
            ("sandbox-all", tokens.losantAll, #"["all.Instance"]"#, "active", nil, epoch - 300 * day),
            ("sandbox-read", tokens.losantRead, #"["all.Instance.read"]"#, "active", nil, epoch - 300 * day),
            ("ci-deploy", "losant-seed-ci-deploy", #"["instanceApiTokens.get","instanceApiToken.get"]"#, "active", epoch + 3650 * day, epoch - 120 * day),
            ("legacy-export", "losant-seed-legacy-export", #"["all.Instance.read"]"#, "inactive", nil, epoch - 700 * day),
            ("old-integration", "losant-seed-old-integration", #"["all.Instance"]"#, "active", epoch - 30 * day, epoch - 400 * day),
        ]
        for (i, t) in rows.enumerated() {
            try db.execute(sql: """
                INSERT INTO losant_token (seq, id, instance_id, value, name, scope, status, expiration_date, creation_date, last_updated,
                                          creator_id, creator_type, creator_name)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '5e0000000000000000000001', 'user', 'ada@example.com')
                """, arguments: [i + 1, LosantToken.id(i + 1), Losant.instanceID, t.value, t.name, t.scope, t.status, t.expires, t.created, t.created])
        }
    }

    /// `--seed N`: person k is a LaunchDarkly member and a Box user, with roles and last-seen
    /// dates spread so filters have work to do.
    static func seedSynthetic(_ db: Database, _ count: Int) throws {
        let ld = try db.cachedStatement(sql: ldInsert)
        let box = try db.cachedStatement(sql: boxUserInsert)
        let roles = ["reader", "writer", "reader", "no_access"]
        for n in 0..<count {
            let k = people.count + n + 1
            let lastSeen: Int64? = n % 7 == 0 ? nil : epoch - Int64(n % 400) * day
            let email = "person\(n + 1)@example.com", created = epoch + Int64(n)
            try ld.execute(arguments: [ldMemberID(k), email, "Person", "\(n + 1)", roles[n % roles.count], "[]", false, true, lastSeen, created])
            try box.execute(arguments: [k, BoxRecords.userID(Int64(k)), "Person \(n + 1)", email, "user", created, created])
        }
    }
}
