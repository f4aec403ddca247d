import Foundation
import RosterScript

/// LaunchDarkly's `replaceAll*` instructions select members by filters, and its docs say both
/// that the filters narrow the update and that "members that match any of the filters are
/// excluded" (api/launchdarkly-members.md, section 8): read literally, `replace-all-roles
/// role=reader filter_roles=writer` would demote everyone but the writers. roster does not
/// bet an account on either reading: it reads the members the filters select with the list
/// filters, whose meaning is documented, and sends the explicit-id instruction
/// (`replaceMembersRoles` with their `memberIDs`) instead. A dry run plans the same request.
extension Catalog {
    struct SelectedMember {
        let id: String
        let email: String?
        let why: String
        /// LaunchDarkly's words for the members it will not change.
        static let ownRole = "you cannot modify your own role"
        static let ownerRole = "the account owner's role cannot be changed"
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
                throw ErrorValue(code: "cannot_select", message: "\(key) '\(text)' holds a comma, which LaunchDarkly's members list cannot filter on, so roster cannot find the members it selects (it sends their ids); give a text without one",
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
        // A service token has no member of its own: no caller to set apart.
        let caller = try? Catalog.decode(Blocking.run { try await transport.perform(request, target: "/api/v2/members/me", body: nil, to: target, method: "GET") }, me)
        let callerID = caller.flatMap { Lookup.text($0, "_id") }
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

extension Catalog {
    /// The explicit-id instruction each filter-based one stands for.
    static func explicitKind(of instruction: Value) -> String? {
        guard case .record(let i) = instruction, case .string(let kind)? = i["kind"] else { return nil }
        switch kind {
        case "replaceAllMembersRoles": return "replaceMembersRoles"
        case "replaceAllMembersCustomRoles": return "replaceMembersCustomRoles"
        default: return nil
        }
    }

    /// A semantic patch's body with each filter-based instruction replaced by its explicit-id
    /// one, over the members the filters select now (those LaunchDarkly refuses included, so
    /// that its answer names them as it would have); an instruction that selects no member is
    /// left out. Nil when the body has no filter-based instruction. `body` is nil in the
    /// result when nothing is left to send; `note` says what a plan should tell.
    func explicitMembers(_ request: PreparedRequest, _ body: Value?, _ target: ServiceTarget) throws -> (body: Value?, note: String?)? {
        guard case .semanticPatch = request.operation.body, case .record(var b)? = body, case .list(let instructions)? = b["instructions"],
              instructions.contains(where: { Catalog.explicitKind(of: $0) != nil }) else { return nil }
        // Each selection is read before anything applies, and LaunchDarkly applies instructions in
        // order: beside another instruction, a filter's members could be the wrong ones.
        guard instructions.count == 1 else {
            throw ErrorValue(code: "cannot_select", message: "a semantic patch with a filter-based instruction (replaceAll...) and others cannot be sent as explicit ids in one request; send the filter-based one on its own (ld members replace-all-roles, replace-all-custom-roles)",
                             operation: request.operation.name)
        }
        var sent: [Value] = []
        var said: [String] = []
        for instruction in instructions {
            guard case .record(let i) = instruction, let kind = Catalog.explicitKind(of: instruction) else {
                sent.append(instruction)
                continue
            }
            let selected = try membersSelected(by: i, request, target)
            if selected.change.isEmpty { said.append("the filters select no member it can change") }
            if !selected.refused.isEmpty {
                said.append("LaunchDarkly would refuse " + selected.refused.map { "\($0.email ?? $0.id) (\($0.why))" }.joined(separator: ", "))
            }
            let ids = (selected.change + selected.refused).map { Value.string($0.id) }
            guard !ids.isEmpty else { continue }
            var explicit: Record = ["kind": .string(kind)]
            for key in ["value", "values"] { if let v = i[key] { explicit[key] = v } }
            explicit["memberIDs"] = .list(ids)
            sent.append(.record(explicit))
        }
        b["instructions"] = .list(sent)
        return (sent.isEmpty ? nil : .record(b), said.isEmpty ? nil : said.joined(separator: "; "))
    }

    /// What a semantic patch that changes no member answers (none was sent).
    static let noMembersChanged: Value = .record(["members": .list([]), "errors": .list([])])
}
