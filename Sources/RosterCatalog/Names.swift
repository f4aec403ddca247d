import Foundation
import RosterScript

/// A resource an admin knows by name but whose API asks for its id: a parameter declared with
/// one takes either, and a name is resolved with a read of the service's own listing (filtered
/// to it), cached for the run. A value shaped like the service's ids is never looked up.
public enum NameLookup: String, Sendable {
    case boxGroup, boxUser, ldMember, losantToken

    /// "Box group", for messages.
    var noun: String {
        switch self {
        case .boxGroup: "Box group"
        case .boxUser: "Box user"
        case .ldMember: "LaunchDarkly member"
        case .losantToken: "Losant token"
        }
    }

    /// The field that holds the name: unique for groups, logins and emails; not for tokens.
    var nameField: String {
        switch self {
        case .boxGroup, .losantToken: "name"
        case .boxUser: "login"
        case .ldMember: "email"
        }
    }

    var idField: String { self == .ldMember ? "_id" : "id" }

    /// Whether the service keeps the name unique (Box group names, logins, emails), so that
    /// the first exact match ends the search; Losant token names may repeat.
    var unique: Bool { self != .losantToken }

    /// The kind of named resource a write changes (nil: none; a membership changes no name).
    static func changed(by op: Operation) -> NameLookup? {
        guard op.isWrite else { return nil }
        switch (op.service, op.words.first) {
        case (.box, "groups"): return .boxGroup
        case (.box, "users"): return .boxUser
        case (.launchDarkly, "members"): return .ldMember
        case (.losant, "tokens"): return .losantToken
        default: return nil
        }
    }

    /// The verb whose listing finds the name.
    var listing: String {
        switch self {
        case .boxGroup: "box groups list"
        case .boxUser: "box users list"
        case .ldMember: "ld members list"
        case .losantToken: "losant tokens list"
        }
    }

    /// Box ids are digits; LaunchDarkly's and Losant's are 24 hex digits; `me` is the caller.
    func isID(_ text: String) -> Bool {
        // (Losant's schema allows upper-case hex digits too.)
        let hex = text.utf8.count == 24 && text.utf8.allSatisfy { ("0"..."9").contains(Character(UnicodeScalar($0))) || ("a"..."f").contains(Character(UnicodeScalar($0))) || ("A"..."F").contains(Character(UnicodeScalar($0))) }
        switch self {
        case .boxGroup: return !text.isEmpty && text.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
        case .boxUser: return text == "me" || (!text.isEmpty && text.utf8.allSatisfy { $0 >= 48 && $0 <= 57 })
        case .ldMember: return text == "me" || hex
        case .losantToken: return hex
        }
    }

    /// The listing's query, narrowed to names matching `text` (starting with it, for
    /// completion). The filter only narrows: whether a name matches is decided here.
    func query(_ text: String, prefix: Bool) -> [(String, String)] {
        switch self {
        case .boxGroup:
            // filter_term: names starting with it.
            return (text.isEmpty ? [] : [("filter_term", text)]) + [("limit", "1000")]
        case .boxUser:
            return (text.isEmpty ? [] : [("filter_term", text)]) + [("limit", "1000"), ("usemarker", "true")]
        case .ldMember:
            // query: matches emails and names containing it; `,` and `|` would end the clause.
            let parts: [Substring] = text.split(whereSeparator: { (c: Character) in c == "," || c == "|" })
            let clause = parts.max { $0.count < $1.count }.map(String.init) ?? ""
            return [("limit", "100")] + (clause.isEmpty ? [] : [("filter", "query:" + clause)])
        case .losantToken:
            let filter = text.isEmpty ? [] : [("filterField", "name"), ("filter", prefix ? text + "*" : text)]
            return [("sortField", "name"), ("perPage", "1000")] + filter + [("_actions", "false"), ("_links", "true"), ("_embedded", "true")]
        }
    }

