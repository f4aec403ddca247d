import Foundation
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
        let user = try await data.updateUser(id, name: name, login: login, role: role, status: status, changes: try Box.userAttributes(o))
        return JSON.response(.ok, BoxRecords.shape(user, mini: BoxRecords.userMini, standard: nil, fields: Box.fields(request)))
    }

    func deleteUser(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let caller = try authenticate(credentials)
        try requireAdmin(caller)
        for flag in ["notify", "force"] {
            if let v = request.formQuery[flag], v != "true", v != "false" { throw Box.invalidParameter(flag, "\(flag) must be true or false") }
        }
        try await data.deleteUser(id)
        return JSON.empty(.noContent)
    }

    func updateGroup(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let caller = try authenticate(credentials)
        try requireAdmin(caller)
        let o = try await Box.body(request)
        let name = try Box.string(o, "name", max: 255)
        if let name, name.isEmpty { throw Box.error(.badRequest, "name must be 1 to 255 characters", code: "bad_request") }
        let group = try await data.updateGroup(id, name: name, changes: try Box.groupAttributes(o))
        return JSON.response(.ok, BoxRecords.shape(group, mini: BoxRecords.groupMini, standard: nil, fields: Box.fields(request)))
    }

    func deleteGroup(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let caller = try authenticate(credentials)
        try requireAdmin(caller)
        try await data.deleteGroup(id)
        return JSON.empty(.noContent)
    }
}
