import Foundation
import Hummingbird

/// `PATCH /api/v2/members`: the bulk semantic patch. Every instruction is validated before any
/// is applied (an invalid one changes nothing); per-member failures come back in the 200 body.
extension LaunchDarkly {
    static let semanticPatchType = "domain-model=launchdarkly.semanticpatch"

    enum Instruction: Sendable {
        case roles(value: String, members: [String])
        case allRoles(value: String, filters: Filters)
        case customRoles(values: [String], members: [String])
        case allCustomRoles(values: [String], filters: Filters)
        case roleAttributes(value: [String: [String]], members: [String])
    }

    struct Filters: Sendable {
        var lastSeen: JSONValue?
        var query: String?
        var roles: String?
        var teamKey: String?
        var ignored: [String] = []
        var isEmpty: Bool { lastSeen == nil && query == nil && roles == nil && teamKey == nil }
    }

    func semanticPatch(_ request: Request, _ credentials: Credentials) async throws -> Response {
        let caller = try data.caller(credentials)
        let contentType = request.headers[.contentType] ?? ""
        if !contentType.contains(LaunchDarkly.semanticPatchType) && options.ldSemanticPatchContentType == .strict {
            throw ldError(.badRequest, "invalid_request",
                          "this endpoint takes a semantic patch: send Content-Type: application/json; \(LaunchDarkly.semanticPatchType) (the body was read as a JSON Patch)")
        }
        try requireAdmin(caller)
        let body = try await body(request)
        guard let raw = body["instructions"]?.array, !raw.isEmpty else {
            throw ldError(.badRequest, "invalid_request", "the body needs a non-empty instructions array")
        }
        if let comment = body["comment"], comment.string == nil {
            throw ldError(.badRequest, "invalid_request", "comment must be a string")
        }
        let instructions = try raw.enumerated().map { try LaunchDarkly.instruction($0.element, index: $0.offset) }
        let result = try await data.semanticPatch(instructions, by: caller, filtersSelect: options.ldFilterReading == .select)
        return JSON.response(.ok, ["members": .array(result.updated.map { .string($0) }),
                                   "errors": .array(result.errors.map { .object([$0.0: .string($0.1)]) })])
    }

    static func instruction(_ v: JSONValue, index i: Int) throws -> Instruction {
        guard let kind = v["kind"]?.string else {
            throw ldError(.badRequest, "invalid_request", "instruction \(i) needs a kind")
        }
        func baseRole() throws -> String {
            guard let r = v["value"]?.string, ["reader", "writer", "admin", "no_access"].contains(r) else {
                throw ldError(.badRequest, "invalid_request", "instruction \(i) (\(kind)): value must be one of reader, writer, admin, no_access")
            }
            return r
        }
        func memberIDs() throws -> [String] {
            guard let ids = v["memberIDs"]?.stringArray, !ids.isEmpty else {
                throw ldError(.badRequest, "invalid_request", "instruction \(i) (\(kind)): memberIDs must be a non-empty array of member ids")
            }
            return ids
        }
        func customRoles() throws -> [String] {
            guard let values = v["values"]?.stringArray else {
                throw ldError(.badRequest, "invalid_request", "instruction \(i) (\(kind)): values must be an array of custom role keys")
            }
            return values
        }
        func filters() throws -> Filters {
            var f = Filters()
            for key in ["filterQuery", "filterRoles", "filterTeamKey"] where v[key] != nil && v[key]?.string == nil {
                throw ldError(.badRequest, "invalid_request", "instruction \(i) (\(kind)): \(key) must be a string")
            }
            f.query = v["filterQuery"]?.string
            f.roles = v["filterRoles"]?.string
            f.teamKey = v["filterTeamKey"]?.string
            if let ls = v["filterLastSeen"] {
                guard ls.object != nil else {
                    throw ldError(.badRequest, "invalid_request", "instruction \(i) (\(kind)): filterLastSeen must be an object")
                }
                f.lastSeen = ls
            }
            if let ignored = v["ignoredMemberIDs"] {
                guard let ids = ignored.stringArray else {
                    throw ldError(.badRequest, "invalid_request", "instruction \(i) (\(kind)): ignoredMemberIDs must be an array of strings")
                }
                f.ignored = ids
            }
            return f
        }
        switch kind {
        case "replaceMembersRoles": return .roles(value: try baseRole(), members: try memberIDs())
        case "replaceAllMembersRoles": return .allRoles(value: try baseRole(), filters: try filters())
        case "replaceMembersCustomRoles": return .customRoles(values: try customRoles(), members: try memberIDs())
        case "replaceAllMembersCustomRoles": return .allCustomRoles(values: try customRoles(), filters: try filters())
        case "replaceMembersRoleAttributes":
            guard let obj = v["value"]?.object, obj.values.allSatisfy({ $0.stringArray != nil }) else {
                throw ldError(.badRequest, "invalid_request", "instruction \(i) (\(kind)): value must map attribute keys to arrays of strings")
            }
            return .roleAttributes(value: obj.mapValues { $0.stringArray! }, members: try memberIDs())
        default:
            throw ldError(.badRequest, "invalid_request",
                          "instruction \(i): unknown kind '\(kind)'; kinds are replaceMembersRoles, replaceAllMembersRoles, replaceMembersCustomRoles, replaceAllMembersCustomRoles, replaceMembersRoleAttributes")
        }
    }
}
