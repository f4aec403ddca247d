import Foundation
import GRDB
import Hummingbird

/// Changing and removing users and groups (`PUT`/`DELETE /2.0/users/{id}` and
/// `/2.0/groups/{id}`), admin-level only. Deleting a user or a group takes its memberships with
/// it, as Box does; the enterprise's primary admin cannot be deleted.
extension Box {
    func updateUser(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let caller = try authenticate(credentials)
        try requireAdmin(caller)
        let o = try await Box.body(request)
        let name = try Box.string(o, "name", max: 50)
        if let name, name.isEmpty { throw Box.error(.badRequest, "name must be 1 to 50 characters", code: "bad_request") }
        let login = try Box.string(o, "login")
        if let login, !login.contains("@") { throw Box.invalidParameter("login", "login must be an email address") }
        let role = try Box.string(o, "role", oneOf: Box.userRoles)
        let status = try Box.string(o, "status", oneOf: Box.userStatuses)
        if let v = o["notify"], v != .null, v.bool == nil { throw Box.error(.badRequest, "notify must be true or false", code: "bad_request") }
        let changes = try Box.userAttributes(o)
        let user = try await store.write { db -> [String: JSONValue] in
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
            return BoxRecords.user(try Row.fetchOne(db, sql: "SELECT \(BoxRecords.userColumns) FROM box_user WHERE id = ?", arguments: [id])!)
        }
        return JSON.response(.ok, BoxRecords.shape(user, mini: BoxRecords.userMini, standard: nil, fields: Box.fields(request)))
    }

    func deleteUser(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let caller = try authenticate(credentials)
        try requireAdmin(caller)
        for flag in ["notify", "force"] {
            if let v = request.formQuery[flag], v != "true", v != "false" { throw Box.invalidParameter(flag, "\(flag) must be true or false") }
        }
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
        return JSON.empty(.noContent)
    }

    func updateGroup(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let caller = try authenticate(credentials)
        try requireAdmin(caller)
        let o = try await Box.body(request)
        let name = try Box.string(o, "name", max: 255)
        if let name, name.isEmpty { throw Box.error(.badRequest, "name must be 1 to 255 characters", code: "bad_request") }
        let changes = try Box.groupAttributes(o)
        let group = try await store.write { db -> [String: JSONValue] in
            guard let row = try Row.fetchOne(db, sql: "SELECT \(BoxRecords.groupColumns) FROM box_group WHERE id = ?", arguments: [id]) else {
                throw Box.notFound("Group", "group_id", id)
            }
            if let name, let existing = try Row.fetchOne(db, sql: "SELECT \(BoxRecords.groupColumns) FROM box_group WHERE name = ? AND id <> ?", arguments: [name, id]) {
                throw Box.error(.conflict, "Group with the specified name already exists", code: "conflict", context: [
                    "conflicts": [BoxRecords.shape(BoxRecords.group(existing), mini: BoxRecords.groupMini, standard: BoxRecords.groupMini, fields: nil)],
                ])
            }
            var attributes = JSONValue.parse(Data((row["attributes"] as String).utf8))?.object ?? [:]
            attributes.merge(changes) { $1 }
            try db.execute(sql: "UPDATE box_group SET name = COALESCE(?, name), attributes = ?, modified_at = ? WHERE id = ?",
                           arguments: [name, JSONValue.object(attributes).text, Timestamps.now(), id])
            return BoxRecords.group(try Row.fetchOne(db, sql: "SELECT \(BoxRecords.groupColumns) FROM box_group WHERE id = ?", arguments: [id])!)
        }
        return JSON.response(.ok, BoxRecords.shape(group, mini: BoxRecords.groupMini, standard: nil, fields: Box.fields(request)))
    }

    func deleteGroup(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let caller = try authenticate(credentials)
        try requireAdmin(caller)
        try await store.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM box_group WHERE id = ?)", arguments: [id]) == true else {
                throw Box.notFound("Group", "group_id", id)
            }
            try db.execute(sql: "DELETE FROM box_group WHERE id = ?", arguments: [id])
        }
        return JSON.empty(.noContent)
    }
}
