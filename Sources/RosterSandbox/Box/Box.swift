import Foundation
import HTTPTypes
import Hummingbird

/// Box users, groups and group memberships under `/2.0/...`, as the fact sheet describes.
/// The routes decode each request, call one of `BoxStore`'s operations, and shape and encode
/// its answer (`BoxRecords`).
struct Box: Sendable {
    let data: BoxStore
    /// Seconds an OAuth access token lives (`--box-token-ttl`).
    var tokenTTL = 3600
    /// The keys JWT assertions may be signed with (`--box-jwt-config`; none: JWT is refused).
    var jwtKeys: [BoxJWTKey] = []
    /// The app's client secret (`sandbox-client-secret` on loopback).
    var clientSecret = SandboxTokens.fixed.boxClientSecret
    let seenAssertions = SeenAssertions()

    func register(on routes: RouteTable) {
        routes.on(.get, "/2.0/users", .box) { request, context in try await listUsers(request, context.credentials) }
        routes.on(.post, "/2.0/users", .box) { request, context in try await createUser(request, context.credentials) }
        routes.on(.get, "/2.0/users/:id", .box) { request, context in try await getUser(request, context.credentials, context.parameters.get("id") ?? "") }
        routes.on(.get, "/2.0/groups", .box) { request, context in try await listGroups(request, context.credentials) }
        routes.on(.post, "/2.0/groups", .box) { request, context in try await createGroup(request, context.credentials) }
        routes.on(.get, "/2.0/groups/:id", .box) { request, context in try await getGroup(request, context.credentials, context.parameters.get("id") ?? "") }
        routes.on(.put, "/2.0/users/:id", .box) { request, context in try await updateUser(request, context.credentials, context.parameters.get("id") ?? "") }
        routes.on(.delete, "/2.0/users/:id", .box) { request, context in try await deleteUser(request, context.credentials, context.parameters.get("id") ?? "") }
        routes.on(.put, "/2.0/groups/:id", .box) { request, context in try await updateGroup(request, context.credentials, context.parameters.get("id") ?? "") }
        routes.on(.delete, "/2.0/groups/:id", .box) { request, context in try await deleteGroup(request, context.credentials, context.parameters.get("id") ?? "") }
        registerMemberships(on: routes)
        routes.on(.post, "/oauth2/token", .box, open: true) { request, _ in try await issueToken(request) }
    }

    static func error(_ failure: Vendor.Failure, _ message: String, code: String? = nil, context: JSONValue? = nil) -> VendorError {
        Vendor.box.error(failure, message, code: code, context: context)
    }

    /// A bad query parameter, as Box answers one: `bad_request` (a code of the published
    /// ClientError enum), with the parameter named in `context_info.errors`.
    static func invalidParameter(_ name: String, _ message: String) -> VendorError {
        error(.badRequest, message, code: "bad_request", context: ["errors": [["reason": "invalid_parameter", "name": .string(name), "message": .string(message)]]])
    }

    static func notFound(_ what: String, _ name: String, _ value: String) -> VendorError {
        error(.notFound, "Not Found", context: ["errors": [["reason": "invalid_parameter", "name": .string(name), "message": .string("Invalid value '\(value)'. \(what) not found.")]]])
    }

    // MARK: auth

    /// The caller (`Authenticate` read its bearer token and `As-User`), in a read of its own.
    func authenticate(_ credentials: Credentials) throws -> BoxCaller {
        try data.caller(credentials)
    }

    func requireAdmin(_ caller: BoxCaller) throws {
        guard caller.isAdmin else {
            throw Box.error(.forbidden, "Access denied - insufficient permission", code: "access_denied_insufficient_permissions")
        }
    }

    // MARK: request parts

    struct Page { let limit: Int; let offset: Int }

