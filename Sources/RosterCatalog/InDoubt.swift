import Foundation
import RosterScript

/// What to do with a write whose fate is unknown: the server answered 5xx, the connection broke
/// after the request went out, or a journal holds its intent but no outcome. It may have been
/// applied; it must not be applied twice.
public enum InDoubt: Sendable {
    /// Sending it again cannot apply it twice: a replace, a set, a removal (for a DELETE, a
    /// 404 on the second try means the first one did it).
    case resend
    /// Sent again when the body says it cannot apply twice (`safe`), else reported.
    case resendWhen(@Sendable (_ body: Value?) -> Bool)
    /// Look for what the write would have made; send it again only if it is not there.
    case lookUp(Lookup)
    /// No safe way to tell: report the doubt rather than risk a second copy.
    case report
}

extension InDoubt {
    /// JSON Patch operations that leave the same document when applied twice: `replace`,
    /// `test`, and `add` to a named key. An `add` at an array's end (`/-`) or an index inserts
    /// again, and a `remove` by index, a `move` or a `copy` would change a second thing.
    static let setsOnly: @Sendable (Value?) -> Bool = { body in
        guard case .list(let operations)? = body, !operations.isEmpty else { return false }
        return operations.allSatisfy { operation in
            guard case .record(let r) = operation, case .string(let op)? = r["op"], case .string(let path)? = r["path"] else { return false }
            switch op {
            case "replace", "test": return true
            case "add":
                let last = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
                return last != "-" && !(last.first?.isNumber ?? false)
            default: return false
            }
        }
    }
}

/// The read that finds a create's result, declared next to the operation.
public struct Lookup: Sendable {
    /// The read's `path?query`, from the write's path and its body (nil: it cannot be built).
    public let target: @Sendable (_ path: String, _ body: Value) -> String?
    /// The key of the read's answer that holds the candidates.
    public let itemsKey: String
    /// Whether a candidate is what this body would have made; `since` is when the write was
    /// first sent (seconds since 1970), for objects that have no natural key.
    public let matches: @Sendable (_ candidate: Value, _ body: Value, _ since: Double) -> Bool
    /// For a body that is a list (LaunchDarkly invites): each item is looked up on its own and
    /// only the missing ones are sent again.
    public let eachItem: Bool
    /// Whether `matches` compares creation times with `since`: the server's clock then decides,
    /// read from the lookup's `Date` (a server whose clock is behind would otherwise hide the
    /// write it made, and the create would be sent again).
    public let byTime: Bool
    /// Fields only the create's own answer carries (a Losant token's value): when the write is
    /// found by looking, they are gone, and the user is told.
    public let onlyInAnswer: [String]
    /// Whether what the body is looked up by names one object at most (a login, an email):
    /// then a match on a first page of many is the one. A name that may repeat (a Losant
    /// token's, an app user's) needs every candidate read.
    public let unique: @Sendable (_ body: Value) -> Bool

    public init(itemsKey: String, eachItem: Bool = false, byTime: Bool = false, onlyInAnswer: [String] = [],
                unique: @escaping @Sendable (_ body: Value) -> Bool = { _ in true },
                target: @escaping @Sendable (_ path: String, _ body: Value) -> String?,
                matches: @escaping @Sendable (_ candidate: Value, _ body: Value, _ since: Double) -> Bool) {
        self.target = target
        self.itemsKey = itemsKey
        self.matches = matches
        self.eachItem = eachItem
        self.byTime = byTime
        self.onlyInAnswer = onlyInAnswer
        self.unique = unique
    }

    /// What a read's answer says of the write: the one candidate that matches and is no other
    /// write's known result (`claimed`: two Losant tokens of one name), none, or several
    /// that cannot be told apart (then it is not sent again: it may be any of them).
    func found(in answer: Value, for body: Value, since: Double, claimed: Set<String> = []) -> Found {
        guard case .record(let r) = answer, case .list(let items)? = r[itemsKey] else { return .none }
        let candidates = items.filter { matches($0, body, since) && !(Lookup.text($0, "id").map(claimed.contains) ?? false) }
        switch candidates.count {
        case 0: return .none
        case 1: return .one(candidates[0])
        default: return .several(candidates.count)
        }
    }

    enum Found { case none, one(Value), several(Int) }

    /// How many candidates the listing says there are, when the page read holds fewer (Box's
    /// `total_count`, LaunchDarkly's and Losant's `totalCount`): finding none on it proves
    /// nothing.
    func unread(in answer: Value) -> Int? {
        guard case .record(let r) = answer, case .list(let items)? = r[itemsKey] else { return nil }
        for key in ["total_count", "totalCount"] {
            if case .int(let total)? = r[key], total > items.count { return total }
        }
        return nil
    }
}

extension Lookup {
    static func q(_ s: String) -> String { PreparedRequest.escape(s) }

    /// `a.b` of a value, as text (ids may be numbers or strings).
    static func text(_ v: Value, _ path: String) -> String? {
        var cur = v
        for key in path.split(separator: ".") {
            guard case .record(let r) = cur, let next = r[String(key)] else { return nil }
            cur = next
        }
        switch cur {
        case .string(let s): return s
        case .int(let i): return String(i)
        default: return nil
        }
    }

