import Foundation
import GRDB

extension StatementArguments {
    /// Positional arguments without GRDB's generic initializer, whose `map(\.databaseValue)`
    /// made its key path anew at every call (a thirtieth of a member page's time).
    init(values: [some DatabaseValueConvertible]) {
        self.init(values.map { Optional<any DatabaseValueConvertible>.some($0.databaseValue) })
    }
}

/// The list route's `filter` and `sort`, turned into SQL. Also used by the semantic patch's
/// `replaceAll*` filters, which share the list filters' meaning.
struct LDMemberQuery: Sendable {
    var clauses: [String] = []
    var arguments: [DatabaseValue] = []
    var order = "seq"

    static let filterFields = ["query", "role", "id", "email", "team", "noteam", "lastSeen"]

    /// `filter=query:abc,role:admin|writer`: commas AND clauses, `|` ORs values.
    /// Bounds on a filter: each clause and each listed value is SQL, and a query must stay small.
    static let maxClauses = 20
    static let maxValues = 100

    mutating func applyFilter(_ filter: String) throws(VendorError) {
        let all = filter.split(separator: ",", omittingEmptySubsequences: true)
        guard all.count <= LDMemberQuery.maxClauses else {
            throw ldError(.badRequest, "invalid_request", "filter has \(all.count) clauses; at most \(LDMemberQuery.maxClauses) are allowed")
        }
        for clause in all {
            if clause.count { $0 == "|" } >= LDMemberQuery.maxValues {
                throw ldError(.badRequest, "invalid_request", "filter clause lists more than \(LDMemberQuery.maxValues) values")
            }
            guard let colon = clause.firstIndex(of: ":") else {
                throw ldError(.badRequest, "invalid_request", "filter clause '\(clause)' must be field:value; fields are \(LDMemberQuery.filterFields.joined(separator: ", "))")
            }
            let field = String(clause[..<colon])
            let value = String(clause[clause.index(after: colon)...])
            switch field {
            case "query": query(value)
            case "role": roles(value)
            case "id": inList("id", value)
            case "email": inList("email", value)
            case "team": team(value)
            case "noteam":
                guard value == "true" || value == "false" else {
                    throw ldError(.badRequest, "invalid_request", "filter noteam takes true or false, got '\(value)'")
                }
                clauses.append("\(value == "true" ? "NOT " : "")EXISTS (SELECT 1 FROM ld_member_team mt WHERE mt.member_id = ld_member.id)")
            case "lastSeen": try lastSeen(JSONValue.parse(Data(value.utf8)), source: value)
            case "accessCheck":
                throw ldError(.badRequest, "invalid_request", "filter accessCheck was removed in API version 20240415")
            default:
                throw ldError(.badRequest, "invalid_request", "unknown filter field '\(field)'; fields are \(LDMemberQuery.filterFields.joined(separator: ", "))")
            }
        }
    }

    mutating func query(_ q: String) {
        guard q.likeable else { return clauses.append("0") }
        let like = "%" + q.likeEscaped + "%"
        clauses.append("(email LIKE ? ESCAPE '\\' OR first_name LIKE ? ESCAPE '\\' OR last_name LIKE ? ESCAPE '\\' OR (COALESCE(first_name, '') || ' ' || COALESCE(last_name, '')) LIKE ? ESCAPE '\\')")
        arguments += Array(repeating: like.databaseValue, count: 4)
    }

    /// Base or custom roles; `owner` counts as `admin`.
    mutating func roles(_ value: String) {
        var roles = value.split(separator: "|").map(String.init)
        if roles.contains("admin") { roles.append("owner") }
        let marks = Array(repeating: "?", count: roles.count).joined(separator: ",")
        // Most members have no custom roles: test for '[]' first so json_each runs only where it can match.
        clauses.append("(role IN (\(marks)) OR (custom_roles != '[]' AND EXISTS (SELECT 1 FROM json_each(ld_member.custom_roles) WHERE json_each.value IN (\(marks)))))")
        arguments += (roles + roles).map(\.databaseValue)
    }

    mutating func inList(_ column: String, _ value: String) {
        let values = value.split(separator: "|").map(String.init)
        clauses.append("\(column) IN (\(Array(repeating: "?", count: values.count).joined(separator: ",")))")
        arguments += values.map(\.databaseValue)
    }

    mutating func team(_ key: String) {
        clauses.append("EXISTS (SELECT 1 FROM ld_member_team mt WHERE mt.member_id = ld_member.id AND mt.team_key = ? COLLATE NOCASE)")
        arguments.append(key.databaseValue)
    }

    mutating func excluding(_ ids: [String]) {
        guard !ids.isEmpty else { return }
        // One argument, the list as JSON: a variable per id ran past SQLite's limit at 250,000.
        clauses.append("id NOT IN (SELECT value FROM json_each(?))")
        arguments += [JSONValue(strings: ids).text.databaseValue]
    }

    /// `{"never": true}`, `{"noData": true}` (both: never seen) or `{"before": epochMillis}`.
    mutating func lastSeen(_ v: JSONValue?, source: String) throws(VendorError) {
        if v?["never"]?.bool == true || v?["noData"]?.bool == true {
            clauses.append("last_seen IS NULL")
        } else if let before = v?["before"]?.int {
            clauses.append("last_seen < ?")
            arguments.append(before.databaseValue)
        } else {
            throw ldError(.badRequest, "invalid_request", "lastSeen filter must be {\"never\": true}, {\"noData\": true} or {\"before\": <epoch ms>}, got \(source)")
        }
    }

    /// `sort=displayName,-lastSeen`. Never-seen members count as the oldest.
    mutating func applySort(_ sort: String) throws(VendorError) {
        var parts: [String] = []
        for field in sort.split(separator: ",") {
            let descending = field.hasPrefix("-")
            let name = descending ? String(field.dropFirst()) : String(field)
            let direction = descending ? "DESC" : "ASC"
            switch name {
            case "displayName":
                parts.append("COALESCE(NULLIF(TRIM(COALESCE(first_name, '') || ' ' || COALESCE(last_name, '')), ''), email) COLLATE NOCASE \(direction)")
            case "lastSeen":
                parts.append("COALESCE(last_seen, -1) \(direction)")
            default:
                throw ldError(.badRequest, "invalid_request", "cannot sort by '\(name)'; sort fields are displayName and lastSeen (prefix - for descending)")
            }
        }
        if !parts.isEmpty { order = (parts + ["seq"]).joined(separator: ", ") }
    }

    var whereSQL: String { clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ") }
    var statementArguments: StatementArguments { StatementArguments(values: arguments) }
    /// What tells this filter apart from others, for the list's page cursors (the arguments'
    /// own description mapped them through a key path made anew for every request).
    var filterKey: String {
        arguments.isEmpty ? whereSQL : whereSQL + "|" + arguments.map { $0.description }.joined(separator: "\u{1F}")
    }
}
