import Foundation
import Hummingbird

/// Losant instance API tokens: `/instances/{instanceId}/tokens...` as the fact sheet describes.
/// The routes decode each request, call one of `LosantStore`'s operations, and encode its answer.
struct Losant: Sendable {
    let data: LosantStore

    init(store: SandboxStore) { data = LosantStore(store: store) }

    static let instanceID = "5f0000000000000000000001"

    func register(on routes: RouteTable) {
        let base = "/instances/:instanceId/tokens"
        routes.on(.get, base, .losant) { request, context in try await list(request, context) }
        routes.on(.post, base, .losant) { request, context in try await create(request, context) }
        routes.on(.get, base + "/:apiTokenId", .losant) { request, context in try await get(request, context) }
        routes.on(.patch, base + "/:apiTokenId", .losant) { request, context in try await patch(request, context) }
        routes.on(.delete, base + "/:apiTokenId", .losant) { request, context in try await delete(request, context) }
    }

    static func error(_ failure: Vendor.Failure, _ message: String) -> VendorError { Vendor.losant.error(failure, message) }

    // MARK: auth

    /// The bearer token `Authenticate` read must exist, be active and unexpired (else 401), belong
    /// to the instance in the path (else 404) and hold one of the route's scopes (else 403).
    func authorize(_ request: Request, _ context: SandboxContext, scopes: [String]) async throws -> (instance: String, caller: LosantToken) {
        let value = context.credentials.token
        let caller = try data.token(presented: value)
        guard let caller else { throw Losant.error(.unauthorized, "Invalid token") }
        guard caller.status == "active" else { throw Losant.error(.unauthorized, "Token is inactive") }
        if let expiry = caller.expirationDate, expiry <= Timestamps.now() { throw Losant.error(.unauthorized, "Token has expired") }
        let instance = context.parameters.get("instanceId") ?? ""
        guard LosantToken.isObjectID(instance) else { throw Losant.error(.badRequest, "instanceId must be a 24-character hex id, got '\(instance)'") }
        guard instance == caller.instanceID else { throw Losant.error(.notFound, "Instance was not found") }
        guard scopes.contains(where: caller.scope.contains) else {
            throw Losant.error(.forbidden, "Token scope does not permit this action; it needs one of: \(scopes.joined(separator: ", "))")
        }
        return (instance, caller)
    }

    func tokenID(_ context: SandboxContext) throws -> String {
        let id = context.parameters.get("apiTokenId") ?? ""
        guard LosantToken.isObjectID(id) else { throw Losant.error(.badRequest, "apiTokenId must be a 24-character hex id, got '\(id)'") }
        return id.lowercased()
    }

    // MARK: list

    func list(_ request: Request, _ context: SandboxContext) async throws -> Response {
        let (instance, _) = try await authorize(request, context, scopes: LosantScopes.list)
        let q = request.formQuery
        let sortField = q["sortField"].map(String.init) ?? "name"
        guard LosantStore.sortColumns[sortField] != nil else {
            throw Losant.error(.badRequest, "sortField must be one of name, status, id, creationDate, lastUpdated, expirationDate; got '\(sortField)'")
        }
        let sortDirection = q["sortDirection"].map(String.init) ?? "asc"
        guard ["asc", "desc", ""].contains(sortDirection.lowercased()) else {
            throw Losant.error(.badRequest, "sortDirection must be asc or desc; got '\(sortDirection)'")
        }
        let page = try Losant.integer(q["page"], "page", default: 0, range: 0...Int(Int32.max))
        let perPage = try Losant.integer(q["perPage"], "perPage", default: 100, range: 1...1000)
        let filterField = q["filterField"].map(String.init) ?? ""
        let filter = q["filter"].map(String.init) ?? ""
        guard filterField.isEmpty || LosantStore.filterFields.contains(filterField) else {
            throw Losant.error(.badRequest, "filterField must be name or status; got '\(filterField)'")
        }
        let (tokens, total) = try data.page(instance: instance, filter: filterField.isEmpty || filter.isEmpty ? nil : (filterField, filter),
                                            sortField: sortField, descending: sortDirection.lowercased() == "desc", page: page, perPage: perPage)
        return JSON.response(.ok, [
            "items": .array(tokens.map { $0.json() }), "count": .int(Int64(tokens.count)), "totalCount": .int(Int64(total)),
            "perPage": .int(Int64(perPage)), "page": .int(Int64(page)),
            "filter": .string(filter), "filterField": .string(filterField),
            "sortField": .string(sortField), "sortDirection": .string(sortDirection),
            "ownerId": .string(instance), "ownerType": "instance",
        ])
    }

    static func integer(_ raw: Substring?, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let raw else { return value }
        guard let n = Int(raw), range.contains(n) else {
            throw error(.badRequest, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound); got '\(raw)'")
        }
        return n
    }

    // MARK: one token

    func get(_ request: Request, _ context: SandboxContext) async throws -> Response {
        let (instance, _) = try await authorize(request, context, scopes: LosantScopes.get)
        let id = try tokenID(context)
        guard let token = try data.token(instance: instance, id: id) else {
            throw Losant.error(.notFound, "API Token was not found")
        }
        return JSON.response(.ok, token.json())
    }

    func delete(_ request: Request, _ context: SandboxContext) async throws -> Response {
        let (instance, _) = try await authorize(request, context, scopes: LosantScopes.delete)
        let id = try tokenID(context)
        guard try await data.delete(instance: instance, id: id) else { throw Losant.error(.notFound, "API Token was not found") }
        return JSON.response(.ok, ["success": true])
    }

    // MARK: writes

