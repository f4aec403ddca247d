import Foundation
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

    /// A user's groups: the user, or anyone with admin-level permissions.
    func userMemberships(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        JSON.response(.ok, bytes: try data.userMemberships(credentials, user: id) { try Box.page(request) })
    }

    /// A group's members: admins, or whoever the group's `member_viewability_level` lets see them.
    func groupMemberships(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        JSON.response(.ok, bytes: try data.groupMemberships(credentials, group: id) { try Box.page(request) })
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

    /// The caller is checked inside the write (onboarding's hot path).
    func addMembership(_ request: Request, _ credentials: Credentials) async throws -> Response {
        let asked: Result<NewMembership, any Error>
        do { asked = .success(try await NewMembership(request)) } catch { asked = .failure(error) }
        let membership = try await data.addMembership(credentials, authorize: requireAdmin, asked)
        return JSON.response(.created, BoxRecords.shape(membership, mini: ["type", "id"], standard: nil, fields: Box.fields(request)))
    }

    func getMembership(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let membership = try data.membership(id, for: try authenticate(credentials))
        return JSON.response(.ok, BoxRecords.shape(membership, mini: ["type", "id"], standard: nil, fields: Box.fields(request)))
    }

    func updateMembership(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let caller = try authenticate(credentials)
        let o = try await Box.body(request, required: false)
        let (role, permissions) = try Box.roleAndPermissions(o)
        let membership = try await data.updateMembership(id, for: caller, role: role, permissions: permissions)
        return JSON.response(.ok, BoxRecords.shape(membership, mini: ["type", "id"], standard: nil, fields: Box.fields(request)))
    }

    func removeMembership(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        try await data.removeMembership(id, for: try authenticate(credentials))
        return JSON.empty(.noContent)
    }
}
