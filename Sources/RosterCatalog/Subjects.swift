import Foundation
import RosterScript

/// Who an id is: the email of a LaunchDarkly member, the login of a Box user, the name of a Box
/// group or a Losant token, learnt from every answer the run has read. Plans, partial failures
/// and warnings name their subjects with it ("ada@example.com (64b…01)") without a read of
/// their own. Bounded, so that iterating a listing of any length stays in constant memory: past
/// `capacity` entries the oldest half is forgotten (names are shown where known, never needed).
final class Subjects: @unchecked Sendable {
    enum Kind: String, Sendable {
        case ldMember, boxUser, boxGroup, boxMembership, losantToken
    }

    struct Key: Hashable {
        let kind: Kind
        let id: String
    }

    private let lock = NSLock()
    private var names: [Key: String] = [:]
    private var order: [Key] = []
    let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    func name(_ kind: Kind, _ id: String) -> String? {
        lock.withLock { names[Key(kind: kind, id: id)] }
    }

    /// `ada@example.com (64b…01)`, or the id alone when it is not known.
    func describe(_ kind: Kind, _ id: String) -> String {
        name(kind, id).map { "\($0) (\(id))" } ?? id
    }

    /// Learns the subjects an answer of `service` holds: items of a page, a record, and the
    /// records nested in them (a Box membership holds its user and group).
    func learn(_ value: Value, service: Service) {
        var found: [(Key, String)] = []
        Subjects.collect(value, service, depth: 0, into: &found)
        guard !found.isEmpty else { return }
        lock.withLock {
            for (key, name) in found {
                if names.updateValue(name, forKey: key) == nil { order.append(key) }
            }
            if order.count > capacity {
                let drop = order.count - capacity / 2
                for key in order[..<drop] { names[key] = nil }
                order.removeFirst(drop)
            }
        }
    }

    private static func collect(_ value: Value, _ service: Service, depth: Int, into found: inout [(Key, String)]) {
        guard depth < 4 else { return }
        switch value {
        case .list(let items):
            for item in items { collect(item, service, depth: depth + 1, into: &found) }
        case .record(let r):
            if let subject = subject(r, service) { found.append(subject) }
            for (_, v) in r {
                if case .record = v { collect(v, service, depth: depth + 1, into: &found) }
                else if case .list = v { collect(v, service, depth: depth + 1, into: &found) }
            }
        default: break
        }
    }

    private static func subject(_ r: Record, _ service: Service) -> (Key, String)? {
        func text(_ key: String) -> String? {
            switch r[key] {
            case .string(let s)?: s
            case .int(let i)?: String(i)
            default: nil
            }
        }
        switch service {
        case .launchDarkly:
            guard let id = text("_id"), let email = text("email") else { return nil }
            return (Key(kind: .ldMember, id: id), email)
        case .box:
            guard let id = text("id") else { return nil }
            switch text("type") {
            case "user": return text("login").map { (Key(kind: .boxUser, id: id), $0) }
            case "group": return text("name").map { (Key(kind: .boxGroup, id: id), $0) }
            case "group_membership":
                guard case .record(let user)? = r["user"], case .record(let group)? = r["group"],
                      case .string(let login)? = user["login"], case .string(let name)? = group["name"] else { return nil }
                return (Key(kind: .boxMembership, id: id), "\(login) in \(name)")
            default: return nil
            }
        case .losant:
            guard let id = text("id"), let name = text("name") else { return nil }
            return (Key(kind: .losantToken, id: id), name)
        }
    }

    /// The subjects a write touches, as (kind, id): the path's id and the ids its body names.
    static func touched(by request: PreparedRequest, body: Value?) -> [(Kind, String)] {
        let op = request.operation
        let parts = request.path.split(separator: "?")[0].split(separator: "/").map(String.init)
        var out: [(Kind, String)] = []
        switch op.service {
        case .launchDarkly:
            // /api/v2/members/{id}[/teams]
            if parts.count >= 4, parts[2] == "members" { out.append((.ldMember, parts[3])) }
            if case .record(let b)? = body, case .list(let instructions)? = b["instructions"] {
                for case .record(let i) in instructions {
                    if case .list(let ids)? = i["memberIDs"] { for case .string(let id) in ids { out.append((.ldMember, id)) } }
                }
            }
        case .box:
            if parts.count >= 3 {
                switch parts[1] {
                case "users": out.append((.boxUser, parts[2]))
                case "groups": out.append((.boxGroup, parts[2]))
                case "group_memberships": out.append((.boxMembership, parts[2]))
                default: break
                }
            }
            if case .record(let b)? = body {
                if case .record(let u)? = b["user"], let id = Lookup.text(.record(u), "id") { out.append((.boxUser, id)) }
                if case .record(let g)? = b["group"], let id = Lookup.text(.record(g), "id") { out.append((.boxGroup, id)) }
            }
        case .losant:
            // /instances/{instance}/tokens/{id}
            if let i = parts.firstIndex(of: "tokens"), i + 1 < parts.count { out.append((.losantToken, parts[i + 1])) }
        }
        return out
    }
}
