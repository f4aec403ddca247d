import Foundation
import Hummingbird

/// LaunchDarkly account members: `/api/v2/members...` as the fact sheet describes. The routes
/// decode each request, call one of `LDStore`'s operations, and encode its answer.
struct LaunchDarkly: Sendable {
    let data: LDStore
    let options: SandboxOptions

    init(store: SandboxStore, options: SandboxOptions) {
        data = LDStore(store: store)
        self.options = options
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

    func requireAdmin(_ caller: LDCaller) throws {
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
        guard !value.holdsNUL else { throw ldError(.badRequest, "invalid_request", JSON.nulRefused) }
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

    func list(_ request: Request, _ credentials: Credentials) async throws -> Response {
        let q = request.formQuery
        let filter = q["filter"].map(String.init)
        let sort = q["sort"].map(String.init)
        var expand: Set<String> = []
        let page = try data.memberPage(credentials) {
            expand = try self.expand(request)
            let limit = try intParameter(q["limit"].map(String.init), "limit", default: 20, minimum: 1)
            let offset = try intParameter(q["offset"].map(String.init), "offset", default: 0, minimum: 0)
            var query = LDMemberQuery()
            if let filter { try query.applyFilter(filter) }
            if let sort { try query.applySort(sort) }
            return (query, limit, offset)
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
            m.write(to: &out, expand: expand)
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

    func resolve(_ id: String, _ caller: LDCaller) -> String { id == "me" ? caller.id : id }

    func get(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        var expand: Set<String> = []
        let member = try data.member(credentials, id) { expand = try self.expand(request) }
        return JSON.response(.ok, member.json(expand: expand))
    }

    func delete(_ request: Request, _ credentials: Credentials, _ id: String) async throws -> Response {
        let caller = try data.caller(credentials)
        try requireAdmin(caller)
        let target = resolve(id, caller)
        if target == caller.id {
            throw ldError(.badRequest, "invalid_request", "you cannot delete your own membership")
        }
        try await data.delete(target, shown: id)
        return JSON.empty(.noContent)
    }
}
