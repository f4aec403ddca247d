import Foundation
import GRDB

/// Who a Box token acts as (its user, or whom an admin's `As-User` names).
struct BoxCaller: Sendable {
    let id: String
    let role: String
    /// Enterprise admins and co-admins have "admin-level permissions".
    var isAdmin: Bool { role == "admin" || role == "coadmin" }
}

/// What a user listing asks for.
struct BoxUserFilter: Sendable {
    /// A prefix of the name or login.
    var term: String?
    /// `user_type=external`: the sandbox has only managed users, so none.
    var externalOnly = false
    var externalAppUserID: String?
}

/// Box's data: every SQL statement of the user, group, membership and token routes, as named
/// operations. Users, groups and memberships come back as the records `BoxRecords` makes of
/// their rows; the routes shape them (`fields`) and answer.
struct BoxStore: Sendable {
    let store: SandboxStore

    // MARK: the caller

    /// The caller, in a read or write the operation is already making; an admin may act as
    /// another user with `As-User`.
    static func caller(_ db: Database, _ credentials: Credentials) throws -> BoxCaller {
        let caller = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT u.id, u.role FROM box_token t JOIN box_user u ON u.id = t.user_id
            WHERE t.token = ? AND (t.expires_at IS NULL OR t.expires_at > ?)
            """), arguments: [credentials.token, Timestamps.now()])
            .map { BoxCaller(id: $0[0], role: $0[1]) }
        guard let caller else {
            // Box's answer to an unknown or expired token; the SDKs renew on it.
            var e = Box.error(.unauthorized, "Unauthorized", code: "invalid_token")
            e.headers[.wwwAuthenticate] = #"Bearer realm="Service", error="invalid_token", error_description="The access token provided is invalid.""#
            throw e
        }
        guard let asUser = credentials.asUser else { return caller }
        guard caller.isAdmin else { throw Box.error(.forbidden, "As-User is only allowed for admins", code: "access_denied_insufficient_permissions") }
        guard let impersonated = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, role FROM box_user WHERE id = ?"), arguments: [asUser])
            .map({ BoxCaller(id: $0[0], role: $0[1]) })
        else { throw Box.invalidParameter("As-User", "As-User names no user: '\(asUser)'") }
        return impersonated
    }

    /// The caller, in a read of its own (operations that read more check it inside their read).
    func caller(_ credentials: Credentials) throws -> BoxCaller {
        try store.read { db in try BoxStore.caller(db, credentials) }
    }

    // MARK: memberships

    /// A user's groups, written as the collection's JSON: the user, or anyone with admin-level
    /// permissions. One read answers it; `page` reads the query once the caller is known.
    func userMemberships(_ credentials: Credentials, user id: String, _ page: () throws -> Box.Page) throws -> [UInt8] {
        try store.read { db -> [UInt8] in
            let caller = try BoxStore.caller(db, credentials)
            let target = id == "me" ? caller.id : id
            guard try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM box_user WHERE id = ?)"), arguments: [target]) == true else {
                throw Box.notFound("User", "user_id", id)
            }
            guard caller.isAdmin || caller.id == target else { throw Box.denied }
            return try BoxStore.membershipPage(db, try page(), "m.user_id = ?", target)
        }
    }

    /// A group's members, written as the collection's JSON: admins, or whoever the group's
    /// `member_viewability_level` lets see them. One read answers it.
    func groupMemberships(_ credentials: Credentials, group id: String, _ page: () throws -> Box.Page) throws -> [UInt8] {
        try store.read { db -> [UInt8] in
            let caller = try BoxStore.caller(db, credentials)
            guard let attributes = try String.fetchOne(db.cachedStatement(sql: "SELECT attributes FROM box_group WHERE id = ?"), arguments: [id]) else {
                throw Box.notFound("Group", "group_id", id)
            }
            if !caller.isAdmin {
                let level = JSONValue.parse(Data(attributes.utf8))?["member_viewability_level"]?.string ?? "admins_only"
                let role = try String.fetchOne(db.cachedStatement(sql: "SELECT role FROM box_membership WHERE group_id = ? AND user_id = ?"),
                                               arguments: [id, caller.id])
                let allowed = role == "admin" || (level == "admins_and_members" && role != nil) || level == "all_managed_users"
                guard allowed else { throw Box.denied }
            }
            return try BoxStore.membershipPage(db, try page(), "m.group_id = ?", id)
        }
    }

    /// A page of memberships matching `condition`, written as the collection's JSON inside the
    /// read that checked the caller (list routes take no `fields`).
    static func membershipPage(_ db: Database, _ page: Box.Page, _ condition: String, _ argument: String) throws -> [UInt8] {
        let total = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM box_membership m WHERE \(condition)"), arguments: [argument]) ?? 0
        let rows = try Row.fetchCursor(db.cachedStatement(sql: BoxRecords.membershipSelect + " WHERE \(condition) ORDER BY m.seq LIMIT ? OFFSET ?"),
                                       arguments: [argument, page.limit, page.offset])
        var out: [UInt8] = []
        out.reserveCapacity(512 + 420 * min(page.limit, max(total - page.offset, 0)))
        try Box.writeCollection(total: total, page: page, by: "type", to: &out) { out in
            var first = true
            while let row = try rows.next() {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                BoxRecords.writeMembership(row, to: &out)
            }
        }
        return out
    }

    /// Adds a user to a group, checking the caller inside the write (onboarding's hot path: a
    /// read of its own cost as much as the insert). `asked` is the route's reading of the body,
    /// thrown only after the caller is known and `authorize` let it in.
    func addMembership(_ credentials: Credentials, authorize: @escaping @Sendable (BoxCaller) throws -> Void,
                       _ asked: Result<Box.NewMembership, any Error>) async throws -> [String: JSONValue] {
        try await store.write { db -> [String: JSONValue] in
            try authorize(try BoxStore.caller(db, credentials))
            let new = try asked.get()
            let (userID, groupID, role, permissions) = (new.userID, new.groupID, new.role, new.permissions)
            // Statements are prepared once per connection: onboarding sends thousands of these.
            guard try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM box_user WHERE id = ?)"), arguments: [userID]) == true else {
                throw Box.notFound("User", "user.id", userID)
            }
            guard try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM box_group WHERE id = ?)"), arguments: [groupID]) == true else {
                throw Box.notFound("Group", "group.id", groupID)
            }
            if let existing = try String.fetchOne(db.cachedStatement(sql: "SELECT id FROM box_membership WHERE user_id = ? AND group_id = ?"),
                                                  arguments: [userID, groupID]) {
                // The code for a duplicate membership is undocumented; 409 conflict, naming the one that exists.
                throw Box.error(.conflict, "User is already a member of this group", code: "conflict",
                                context: ["conflicts": [["type": "group_membership", "id": .string(existing)]]])
            }
            let now = Timestamps.now()
            try db.cachedStatement(sql: """
                INSERT INTO box_membership (id, user_id, group_id, role, configurable_permissions, created_at, modified_at)
                VALUES ('', ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [userID, groupID, role ?? "member", permissions ?? nil, now, now])
            let id = BoxRecords.membershipID(db.lastInsertedRowID)
            try db.cachedStatement(sql: "UPDATE box_membership SET id = ? WHERE seq = ?").execute(arguments: [id, db.lastInsertedRowID])
            return BoxRecords.membership(try BoxStore.membershipRow(db, id: id)!)
        }
    }

    /// One membership, if the caller administers its group or the enterprise.
    static func administeredMembership(_ db: Database, _ id: String, _ caller: BoxCaller) throws -> Row {
        guard let row = try membershipRow(db, id: id) else { throw Box.notFound("Group membership", "group_membership_id", id) }
        if caller.isAdmin { return row }
        let role = try String.fetchOne(db, sql: "SELECT role FROM box_membership WHERE group_id = ? AND user_id = ?",
                                       arguments: [row["group_id"] as String, caller.id])
        guard role == "admin" else { throw Box.denied }
        return row
    }

    func membership(_ id: String, for caller: BoxCaller) throws -> [String: JSONValue] {
        try store.read { db in BoxRecords.membership(try BoxStore.administeredMembership(db, id, caller)) }
    }

    /// Changes a membership's role and, when `permissions` is given, its configurable
    /// permissions (`.some(nil)`: none stored).
    func updateMembership(_ id: String, for caller: BoxCaller, role: String?, permissions: String??) async throws -> [String: JSONValue] {
        try await store.write { db -> [String: JSONValue] in
            _ = try BoxStore.administeredMembership(db, id, caller)
            if role != nil || permissions != nil {
                try db.execute(sql: """
                    UPDATE box_membership SET role = COALESCE(?, role),
                        configurable_permissions = CASE WHEN ? THEN ? ELSE configurable_permissions END, modified_at = ?
                    WHERE id = ?
                    """, arguments: [role, permissions != nil, permissions ?? nil, Timestamps.now(), id])
            }
            return BoxRecords.membership(try BoxStore.membershipRow(db, id: id)!)
        }
    }

    func removeMembership(_ id: String, for caller: BoxCaller) async throws {
        try await store.write { db in
            _ = try BoxStore.administeredMembership(db, id, caller)
            try db.execute(sql: "DELETE FROM box_membership WHERE id = ?", arguments: [id])
        }
    }

    static func membershipRow(_ db: Database, id: String) throws -> Row? {
        try Row.fetchOne(db.cachedStatement(sql: BoxRecords.membershipSelect + " WHERE m.id = ?"), arguments: [id])
    }

    // MARK: users

    private static func userWhere(_ filter: BoxUserFilter) -> (sql: String, arguments: StatementArguments) {
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let term = filter.term, !term.isEmpty {
            conditions.append(term.likeable ? "(name LIKE ? ESCAPE '\\' OR login LIKE ? ESCAPE '\\')" : "0 AND ? AND ?")
            let prefix = term.likeEscaped + "%"
            arguments += [prefix, prefix]
        }
        if filter.externalOnly { conditions.append("0") }
        if let external = filter.externalAppUserID {
            conditions.append("json_extract(attributes, '$.external_app_user_id') = ?")
            arguments += [external]
        }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), arguments)
    }

    /// An offset page of users in creation order, and how many match in all.
    func userPage(_ filter: BoxUserFilter, _ page: Box.Page) throws -> (users: [[String: JSONValue]], total: Int) {
        let (whereSQL, arguments) = BoxStore.userWhere(filter)
        return try offsetPage("box_user", columns: BoxRecords.userColumns, whereSQL, arguments, page, BoxRecords.user)
    }

    /// A marker page of users: those after `after` (a position), at most `limit`; the last one's
    /// position, and whether more follow.
    func userMarkerPage(_ filter: BoxUserFilter, after: Int64, limit: Int) throws -> (users: [[String: JSONValue]], last: Int64?, more: Bool) {
        let (whereSQL, arguments) = BoxStore.userWhere(filter)
        let condition = (whereSQL.isEmpty ? "WHERE " : whereSQL + " AND ") + "seq > ?"
        return try store.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT seq, \(BoxRecords.userColumns) FROM box_user \(condition) ORDER BY seq LIMIT ?",
                                        arguments: arguments + [after, limit.addingSaturated(1)])
            let page = rows.prefix(limit)
            return (page.map(BoxRecords.user), page.last.map { $0["seq"] as Int64 }, rows.count > limit)
        }
    }

    /// One offset page of a table's rows in creation order, as records, and how many match.
    private func offsetPage(_ table: String, columns: String, _ whereSQL: String, _ arguments: StatementArguments, _ page: Box.Page,
                            _ record: @escaping @Sendable (Row) -> [String: JSONValue]) throws -> ([[String: JSONValue]], Int) {
        try store.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) \(whereSQL)", arguments: arguments) ?? 0
            let rows = try Row.fetchAll(db, sql: "SELECT \(columns) FROM \(table) \(whereSQL) ORDER BY seq LIMIT ? OFFSET ?",
                                        arguments: arguments + [page.limit, page.offset])
            return (rows.map(record), total)
        }
    }

    func user(_ id: String) throws -> [String: JSONValue]? {
        try store.read { db in try BoxStore.user(db, id) }
    }

    static func user(_ db: Database, _ id: String) throws -> [String: JSONValue]? {
        try Row.fetchOne(db, sql: "SELECT \(BoxRecords.userColumns) FROM box_user WHERE id = ?", arguments: [id]).map(BoxRecords.user)
    }

    /// A new user; a login already taken is a 409. `login` nil: an app user.
    func createUser(name: String, login: String?, role: String, status: String, attributes: [String: JSONValue]) async throws -> [String: JSONValue] {
        let json = JSONValue.object(attributes).text
        return try await store.write { db -> [String: JSONValue] in
            if let login, try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM box_user WHERE login = ?)", arguments: [login]) == true {
                throw Box.error(.conflict, "User with the specified login already exists", code: "user_login_already_used")
            }
            let now = Timestamps.now()
            try db.execute(sql: "INSERT INTO box_user (id, name, login, role, status, attributes, created_at, modified_at) VALUES ('', ?, ?, ?, ?, ?, ?, ?)",
                           arguments: [name, login, role, status, json, now, now])
            let id = BoxRecords.userID(db.lastInsertedRowID)
            try db.execute(sql: "UPDATE box_user SET id = ? WHERE seq = ?", arguments: [id, db.lastInsertedRowID])
            return try BoxStore.user(db, id)!
        }
    }

    /// Changes what is given (nil: unchanged); `changes` are merged into the kept attributes.
    /// The primary admin's role cannot change; a login another user has is a 409.
    func updateUser(_ id: String, name: String?, login: String?, role: String?, status: String?, changes: [String: JSONValue]) async throws -> [String: JSONValue] {
        try await store.write { db -> [String: JSONValue] in
            guard let row = try Row.fetchOne(db, sql: "SELECT \(BoxRecords.userColumns) FROM box_user WHERE id = ?", arguments: [id]) else {
                throw Box.notFound("User", "user_id", id)
            }
            if role != nil, row["role"] as String == "admin" {
                throw Box.error(.forbidden, "The primary admin's role cannot be changed", code: "access_denied_insufficient_permissions")
            }
            if let login, try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM box_user WHERE login = ? AND id <> ?)", arguments: [login, id]) == true {
                throw Box.error(.conflict, "User with the specified login already exists", code: "user_login_already_used")
            }
            var attributes = JSONValue.parse(Data((row["attributes"] as String).utf8))?.object ?? [:]
            attributes.merge(changes) { $1 }
            try db.execute(sql: """
                UPDATE box_user SET name = COALESCE(?, name), login = COALESCE(?, login), role = COALESCE(?, role),
                    status = COALESCE(?, status), attributes = ?, modified_at = ? WHERE id = ?
                """, arguments: [name, login, role, status, JSONValue.object(attributes).text, Timestamps.now(), id])
            return try BoxStore.user(db, id)!
        }
    }

    /// Deletes a user with its memberships and tokens; the primary admin cannot be.
    func deleteUser(_ id: String) async throws {
        try await store.write { db in
            guard let role = try String.fetchOne(db, sql: "SELECT role FROM box_user WHERE id = ?", arguments: [id]) else {
                throw Box.notFound("User", "user_id", id)
            }
            guard role != "admin" else {
                throw Box.error(.forbidden, "The enterprise's primary admin cannot be deleted", code: "access_denied_insufficient_permissions")
            }
            // Memberships and tokens go with the user (foreign keys ON DELETE CASCADE).
            try db.execute(sql: "DELETE FROM box_user WHERE id = ?", arguments: [id])
        }
    }

    // MARK: groups

    /// An offset page of groups whose name starts with `term`, and how many match.
    func groupPage(term: String?, _ page: Box.Page) throws -> (groups: [[String: JSONValue]], total: Int) {
        var whereSQL = ""
        var arguments = StatementArguments()
        if let term, !term.isEmpty {
            whereSQL = term.likeable ? "WHERE name LIKE ? ESCAPE '\\'" : "WHERE 0 AND ?"
            arguments = [term.likeEscaped + "%"]
        }
        return try offsetPage("box_group", columns: BoxRecords.groupColumns, whereSQL, arguments, page, BoxRecords.group)
    }

    /// A group, and whether `user` is in it.
    func group(_ id: String, member user: String) throws -> (group: [String: JSONValue]?, isMember: Bool) {
        try store.read { db in
            let group = try BoxStore.group(db, id)
            let member = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM box_membership WHERE group_id = ? AND user_id = ?)", arguments: [id, user]) ?? false
            return (group, member)
        }
    }

    static func group(_ db: Database, _ id: String) throws -> [String: JSONValue]? {
        try Row.fetchOne(db, sql: "SELECT \(BoxRecords.groupColumns) FROM box_group WHERE id = ?", arguments: [id]).map(BoxRecords.group)
    }

    /// The 409 for a name another group has, naming that group.
    private static func nameTaken(_ db: Database, _ name: String, except id: String = "") throws {
        guard let existing = try Row.fetchOne(db, sql: "SELECT \(BoxRecords.groupColumns) FROM box_group WHERE name = ? AND id <> ?", arguments: [name, id]) else { return }
        throw Box.error(.conflict, "Group with the specified name already exists", code: "conflict", context: [
            "conflicts": [BoxRecords.shape(BoxRecords.group(existing), mini: BoxRecords.groupMini, standard: BoxRecords.groupMini, fields: nil)],
        ])
    }

    func createGroup(name: String, attributes: [String: JSONValue]) async throws -> [String: JSONValue] {
        let json = JSONValue.object(attributes).text
        return try await store.write { db -> [String: JSONValue] in
            try BoxStore.nameTaken(db, name)
            let now = Timestamps.now()
            try db.execute(sql: "INSERT INTO box_group (id, name, group_type, attributes, created_at, modified_at) VALUES ('', ?, 'managed_group', ?, ?, ?)",
                           arguments: [name, json, now, now])
            let id = BoxRecords.groupID(db.lastInsertedRowID)
            try db.execute(sql: "UPDATE box_group SET id = ? WHERE seq = ?", arguments: [id, db.lastInsertedRowID])
            return try BoxStore.group(db, id)!
        }
    }

    /// Renames (nil: not) and merges `changes` into the kept attributes.
    func updateGroup(_ id: String, name: String?, changes: [String: JSONValue]) async throws -> [String: JSONValue] {
        try await store.write { db -> [String: JSONValue] in
            guard let row = try Row.fetchOne(db, sql: "SELECT \(BoxRecords.groupColumns) FROM box_group WHERE id = ?", arguments: [id]) else {
                throw Box.notFound("Group", "group_id", id)
            }
            if let name { try BoxStore.nameTaken(db, name, except: id) }
            var attributes = JSONValue.parse(Data((row["attributes"] as String).utf8))?.object ?? [:]
            attributes.merge(changes) { $1 }
            try db.execute(sql: "UPDATE box_group SET name = COALESCE(?, name), attributes = ?, modified_at = ? WHERE id = ?",
                           arguments: [name, JSONValue.object(attributes).text, Timestamps.now(), id])
            return try BoxStore.group(db, id)!
        }
    }

    /// Deletes a group with its memberships.
    func deleteGroup(_ id: String) async throws {
        try await store.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM box_group WHERE id = ?)", arguments: [id]) == true else {
                throw Box.notFound("Group", "group_id", id)
            }
            try db.execute(sql: "DELETE FROM box_group WHERE id = ?", arguments: [id])
        }
    }

    // MARK: tokens

    /// Issues an access token for the enterprise's service account or a user, living `ttl`
    /// seconds; an unknown subject is the OAuth `invalid_grant`.
    func issueToken(_ token: String, subjectType: String, subjectID: String, ttl: Int) async throws {
        try await store.write { db in
            let user: String
            switch subjectType {
            case "enterprise":
                guard subjectID == Box.enterpriseID else { throw Box.oauthError("invalid_grant", "Grant credentials are invalid") }
                user = Box.serviceAccount
            case "user":
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM box_user WHERE id = ?", arguments: [subjectID]) == true else {
                    throw Box.oauthError("invalid_grant", "Grant credentials are invalid")
                }
                user = subjectID
            default:
                throw Box.oauthError("invalid_request", "box_subject_type must be enterprise or user")
            }
            let now = Timestamps.now()
            // Tokens long expired are forgotten, so renewals every few seconds do not pile up.
            try db.execute(sql: "DELETE FROM box_token WHERE expires_at IS NOT NULL AND expires_at < ?", arguments: [now - 3_600_000])
            try db.execute(sql: "INSERT INTO box_token (token, user_id, expires_at) VALUES (?, ?, ?)",
                           arguments: [token, user, now + Int64(ttl) * 1000])
        }
    }
}
