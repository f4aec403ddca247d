import Foundation
import GRDB

/// What a create or an update of a token sets (nil: left as it is, or the default).
struct LosantTokenFields: Sendable {
    var name: String?
    var description: String?
    var status: String?
    var defaultRole: String?
    var orgRoles: JSONValue?
    /// Only at creation.
    var scope: [String]?
    var expirationDate: Int64?
}

/// Losant's data: every SQL statement of the token routes, as named operations.
struct LosantStore: Sendable {
    let store: SandboxStore

    /// The token a request presents, whatever its state (the route judges it).
    func token(presented value: String) throws -> LosantToken? {
        try store.read { db in
            try Row.fetchOne(db, sql: "SELECT \(LosantStore.columns) FROM losant_token WHERE value = ?", arguments: [value]).map(LosantToken.init)
        }
    }

    /// The API's sort fields and their columns.
    static let sortColumns = ["name": "name", "status": "status", "id": "id", "creationDate": "creation_date",
                              "lastUpdated": "last_updated", "expirationDate": "expiration_date"]
    /// The API's filter fields (each a column of the same name).
    static let filterFields = ["name", "status"]

    /// A page of an instance's tokens, with the total. `filter` is a glob (`*` any run) on one of
    /// `filterFields`; `sortField` one of `sortColumns`' keys.
    func page(instance: String, filter: (field: String, glob: String)?, sortField: String, descending: Bool, page: Int, perPage: Int) throws -> (tokens: [LosantToken], total: Int) {
        var whereSQL = "instance_id = ?"
        var arguments: StatementArguments = [instance]
        if let filter, LosantStore.filterFields.contains(filter.field) {
            whereSQL += filter.glob.likeable ? " AND \(filter.field) LIKE ? ESCAPE '\\'" : " AND 0 AND ?"
            arguments += [LosantStore.likePattern(glob: filter.glob)]
        }
        let column = LosantStore.sortColumns[sortField] ?? "name"
        let direction = descending ? "DESC" : "ASC"
        let (finalWhere, finalArguments) = (whereSQL, arguments)
        let (offset, overflow) = page.multipliedReportingOverflow(by: perPage)
        return try store.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM losant_token WHERE \(finalWhere)", arguments: finalArguments) ?? 0
            let tokens = try Row.fetchAll(db, sql: """
                SELECT \(LosantStore.columns) FROM losant_token WHERE \(finalWhere)
                ORDER BY \(column) \(direction), seq \(direction) LIMIT ? OFFSET ?
                """, arguments: finalArguments + [perPage, overflow ? Int.max : offset]).map(LosantToken.init)
            return (tokens, total)
        }
    }

    func token(instance: String, id: String) throws -> LosantToken? {
        try store.read { db in try LosantStore.token(db, instance: instance, id: id) }
    }

    /// Whether there was such a token to delete.
    func delete(instance: String, id: String) async throws -> Bool {
        try await store.write { db in
            try db.execute(sql: "DELETE FROM losant_token WHERE instance_id = ? AND id = ?", arguments: [instance, id])
            return db.changesCount > 0
        }
    }

    /// A new token made by `creator`, and its value (shown once, in the reply that created it).
    func create(instance: String, _ fields: LosantTokenFields, by creator: LosantToken) async throws -> (token: LosantToken, value: String) {
        let now = Timestamps.now()
        var columns = LosantStore.columns(fields)
        columns["scope"] = JSONValue(strings: fields.scope ?? []).text.databaseValue
        if let expiry = fields.expirationDate { columns["expiration_date"] = expiry.databaseValue }
        columns["status"] = (fields.status ?? "active").databaseValue
        columns["instance_id"] = instance.databaseValue
        columns["creation_date"] = now.databaseValue
        columns["last_updated"] = now.databaseValue
        columns["creator_id"] = creator.id.databaseValue
        columns["creator_type"] = "apiToken".databaseValue
        columns["creator_name"] = creator.name.databaseValue
        let fixed = columns
        return try await store.write { db -> (LosantToken, String) in
            // Past the highest number ever used: a deleted token's id is never given again.
            let next = (try Int.fetchOne(db, sql: "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'losant_token'), 0) + 1")) ?? 1
            let id = LosantToken.id(next)
            let value = LosantToken.newValue(id: id)
            var all = fixed
            all["id"] = id.databaseValue
            all["value"] = value.databaseValue
            let names = all.keys.sorted()
            try db.execute(sql: "INSERT INTO losant_token (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))",
                           arguments: StatementArguments(names.map { all[$0]! }))
            return (try LosantStore.token(db, instance: instance, id: id)!, value)
        }
    }

    /// The token after the change; nil when the instance has no such token.
    func update(instance: String, id: String, _ fields: LosantTokenFields) async throws -> LosantToken? {
        var columns = LosantStore.columns(fields)
        columns["last_updated"] = Timestamps.now().databaseValue
        let fixed = columns
        return try await store.write { db -> LosantToken? in
            let names = fixed.keys.sorted()
            try db.execute(sql: "UPDATE losant_token SET \(names.map { "\($0) = ?" }.joined(separator: ", ")) WHERE instance_id = ? AND id = ?",
                           arguments: StatementArguments(names.map { fixed[$0]! }) + [instance, id])
            guard db.changesCount > 0 else { return nil }
            return try LosantStore.token(db, instance: instance, id: id)
        }
    }

    // MARK: statements

    static let columns = "id, instance_id, name, description, scope, status, expiration_date, creation_date, last_updated, creator_id, creator_type, creator_name, default_role, org_roles"

    static func token(_ db: Database, instance: String, id: String) throws -> LosantToken? {
        try Row.fetchOne(db, sql: "SELECT \(columns) FROM losant_token WHERE instance_id = ? AND id = ?", arguments: [instance, id]).map(LosantToken.init)
    }

    /// The columns the fields both a create and an update may set.
    static func columns(_ fields: LosantTokenFields) -> [String: DatabaseValue] {
        var columns: [String: DatabaseValue] = [:]
        if let v = fields.name { columns["name"] = v.databaseValue }
        if let v = fields.description { columns["description"] = v.databaseValue }
        if let v = fields.status { columns["status"] = v.databaseValue }
        if let v = fields.defaultRole { columns["default_role"] = v.databaseValue }
        if let v = fields.orgRoles { columns["org_roles"] = v.text.databaseValue }
        return columns
    }

    /// `*` matches any run of characters, anchored on the whole value; case-insensitive (LIKE).
    static func likePattern(glob: String) -> String {
        glob.split(separator: "*", omittingEmptySubsequences: false).map { String($0).likeEscaped }.joined(separator: "%")
    }
}

extension LosantToken {
    /// Decodes a row of `LosantStore.columns`.
    init(row: Row) {
        id = row["id"]
        instanceID = row["instance_id"]
        name = row["name"]
        description = row["description"]
        scope = JSONValue.parse(Data((row["scope"] as String).utf8))?.stringArray ?? []
        status = row["status"]
        expirationDate = row["expiration_date"]
        creationDate = row["creation_date"]
        lastUpdated = row["last_updated"]
        creatorID = row["creator_id"]
        creatorType = row["creator_type"]
        creatorName = row["creator_name"]
        defaultRole = row["default_role"]
        orgRoles = (row["org_roles"] as String?).flatMap { JSONValue.parse(Data($0.utf8)) }
    }
}
