import Foundation
import GRDB
import Hummingbird

extension Box {
    func registerMemberships(on routes: RouteTable) {
        routes.on(.get, "/2.0/users/:id/memberships", .box) { request, context in try await userMemberships(request, context.parameters.get("id") ?? "") }
        routes.on(.get, "/2.0/groups/:id/memberships", .box) { request, context in try await groupMemberships(request, context.parameters.get("id") ?? "") }
        routes.on(.post, "/2.0/group_memberships", .box) { request, _ in try await addMembership(request) }
        routes.on(.get, "/2.0/group_memberships/:id", .box) { request, context in try await getMembership(request, context.parameters.get("id") ?? "") }
        routes.on(.put, "/2.0/group_memberships/:id", .box) { request, context in try await updateMembership(request, context.parameters.get("id") ?? "") }
        routes.on(.delete, "/2.0/group_memberships/:id", .box) { request, context in try await removeMembership(request, context.parameters.get("id") ?? "") }
    }

    static let denied = error(.forbidden, "Access denied - insufficient permission", code: "access_denied_insufficient_permissions")

    /// A page of memberships matching `condition` (list routes take no `fields`).
    func membershipPage(_ request: Request, _ condition: String, _ argument: String) async throws -> Response {
        let page = try Box.page(request)
        let (entries, total) = try await store.read { db -> ([JSONValue], Int) in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM box_membership m WHERE \(condition)", arguments: [argument]) ?? 0
            let rows = try Row.fetchAll(db, sql: BoxRecords.membershipSelect + " WHERE \(condition) ORDER BY m.seq LIMIT ? OFFSET ?",
                                        arguments: [argument, page.limit, page.offset])
            return (rows.map { .object(BoxRecords.membership($0)) }, total)
        }
        return Box.collection(entries, total: total, page: page, by: "type")
    }

    /// A user's groups: the user, or anyone with admin-level permissions.
    func userMemberships(_ request: Request, _ id: String) async throws -> Response {
        let caller = try await authenticate(request)
        let target = id == "me" ? caller.id : id
        guard try await store.read({ db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM box_user WHERE id = ?)", arguments: [target]) }) == true else {
            throw Box.notFound("User", "user_id", id)
        }
        guard caller.isAdmin || caller.id == target else { throw Box.denied }
        return try await membershipPage(request, "m.user_id = ?", target)
    }

    /// A group's members: admins, or whoever the group's `member_viewability_level` lets see them.
    func groupMemberships(_ request: Request, _ id: String) async throws -> Response {
        let caller = try await authenticate(request)
        let (exists, level, callerRole) = try await store.read { db -> (Bool, String, String?) in
            let attributes = try String.fetchOne(db, sql: "SELECT attributes FROM box_group WHERE id = ?", arguments: [id])
            let level = attributes.flatMap { JSONValue.parse(Data($0.utf8))?["member_viewability_level"]?.string } ?? "admins_only"
            let role = try String.fetchOne(db, sql: "SELECT role FROM box_membership WHERE group_id = ? AND user_id = ?", arguments: [id, caller.id])
            return (attributes != nil, level, role)
        }
        guard exists else { throw Box.notFound("Group", "group_id", id) }
        let allowed = caller.isAdmin || callerRole == "admin" || (level == "admins_and_members" && callerRole != nil) || level == "all_managed_users"
        guard allowed else { throw Box.denied }
        return try await membershipPage(request, "m.group_id = ?", id)
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

    func addMembership(_ request: Request) async throws -> Response {
        let caller = try await authenticate(request)
        try requireAdmin(caller)
        let o = try await Box.body(request)
        let userID = try Box.reference(o, "user")
        let groupID = try Box.reference(o, "group")
        let (role, permissions) = try Box.roleAndPermissions(o)
        let membership = try await store.write { db -> [String: JSONValue] in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM box_user WHERE id = ?)", arguments: [userID]) == true else {
                throw Box.notFound("User", "user.id", userID)
            }
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM box_group WHERE id = ?)", arguments: [groupID]) == true else {
                throw Box.notFound("Group", "group.id", groupID)
            }
            if let existing = try String.fetchOne(db, sql: "SELECT id FROM box_membership WHERE user_id = ? AND group_id = ?", arguments: [userID, groupID]) {
                // The code for a duplicate membership is undocumented; 409 conflict, naming the one that exists.
                throw Box.error(.conflict, "User is already a member of this group", code: "conflict",
                                context: ["conflicts": [["type": "group_membership", "id": .string(existing)]]])
            }
            let now = Timestamps.now()
            try db.execute(sql: """
                INSERT INTO box_membership (id, user_id, group_id, role, configurable_permissions, created_at, modified_at)
                VALUES ('', ?, ?, ?, ?, ?, ?)
                """, arguments: [userID, groupID, role ?? "member", permissions ?? nil, now, now])
            let id = BoxRecords.membershipID(db.lastInsertedRowID)
            try db.execute(sql: "UPDATE box_membership SET id = ? WHERE seq = ?", arguments: [id, db.lastInsertedRowID])
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

    func getMembership(_ request: Request, _ id: String) async throws -> Response {
        let caller = try await authenticate(request)
        let membership = try await store.read { db in BoxRecords.membership(try administeredMembership(db, id, caller)) }
        return JSON.response(.ok, BoxRecords.shape(membership, mini: ["type", "id"], standard: nil, fields: Box.fields(request)))
    }

    func updateMembership(_ request: Request, _ id: String) async throws -> Response {
        let caller = try await authenticate(request)
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

    func removeMembership(_ request: Request, _ id: String) async throws -> Response {
        let caller = try await authenticate(request)
        try await store.write { db in
            _ = try administeredMembership(db, id, caller)
            try db.execute(sql: "DELETE FROM box_membership WHERE id = ?", arguments: [id])
        }
        return JSON.empty(.noContent)
    }
}
