import Foundation
import GRDB
import Hummingbird

/// A LaunchDarkly account member as stored, and as the API shows it.
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
    static let columns = "id, email, first_name, last_name, role, custom_roles, role_attributes, pending_invite, verified, mfa, last_seen, creation_date, version"

    init(row: Row) {
        id = row["id"]
        email = row["email"]
        firstName = row["first_name"]
        lastName = row["last_name"]
        role = row["role"]
        // Rows are decoded for every member of every page: most have no custom roles, so skip
        // the JSON decoder for the empty list.
        let roles: String = row["custom_roles"]
        customRoles = roles == "[]" ? [] : (try? JSONDecoder().decode([String].self, from: Data(roles.utf8))) ?? []
        roleAttributes = (row["role_attributes"] as String?).flatMap { try? JSONDecoder().decode([String: [String]].self, from: Data($0.utf8)) }
        pendingInvite = row["pending_invite"]
        verified = row["verified"]
        mfa = row["mfa"]
        lastSeen = row["last_seen"]
        creationDate = row["creation_date"]
        version = row["version"]
    }

    static func fetch(_ db: Database, id: String) throws -> LDMember? {
        guard var m = try Row.fetchOne(db, sql: "SELECT \(columns) FROM ld_member WHERE id = ?", arguments: [id]).map(LDMember.init) else { return nil }
        m.teams = try teams(db, of: [id])[id] ?? []
        return m
    }

    static func teams(_ db: Database, of ids: [String]) throws -> [String: [(key: String, name: String)]] {
        guard !ids.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        var out: [String: [(key: String, name: String)]] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT mt.member_id, t.key, t.name FROM ld_member_team mt JOIN ld_team t ON t.key = mt.team_key
            WHERE mt.member_id IN (\(marks)) ORDER BY t.key
            """, arguments: StatementArguments(ids)) {
            out[row["member_id"], default: []].append((row["key"], row["name"]))
        }
        return out
    }

    /// Saves role, custom roles and role attributes (the only fields the API may change).
    func saveRoles(_ db: Database) throws {
        let roles = JSONValue(strings: customRoles).text
        let attributes = roleAttributes.map { JSONValue(lists: $0).text }
        try db.execute(sql: "UPDATE ld_member SET role = ?, custom_roles = ?, role_attributes = ?, version = version + 1 WHERE id = ?",
                       arguments: [role, roles, attributes, id])
    }

    /// The member as JSON, written straight into `out` with the keys in the order `json()`
    /// sorts them: the list route writes hundreds of members per page, and building a
    /// dictionary for each and sorting it was most of the page's cost.
    func write(to out: inout [UInt8], expand: Set<String> = []) {
        func key(_ k: String) {
            JSONValue.writeString(k, to: &out)
            out.append(UInt8(ascii: ":"))
        }
        func string(_ k: String, _ v: String) { key(k); JSONValue.writeString(v, to: &out); out.append(UInt8(ascii: ",")) }
        func raw(_ k: String, _ v: String) { key(k); out += v.utf8; out.append(UInt8(ascii: ",")) }
        func strings(_ k: String, _ list: [String]) {
            key(k)
            JSONValue(strings: list).write(to: &out)
            out.append(UInt8(ascii: ","))
        }
        out.append(UInt8(ascii: "{"))
        string("_id", id)
        raw("_lastSeen", String(lastSeen ?? 0))
        raw("_links", #"{"self":{"href":"/api/v2/members/\#(id)","type":"application/json"}}"#)
        raw("_pendingInvite", pendingInvite ? "true" : "false")
        raw("_verified", verified ? "true" : "false")
        raw("creationDate", String(creationDate))
        strings("customRoles", customRoles)
        if expand.contains("customRoles") {
            key("customRolesInfo")
            JSONValue.array(customRoles.map { ["key": .string($0)] }).write(to: &out)
            out.append(UInt8(ascii: ","))
        }
        string("email", email)
        raw("excludedDashboards", "[]")
        if let firstName { string("firstName", firstName) }
        if let lastName { string("lastName", lastName) }
        string("mfa", mfa)
        string("role", role)
        if expand.contains("roleAttributes") {
            key("roleAttributes")
            JSONValue(lists: roleAttributes ?? [:]).write(to: &out)
            out.append(UInt8(ascii: ","))
        }
        key("teams")
        JSONValue.array(teams.map { ["customRoleKeys": [], "key": .string($0.key), "name": .string($0.name)] }).write(to: &out)
        out.append(UInt8(ascii: ","))
        raw("version", String(version))
        out[out.count - 1] = UInt8(ascii: "}")
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
