import Foundation
import GRDB
import Hummingbird

/// LaunchDarkly account members: `/api/v2/members...` as the fact sheet describes.
struct LaunchDarkly: Sendable {
    let store: SandboxStore
    let options: SandboxOptions
    let cursors = PageCursors()

    struct Caller: Sendable {
        let id: String
        let role: String
        var isAdmin: Bool { role == "admin" || role == "owner" }
    }

    func register(on routes: RouteTable) {
        routes.on(.get, "/api/v2/members", .launchDarkly) { request, context in try await list(request, context.credentials) }
        routes.on(.post, "/api/v2/members", .launchDarkly) { request, context in try await invite(request, context.credentials) }
        routes.on(.patch, "/api/v2/members", .launchDarkly) { request, context in try await semanticPatch(request, context.credentials) }
        routes.on(.get, "/api/v2/members/:id", .launchDarkly) { request, context in try await get(request, context.credentials, context.parameters.get("id") ?? "") }
        routes.on(.patch, "/api/v2/members/:id", .launchDarkly) { request, context in try await jsonPatch(request, context.credentials, context.parameters.get("id") ?? "") }
        routes.on(.delete, "/api/v2/members/:id", .launchDarkly) { request, context in try await delete(request, context.credentials, context.parameters.get("id") ?? "") }
        routes.on(.post, "/api/v2/members/:id/teams", .launchDarkly) { request, context in try await addTeams(request, context.credentials, context.parameters.get("id") ?? "") }
    }

    // MARK: auth

    /// The caller, in a read of its own (routes that read more fold `caller` into that read).
    func authenticate(_ credentials: Credentials) throws -> Caller {
        try store.read { db in try LaunchDarkly.caller(db, credentials) }
    }

    /// The member a token belongs to (`Authenticate` read it from `Authorization: <token>`, no
    /// Bearer), looked up inside a read the route is already making. Unknown: 401.
    static func caller(_ db: Database, _ credentials: Credentials) throws -> Caller {
        guard !credentials.token.isEmpty,
              let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT m.id, m.role FROM ld_token t JOIN ld_member m ON m.id = t.member_id WHERE t.token = ?"), arguments: [credentials.token])
        else { throw ldError(.unauthorized, "unauthorized", "Invalid access token") }
        return Caller(id: row[0], role: row[1])
    }

    func requireAdmin(_ caller: Caller) throws {
        guard caller.isAdmin else {
            throw ldError(.forbidden, "forbidden", "Access to the requested resource was denied: your role (\(caller.role)) cannot manage members")
        }
    }

    func body(_ request: Request) async throws -> JSONValue {
        guard let data = try await JSON.body(request, tooLarge: { ldError(.contentTooLarge, "request_too_large", "request body is larger than 1 MiB") }) else {
            throw ldError(.badRequest, "invalid_request", "request body is empty; expected JSON")
        }
        guard let value = JSONValue.parse(data) else {
            throw ldError(.badRequest, "invalid_request", "request body is not valid JSON")
        }
        return value
    }

    func expand(_ request: Request) throws -> Set<String> {
        let values = Set((request.formQuery["expand"].map(String.init) ?? "").split(separator: ",").map(String.init))
        for v in values where v != "customRoles" && v != "roleAttributes" {
            throw ldError(.badRequest, "invalid_request", "unknown expand value '\(v)'; valid: customRoles, roleAttributes")
        }
        return values
    }

    // MARK: list

    struct MemberPage: Sendable {
        let limit: Int
        let offset: Int
        let expand: Set<String>
        let members: [LDMember]
        let total: Int
        /// The offset after this page (both come from the query, so they may add up past Int.max).
        var end: Int { offset.addingSaturated(limit) }
    }

