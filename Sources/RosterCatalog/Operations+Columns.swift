import Foundation
import RosterScript

/// What a listing shows in a table by default: the fields an admin reads first, as dotted
/// paths, `header=path` where the last field is not the name to show. `--wide` shows every
/// field, `--columns "a,b.c"` these; JSON, NDJSON and CSV always give the whole objects.
extension Operation {
    static let defaultColumns: [String: [String]] = [
        "ld members list": ["email", "firstName", "lastName", "role", "customRoles", "teams=teams.key", "lastSeen=_lastSeen"],
        "box memberships list": ["id", "user.login", "user.name", "group.name", "role", "created_at"],
        "box memberships list-for-user": ["id", "group.name", "role", "created_at"],
        "box users list": ["id", "login", "name", "status"],
        "box groups list": ["id", "name", "group_type"],
        "losant tokens list": ["id", "name", "status", "scope", "expirationDate"],
    ]

    /// The table hint of this listing, or nil (no declared columns).
    var tableHint: TableHint? {
        Operation.defaultColumns[name].map { TableHint(columns: $0, noun: words[0], shown: service == .losant ? Operation.losantExpiry : nil) }
    }

    /// Losant keeps an expired token's status `active`: a table says `active (expired)`, so
    /// an admin is not misled (the value and JSON keep the API's word).
    @Sendable static func losantExpiry(_ item: Value) -> Value {
        guard case .record(var r) = item, case .string("active")? = r["status"], case .string(let text)? = r["expirationDate"],
              let expiry = Operation.isoTime(text), expiry < Date() else { return item }
        r["status"] = .string("active (expired)")
        return .record(r)
    }

    static func isoTime(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
