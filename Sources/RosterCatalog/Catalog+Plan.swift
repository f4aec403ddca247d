import Foundation
import RosterScript

/// A dry run shows whom each write touches, not only its ids: the subjects the run has read
/// are named beside the request, and a LaunchDarkly semantic patch whose instructions select
/// members by filters (`replaceAllMembersRoles`, ...) lists the members the filters select now,
/// found by the read they describe, with the ones LaunchDarkly would refuse (the token's own
/// member, the owner) apart.
extension Catalog {
    func planned(_ request: PreparedRequest, body: Value?, to target: ServiceTarget, site: CallSite, plan: Plan) throws -> Value {
        var subjects = Subjects.touched(by: request, body: body).map { kind, id in
            PlannedSubject(id: id, name: self.subjects.name(kind, id))
        }
        var note: String?
        var members: [String]?
        // Members LaunchDarkly would refuse, as its answer's `errors` name them: the dry run then
        // fails in part where the real run would (a plan that said "demoted" of the token's own
        // member was untrue).
        var errors: [Value] = []
        if case .semanticPatch = request.operation.body, case .record(let b)? = body, case .list(let instructions)? = b["instructions"] {
            var ids: [String] = []
            for case .record(let i) in instructions {
                if case .list(let listed)? = i["memberIDs"] {
                    let facts = try refusalFacts(request, target)
                    for case .string(let id) in listed {
                        if id == facts.caller {
                            errors.append(.record([id: .string(SelectedMember.ownRole)]))
                        } else if facts.owners.contains(id) {
                            errors.append(.record([id: .string(SelectedMember.ownerRole)]))
                        } else {
                            ids.append(id)
                        }
                    }
                }
                if case .string(let kind)? = i["kind"], kind.hasPrefix("replaceAll") {
                    let selected = try membersSelected(by: i, request, target)
                    subjects += selected.change.map { PlannedSubject(id: $0.id, name: $0.email) }
                    ids += selected.change.map(\.id)
                    errors += selected.refused.map { .record([$0.id: .string($0.why == "your own member" ? SelectedMember.ownRole : SelectedMember.ownerRole)]) }
                    let refused = selected.refused.map { "\($0.email ?? $0.id) (\($0.why))" }
                    var said: [String] = []
                    if selected.change.isEmpty { said.append("the filters select no member it can change") }
                    if !refused.isEmpty { said.append("LaunchDarkly would refuse " + refused.joined(separator: ", ")) }
                    note = said.isEmpty ? nil : said.joined(separator: "; ")
                }
            }
            members = ids
        }
        let answer = plan.add(request, body: body, url: target.url, site: site, subjects: subjects, note: note, members: members, errors: errors)
        if let kind = NameLookup.changed(by: request.operation) { plan.rememberNames(in: answer, kind: kind, profile: target.profile) }
        if let partial = Catalog.semanticPatchFailure(answer, request.operation) { throw partial }
        return answer
    }

    struct SelectedMember {
        let id: String
        let email: String?
        let why: String
        /// LaunchDarkly's words for the members it will not change.
        static let ownRole = "you cannot modify your own role"
        static let ownerRole = "the account owner's role cannot be changed"
    }

    /// Whose role LaunchDarkly will not change: the token's own member, and the owners.
    /// Read once for a run and target (a dry run of a patch per row read them per row); a
    /// token with no member of its own (a service token) has no caller to refuse.
    func refusalFacts(_ request: PreparedRequest, _ target: ServiceTarget) throws -> (caller: String?, owners: Set<String>) {
        let key = target.profile + "\u{1F}" + target.place
        if let known = refusals.withLock({ $0[key] }) { return known }
        guard let list = byName["ld members list"], let me = byName["ld members get"] else { return (nil, []) }
        let transport = self.transport
        let caller = try? Catalog.decode(Blocking.run { try await transport.perform(request, target: "/api/v2/members/me", body: nil, to: target, method: "GET") }, me)
        // `role:owner` also selects admins (LaunchDarkly's filter); the role field tells them apart.
        let fetch: HTTPPages.Fetch = { p in try await transport.perform(request, target: p, body: nil, to: target, method: "GET") }
        let pages = try HTTPPages(operation: list, origin: target.url, first: "/api/v2/members?limit=100&filter=" + PreparedRequest.escape("role:owner"), fetch: fetch)
        var owners = Set<String>()
        let cursor = StreamCursor(pages: pages)
        while let m = try cursor.next() {
            if Lookup.text(m, "role") == "owner", let id = Lookup.text(m, "_id") { owners.insert(id) }
        }
        let facts = (caller: caller.flatMap { Lookup.text($0, "_id") }, owners: owners)
        refusals.withLock { $0[key] = facts }
        return facts
    }

    /// The members a filter-based instruction selects, read with the list filters that mean the
    /// same (DESIGN follows the reading where the filters select; `ignoredMemberIDs` are left out).
    func membersSelected(by instruction: Record, _ request: PreparedRequest, _ target: ServiceTarget)
        throws -> (change: [SelectedMember], refused: [SelectedMember]) {
        var clauses: [String] = []
        func clause(_ field: String, _ key: String) throws {
            guard let v = instruction[key], !v.isNull else { return }
            let text = if case .string(let s) = v { s } else { try v.json() }
            guard !text.contains(",") else {
                throw ErrorValue(code: "cannot_plan", message: "\(key) '\(text)' holds a comma, which the members list cannot filter on; the plan cannot list the members it selects",
                                 operation: request.operation.name)
            }
            clauses.append("\(field):\(text)")
        }
        try clause("query", "filterQuery")
        try clause("role", "filterRoles")
        try clause("team", "filterTeamKey")
        try clause("lastSeen", "filterLastSeen")
        var ignored = Set<String>()
        if case .list(let l)? = instruction["ignoredMemberIDs"] { for case .string(let id) in l { ignored.insert(id) } }

        guard let list = byName["ld members list"], let me = byName["ld members get"] else { return ([], []) }
        let transport = self.transport
        var path = "/api/v2/members?limit=100"
        if !clauses.isEmpty { path += "&filter=" + PreparedRequest.escape(clauses.joined(separator: ",")) }
        let fetch: HTTPPages.Fetch = { p in try await transport.perform(request, target: p, body: nil, to: target, method: "GET") }
        let subjects = self.subjects
        let pages = try HTTPPages(operation: list, origin: target.url, first: path, fetch: fetch,
                                  learn: { subjects.learn(.list($0), service: .launchDarkly) })
        let caller = try Catalog.decode(Blocking.run { try await transport.perform(request, target: "/api/v2/members/me", body: nil, to: target, method: "GET") }, me)
        let callerID = Lookup.text(caller, "_id")
        var change: [SelectedMember] = [], refused: [SelectedMember] = []
        let cursor = StreamCursor(pages: pages)
        while let m = try cursor.next() {
            guard let id = Lookup.text(m, "_id"), !ignored.contains(id) else { continue }
            let email = Lookup.text(m, "email")
            if id == callerID {
                refused.append(SelectedMember(id: id, email: email, why: "your own member"))
            } else if Lookup.text(m, "role") == "owner" {
                refused.append(SelectedMember(id: id, email: email, why: "the owner"))
            } else {
                change.append(SelectedMember(id: id, email: email, why: ""))
            }
        }
        return (change, refused)
    }
}

/// Whom a planned write touches: an id, and its name when the run has read it.
public struct PlannedSubject: Sendable {
    public let id: String
    public let name: String?

    var record: Value {
        var r: Record = ["id": .string(id)]
        if let name { r["name"] = .string(name) }
        return .record(r)
    }
}