    /// Whether a candidate was made since the write was first sent (a few seconds' margin, on
    /// the server's clock): an object that was there before is not what the write made (a
    /// create of an existing login, retried after a 5xx that applied nothing, took Ada's 2023
    /// account as its result, and a membership's requested role was never set). `field` holds
    /// an ISO time, or milliseconds since 1970 (`ms`); a candidate without it is not ruled out.
    /// With `required`, a candidate without the time is ruled out (its key is not unique).
    static func madeSince(_ c: Value, _ field: String, _ since: Double, ms: Bool = false, required: Bool = false) -> Bool {
        guard case .record(let r) = c, let value = r[field], !value.isNull else { return !required }
        let made: Double?
        switch value {
        case .string(let s): made = ms ? Double(s).map { $0 / 1000 } : ISOTime.parse(s)
        case .int(let n) where ms: made = Double(n) / 1000
        case .double(let d) where ms: made = d / 1000
        default: made = nil
        }
        guard let made else { return !required }
        return made >= since - 5
    }

    static func same(_ a: Value, _ b: Value, _ path: String, caseInsensitive: Bool = false) -> Bool {
        guard let x = text(a, path), let y = text(b, path) else { return false }
        return caseInsensitive ? x.lowercased() == y.lowercased() : x == y
    }

    /// Box: a user with this login (logins are unique; Box compares them without case), made
    /// since the write was sent. An app user's login is Box's own (a login in its body is
    /// ignored): it is an app user of this name (names are not unique) and external id made
    /// since the write was sent, as a Losant token is. It had no lookup, and was sent again.
    static let boxUser = Lookup(itemsKey: "entries", byTime: true, unique: { !isAppUser($0) }, target: { _, body in
        if isAppUser(body) {
            // Every app user of a name is read the same way, so twins share their flight.
            return text(body, "name").map { "/2.0/users?filter_term=\(q($0))&fields=name,login,created_at,is_platform_access_only,external_app_user_id&limit=1000" }
        }
        return text(body, "login").map { "/2.0/users?filter_term=\(q($0))&limit=1000" }
    }, matches: { c, body, since in
        guard isAppUser(body) else { return same(c, body, "login", caseInsensitive: true) && madeSince(c, "created_at", since) }
        // A managed user of the name is not it (is_platform_access_only comes only when asked for).
        guard isAppUser(c), same(c, body, "name"), text(c, "external_app_user_id") == text(body, "external_app_user_id") else { return false }
        return madeSince(c, "created_at", since, required: true)
    })

    static func isAppUser(_ v: Value) -> Bool {
        if case .record(let r) = v, case .bool(true)? = r["is_platform_access_only"] { true } else { false }
    }

    /// Box: a group with this name (unique in the enterprise), made since the write was sent.
    static let boxGroup = Lookup(itemsKey: "entries", byTime: true, target: { _, body in
        text(body, "name").map { "/2.0/groups?filter_term=\(q($0))&limit=1000" }
    }, matches: { c, body, since in same(c, body, "name") && madeSince(c, "created_at", since) })

    /// Box: the user's membership of this group (a user has few memberships; a group may have
    /// many), made since the write was sent.
    static let boxMembership = Lookup(itemsKey: "entries", byTime: true, target: { _, body in
        text(body, "user.id").map { "/2.0/users/\(q($0))/memberships?limit=1000" }
    }, matches: { c, body, since in same(c, body, "group.id", caseInsensitive: false) && madeSince(c, "created_at", since) })

    /// LaunchDarkly: a member with this email, one invite at a time. By the exact `email:`
    /// filter (as typed and in lower case): `query:` matches any email containing it, and in a
    /// large account the member sought could be past the first page. An email the filter's
    /// syntax cannot carry (`,` or `|`) falls back to `query:`.
    static let ldMember = Lookup(itemsKey: "items", eachItem: true, byTime: true, target: { _, form in
        text(form, "email").map { email in
            let exact = email.contains(",") || email.contains("|") ? "query:" + email
                : "email:" + ([email] + (email.lowercased() == email ? [] : [email.lowercased()])).joined(separator: "|")
            return "/api/v2/members?filter=\(q(exact))&limit=100"
        }
    }, matches: { c, form, since in same(c, form, "email", caseInsensitive: true) && madeSince(c, "creationDate", since, ms: true) })

    /// Losant: token names are not unique, so the match is a token of this name created since
    /// the write was first sent, by the server's clock (a few seconds' margin). Its value, shown only at
    /// creation, is lost with the answer.
    static let losantToken = Lookup(itemsKey: "items", byTime: true, onlyInAnswer: ["token"], unique: { _ in false }, target: { path, body in
        text(body, "name").map { "\(path)?filterField=name&filter=\(q($0))&perPage=1000&sortField=creationDate&sortDirection=desc" }
    }, matches: { c, body, since in
        guard same(c, body, "name"), let created = text(c, "creationDate"), let date = ISOTime.parse(created) else { return false }
        return date >= since - 5
    })
}

/// The transport's word that a write's fate is unknown (5xx, or a connection lost after sending).
struct WriteInDoubt: Error {
    let message: String
}
