import Foundation
import RosterScript

/// A dry run shows whom each write touches, not only its ids: the subjects the run has read
/// are named beside the request; a LaunchDarkly semantic patch whose instructions select
/// members by filters is planned as the explicit one it would be sent as (see
/// Catalog+MemberFilters), naming the members the filters select now, with the ones
/// LaunchDarkly would refuse (the token's own member, the owner) apart.
extension Catalog {
    func planned(_ request: PreparedRequest, body: Value?, to target: ServiceTarget, site: CallSite, plan: Plan, note: String? = nil) throws -> Value {
        let subjects = Subjects.touched(by: request, body: body).map { kind, id in
            PlannedSubject(id: id, name: self.subjects.name(kind, id))
        }
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
            }
            members = ids
        }
        let answer = plan.add(request, body: body, url: target.url, site: site, subjects: subjects, note: note, members: members, errors: errors)
        // Only names the service keeps unique: a Losant token's may repeat (the real run would
        // find several) and belongs to an instance.
        if let kind = NameLookup.changed(by: request.operation), kind.unique { plan.rememberNames(in: answer, kind: kind, profile: target.profile) }
        if let partial = Catalog.semanticPatchFailure(answer, request.operation) { throw partial }
        return answer
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
