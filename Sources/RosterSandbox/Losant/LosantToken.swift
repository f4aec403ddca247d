import Foundation

/// A Losant instance API token, and its JSON as the API shows it (never with its value,
/// except in the reply that created it).
struct LosantToken: Sendable {
    var id: String
    var instanceID: String
    var name: String
    var description: String?
    var scope: [String]
    var status: String
    var expirationDate: Int64?
    var creationDate: Int64
    var lastUpdated: Int64
    var creatorID: String
    var creatorType: String
    var creatorName: String
    var defaultRole: String?
    var orgRoles: JSONValue?

    /// `ownerType` is "instance": the published enum (application, user) has no value for
    /// instance-owned tokens, and the SDK does not validate it (fact sheet §9.1).
    func json(value: String? = nil) -> JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(id), "apiTokenId": .string(id), "ownerId": .string(instanceID), "ownerType": "instance",
            "creatorId": .string(creatorID), "creatorType": .string(creatorType), "creatorName": .string(creatorName),
            "name": .string(name), "scope": .array(scope.map { .string($0) }), "status": .string(status),
            "creationDate": .string(Timestamps.iso(creationDate, style: .milliseconds)),
            "lastUpdated": .string(Timestamps.iso(lastUpdated, style: .milliseconds)),
        ]
        if let description { o["description"] = .string(description) }
        if let expirationDate { o["expirationDate"] = .string(Timestamps.iso(expirationDate, style: .milliseconds)) }
        if let defaultRole { o["defaultRole"] = .string(defaultRole) }
        if let orgRoles { o["orgRoles"] = orgRoles }
        if let value { o["token"] = .string(value) }
        return .object(o)
    }

    /// 24 hex digits, like a Mongo ObjectId.
    static func isObjectID(_ s: String) -> Bool {
        s.utf8.count == 24 && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) || (65...70).contains($0) }
    }

    /// Token ids continue a fixed numbering so runs are repeatable.
    static func id(_ n: Int) -> String {
        let hex = String(n, radix: 16)
        return "66a" + String(repeating: "0", count: 21 - hex.count) + hex
    }

    /// A fresh token value: shaped like the JWT Losant hands out, random in its signature.
    static func newValue(id: String) -> String {
        func b64(_ s: String) -> String {
            Data(s.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        }
        let signature = (0..<43).map { _ in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".randomElement()! }
        return b64(#"{"alg":"HS256","typ":"JWT"}"#) + "." + b64(#"{"sub":"\#(id)","scope":"instance"}"#) + "." + String(signature)
    }
}

/// The scopes a token may be given, and those each route accepts (fact sheet §2, §6).
enum LosantScopes {
    static let instanceRealm: Set<String> = {
        let groups: [(String, [String])] = [
            ("instance", ["get", "patch", "historicalSummaries", "generateReport", "payloadCounts", "payloadCountsBreakdown", "deviceCounts", "notebookMinuteCounts"]),
            ("instanceOrg", ["get", "patch", "delete", "payloadCounts", "payloadCountsBreakdown", "deviceCounts", "notebookMinuteCounts", "convertToEnterprise"]),
            ("instanceOrgs", ["get", "post"]), ("instanceMember", ["get", "patch", "delete"]), ("instanceMembers", ["get", "post"]),
            ("instanceOrgMember", ["get", "patch", "delete"]), ("instanceOrgMembers", ["get", "post"]),
            ("instanceOrgInvite", ["get", "delete", "resendInvite"]), ("instanceOrgInvites", ["get", "post"]),
            ("instanceApiTokens", ["get", "post"]), ("instanceApiToken", ["get", "patch", "delete"]),
            ("instanceCustomNodes", ["get", "post"]), ("instanceCustomNode", ["get", "patch", "delete", "errors", "stats"]),
            ("instanceNotificationRules", ["get", "post"]), ("instanceNotificationRule", ["get", "patch", "delete", "evaluate", "logs"]),
            ("instanceSandbox", ["get", "delete", "undelete", "payloadCounts", "payloadCountsBreakdown", "deviceCounts", "notebookMinuteCounts"]),
            ("instanceSandboxes", ["get"]), ("instanceAuditLog", ["get"]), ("instanceAuditLogs", ["get"]),
        ]
        var all: Set<String> = ["all.Instance", "all.Instance.bounded", "all.Instance.read"]
        for (resource, actions) in groups {
            all.insert(resource + ".*")
            for a in actions { all.insert(resource + "." + a) }
        }
        return all
    }()

    /// The instance realm in full, plus the other realms' umbrellas. The union of every realm's
    /// 500 names is not published in one place; these are the ones an instance admin would use.
    static let assignable: Set<String> = instanceRealm.union(
        ["Application", "Device", "Organization", "User"].flatMap { ["all.\($0)", "all.\($0).read", "all.\($0).bounded"] })

    static let readCollection = ["all.Instance", "all.Instance.bounded", "all.Instance.read", "all.User", "all.User.bounded", "all.User.read"]
    static let list = readCollection + ["instanceApiTokens.*", "instanceApiTokens.get"]
    static let create = ["all.Instance", "all.User", "instanceApiTokens.*", "instanceApiTokens.post"]
    static let get = readCollection + ["instanceApiToken.*", "instanceApiToken.get"]
    static let patch = ["all.Instance", "all.User", "instanceApiToken.*", "instanceApiToken.patch"]
    static let delete = ["all.Instance", "all.User", "instanceApiToken.*", "instanceApiToken.delete"]
}
