import Foundation
import GRDB

/// Who a LaunchDarkly token belongs to.
struct LDCaller: Sendable {
    let id: String
    let role: String
    var isAdmin: Bool { role == "admin" || role == "owner" }
}

/// One invite of `POST /api/v2/members`, as the route read it.
struct LDInvite: Sendable {
    let email: String, first: String?, last: String?, role: String, customRoles: [String], teamKeys: [String], roleAttributes: [String: [String]]?
}

/// A page of the member list, as the store read it.
struct LDMemberPage: Sendable {
    let limit: Int
    let offset: Int
    let members: [LDMember]
    let total: Int
    /// The offset after this page (both come from the query, so they may add up past Int.max).
    var end: Int { offset.addingSaturated(limit) }
}

/// LaunchDarkly's data: every SQL statement of the member routes, as named operations. Each
/// runs in one read or one write that also checks the caller's token, so a request visits the
/// database once; the routes decode requests and encode answers around them.
struct LDStore: Sendable {
    let store: SandboxStore
    let cursors = PageCursors()

    // MARK: reads

    /// The member the token belongs to, in a read the operation is already making. Unknown: 401.
    static func caller(_ db: Database, _ credentials: Credentials) throws -> LDCaller {
        guard !credentials.token.isEmpty,
              let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT m.id, m.role FROM ld_token t JOIN ld_member m ON m.id = t.member_id WHERE t.token = ?"),
                                         arguments: [credentials.token])
        else { throw ldError(.unauthorized, "unauthorized", "Invalid access token") }
        return LDCaller(id: row[0], role: row[1])
    }

    /// The caller, in a read of its own (for operations that write next).
    func caller(_ credentials: Credentials) throws -> LDCaller {
        try store.read { db in try LDStore.caller(db, credentials) }
    }

    /// A page of members. `query` is the route's reading of the request, thrown only after the
    /// caller is known (an unknown token is a 401 before a bad query is a 400).
    func memberPage(_ credentials: Credentials, _ query: () throws -> (query: LDMemberQuery, limit: Int, offset: Int)) throws -> LDMemberPage {
        let cursors = cursors
        let generation = store.settledGeneration
        // One read answers the whole request (the token, the count, the page and its teams): a
        // walk makes thousands of requests, and each read has a cost of its own (a pooled
        // reader, a transaction). Reads run on the handler's thread (see SandboxStore.read).
        return try store.read { db throws -> LDMemberPage in
            _ = try LDStore.caller(db, credentials)
            let (query, limit, offset) = try query()
            // The token's lookup fixed this read's snapshot: the cursors may be used (and made)
            // only if that snapshot is the state they are keyed by.
            let settled = generation.flatMap { store.unchanged(since: $0) ? $0 : nil }
            // Walking the default order page by page seeks past the previous page's last row and
            // reuses its count, so each page costs the same however deep it is.
            // The count does not depend on the order: every sort of a filter shares it.
            let filterKey = query.filterKey
            let arguments = query.statementArguments
            let key = "\(filterKey)|\(query.order)"
            let cacheable = settled.flatMap { query.order == "seq" ? $0 : nil }
            let known = cacheable.flatMap { cursors.lookup(key, offset: offset, generation: $0) }
            let counted = known?.total ?? settled.flatMap { cursors.lookup(filterKey, offset: 0, generation: $0)?.total }
            let total = try counted ?? Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM ld_member \(query.whereSQL)"), arguments: arguments) ?? 0
            if counted == nil, let settled { cursors.remember(filterKey, generation: settled, total: total, nextOffset: 0, last: nil) }
            let rows: RowCursor
            if let after = known?.after {
                let condition = (query.whereSQL.isEmpty ? "WHERE" : query.whereSQL + " AND") + " seq > ?"
                rows = try Row.fetchCursor(db.cachedStatement(sql: "SELECT \(LDStore.columns), seq, \(LDStore.hasTeams) FROM ld_member \(condition) ORDER BY seq LIMIT ?"),
                                           arguments: arguments + [after, limit])
            } else {
                rows = try Row.fetchCursor(db.cachedStatement(sql: "SELECT \(LDStore.columns), seq, \(LDStore.hasTeams) FROM ld_member \(query.whereSQL) ORDER BY \(query.order) LIMIT ? OFFSET ?"),
                                           arguments: arguments + [limit, offset])
            }
            var members: [LDMember] = []
            members.reserveCapacity(min(limit, 1000))
            var last: Int64?
            var inTeams: [String] = []
            while let row = try rows.next() {
                members.append(LDMember(row: row))
                last = row[LDStore.columnCount]
                if row[LDStore.columnCount + 1] as Bool { inTeams.append(members[members.count - 1].id) }
            }
            // Most members are in no team: ask for the teams of those that are.
            let teams = try LDStore.teams(db, of: inTeams)
            for i in members.indices { members[i].teams = teams[members[i].id] ?? [] }
            if let cacheable {
                cursors.remember(key, generation: cacheable, total: total, nextOffset: offset.addingSaturated(limit), last: last)
            }
            return LDMemberPage(limit: limit, offset: offset, members: members, total: total)
        }
    }

    /// One member, `id` read as `me` for the caller. Unknown: 404 naming `id`. `request` reads
    /// the rest of the request once the caller is known (its 400 comes after the 401).
    func member(_ credentials: Credentials, _ id: String, _ request: () throws -> Void) throws -> LDMember {
        try store.read { db in
            let caller = try LDStore.caller(db, credentials)
            try request()
            guard let member = try LDStore.member(db, id: id == "me" ? caller.id : id) else {
                throw ldError(.notFound, "not_found", "Unknown member \(id)")
            }
            return member
        }
    }

    // MARK: writes (each after `caller` said who asks)

    /// Makes the invited members, all or none: an email already in the account, an unknown
    /// custom role or team refuses every one.
    func invite(_ invites: [LDInvite]) async throws -> [LDMember] {
        try await store.write { db -> [LDMember] in
            let existing = try String.fetchAll(db, sql: "SELECT email FROM ld_member WHERE email IN (\(Array(repeating: "?", count: invites.count).joined(separator: ",")))",
                                               arguments: StatementArguments(values: invites.map(\.email)))
            if !existing.isEmpty {
                throw VendorError(status: .badRequest, body: ["code": "email_already_exists_in_account", "message": "A member with this email address already exists in this account",
                                                              "invalid_emails": .array(existing.map { .string($0) })])
            }
            try LDStore.checkCustomRoles(db, invites.flatMap(\.customRoles))
            try LDStore.checkTeams(db, invites.flatMap(\.teamKeys))
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            var created: [LDMember] = []
            for invite in invites {
                let id = try LDStore.newMemberID(db)
                let roles = JSONValue(strings: invite.customRoles).text
                let attributes = invite.roleAttributes.map { JSONValue(lists: $0).text }
                try db.execute(sql: """
                    INSERT INTO ld_member (id, email, first_name, last_name, role, custom_roles, role_attributes, pending_invite, verified, creation_date)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 1, 0, ?)
                    """, arguments: [id, invite.email, invite.first, invite.last, invite.role, roles, attributes, now])
                for key in invite.teamKeys {
                    try db.execute(sql: "INSERT OR IGNORE INTO ld_member_team (member_id, team_key) SELECT ?, key FROM ld_team WHERE key = ?", arguments: [id, key])
                }
                created.append(try LDStore.member(db, id: id)!)
            }
            return created
        }
    }

    /// Changes a member's roles with `change` (which may refuse), checks its custom roles, saves.
    /// `shown` is the id as the request named it, for the 404.
    func updateRoles(of id: String, shown: String, _ change: @escaping @Sendable (inout LDMember) throws -> Void) async throws -> LDMember {
        try await store.write { db -> LDMember in
            guard var member = try LDStore.member(db, id: id) else { throw ldError(.notFound, "not_found", "Unknown member \(shown)") }
            try change(&member)
            try LDStore.checkCustomRoles(db, member.customRoles)
            try LDStore.saveRoles(db, member)
            return try LDStore.member(db, id: id)!
        }
    }

    /// Adds the member to the teams (known ones only; already in one: no change).
    func addTeams(of id: String, shown: String, _ keys: [String]) async throws -> LDMember {
        try await store.write { db -> LDMember in
            guard try LDStore.member(db, id: id) != nil else { throw ldError(.notFound, "not_found", "Unknown member \(shown)") }
            try LDStore.checkTeams(db, keys)
            for key in keys {
                try db.execute(sql: "INSERT OR IGNORE INTO ld_member_team (member_id, team_key) SELECT ?, key FROM ld_team WHERE key = ?", arguments: [id, key])
            }
            return try LDStore.member(db, id: id)!
        }
    }

    /// Deletes a member; the owner cannot be.
    func delete(_ id: String, shown: String) async throws {
        try await store.write { db in
            guard let member = try LDStore.member(db, id: id) else { throw ldError(.notFound, "not_found", "Unknown member \(shown)") }
            if member.role == "owner" {
                throw ldError(.forbidden, "forbidden", "the account owner cannot be deleted; transfer ownership first")
            }
            try db.execute(sql: "DELETE FROM ld_member WHERE id = ?", arguments: [id])
        }
    }

    /// Applies a semantic patch's instructions in one write: every custom role is checked
    /// first (an unknown one changes nothing); then each member is changed or refused on its
    /// own (the caller, the owner, an unknown id), and the refusals are the answer's `errors`.
    func semanticPatch(_ instructions: [LaunchDarkly.Instruction], by caller: LDCaller, filtersSelect: Bool) async throws -> (updated: [String], errors: [(String, String)]) {
        try await store.write { db -> (updated: [String], errors: [(String, String)]) in
            for instruction in instructions {
                switch instruction {
                case .customRoles(let values, _), .allCustomRoles(let values, _): try LDStore.checkCustomRoles(db, values)
                case .roles, .allRoles, .roleAttributes: break
                }
            }
            var updated: [String] = []
            // (A set beside the ordered list: `contains` on the list made a patch of the whole
            // account quadratic, while it held the only writer.)
            var seen = Set<String>()
            var errors: [(String, String)] = []
            var failed = Set<String>()
            for instruction in instructions {
                let targets: [String]
                switch instruction {
                case .roles(_, let ids), .customRoles(_, let ids), .roleAttributes(_, let ids): targets = ids
                case .allRoles(_, let f), .allCustomRoles(_, let f): targets = try LDStore.targets(db, f, select: filtersSelect)
                }
                for id in targets where !failed.contains(id) {
                    guard var member = try LDStore.member(db, id: id) else {
                        errors.append((id, "member not found")); failed.insert(id); continue
                    }
                    if id == caller.id {
                        errors.append((id, "you cannot modify your own role")); failed.insert(id); continue
                    }
                    if member.role == "owner" {
                        errors.append((id, "the account owner's role cannot be changed")); failed.insert(id); continue
                    }
                    switch instruction {
                    case .roles(let value, _), .allRoles(let value, _):
                        member.role = value
                        member.customRoles = []
                    case .customRoles(let values, _), .allCustomRoles(let values, _):
                        member.customRoles = values
                    case .roleAttributes(let value, _):
                        member.roleAttributes = value
                    }
                    try LDStore.saveRoles(db, member)
                    if seen.insert(id).inserted { updated.append(id) }
                }
            }
            return (updated.filter { !failed.contains($0) }, errors)
        }
    }

    // MARK: statements

    /// The stored columns, in the order `LDMember(row:)` reads them: rows are decoded by position
    /// because every page decodes hundreds, and GRDB's by-name lookup lowercases each name.
    static let columns = "id, email, first_name, last_name, role, custom_roles, role_attributes, pending_invite, verified, mfa, last_seen, creation_date, version"
    static let columnCount = 13
    /// A column for list queries: whether the member is in any team (one index probe).
    static let hasTeams = "EXISTS (SELECT 1 FROM ld_member_team WHERE member_id = ld_member.id)"

    static func member(_ db: Database, id: String) throws -> LDMember? {
        guard var m = try Row.fetchOne(db.cachedStatement(sql: "SELECT \(columns) FROM ld_member WHERE id = ?"), arguments: [id]).map(LDMember.init) else { return nil }
        m.teams = try teams(db, of: [id])[id] ?? []
        return m
    }

    // (Memberships take the team's own key, as found without case: `PLATFORM` and `platform`
    // are one team, joined once.)
    static func teams(_ db: Database, of ids: [String]) throws -> [String: [(key: String, name: String)]] {
        guard !ids.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        var out: [String: [(key: String, name: String)]] = [:]
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT mt.member_id, t.key, t.name FROM ld_member_team mt JOIN ld_team t ON t.key = mt.team_key
            WHERE mt.member_id IN (\(marks)) ORDER BY t.key
            """), arguments: StatementArguments(values: ids))
        while let row = try rows.next() {
            out[row[0], default: []].append((row[1], row[2]))
        }
        return out
    }

    /// Saves role, custom roles and role attributes (the only fields the API may change).
    static func saveRoles(_ db: Database, _ member: LDMember) throws {
        let roles = JSONValue(strings: member.customRoles).text
        let attributes = member.roleAttributes.map { JSONValue(lists: $0).text }
        try db.cachedStatement(sql: "UPDATE ld_member SET role = ?, custom_roles = ?, role_attributes = ?, version = version + 1 WHERE id = ?")
            .execute(arguments: [member.role, roles, attributes, member.id])
    }

    /// Member ids continue the seeded numbering: 24 hex digits. Past the highest number ever
    /// used (AUTOINCREMENT's record), not the highest left: a deleted member's id is never
    /// given again, so a retried DELETE or a stale PATCH cannot reach a new member.
    static func newMemberID(_ db: Database) throws -> String {
        let next = (try Int.fetchOne(db, sql: "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'ld_member'), 0) + 1")) ?? 1
        var id = SandboxSeed.ldMemberID(next)
        var bump = next
        while try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM ld_member WHERE id = ?)", arguments: [id]) == true {
            bump += 1
            id = SandboxSeed.ldMemberID(bump)
        }
        return id
    }

    static func checkCustomRoles(_ db: Database, _ keys: [String]) throws {
        for key in Set(keys) where try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM ld_custom_role WHERE key = ?)", arguments: [key]) != true {
            throw ldError(.badRequest, "invalid_request", "unknown custom role '\(key)'")
        }
    }

    static func checkTeams(_ db: Database, _ keys: [String]) throws {
        for key in Set(keys) where try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM ld_team WHERE key = ?)", arguments: [key]) != true {
            throw ldError(.badRequest, "invalid_request", "unknown team '\(key)'")
        }
    }

    /// The members a `replaceAll*` instruction touches. With `select` (the default) the filters
    /// choose the members; with `exclude` (the docs' literal wording) matching members are left out.
    static func targets(_ db: Database, _ f: LaunchDarkly.Filters, select: Bool) throws -> [String] {
        var q = LDMemberQuery()
        if let query = f.query { q.query(query) }
        if let roles = f.roles { q.roles(roles) }
        if let team = f.teamKey { q.team(team) }
        if let ls = f.lastSeen { try q.lastSeen(ls, source: "filterLastSeen") }
        if !select && !f.isEmpty {
            let matching = "(" + q.clauses.joined(separator: " AND ") + ")"
            q.clauses = ["NOT " + matching]
        }
        q.excluding(f.ignored)
        return try String.fetchAll(db, sql: "SELECT id FROM ld_member \(q.whereSQL) ORDER BY seq", arguments: q.statementArguments)
    }
}

extension LDMember {
    /// Decodes a row whose first columns are `LDStore.columns`.
    init(row: Row) {
        id = row[0]
        email = row[1]
        firstName = row[2]
        lastName = row[3]
        role = row[4]
        // The sandbox wrote these columns itself; JSONDecoder for each was a twentieth of a page.
        let roles: String = row[5]
        customRoles = roles == "[]" ? [] : JSONValue.parse(Data(roles.utf8))?.stringArray ?? []
        roleAttributes = (row[6] as String?).flatMap { JSONValue.parse(Data($0.utf8))?.object?.compactMapValues(\.stringArray) }
        pendingInvite = row[7]
        verified = row[8]
        mfa = row[9]
        lastSeen = row[10]
        creationDate = row[11]
        version = row[12]
        teams = []
    }
}
