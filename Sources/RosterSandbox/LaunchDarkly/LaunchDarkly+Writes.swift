import Foundation
import Hummingbird

extension LaunchDarkly {
    // MARK: invite

    /// `POST /api/v2/members`: an array of at most 50 invites, all or nothing.
    func invite(_ request: Request, _ credentials: Credentials) async throws -> Response {
        let caller = try data.caller(credentials)
        try requireAdmin(caller)
        guard let forms = try await body(request).array else {
            throw ldError(.badRequest, "invalid_request", "the body must be a JSON array of members to invite")
        }
        guard !forms.isEmpty else { throw ldError(.badRequest, "invalid_request", "the array of members to invite is empty") }
        guard forms.count <= 50 else {
            throw ldError(.badRequest, "invalid_request", "at most 50 members can be invited at once, got \(forms.count)")
        }
        var invites: [LDInvite] = []
        var seen = Set<String>()
        var duplicates: [String] = []
        for (i, form) in forms.enumerated() {
            guard let o = form.object else { throw ldError(.badRequest, "invalid_request", "member \(i) must be an object") }
            guard let email = o["email"]?.string, email.contains("@") else {
                throw ldError(.badRequest, "invalid_request", "member \(i) needs an email address")
            }
            for key in ["firstName", "lastName", "password", "role"] where o[key] != nil && o[key]?.string == nil {
                throw ldError(.badRequest, "invalid_request", "member \(i): \(key) must be a string")
            }
            for key in ["customRoles", "teamKeys"] where o[key] != nil && o[key]?.stringArray == nil {
                throw ldError(.badRequest, "invalid_request", "member \(i): \(key) must be an array of strings")
            }
            let role = o["role"]?.string
            let customRoles = o["customRoles"]?.stringArray ?? []
            if let role, !["reader", "writer", "admin", "no_access"].contains(role) {
                throw ldError(.badRequest, "invalid_request", "member \(i): role '\(role)' is not one of reader, writer, admin, no_access")
            }
            guard role != nil || !customRoles.isEmpty else {
                throw ldError(.badRequest, "invalid_request", "member \(i) needs a role or customRoles")
            }
            var attributes: [String: [String]]?
            if let a = o["roleAttributes"] {
                guard let obj = a.object, obj.values.allSatisfy({ $0.stringArray != nil }) else {
                    throw ldError(.badRequest, "invalid_request", "member \(i): roleAttributes must map keys to arrays of strings")
                }
                attributes = obj.mapValues { $0.stringArray! }
            }
            if !seen.insert(email.lowercased()).inserted { duplicates.append(email) }
            invites.append(LDInvite(email: email, first: o["firstName"]?.string, last: o["lastName"]?.string, role: role ?? "reader",
                                  customRoles: customRoles, teamKeys: o["teamKeys"]?.stringArray ?? [], roleAttributes: attributes))
        }
        if !duplicates.isEmpty {
            throw VendorError(status: .badRequest, body: ["code": "duplicate_email", "message": "The same email address appears more than once in the request",
                                                          "invalid_emails": .array(duplicates.map { .string($0) })])
        }
        let created = try await data.invite(invites)
        return JSON.response(.created, ["items": .array(created.map { $0.json() }), "totalCount": .int(Int64(created.count)),
                                        "_links": ["self": ["href": "/api/v2/members", "type": "application/json"]]])
    }

    // MARK: JSON patch

    /// `PATCH /api/v2/members/{id}`: RFC 6902 on `/role` and `/customRoles` only; atomic.
    func jsonPatch(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let caller = try data.caller(credentials)
        try requireAdmin(caller)
        let body = try await body(request)
        guard let operations = body.array ?? body["patch"]?.array else {
            throw ldError(.badRequest, "invalid_request", "the body must be a JSON Patch array of {op, path, value}")
        }
        let member = try await data.updateRoles(of: resolve(id, caller), shown: id) { member in
            for (i, operation) in operations.enumerated() {
                try LaunchDarkly.apply(operation, index: i, to: &member)
            }
        }
        return JSON.response(.ok, member.json())
    }

    static func apply(_ operation: JSONValue, index i: Int, to member: inout LDMember) throws {
        guard let op = operation["op"]?.string, let path = operation["path"]?.string else {
            throw ldError(.badRequest, "invalid_request", "patch operation \(i) needs string fields op and path")
        }
        let value = operation["value"]
        func role() throws -> String {
            guard let r = value?.string, ["reader", "writer", "admin", "no_access"].contains(r) else {
                throw ldError(.badRequest, "invalid_request", "patch operation \(i): /role takes one of reader, writer, admin, no_access")
            }
            return r
        }
        if member.role == "owner", path == "/role" {
            throw ldError(.badRequest, "invalid_request", "the account owner's role cannot be changed; transfer ownership first")
        }
        switch (op, path) {
        case ("replace", "/role"), ("add", "/role"):
            member.role = try role()
        case ("replace", "/customRoles"), ("add", "/customRoles"):
            guard let roles = value?.stringArray else {
                throw ldError(.badRequest, "invalid_request", "patch operation \(i): /customRoles takes an array of strings")
            }
            member.customRoles = roles
        case ("test", "/role"):
            guard value?.string == member.role else { throw ldError(.badRequest, "invalid_request", "patch operation \(i): test failed") }
        case (_, let p) where p.hasPrefix("/customRoles/"):
            let index = String(p.dropFirst("/customRoles/".count))
            let count = member.customRoles.count
            let position: Int? = index == "-" ? count : Int(index)
            switch op {
            case "add":
                guard let at = position, at >= 0, at <= count, let key = value?.string else {
                    throw ldError(.badRequest, "invalid_request", "patch operation \(i): cannot add at \(p)")
                }
                member.customRoles.insert(key, at: at)
            case "replace":
                guard let at = position, at >= 0, at < count, let key = value?.string else {
                    throw ldError(.badRequest, "invalid_request", "patch operation \(i): cannot replace \(p)")
                }
                member.customRoles[at] = key
            case "remove":
                guard let at = position, at >= 0, at < count else {
                    throw ldError(.badRequest, "invalid_request", "patch operation \(i): cannot remove \(p)")
                }
                member.customRoles.remove(at: at)
            default:
                throw ldError(.badRequest, "invalid_request", "patch operation \(i): unsupported op '\(op)' on \(p)")
            }
        case ("remove", "/customRoles"):
            member.customRoles = []
        default:
            throw ldError(.badRequest, "invalid_request", "patch operation \(i): only /role and /customRoles can be changed (got \(op) \(path))")
        }
    }

    // MARK: teams

    /// `POST /api/v2/members/{id}/teams` with `{"teamKeys": [...]}`.
    func addTeams(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let caller = try data.caller(credentials)
        try requireAdmin(caller)
        guard let keys = try await body(request)["teamKeys"]?.stringArray, !keys.isEmpty else {
            throw ldError(.badRequest, "invalid_request", "the body must be {\"teamKeys\": [\"key\", ...]} with at least one key")
        }
        let member = try await data.addTeams(of: resolve(id, caller), shown: id, keys)
        return JSON.response(.created, member.json())
    }
}
