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
    /// The stored columns, in the order `init(row:)` reads them: rows are decoded by position
    /// because every page decodes hundreds, and GRDB's by-name lookup lowercases each name.
    static let columns = "id, email, first_name, last_name, role, custom_roles, role_attributes, pending_invite, verified, mfa, last_seen, creation_date, version"
    static let columnCount = 13
    /// A column for list queries: whether the member is in any team (one index probe).
    static let hasTeams = "EXISTS (SELECT 1 FROM ld_member_team WHERE member_id = ld_member.id)"

    /// Decodes a row whose first columns are `columns`.
    init(row: Row) {
        id = row[0]
        email = row[1]
        firstName = row[2]
        lastName = row[3]
        role = row[4]
        // The sandbox wrote these columns itself; JSONDecoder for each was a twentieth of a page.
        let roles: String = row[5]
        customRoles = roles == "[]" ? [] : JSONValue.parse(Data(roles.utf8))?.stringArray ?? []
        roleAttributes = (row[6] as String?).flatMap { JSONValue.parse(Data($0.utf8))?.object?.compactMapValues(\.stringArray) }
        pendingInvite = row[7]
        verified = row[8]
        mfa = row[9]
        lastSeen = row[10]
        creationDate = row[11]
        version = row[12]
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
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT mt.member_id, t.key, t.name FROM ld_member_team mt JOIN ld_team t ON t.key = mt.team_key
            WHERE mt.member_id IN (\(marks)) ORDER BY t.key
            """), arguments: StatementArguments(values: ids))
        while let row = try rows.next() {
            out[row[0], default: []].append((row[1], row[2]))
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
