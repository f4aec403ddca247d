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
}

public enum SandboxSeed {
    /// Fixed timestamps keep every run identical.
    static let epoch: Int64 = 1_700_000_000_000

    public static let people: [SandboxPerson] = [
        SandboxPerson(first: "Ada", last: "Lovelace", email: "ada@example.com", ldRole: "admin", customRoles: [], teams: ["platform"], lastSeen: epoch + 86_400_000 * 30),
        SandboxPerson(first: "Grace", last: "Hopper", email: "grace@example.com", ldRole: "writer", customRoles: ["release-managers"], teams: ["platform"], lastSeen: epoch + 86_400_000 * 20),
        SandboxPerson(first: "Alan", last: "Turing", email: "alan@example.com", ldRole: "reader", customRoles: [], teams: [], lastSeen: epoch + 86_400_000 * 10),
        SandboxPerson(first: "Katherine", last: "Johnson", email: "katherine@example.com", ldRole: "writer", customRoles: ["flag-editors"], teams: ["platform"], lastSeen: epoch - 86_400_000 * 200),
        SandboxPerson(first: "Margaret", last: "Hamilton", email: "margaret@example.com", ldRole: "owner", customRoles: [], teams: [], lastSeen: epoch + 86_400_000 * 25),
        SandboxPerson(first: "Linus", last: "Torvalds", email: "linus@example.com", ldRole: "reader", customRoles: [], teams: [], lastSeen: nil),
    ]

    /// LaunchDarkly member ids: 24 hex digits, numbered.
    static func ldMemberID(_ n: Int) -> String {
        let hex = String(n, radix: 16)
        return "64b" + String(repeating: "0", count: 21 - hex.count) + hex
    }

    /// The fixed tokens of DESIGN's contract (loopback only).
    public static let ldAdminToken = "api-sandbox-admin"
    public static let ldReaderToken = "api-sandbox-reader"

    /// Seeds an empty store with the demo organisation plus `synthetic` generated people.
    public static func seed(_ store: SandboxStore, synthetic: Int = 0, ldTokens: (admin: String, reader: String) = (ldAdminToken, ldReaderToken)) throws {
        try store.db.write { db in
            if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sandbox_meta WHERE key = 'seeded'") == 1 { return }
            try db.execute(sql: "INSERT INTO ld_custom_role (key, name) VALUES ('release-managers', 'Release managers'), ('flag-editors', 'Flag editors')")
            try db.execute(sql: "INSERT INTO ld_team (key, name) VALUES ('platform', 'Platform')")
            let insert = try db.cachedStatement(sql: """
                INSERT INTO ld_member (id, email, first_name, last_name, role, custom_roles, pending_invite, verified, last_seen, creation_date)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for (i, p) in people.enumerated() {
                let id = ldMemberID(i + 1)
                let roles = String(decoding: try JSONEncoder().encode(p.customRoles), as: UTF8.self)
                try insert.execute(arguments: [id, p.email, p.first, p.last, p.ldRole, roles, p.lastSeen == nil, p.lastSeen != nil,
                                               p.lastSeen, epoch - Int64(people.count - i) * 86_400_000])
                for t in p.teams {
                    try db.execute(sql: "INSERT INTO ld_member_team (member_id, team_key) VALUES (?, ?)", arguments: [id, t])
                }
            }
            try db.execute(sql: "INSERT INTO ld_token (token, member_id) VALUES (?, ?), (?, ?)",
                           arguments: [ldTokens.admin, ldMemberID(1), ldTokens.reader, ldMemberID(3)])
            let roles = ["reader", "writer", "reader", "no_access"]
            for n in 0..<synthetic {
                let k = people.count + n + 1
                let lastSeen: Int64? = n % 7 == 0 ? nil : epoch - Int64(n % 400) * 86_400_000
                try insert.execute(arguments: [ldMemberID(k), "person\(n + 1)@example.com", "Person", "\(n + 1)", roles[n % roles.count], "[]",
                                               false, true, lastSeen, epoch + Int64(n)])
            }
            try db.execute(sql: "INSERT INTO sandbox_meta (key, value) VALUES ('seeded', '1')")
        }
    }
}
