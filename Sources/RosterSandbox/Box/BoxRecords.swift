import Foundation
import GRDB

/// Box users, groups and memberships as stored, and their JSON representations: full, standard
/// (list entries), mini (nested), and what `fields=` asks for.
enum BoxRecords {
    static let enterprise: JSONValue = ["type": "enterprise", "id": "1000", "name": "Roster Sandbox"]

    /// Ids are strings of digits; each kind counts up from its own base so they never collide.
    static func userID(_ seq: Int64) -> String { String(20_000_000 + seq) }
    static func groupID(_ seq: Int64) -> String { String(57_000 + seq) }
    static func membershipID(_ seq: Int64) -> String { String(1_560_000 + seq) }

    static func time(_ ms: Int64) -> JSONValue { .string(Timestamps.iso(ms, style: .offset)) }

    /// Stored attributes over the defaults; most rows have none, so skip the decoder for `{}`.
    static func merge(_ attributes: String, into o: inout [String: JSONValue]) {
        guard attributes != "{}", let stored = JSONValue.parse(Data(attributes.utf8))?.object else { return }
        o.merge(stored) { $1 }
    }

    // MARK: users

    static let userColumns = "id, name, login, role, status, attributes, created_at, modified_at"
    static let userMini = ["type", "id", "name", "login"]
    static let userStandard = userMini + ["created_at", "modified_at", "language", "timezone", "space_amount", "space_used", "max_upload_size",
                                          "status", "job_title", "phone", "address", "avatar_url", "notification_email"]

    /// Attributes a user is created with when the request leaves them out.
    static let userDefaults: [String: JSONValue] = [
        "language": "en", "timezone": "America/Los_Angeles", "space_amount": .int(10_737_418_240), "job_title": "", "phone": "", "address": "",
        "tracking_codes": [], "can_see_managed_users": true, "is_sync_enabled": true, "is_external_collab_restricted": false,
        "is_exempt_from_device_limits": false, "is_exempt_from_login_verification": false, "is_platform_access_only": false,
    ]

    static func user(_ row: Row) -> [String: JSONValue] {
        let id: String = row["id"]
        var o = userDefaults
        merge(row["attributes"], into: &o)
        o["type"] = "user"
        o["id"] = .string(id)
        o["name"] = .string(row["name"])
        o["login"] = (row["login"] as String?).map(JSONValue.string) ?? .string("AppUser_\(id)@boxdevedition.com")
        o["role"] = .string(row["role"])
        o["status"] = .string(row["status"])
        o["created_at"] = time(row["created_at"])
        o["modified_at"] = time(row["modified_at"])
        o["space_used"] = 0
        o["max_upload_size"] = .int(2_147_483_648)
        o["avatar_url"] = .string("https://app.box.com/api/avatar/large/\(id)")
        o["notification_email"] = .null
        o["enterprise"] = enterprise
        o["my_tags"] = []
        o["hostname"] = "https://app.box.com/"
        // A string in Box's schema, not nullable: left out when the user has none.
        if o["external_app_user_id"] == .null { o["external_app_user_id"] = nil }
        return o
    }

    // MARK: groups

    static let groupColumns = "id, name, group_type, attributes, created_at, modified_at"
    static let groupMini = ["type", "id", "name", "group_type"]
    static let groupStandard = groupMini + ["created_at", "modified_at"]
    static let groupDefaults: [String: JSONValue] = [
        // Strings, as the published Group schema has them (not null): empty when unset.
        "provenance": "", "external_sync_identifier": "", "description": "",
        "invitability_level": "admins_only", "member_viewability_level": "admins_only",
    ]

    static func group(_ row: Row) -> [String: JSONValue] {
        var o = groupDefaults
        merge(row["attributes"], into: &o)
        o["type"] = "group"
        o["id"] = .string(row["id"])
        o["name"] = .string(row["name"])
        o["group_type"] = .string(row["group_type"])
        o["created_at"] = time(row["created_at"])
        o["modified_at"] = time(row["modified_at"])
        o["permissions"] = ["can_invite_as_collaborator": true]
        return o
    }

    // MARK: memberships

