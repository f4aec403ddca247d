import Foundation
import GRDB
import Hummingbird

extension Box {
    func registerMemberships(on routes: RouteTable) {
        routes.on(.get, "/2.0/users/:id/memberships", .box) { request, context in try await userMemberships(request, context.credentials, context.parameters.get("id") ?? "") }
        routes.on(.get, "/2.0/groups/:id/memberships", .box) { request, context in try await groupMemberships(request, context.credentials, context.parameters.get("id") ?? "") }
        routes.on(.post, "/2.0/group_memberships", .box) { request, context in try await addMembership(request, context.credentials) }
        routes.on(.get, "/2.0/group_memberships/:id", .box) { request, context in try await getMembership(request, context.credentials, context.parameters.get("id") ?? "") }
        routes.on(.put, "/2.0/group_memberships/:id", .box) { request, context in try await updateMembership(request, context.credentials, context.parameters.get("id") ?? "") }
        routes.on(.delete, "/2.0/group_memberships/:id", .box) { request, context in try await removeMembership(request, context.credentials, context.parameters.get("id") ?? "") }
    }

    static let denied = error(.forbidden, "Access denied - insufficient permission", code: "access_denied_insufficient_permissions")

    /// A page of memberships matching `condition`, written as the collection's JSON inside the
    /// read that checked the caller (list routes take no `fields`).
    static func membershipPage(_ db: Database, _ request: Request, _ condition: String, _ argument: String) throws -> [UInt8] {
        let page = try Box.page(request)
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

    /// A user's groups: the user, or anyone with admin-level permissions. One read answers it.
    func userMemberships(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
                let body = try store.read { db -> [UInt8] in
            let caller = try Box.caller(db, credentials)
            let target = id == "me" ? caller.id : id
            guard try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM box_user WHERE id = ?)"), arguments: [target]) == true else {
                throw Box.notFound("User", "user_id", id)
            }
            guard caller.isAdmin || caller.id == target else { throw Box.denied }
            return try Box.membershipPage(db, request, "m.user_id = ?", target)
        }
        return JSON.response(.ok, bytes: body)
    }

    /// A group's members: admins, or whoever the group's `member_viewability_level` lets see
    /// them. One read answers it.
    func groupMemberships(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
                let body = try store.read { db -> [UInt8] in
            let caller = try Box.caller(db, credentials)
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
            return try Box.membershipPage(db, request, "m.group_id = ?", id)
        }
        return JSON.response(.ok, bytes: body)
    }

    /// The role and configurable permissions a POST or PUT carries (nil when absent).
    static func roleAndPermissions(_ o: [String: JSONValue]) throws -> (role: String?, permissions: String??) {
        let role = try string(o, "role", oneOf: ["member", "admin"])
        var permissions: String?? = .none
        if let v = o["configurable_permissions"] {
            if v == .null {
                permissions = .some("null")
            } else {
                guard let object = v.object, object.values.allSatisfy({ $0.bool != nil }) else {
                    throw error(.badRequest, "configurable_permissions must be an object of booleans (\(BoxRecords.permissionKeys.joined(separator: ", "))) or null", code: "bad_request")
                }
                permissions = .some(JSONValue.object(object).text)
            }
        }
        return (role, permissions)
    }

    /// `{"id": "..."}` as Box wraps a reference; the id must be a string.
    static func reference(_ o: [String: JSONValue], _ key: String) throws -> String {
        guard let ref = o[key] else { throw error(.badRequest, "\(key) is required, e.g. {\"\(key)\": {\"id\": \"123\"}}", code: "bad_request") }
        guard let id = ref["id"]?.string, !id.isEmpty else {
            throw error(.badRequest, "\(key).id must be a string, e.g. {\"\(key)\": {\"id\": \"123\"}}", code: "bad_request")
        }
        return id
    }

    /// What a POST asks for, read before its write; an error in it is thrown only after the
    /// caller is checked, as when the token was checked first.
    struct NewMembership: Sendable {
        let userID: String, groupID: String, role: String?, permissions: String??

        init(_ request: Request) async throws {
            let o = try await Box.body(request)
            userID = try Box.reference(o, "user")
            groupID = try Box.reference(o, "group")
            (role, permissions) = try Box.roleAndPermissions(o)
        }
    }

    /// The caller is checked inside the write (onboarding's hot path): a read of its own cost
    /// as much as the insert.
    func addMembership(_ request: Request, _ credentials: Credentials) async throws -> Response {
                let asked: Result<NewMembership, any Error>
        do { asked = .success(try await NewMembership(request)) } catch { asked = .failure(error) }
        let membership = try await store.write { db -> [String: JSONValue] in
            let caller = try Box.caller(db, credentials)
            try requireAdmin(caller)
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
            return BoxRecords.membership(try BoxRecords.fetchMembership(db, id: id)!)
        }
        return JSON.response(.created, BoxRecords.shape(membership, mini: ["type", "id"], standard: nil, fields: Box.fields(request)))
    }

    /// One membership, if the caller administers its group or the enterprise.
    func administeredMembership(_ db: Database, _ id: String, _ caller: Caller) throws -> Row {
        guard let row = try BoxRecords.fetchMembership(db, id: id) else { throw Box.notFound("Group membership", "group_membership_id", id) }
        if caller.isAdmin { return row }
        let role = try String.fetchOne(db, sql: "SELECT role FROM box_membership WHERE group_id = ? AND user_id = ?",
                                       arguments: [row["group_id"] as String, caller.id])
        guard role == "admin" else { throw Box.denied }
        return row
    }

    func getMembership(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let caller = try authenticate(credentials)
        let membership = try store.read { db in BoxRecords.membership(try administeredMembership(db, id, caller)) }
        return JSON.response(.ok, BoxRecords.shape(membership, mini: ["type", "id"], standard: nil, fields: Box.fields(request)))
    }

    func updateMembership(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let caller = try authenticate(credentials)
        let o = try await Box.body(request, required: false)
        let (role, permissions) = try Box.roleAndPermissions(o)
        let membership = try await store.write { db -> [String: JSONValue] in
            _ = try administeredMembership(db, id, caller)
            if role != nil || permissions != nil {
                try db.execute(sql: """
                    UPDATE box_membership SET role = COALESCE(?, role),
                        configurable_permissions = CASE WHEN ? THEN ? ELSE configurable_permissions END, modified_at = ?
                    WHERE id = ?
                    """, arguments: [role, permissions != nil, permissions ?? nil, Timestamps.now(), id])
            }
            return BoxRecords.membership(try BoxRecords.fetchMembership(db, id: id)!)
        }
        return JSON.response(.ok, BoxRecords.shape(membership, mini: ["type", "id"], standard: nil, fields: Box.fields(request)))
    }

    func removeMembership(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let caller = try authenticate(credentials)
        try await store.write { db in
            _ = try administeredMembership(db, id, caller)
            try db.execute(sql: "DELETE FROM box_membership WHERE id = ?", arguments: [id])
        }
        return JSON.empty(.noContent)
    }
}