    /// `limit` defaults to 100 and is clamped to 1000; `offset` over 10000 is refused (the spec's
    /// "exceeding 10000", read over the guide's "maximum 9999").
    static func page(_ request: Request) throws -> Page {
        let limit = try Box.limit(request)
        var offset = 0
        if let raw = request.formQuery["offset"] {
            guard let n = Int(raw), n >= 0 else { throw Box.invalidParameter("offset", "Invalid value for offset: '\(raw)'; it must be an integer of 0 or more") }
            guard n <= 10_000 else {
                throw Box.invalidParameter("offset", "offset \(n) exceeds 10000; narrow the query (filter_term) or, for users, use marker paging (usemarker=true)")
            }
            offset = n
        }
        return Page(limit: limit, offset: offset)
    }

    /// `limit`: 100 by default, clamped to 1000, refused below 1 (both paging styles).
    static func limit(_ request: Request) throws -> Int {
        guard let raw = request.formQuery["limit"] else { return 100 }
        guard let n = Int(raw), n >= 1 else {
            throw Box.invalidParameter("limit", "Invalid value for limit: '\(raw)'; it must be an integer from 1 to 1000")
        }
        return min(n, 1000)
    }

    static func fields(_ request: Request) -> [String]? {
        guard let raw = request.formQuery["fields"] else { return nil }
        return raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The body as a JSON object (Box ignores fields it does not know).
    static func body(_ request: Request, required: Bool = true) async throws -> [String: JSONValue] {
        guard let data = try await JSON.body(request, tooLarge: { error(.tooLarge, "request body is larger than 1 MiB") }) else {
            if required { throw error(.badRequest, "request body is empty; expected a JSON object") }
            return [:]
        }
        guard let value = JSONValue.parse(data) else { throw error(.badRequest, "request body is not valid JSON", code: "bad_request") }
        guard let object = value.object else { throw error(.badRequest, "request body must be a JSON object", code: "bad_request") }
        guard !value.holdsNUL else { throw error(.badRequest, JSON.nulRefused, code: "bad_request") }
        return object
    }

    static func string(_ o: [String: JSONValue], _ key: String, max: Int? = nil, oneOf: [String]? = nil) throws -> String? {
        guard let v = o[key], v != .null else { return nil }
        guard let s = v.string else { throw error(.badRequest, "\(key) must be a string", code: "bad_request") }
        if let max, s.count > max { throw error(.badRequest, "\(key) must be at most \(max) characters", code: "bad_request") }
        if let oneOf, !oneOf.contains(s) {
            throw error(.badRequest, "Invalid value for \(key): '\(s)'; valid: \(oneOf.joined(separator: ", "))", code: "bad_request")
        }
        return s
    }

    /// An offset page: `total_count`, `limit`, `offset`, `order`, `entries`.
    /// A collection's envelope around entries already written as JSON, keys in sorted order
    /// as `collection` writes them.
    static func writeCollection(total: Int, page: Page, by: String, to out: inout [UInt8], entries: (inout [UInt8]) throws -> Void) rethrows {
        out += #"{"entries":["#.utf8
        try entries(&out)
        out += #"],"limit":"#.utf8
        JSONValue.writeInt(Int64(page.limit), to: &out)
        out += #","offset":"#.utf8
        JSONValue.writeInt(Int64(page.offset), to: &out)
        out += #","order":[{"by":"#.utf8
        JSONValue.writeString(by, to: &out)
        out += #","direction":"ASC"}],"total_count":"#.utf8
        JSONValue.writeInt(Int64(total), to: &out)
        out += "}".utf8
    }

    static func collection(_ entries: [JSONValue], total: Int, page: Page, by: String) -> Response {
        JSON.response(.ok, ["total_count": .int(Int64(total)), "limit": .int(Int64(page.limit)), "offset": .int(Int64(page.offset)),
                            "order": [["by": .string(by), "direction": "ASC"]], "entries": .array(entries)])
    }

    // MARK: users

    func listUsers(_ request: Request, _ credentials: Credentials) async throws -> Response {
        let caller = try authenticate(credentials)
        try requireAdmin(caller)
        let q = request.formQuery
        let fields = Box.fields(request)
        var filter = BoxUserFilter(term: q["filter_term"].map(String.init))
        if let type = q["user_type"].map(String.init) {
            guard ["all", "managed", "external"].contains(type) else {
                throw Box.error(.badRequest, "Invalid value for user_type: '\(type)'; valid: all, managed, external", code: "bad_request")
            }
            filter.externalOnly = type == "external"  // every sandbox user is managed
        }
        filter.externalAppUserID = q["external_app_user_id"].map(String.init)
        func shaped(_ user: [String: JSONValue]) -> JSONValue {
            BoxRecords.shape(user, mini: BoxRecords.userMini, standard: BoxRecords.userStandard, fields: fields)
        }
        if q["usemarker"].map({ $0.lowercased() == "true" }) == true {
            // Marker paging: the marker is the position after the last entry, opaque to clients.
            let limit = try Box.limit(request)
            var after: Int64 = 0
            if let marker = q["marker"].map(String.init), !marker.isEmpty {
                guard let data = Data(base64Encoded: marker), let text = String(data: data, encoding: .utf8), text.hasPrefix("seq:"),
                      let seq = Int64(text.dropFirst(4)) else {
                    throw Box.invalidParameter("marker", "Invalid value for marker: '\(marker)'; pass the next_marker of the previous page")
                }
                after = seq
            }
            let (users, last, more) = try data.userMarkerPage(filter, after: after, limit: limit)
            var body: [String: JSONValue] = ["limit": .int(Int64(limit)), "entries": .array(users.map(shaped))]
            if more, let last {
                body["next_marker"] = .string(Data("seq:\(last)".utf8).base64EncodedString())
            }
            return JSON.response(.ok, .object(body))
        }
        let page = try Box.page(request)
        let (users, total) = try data.userPage(filter, page)
        return Box.collection(users.map(shaped), total: total, page: page, by: "id")
    }

    func getUser(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let caller = try authenticate(credentials)
        let target = id == "me" ? caller.id : id
        guard caller.isAdmin || target == caller.id else {
            throw Box.error(.forbidden, "Access denied - insufficient permission", code: "access_denied_insufficient_permissions")
        }
        guard let user = try data.user(target) else { throw Box.notFound("User", "user_id", id) }
        return JSON.response(.ok, BoxRecords.shape(user, mini: BoxRecords.userMini, standard: nil, fields: Box.fields(request)))
    }

    func createUser(_ request: Request, _ credentials: Credentials) async throws -> Response {
        let caller = try authenticate(credentials)
        try requireAdmin(caller)
        let o = try await Box.body(request)
        guard let name = try Box.string(o, "name", max: 50), !name.isEmpty else {
            throw Box.error(.badRequest, "name is required (a string of 1 to 50 characters)", code: "bad_request")
        }
        let appUser = o["is_platform_access_only"]?.bool == true
        let login = try Box.string(o, "login")
        if !appUser {
            guard let login else { throw Box.error(.badRequest, "login is required (an email address) unless is_platform_access_only is true", code: "bad_request") }
            guard login.contains("@") else { throw Box.error(.badRequest, "login '\(login)' is not an email address", code: "bad_request") }
        }
        let role = try Box.string(o, "role", oneOf: Box.userRoles) ?? "user"
        let status = try Box.string(o, "status", oneOf: Box.userStatuses) ?? "active"
        let user = try await data.createUser(name: name, login: appUser ? nil : login, role: role, status: status, attributes: try Box.userAttributes(o))
        return JSON.response(.created, BoxRecords.shape(user, mini: BoxRecords.userMini, standard: nil, fields: Box.fields(request)))
    }

    static let userRoles = ["coadmin", "user"]
    static let userStatuses = ["active", "inactive", "cannot_delete_edit", "cannot_delete_edit_upload"]

    /// The user fields kept beside the columns, checked as Box checks them (create and update).
    static func userAttributes(_ o: [String: JSONValue]) throws -> [String: JSONValue] {
        var attributes: [String: JSONValue] = [:]
        // The published schema's limits: job_title and phone 100 characters, address 255.
        for (key, max) in [("language", nil), ("job_title", 100), ("phone", 100), ("address", 255), ("timezone", nil), ("external_app_user_id", nil)] as [(String, Int?)] {
            if let s = try Box.string(o, key, max: max) { attributes[key] = .string(s) }
        }
        for key in ["is_platform_access_only", "is_sync_enabled", "can_see_managed_users", "is_external_collab_restricted",
                    "is_exempt_from_device_limits", "is_exempt_from_login_verification"] {
            guard let v = o[key], v != .null else { continue }
            guard v.bool != nil else { throw Box.error(.badRequest, "\(key) must be true or false", code: "bad_request") }
            attributes[key] = v
        }
        if let v = o["space_amount"], v != .null {
            guard let n = v.int, n >= -1 else { throw Box.error(.badRequest, "space_amount must be an integer (-1 for unlimited)", code: "bad_request") }
            attributes["space_amount"] = .int(n)
        }
        if let v = o["tracking_codes"], v != .null {
            // Each is a TrackingCode: its type is the one word "tracking_code" (given or not).
            guard let list = v.array, list.allSatisfy({ $0["name"]?.string != nil && $0["value"]?.string != nil
                                                      && ($0["type"] == nil || $0["type"]?.string == "tracking_code") }) else {
                throw Box.error(.badRequest, "tracking_codes must be a list of {type: \"tracking_code\", name, value}", code: "bad_request")
            }
            attributes["tracking_codes"] = .array(list.map { .object(["type": "tracking_code", "name": $0["name"]!, "value": $0["value"]!]) })
        }
        return attributes
    }

    // MARK: groups

    func listGroups(_ request: Request, _ credentials: Credentials) async throws -> Response {
        let caller = try authenticate(credentials)
        try requireAdmin(caller)
        let page = try Box.page(request)
        let fields = Box.fields(request)
        let (groups, total) = try data.groupPage(term: request.formQuery["filter_term"].map(String.init), page)
        let entries = groups.map { BoxRecords.shape($0, mini: BoxRecords.groupMini, standard: BoxRecords.groupStandard, fields: fields) }
        return Box.collection(entries, total: total, page: page, by: "name")
    }

    func getGroup(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let caller = try authenticate(credentials)
        let (group, isMember) = try data.group(id, member: caller.id)
        guard let group else { throw Box.notFound("Group", "group_id", id) }
        guard caller.isAdmin || isMember else {
            throw Box.error(.forbidden, "Access denied - insufficient permission", code: "access_denied_insufficient_permissions")
        }
        return JSON.response(.ok, BoxRecords.shape(group, mini: BoxRecords.groupMini, standard: nil, fields: Box.fields(request)))
    }

    static let levels = ["admins_only", "admins_and_members", "all_managed_users"]

    /// The group fields kept beside the columns (create and update).
    static func groupAttributes(_ o: [String: JSONValue]) throws -> [String: JSONValue] {
        var attributes: [String: JSONValue] = [:]
        for key in ["provenance", "external_sync_identifier", "description"] {
            if let s = try Box.string(o, key, max: 255) { attributes[key] = .string(s) }
        }
        for key in ["invitability_level", "member_viewability_level"] {
            if let s = try Box.string(o, key, oneOf: Box.levels) { attributes[key] = .string(s) }
        }
        return attributes
    }

    func createGroup(_ request: Request, _ credentials: Credentials) async throws -> Response {
        let caller = try authenticate(credentials)
        try requireAdmin(caller)
        let o = try await Box.body(request)
        guard let name = try Box.string(o, "name", max: 255), !name.isEmpty else {
            throw Box.error(.badRequest, "name is required (a string of 1 to 255 characters)", code: "bad_request")
        }
        let group = try await data.createGroup(name: name, attributes: try Box.groupAttributes(o))
        return JSON.response(.created, BoxRecords.shape(group, mini: BoxRecords.groupMini, standard: nil, fields: Box.fields(request)))
    }
}