    func path(instance: String) -> String {
        switch self {
        case .boxGroup: "/2.0/groups"
        case .boxUser: "/2.0/users"
        case .ldMember: "/api/v2/members"
        case .losantToken: "/instances/\(PreparedRequest.escape(instance))/tokens"
        }
    }
}

/// A name and the id it stands for.
struct Named: Sendable {
    let name: String
    let id: String
}

/// The names a lookup read, and whether the listing went on past the pages it read.
struct NameRead: Sendable {
    var found: [Named] = []
    var more = false
}

/// What the run has resolved (name → id, for the run) and what completion has read (briefly).
final class NameCache: @unchecked Sendable {
    private let lock = NSLock()
    /// By kind, so that a write forgets its kind at once (a loop that creates users and
    /// resolves logins would otherwise filter every name it holds on every row).
    private var resolved: [NameLookup: [String: String]] = [:]
    private var offered: [String: (time: Double, names: [Named])] = [:]
    /// Completion reads live this long: a name added meanwhile shows after it.
    static let freshFor = 30.0

    func id(_ lookup: NameLookup, _ key: String) -> String? { lock.withLock { resolved[lookup]?[key] } }

    func remember(_ lookup: NameLookup, _ key: String, _ id: String) {
        lock.withLock {
            // Bounded: a script resolving a name per row of a long file keeps constant memory.
            if resolved[lookup, default: [:]].count >= 10_000 { resolved[lookup] = [:] }
            resolved[lookup, default: [:]][key] = id
        }
    }

    /// Drops what the run resolved for one kind of resource: a write to it (a rename, a
    /// delete, a new one of the same name) may have made a name stand for another id.
    func forget(_ lookup: NameLookup) {
        let kind = "\u{1F}" + lookup.rawValue + "\u{1F}"
        lock.withLock {
            resolved[lookup] = nil
            // (At most 64 completion reads.)
            offered = offered.filter { !$0.key.contains(kind) }
        }
    }

    func offered(_ key: String, now: Double) -> [Named]? {
        lock.withLock { offered[key].flatMap { now - $0.time < NameCache.freshFor ? $0.names : nil } }
    }

    func offer(_ key: String, _ names: [Named], now: Double) {
        lock.withLock {
            if offered.count >= 64 { offered.removeAll() }
            offered[key] = (now, names)
        }
    }
}

extension Catalog {
    /// The id `text` stands for: itself when it is shaped like an id, else the one resource
    /// whose name is `text` (exactly, else ignoring case). None or several: an error that lists
    /// the close names, or the matches with their ids.
    func resolveName(_ lookup: NameLookup, _ text: String, instance: String, target: ServiceTarget) throws -> String {
        if lookup.isID(text) { return text }
        let key = [target.profile, lookup.rawValue, instance, text].joined(separator: "\u{1F}")
        if let id = names.id(lookup, key) { return id }
        // The filter only narrows (a prefix, a substring): read until the name itself shows, or
        // the listing ends, or the page limit is reached, which is then said rather than "none".
        let pages = nameLookupPages
        let read = try Blocking.run {
            try await self.readNames(lookup, text, prefix: false, instance: instance, target: target, pages: pages,
                                     until: { lookup.unique && $0.name == text })
        }
        let found = read.found
        var matches = found.filter { $0.name == text }
        if matches.isEmpty { matches = found.filter { $0.name.caseInsensitiveCompare(text) == .orderedSame } }
        if read.more && (matches.isEmpty || !lookup.unique) {
            let seen = matches.isEmpty ? "is not among" : "is \(matches.count) of"
            throw ErrorValue(code: "name_search_limit", message: "'\(Sanitize.visible(text))' \(seen) the first \(found.count) \(lookup.noun)s the service's filter "
                             + "gives for it, and more remain past the \(pages) page\(pages == 1 ? "" : "s") roster reads for a name; give the id instead")
        }
        if matches.count == 1 {
            names.remember(lookup, key, matches[0].id)
            return matches[0].id
        }
        if matches.count > 1 {
            // (Names and ids are the server's: one line, nothing that drives a terminal.)
            let listed = matches.prefix(10).map { "\(Sanitize.visible($0.name)) (\(Sanitize.visible($0.id)))" }.joined(separator: ", ")
            throw ErrorValue(code: "ambiguous_name", message: "\(matches.count) \(lookup.noun)s are named '\(Sanitize.visible(text))': \(listed)\(matches.count > 10 ? ", ..." : ""); give the id instead")
        }
        // Nothing by that name: the names nearest to it, from what the filter found or, when it
        // found nothing (a typo early in the name), from the listing's first page.
        let pool = found.isEmpty ? try Blocking.run { try await self.readNames(lookup, "", prefix: false, instance: instance, target: target, pages: 1).found } : found
        let close = Suggest.close(to: text, in: pool.map(\.name), limit: 5)
        let shown = close.compactMap { name in pool.first { $0.name == name }.map { "\(Sanitize.visible($0.name)) (\(Sanitize.visible($0.id)))" } }
        throw ErrorValue(code: "unknown_name", message: "no \(lookup.noun) is named '\(Sanitize.visible(text))'"
                         + (shown.isEmpty ? "" : "; close: \(shown.joined(separator: ", "))")
                         + "; give its \(lookup.nameField) exactly, or its id")
    }

