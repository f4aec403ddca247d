import Foundation
import RosterScript

/// LaunchDarkly invites under a journal. Each invite is a write of its own, named as if sent
/// alone, so a list that grows, shrinks or is reordered between runs (a fixed CSV) finds every
/// invite an earlier run made, and one-at-a-time invites and list invites name the same write
/// the same way. Those still to send go 50 to a request, as without a journal.
extension Catalog {
    func journaledInvites(_ request: PreparedRequest, to target: ServiceTarget, site: CallSite, journal: Journal)
        throws -> (made: [Value], refused: [(body: Value?, error: ErrorValue)]) {
        let forms: [Value] = request.bodies.flatMap { body -> [Value] in if case .list(let l) = body { l.array } else { [body] } }
        var members = [Value?](repeating: nil, count: forms.count)
        var pending: [(index: Int, entry: Journal.Entry)] = []
        for (i, form) in forms.enumerated() {
            let alone = Value.list([form])
            let entry = try journal.begin(request, body: alone, target: target)
            switch entry.prior {
            case .done(let page):
                members[i] = Catalog.member(in: page, for: form)
            case .inDoubt(let since):
                let page = try journal.settling(entry) {
                    try settle(request, body: alone, to: target, since: since, cause: "an earlier run stopped before its answer")
                }
                members[i] = Catalog.member(in: page, for: form)
            case .none, .failed:
                pending.append((i, entry))
            }
        }
        var refused: [(body: Value?, error: ErrorValue)] = []
        for start in stride(from: 0, to: pending.count, by: Binder.invitesPerRequest) {
            let chunk = pending[start..<min(start + Binder.invitesPerRequest, pending.count)]
            let body = Value.list(chunk.map { forms[$0.index] })
            let time = transport.clock.now()
            try journal.intend(chunk.map(\.entry), request, bodies: chunk.map { .list([forms[$0.index]]) },
                               target: target, site: site, time: time)
            do {
                let page = try send(request, body: body, to: target, since: time)
                for (i, entry) in chunk {
                    let member = Catalog.member(in: page, for: forms[i])
                    members[i] = member
                    try journal.finished(entry, .record(["items": .list(member.map { [$0] } ?? [])]))
                }
            } catch let e as ErrorValue where e.status.map({ (400..<500).contains($0) }) ?? false {
                // Only a 4xx refuses a chunk: a 2xx it cannot read, or a 3xx, leaves it in doubt.
                for (_, entry) in chunk { try journal.refused(entry, e) }
                refused.append((body, e))
            }
        }
        return (members.compactMap { $0 }, refused)
    }

    /// The member an invite made, from a page of members: the one with its email.
    static func member(in page: Value, for form: Value) -> Value? {
        guard case .record(let r) = page, case .list(let items)? = r["items"] else { return nil }
        return items.first { Lookup.same($0, form, "email", caseInsensitive: true) }
    }
}
