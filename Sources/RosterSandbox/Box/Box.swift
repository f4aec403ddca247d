import Foundation
import GRDB
import HTTPTypes
import Hummingbird

/// Box users, groups and group memberships under `/2.0/...`, as the fact sheet describes.
struct Box: Sendable {
    let store: SandboxStore
    /// Seconds an OAuth access token lives (`--box-token-ttl`).
    var tokenTTL = 3600
    /// The keys JWT assertions may be signed with (`--box-jwt-config`; none: JWT is refused).
    var jwtKeys: [BoxJWTKey] = []
    /// The app's client secret (`sandbox-client-secret` on loopback).
    var clientSecret = SandboxTokens.fixed.boxClientSecret
    let seenAssertions = SeenAssertions()

    struct Caller: Sendable {
        let id: String
        let role: String
        /// Enterprise admins and co-admins have "admin-level permissions".
        var isAdmin: Bool { role == "admin" || role == "coadmin" }
    }

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

    /// The caller (`Authenticate` read its bearer token and `As-User`), in a read or write the
    /// route is already making; an admin may act as another user with `As-User`.
    static func caller(_ db: Database, _ credentials: Credentials) throws -> Caller {
        let caller = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT u.id, u.role FROM box_token t JOIN box_user u ON u.id = t.user_id
            WHERE t.token = ? AND (t.expires_at IS NULL OR t.expires_at > ?)
            """), arguments: [credentials.token, Timestamps.now()])
            .map { Caller(id: $0[0], role: $0[1]) }
        guard let caller else {
            // Box's answer to an unknown or expired token; the SDKs renew on it.
            var e = Box.error(.unauthorized, "Unauthorized", code: "invalid_token")
            e.headers[.wwwAuthenticate] = #"Bearer realm="Service", error="invalid_token", error_description="The access token provided is invalid.""#
            throw e
        }
        guard let asUser = credentials.asUser else { return caller }
        guard caller.isAdmin else { throw Box.error(.forbidden, "As-User is only allowed for admins", code: "access_denied_insufficient_permissions") }
        guard let impersonated = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, role FROM box_user WHERE id = ?"), arguments: [asUser])
            .map({ Caller(id: $0[0], role: $0[1]) })
        else { throw Box.invalidParameter("As-User", "As-User names no user: '\(asUser)'") }
        return impersonated
    }

    /// The caller, in a read of its own (routes that read more fold `caller` into that read).
    func authenticate(_ credentials: Credentials) throws -> Caller {
        try store.read { db in try Box.caller(db, credentials) }
    }

    func requireAdmin(_ caller: Caller) throws {
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
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let term = q["filter_term"].map(String.init), !term.isEmpty {
            conditions.append("(name LIKE ? ESCAPE '\\' OR login LIKE ? ESCAPE '\\')")
            let prefix = term.likeEscaped + "%"
            arguments += [prefix, prefix]
        }
        if let type = q["user_type"].map(String.init) {
            guard ["all", "managed", "external"].contains(type) else {
                throw Box.error(.badRequest, "Invalid value for user_type: '\(type)'; valid: all, managed, external", code: "bad_request")
            }
            if type == "external" { conditions.append("0") }  // every sandbox user is managed
        }
        if let external = q["external_app_user_id"].map(String.init) {
            conditions.append("json_extract(attributes, '$.external_app_user_id') = ?")
            arguments.append(external)
        }
        let whereSQL = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        if q["usemarker"].map({ $0.lowercased() == "true" }) == true {
            return try await markerPage(request, whereSQL: whereSQL, arguments: arguments, fields: fields)
        }
        let page = try Box.page(request)
        let (entries, total) = try await offsetPage("box_user", columns: BoxRecords.userColumns, whereSQL, StatementArguments(arguments)!, page) {
            BoxRecords.shape(BoxRecords.user($0), mini: BoxRecords.userMini, standard: BoxRecords.userStandard, fields: fields)
        }
        return Box.collection(entries, total: total, page: page, by: "id")
    }

    /// Marker paging on `/users`: the marker is the position after the last entry, opaque to clients.
    /// One offset page of a table's rows in creation order, each shaped for the answer, and how
    /// many rows match in all.
    func offsetPage(_ table: String, columns: String, _ whereSQL: String, _ arguments: StatementArguments, _ page: Page,
                    shape: @escaping @Sendable (Row) -> JSONValue) async throws -> ([JSONValue], Int) {
        try store.read { db -> ([JSONValue], Int) in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) \(whereSQL)", arguments: arguments) ?? 0
            let rows = try Row.fetchAll(db, sql: "SELECT \(columns) FROM \(table) \(whereSQL) ORDER BY seq LIMIT ? OFFSET ?",
                                        arguments: arguments + [page.limit, page.offset])
            return (rows.map(shape), total)
        }
    }

    func markerPage(_ request: Request, whereSQL: String, arguments: [any DatabaseValueConvertible], fields: [String]?) async throws -> Response {
        let q = request.formQuery
        let limit = try Box.limit(request)
        var after: Int64 = 0
        if let marker = q["marker"].map(String.init), !marker.isEmpty {
            guard let data = Data(base64Encoded: marker), let text = String(data: data, encoding: .utf8), text.hasPrefix("seq:"),
                  let seq = Int64(text.dropFirst(4)) else {
                throw Box.invalidParameter("marker", "Invalid value for marker: '\(marker)'; pass the next_marker of the previous page")
            }
            after = seq
        }
        let condition = (whereSQL.isEmpty ? "WHERE " : whereSQL + " AND ") + "seq > ?"
        let finalArguments = StatementArguments(arguments)! + [after, limit + 1]
        let (entries, lastSeq, more) = try store.read { db -> ([JSONValue], Int64?, Bool) in
            let rows = try Row.fetchAll(db, sql: "SELECT seq, \(BoxRecords.userColumns) FROM box_user \(condition) ORDER BY seq LIMIT ?", arguments: finalArguments)
            let page = rows.prefix(limit)
            let entries = page.map { BoxRecords.shape(BoxRecords.user($0), mini: BoxRecords.userMini, standard: BoxRecords.userStandard, fields: fields) }
            return (entries, page.last.map { $0["seq"] as Int64 }, rows.count > limit)
        }
        var body: [String: JSONValue] = ["limit": .int(Int64(limit)), "entries": .array(entries)]
        if more, let lastSeq {
            body["next_marker"] = .string(Data("seq:\(lastSeq)".utf8).base64EncodedString())
        }
        return JSON.response(.ok, .object(body))
    }

    func getUser(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let caller = try authenticate(credentials)
        let target = id == "me" ? caller.id : id
        guard caller.isAdmin || target == caller.id else {
            throw Box.error(.forbidden, "Access denied - insufficient permission", code: "access_denied_insufficient_permissions")
        }
        guard let user = try store.read({ db in
            try Row.fetchOne(db, sql: "SELECT \(BoxRecords.userColumns) FROM box_user WHERE id = ?", arguments: [target]).map(BoxRecords.user)
        }) else { throw Box.notFound("User", "user_id", id) }
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
            guard let login, login.contains("@") else { throw Box.error(.badRequest, "login is required (an email address) unless is_platform_access_only is true", code: "bad_request") }
        }
        let role = try Box.string(o, "role", oneOf: Box.userRoles) ?? "user"
        let status = try Box.string(o, "status", oneOf: Box.userStatuses) ?? "active"
        let json = JSONValue.object(try Box.userAttributes(o)).text
        let userLogin = appUser ? nil : login
        let user = try await store.write { db -> [String: JSONValue] in
            if let userLogin, try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM box_user WHERE login = ?)", arguments: [userLogin]) == true {
                throw Box.error(.conflict, "User with the specified login already exists", code: "user_login_already_used")
            }
            let now = Timestamps.now()
            try db.execute(sql: "INSERT INTO box_user (id, name, login, role, status, attributes, created_at, modified_at) VALUES ('', ?, ?, ?, ?, ?, ?, ?)",
                           arguments: [name, userLogin, role, status, json, now, now])
            let id = BoxRecords.userID(db.lastInsertedRowID)
            try db.execute(sql: "UPDATE box_user SET id = ? WHERE seq = ?", arguments: [id, db.lastInsertedRowID])
            return BoxRecords.user(try Row.fetchOne(db, sql: "SELECT \(BoxRecords.userColumns) FROM box_user WHERE id = ?", arguments: [id])!)
        }
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
            guard let list = v.array, list.allSatisfy({ $0["name"]?.string != nil && $0["value"]?.string != nil }) else {
                throw Box.error(.badRequest, "tracking_codes must be a list of {type, name, value}", code: "bad_request")
            }
            attributes["tracking_codes"] = v
        }
        return attributes
    }

    // MARK: groups

    func listGroups(_ request: Request, _ credentials: Credentials) async throws -> Response {
        let caller = try authenticate(credentials)
        try requireAdmin(caller)
        let page = try Box.page(request)
        let fields = Box.fields(request)
        var whereSQL = ""
        var arguments = StatementArguments()
        if let term = request.formQuery["filter_term"].map(String.init), !term.isEmpty {
            whereSQL = "WHERE name LIKE ? ESCAPE '\\'"
            arguments = [term.likeEscaped + "%"]
        }
        let (entries, total) = try await offsetPage("box_group", columns: BoxRecords.groupColumns, whereSQL, arguments, page) {
            BoxRecords.shape(BoxRecords.group($0), mini: BoxRecords.groupMini, standard: BoxRecords.groupStandard, fields: fields)
        }
        return Box.collection(entries, total: total, page: page, by: "name")
    }

    func getGroup(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let caller = try authenticate(credentials)
        let (group, isMember) = try store.read { db -> ([String: JSONValue]?, Bool) in
            let row = try Row.fetchOne(db, sql: "SELECT \(BoxRecords.groupColumns) FROM box_group WHERE id = ?", arguments: [id]).map(BoxRecords.group)
            let member = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM box_membership WHERE group_id = ? AND user_id = ?)", arguments: [id, caller.id]) ?? false
            return (row, member)
        }
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
        let json = JSONValue.object(try Box.groupAttributes(o)).text
        let group = try await store.write { db -> [String: JSONValue] in
            if let existing = try Row.fetchOne(db, sql: "SELECT \(BoxRecords.groupColumns) FROM box_group WHERE name = ?", arguments: [name]) {
                throw Box.error(.conflict, "Group with the specified name already exists", code: "conflict", context: [
                    "conflicts": [BoxRecords.shape(BoxRecords.group(existing), mini: BoxRecords.groupMini, standard: BoxRecords.groupMini, fields: nil)],
                ])
            }
            let now = Timestamps.now()
            try db.execute(sql: "INSERT INTO box_group (id, name, group_type, attributes, created_at, modified_at) VALUES ('', ?, 'managed_group', ?, ?, ?)",
                           arguments: [name, json, now, now])
            let id = BoxRecords.groupID(db.lastInsertedRowID)
            try db.execute(sql: "UPDATE box_group SET id = ? WHERE seq = ?", arguments: [id, db.lastInsertedRowID])
            return BoxRecords.group(try Row.fetchOne(db, sql: "SELECT \(BoxRecords.groupColumns) FROM box_group WHERE id = ?", arguments: [id])!)
        }
        return JSON.response(.created, BoxRecords.shape(group, mini: BoxRecords.groupMini, standard: nil, fields: Box.fields(request)))
    }
}