    /// Names and ids from the listing (at most `pages` pages, and no page after the one where
    /// `until` holds for a name), learnt as subjects on the way.
    func readNames(_ lookup: NameLookup, _ text: String, prefix: Bool, instance: String, target: ServiceTarget, pages: Int,
                   until done: (Named) -> Bool = { _ in false }) async throws -> NameRead {
        guard let op = byName[lookup.listing] else { return NameRead() }
        let request = PreparedRequest(operation: op, method: "GET", path: lookup.path(instance: instance),
                                      query: lookup.query(text, prefix: prefix), bodies: [], contentType: nil)
        let transport = self.transport
        let fetch: HTTPPages.Fetch = { path in try await transport.perform(request, target: path, body: nil, to: target) }
        var next: String? = request.target
        var found: [Named] = []
        for _ in 0..<pages {
            guard let page = next else { break }
            let loaded = try await HTTPPages.load(op, target.url, page, fetch)
            subjects.learn(.list(loaded.items), service: op.service)
            var ended = false
            for case .record(let r) in loaded.items {
                if let name = Lookup.text(.record(r), lookup.nameField), let id = Lookup.text(.record(r), lookup.idField) {
                    found.append(Named(name: name, id: id))
                    if done(found[found.count - 1]) { ended = true }
                }
            }
            next = loaded.next
            if ended { return NameRead(found: found, more: false) }
        }
        return NameRead(found: found, more: next != nil)
    }

    /// Live names and ids for TAB after a parameter that takes them (`group=Eng`), read from
    /// the target at most every 30 seconds per prefix. Waits at most `wait` seconds: a slow
    /// service gives nothing now, and the names on the next TAB once the read is done.
    public func liveValues(of command: HostCommand, parameter: String, typed: String, wait: Double = 0.3) -> [String] {
        guard let op = byName[command.name], let lookup = op.parameter(parameter)?.names,
              let target = try? targets.target(for: op.service, profile: profile) else { return [] }
        let instance = target.instance ?? ""
        let key = [target.profile, lookup.rawValue, instance, typed].joined(separator: "\u{1F}")
        let now = Date().timeIntervalSince1970
        func values(_ named: [Named]) -> [String] { named.map(\.name) + named.map(\.id) }
        if let cached = names.offered(key, now: now) { return values(cached) }
        let done = DispatchSemaphore(value: 0)
        let names = self.names
        Task {
            if let read = try? await self.readNames(lookup, lookup.isID(typed) ? "" : typed, prefix: true, instance: instance, target: target, pages: 1) {
                names.offer(key, read.found, now: now)
            }
            done.signal()
        }
        guard done.wait(timeout: .now() + wait) == .success else { return [] }
        return values(names.offered(key, now: now) ?? [])
    }
}