    /// A membership row joined with its user and group, for the nested minis.
    static let membershipSelect = """
        SELECT m.id, m.role, m.configurable_permissions, m.created_at, m.modified_at, m.group_id,
               u.id AS user_id, u.name AS user_name, u.login AS user_login, g.name AS group_name, g.group_type
        FROM box_membership m JOIN box_user u ON u.id = m.user_id JOIN box_group g ON g.id = m.group_id
        """

    static let permissionKeys = ["can_run_reports", "can_instant_login", "can_create_accounts", "can_edit_accounts"]

    /// An admin's configurable permissions: omitted ones enabled, null disables them all.
    static func permissions(_ stored: String?) -> JSONValue {
        var permissions = Dictionary(uniqueKeysWithValues: permissionKeys.map { ($0, JSONValue.bool(stored != "null")) })
        if let stored, let given = JSONValue.parse(Data(stored.utf8))?.object { permissions.merge(given) { $1 } }
        return .object(permissions)
    }

    /// A `membershipSelect` row as `membership(_:)` shows it, written straight into `out` with
    /// the keys in the order `JSONValue.object` sorts them: list pages write hundreds, and a
    /// dictionary per membership (and two nested) was most of a page's cost. Columns are read by
    /// position, in `membershipSelect`'s order.
    static func writeMembership(_ row: Row, to out: inout [UInt8]) {
        let role: String = row[1]
        if role == "admin" {
            out += #"{"configurable_permissions":"#.utf8
            permissions(row[2]).write(to: &out)
            out += #","created_at":""#.utf8
        } else {
            out += #"{"created_at":""#.utf8
        }
        Timestamps.writeISO(row[3], style: .offset, to: &out)
        out += #"","group":{"group_type":"#.utf8
        JSONValue.writeString(row[10], to: &out)
        out += #","id":"#.utf8
        JSONValue.writeString(row[5], to: &out)
        out += #","name":"#.utf8
        JSONValue.writeString(row[9], to: &out)
        out += #","type":"group"},"id":"#.utf8
        JSONValue.writeString(row[0], to: &out)
        out += #","modified_at":""#.utf8
        Timestamps.writeISO(row[4], style: .offset, to: &out)
        out += #"","role":"#.utf8
        JSONValue.writeString(role, to: &out)
        let userID: String = row[6]
        out += #","type":"group_membership","user":{"id":"#.utf8
        JSONValue.writeString(userID, to: &out)
        out += #","login":"#.utf8
        JSONValue.writeString((row[8] as String?) ?? "AppUser_\(userID)@boxdevedition.com", to: &out)
        out += #","name":"#.utf8
        JSONValue.writeString(row[7], to: &out)
        out += #","type":"user"}}"#.utf8
    }

    static func membership(_ row: Row) -> [String: JSONValue] {
        let userID: String = row["user_id"]
        var o: [String: JSONValue] = [
            "type": "group_membership", "id": .string(row["id"]),
            "user": ["type": "user", "id": .string(userID), "name": .string(row["user_name"]),
                     "login": .string((row["user_login"] as String?) ?? "AppUser_\(userID)@boxdevedition.com")],
            "group": ["type": "group", "id": .string(row["group_id"]), "name": .string(row["group_name"]), "group_type": .string(row["group_type"])],
            "role": .string(row["role"]),
            "created_at": time(row["created_at"]), "modified_at": time(row["modified_at"]),
        ]
        // Not in the current spec, but Box has shown it and the SDK keeps unknown keys: an
        // admin's configurable permissions (omitted ones enabled; null disables them all).
        if o["role"] == "admin" {
            o["configurable_permissions"] = permissions(row["configurable_permissions"])
        }
        return o
    }

    // MARK: fields

    /// With `fields`, only the mini representation plus the fields asked for; without, `standard`
    /// (nil: everything).
    static func shape(_ full: [String: JSONValue], mini: [String], standard: [String]?, fields: [String]?) -> JSONValue {
        if let fields {
            return .object(full.filter { mini.contains($0.key) || fields.contains($0.key) })
        }
        guard let standard else { return .object(full) }
        return .object(full.filter { standard.contains($0.key) })
    }
}