    /// The body as an object whose keys are all in `allowed` (Losant's schemas forbid extra properties).
    func body(_ request: Request, allowed: [String], refused: [String: String] = [:]) async throws -> [String: JSONValue] {
        guard let data = try await JSON.body(request, tooLarge: { Losant.error(.tooLarge, "request body is larger than 1 MiB") }) else {
            throw Losant.error(.badRequest, "request body is empty; expected a JSON object")
        }
        guard let object = JSONValue.parse(data)?.object else {
            throw Losant.error(.badRequest, "request body must be a JSON object")
        }
        guard !JSONValue.object(object).holdsNUL else { throw Losant.error(.badRequest, JSON.nulRefused) }
        for key in object.keys.sorted() where !allowed.contains(key) {
            if let why = refused[key] { throw Losant.error(.badRequest, why) }
            throw Losant.error(.badRequest, "apiToken is not allowed to have the additional property \"\(key)\"; allowed: \(allowed.joined(separator: ", "))")
        }
        return object
    }

    /// Checks the fields POST and PATCH share.
    func common(_ o: [String: JSONValue]) throws -> LosantTokenFields {
        var fields = LosantTokenFields()
        if let v = o["name"] {
            guard let s = v.string, (1...255).contains(s.count) else { throw Losant.error(.badRequest, "name must be a string of 1 to 255 characters") }
            fields.name = s
        }
        if let v = o["description"] {
            guard let s = v.string, s.count <= 32767 else { throw Losant.error(.badRequest, "description must be a string of at most 32767 characters") }
            fields.description = s
        }
        if let v = o["status"] {
            guard let s = v.string, ["active", "inactive"].contains(s) else { throw Losant.error(.badRequest, "status must be active or inactive") }
            fields.status = s
        }
        if let v = o["defaultRole"] {
            guard let s = v.string, ["admin", "edit", "collaborate", "view", "none"].contains(s) else {
                throw Losant.error(.badRequest, "defaultRole must be one of admin, edit, collaborate, view, none")
            }
            fields.defaultRole = s
        }
        if let v = o["orgRoles"] {
            try Losant.checkOrgRoles(v)
            fields.orgRoles = v
        }
        return fields
    }

    static func checkOrgRoles(_ v: JSONValue) throws {
        guard let roles = v.array, roles.count <= 25 else { throw error(.badRequest, "orgRoles must be an array of at most 25 entries") }
        for (i, r) in roles.enumerated() {
            guard let o = r.object, let org = o["orgId"]?.string, LosantToken.isObjectID(org) || org == "sandbox",
                  let role = o["role"]?.string, ["admin", "edit", "collaborate", "view", "none"].contains(role) else {
                throw error(.badRequest, "orgRoles[\(i)] needs orgId (a 24-character hex id or \"sandbox\") and role (admin, edit, collaborate, view or none)")
            }
            for key in o.keys where !["orgId", "role", "applicationRoles", "dashboardRoles"].contains(key) {
                throw error(.badRequest, "orgRoles[\(i)] is not allowed to have the additional property \"\(key)\"")
            }
            for key in ["applicationRoles", "dashboardRoles"] {
                guard let list = o[key] else { continue }
                guard let items = list.array, items.count <= 100, items.allSatisfy({
                    $0["resourceId"]?.string.map(LosantToken.isObjectID) == true && ["collaborate", "view", "none"].contains($0["role"]?.string ?? "")
                }) else {
                    throw error(.badRequest, "orgRoles[\(i)].\(key) must be at most 100 of {resourceId, role: collaborate, view or none}")
                }
            }
        }
    }

    func create(_ request: Request, _ context: SandboxContext) async throws -> Response {
        let (instance, caller) = try await authorize(request, context, scopes: LosantScopes.create)
        let o = try await body(request, allowed: ["name", "description", "expirationDate", "scope", "status", "defaultRole", "orgRoles"])
        guard o["name"] != nil else { throw Losant.error(.badRequest, "name is required") }
        var fields = try common(o)
        // No default scope is documented for instance tokens; by analogy with application
        // tokens (which default to all.Application) a token without one gets all.Instance.
        var scope = ["all.Instance"]
        if let v = o["scope"] {
            guard let list = v.stringArray else { throw Losant.error(.badRequest, "scope must be an array of strings") }
            for (i, s) in list.enumerated() where !LosantScopes.assignable.contains(s) {
                throw Losant.error(.badRequest, "scope[\(i)] must be one of the allowed values; '\(s)' is not a scope")
            }
            guard Set(list).count == list.count else { throw Losant.error(.badRequest, "scope must not contain duplicate items") }
            scope = list
        }
        fields.scope = scope
        if let v = o["expirationDate"] {
            guard let s = v.string, let ms = Timestamps.parse(s) else {
                throw Losant.error(.badRequest, "expirationDate must be an ISO-8601 date-time, e.g. 2030-01-01T00:00:00.000Z")
            }
            fields.expirationDate = ms
        }
        let (token, value) = try await data.create(instance: instance, fields, by: caller)
        return JSON.response(.created, token.json(value: value))
    }

    func patch(_ request: Request, _ context: SandboxContext) async throws -> Response {
        let (instance, _) = try await authorize(request, context, scopes: LosantScopes.patch)
        let id = try tokenID(context)
        let o = try await body(request, allowed: ["name", "description", "status", "defaultRole", "orgRoles"], refused: [
            "scope": "scope cannot be changed after a token is created; create a new token instead",
            "expirationDate": "expirationDate cannot be changed after a token is created; create a new token instead",
        ])
        guard let token = try await data.update(instance: instance, id: id, try common(o)) else {
            throw Losant.error(.notFound, "API Token was not found")
        }
        return JSON.response(.ok, token.json())
    }
}