    func list(_ request: Request, _ credentials: Credentials) async throws -> Response {
        let q = request.formQuery
        let filter = q["filter"].map(String.init)
        let sort = q["sort"].map(String.init)
        let cursors = cursors
        let generation = store.settledGeneration
        // One read answers the whole request (the token, the count, the page and its teams): a
        // walk makes thousands of requests, and each read has a cost of its own (a pooled
        // reader, a transaction). Reads run on the handler's thread (see SandboxStore.read).
        let page = try store.read { db throws -> MemberPage in
            _ = try LaunchDarkly.caller(db, credentials)
            // The token's lookup fixed this read's snapshot: the cursors may be used (and made)
            // only if that snapshot is the state they are keyed by.
            let settled = generation.flatMap { store.unchanged(since: $0) ? $0 : nil }
            let limit = try intParameter(q["limit"].map(String.init), "limit", default: 20, minimum: 1)
            let offset = try intParameter(q["offset"].map(String.init), "offset", default: 0, minimum: 0)
            let expand = try expand(request)
            var query = LDMemberQuery()
            if let filter { try query.applyFilter(filter) }
            if let sort { try query.applySort(sort) }
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
                rows = try Row.fetchCursor(db.cachedStatement(sql: "SELECT \(LDMember.columns), seq, \(LDMember.hasTeams) FROM ld_member \(condition) ORDER BY seq LIMIT ?"),
                                           arguments: arguments + [after, limit])
            } else {
                rows = try Row.fetchCursor(db.cachedStatement(sql: "SELECT \(LDMember.columns), seq, \(LDMember.hasTeams) FROM ld_member \(query.whereSQL) ORDER BY \(query.order) LIMIT ? OFFSET ?"),
                                           arguments: arguments + [limit, offset])
            }
            var members: [LDMember] = []
            members.reserveCapacity(min(limit, 1000))
            var last: Int64?
            var inTeams: [String] = []
            while let row = try rows.next() {
                members.append(LDMember(row: row))
                last = row[LDMember.columnCount]
                if row[LDMember.columnCount + 1] as Bool { inTeams.append(members[members.count - 1].id) }
            }
            // Most members are in no team: ask for the teams of those that are.
            let teams = try LDMember.teams(db, of: inTeams)
            for i in members.indices { members[i].teams = teams[members[i].id] ?? [] }
            if let cacheable {
                cursors.remember(key, generation: cacheable, total: total, nextOffset: offset.addingSaturated(limit), last: last)
            }
            return MemberPage(limit: limit, offset: offset, expand: expand, members: members, total: total)
        }
        let (limit, offset, total) = (page.limit, page.offset, page.total)
        let end = page.end
        var extra: [(String, String)] = []
        if let filter { extra.append(("filter", filter)) }
        if let sort { extra.append(("sort", sort)) }
        if let e = q["expand"] { extra.append(("expand", String(e))) }
        func link(_ o: Int) -> JSONValue {
            // Two numbers need no encoding: most walks page the plain list.
            let query = extra.isEmpty ? "limit=\(limit)&offset=\(o)" : URLComponents.query([("limit", "\(limit)"), ("offset", "\(o)")] + extra)
            return ["href": .string("/api/v2/members?" + query), "type": "application/json"]
        }
        var links: [String: JSONValue] = ["self": link(offset)]
        let lastOffset = total == 0 ? 0 : ((total - 1) / limit) * limit
        if offset > 0 {
            links["first"] = link(0)
            links["prev"] = link(max(0, offset - limit))
        }
        if end < total {
            links["next"] = link(end)
            links["last"] = link(lastOffset)
        }
        // {"_links": ..., "items": [...], "totalCount": N}, the members written directly.
        var out: [UInt8] = []
        out.reserveCapacity(page.members.count * 600 + 512)
        out += #"{"_links":"#.utf8
        JSONValue.object(links).write(to: &out)
        out += #","items":["#.utf8
        for (i, m) in page.members.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            m.write(to: &out, expand: page.expand)
        }
        out += #"],"totalCount":\#(total)}"#.utf8
        return JSON.response(.ok, bytes: out)
    }

    func intParameter(_ raw: String?, _ name: String, default value: Int, minimum: Int) throws -> Int {
        guard let raw else { return value }
        guard let n = Int(raw), n >= minimum else {
            throw ldError(.badRequest, "invalid_request", "\(name) must be an integer of at least \(minimum), got '\(raw)'")
        }
        return n
    }

    // MARK: one member

    func resolve(_ id: String, _ caller: Caller) -> String { id == "me" ? caller.id : id }

    func get(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let caller = try authenticate(credentials)
        let expand = try expand(request)
        let target = resolve(id, caller)
        guard let member = try store.read({ db in try LDMember.fetch(db, id: target) }) else {
            throw ldError(.notFound, "not_found", "Unknown member \(id)")
        }
        return JSON.response(.ok, member.json(expand: expand))
    }

    func delete(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let caller = try authenticate(credentials)
        try requireAdmin(caller)
        let target = resolve(id, caller)
        if target == caller.id {
            throw ldError(.badRequest, "invalid_request", "you cannot delete your own membership")
        }
        try await store.write { db in
            guard let member = try LDMember.fetch(db, id: target) else {
                throw ldError(.notFound, "not_found", "Unknown member \(id)")
            }
            if member.role == "owner" {
                throw ldError(.forbidden, "forbidden", "the account owner cannot be deleted; transfer ownership first")
            }
            try db.execute(sql: "DELETE FROM ld_member WHERE id = ?", arguments: [target])
        }
        return JSON.empty(.noContent)
    }
}
