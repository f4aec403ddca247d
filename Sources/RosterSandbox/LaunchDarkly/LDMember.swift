import Foundation
import Hummingbird

/// A LaunchDarkly account member, and its JSON as the API shows it (`LDStore` reads and
/// writes it).
struct LDMember: Sendable {
    var id: String
    var email: String
    var firstName: String?
    var lastName: String?
    var role: String
    var customRoles: [String]
    var roleAttributes: [String: [String]]?
    var pendingInvite: Bool
    var verified: Bool
    var mfa: String
    var lastSeen: Int64?
    var creationDate: Int64
    var version: Int64
    var teams: [(key: String, name: String)] = []

    static let baseRoles: Set<String> = ["reader", "writer", "admin", "owner", "no_access"]

    /// The member as JSON, written straight into `out` with the keys in the order `json()`
    /// sorts them: the list route writes hundreds of members per page, and building a
    /// dictionary for each and sorting it was most of the page's cost.
    func write(to out: inout [UInt8], expand: Set<String> = []) {
        func raw(_ s: StaticString) { out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)) }
        func string(_ s: String) { JSONValue.writeString(s, to: &out) }
        func int(_ n: Int64) { JSONValue.writeInt(n, to: &out) }
        func bool(_ b: Bool) { b ? raw("true") : raw("false") }
        func strings(_ list: [String]) {
            raw("[")
            for (i, s) in list.enumerated() {
                if i > 0 { raw(",") }
                string(s)
            }
            raw("]")
        }
        raw(#"{"_id":"#); string(id)
        raw(#","_lastSeen":"#); int(lastSeen ?? 0)
        // Ids are hex digits the sandbox made: nothing in them needs escaping.
        raw(#","_links":{"self":{"href":"/api/v2/members/"#); out += id.utf8
        raw(#"","type":"application/json"}},"_pendingInvite":"#); bool(pendingInvite)
        raw(#","_verified":"#); bool(verified)
        raw(#","creationDate":"#); int(creationDate)
        raw(#","customRoles":"#); strings(customRoles)
        if expand.contains("customRoles") {
            raw(#","customRolesInfo":["#)
            for (i, role) in customRoles.enumerated() {
                if i > 0 { raw(",") }
                raw(#"{"key":"#); string(role); raw("}")
            }
            raw("]")
        }
        raw(#","email":"#); string(email)
        raw(#","excludedDashboards":[]"#)
        if let firstName { raw(#","firstName":"#); string(firstName) }
        if let lastName { raw(#","lastName":"#); string(lastName) }
        raw(#","mfa":"#); string(mfa)
        raw(#","role":"#); string(role)
        if expand.contains("roleAttributes") {
            raw(#","roleAttributes":"#)
            JSONValue(lists: roleAttributes ?? [:]).write(to: &out)
        }
        raw(#","teams":["#)
        for (i, team) in teams.enumerated() {
            if i > 0 { raw(",") }
            raw(#"{"customRoleKeys":[],"key":"#); string(team.key)
            raw(#","name":"#); string(team.name); raw("}")
        }
        raw(#"],"version":"#); int(version)
        raw("}")
    }

    func json(expand: Set<String> = []) -> JSONValue {
        var o: [String: JSONValue] = [
            "_links": ["self": ["href": .string("/api/v2/members/\(id)"), "type": "application/json"]],
            "_id": .string(id),
            "role": .string(role),
            "email": .string(email),
            "_pendingInvite": .bool(pendingInvite),
            "_verified": .bool(verified),
            "customRoles": .array(customRoles.map { .string($0) }),
            "mfa": .string(mfa),
            "_lastSeen": .int(lastSeen ?? 0),
            "creationDate": .int(creationDate),
            "version": .int(version),
            "teams": .array(teams.map { ["key": .string($0.key), "name": .string($0.name), "customRoleKeys": []] }),
            "excludedDashboards": [],
        ]
        if let firstName { o["firstName"] = .string(firstName) }
        if let lastName { o["lastName"] = .string(lastName) }
        if expand.contains("roleAttributes") {
            o["roleAttributes"] = .object((roleAttributes ?? [:]).mapValues { .array($0.map { .string($0) }) })
        }
        if expand.contains("customRoles") {
            o["customRolesInfo"] = .array(customRoles.map { ["key": .string($0)] })
        }
        return .object(o)
    }
}

/// LaunchDarkly's error body: `{"code", "message"}`.
func ldError(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> VendorError {
    VendorError(status: status, body: ["code": .string(code), "message": .string(message)])
}
