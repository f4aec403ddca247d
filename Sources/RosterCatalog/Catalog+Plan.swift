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
        if case .semanticPatch = request.operation.body, case .record(let b)? = body, case .list(let instructions)? = b["instructions"] {
            var ids: [String] = []
            for case .record(let i) in instructions {
                if case .list(let listed)? = i["memberIDs"] { ids += listed.compactMap { if case .string(let s) = $0 { s } else { nil } } }
                if case .string(let kind)? = i["kind"], kind.hasPrefix("replaceAll") {
                    let selected = try membersSelected(by: i, request, target)
                    subjects += selected.change.map { PlannedSubject(id: $0.id, name: $0.email) }
                    ids += selected.change.map(\.id)
                    let refused = selected.refused.map { "\($0.email ?? $0.id) (\($0.why))" }
                    var said: [String] = []
                    if selected.change.isEmpty { said.append("the filters select no member it can change") }
                    if !refused.isEmpty { said.append("LaunchDarkly would refuse " + refused.joined(separator: ", ")) }
                    note = said.isEmpty ? nil : said.joined(separator: "; ")
                }
            }
            members = ids
        }
        return plan.add(request, body: body, url: target.url, site: site, subjects: subjects, note: note, members: members)
    }

    struct SelectedMember {
        let id: String
        let email: String?
        let why: String
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
