import Foundation
import RosterScript

/// Writes that succeed for some items and not others are failures the admin sees: a
/// LaunchDarkly semantic patch answers 200 with per-member `errors`; a list of invites sent in
/// chunks may have some chunks refused. Either becomes an error (`partial_failure`) whose
/// `partial` field holds what was done and a `failed` list naming each item and why, with one
/// warning per failed item on stderr.
extension Catalog {
    /// A semantic patch's answer with per-member errors, as the error it is (nil: none failed).
    /// Each member the request named (`requested`) must be in the answer, changed or failed; an
    /// error the answer does not tie to a member, or `errors` that is no list, is a failure too
    /// (each passed as success, exit 0).
    static func semanticPatchFailure(_ answer: Value, _ op: Operation, requested: [String] = []) -> ErrorValue? {
        guard case .record(var r) = answer else { return nil }
        var failed: [Value] = []
        var named = Set<String>()
        func fail(_ id: String, _ message: String) { failed.append(.record(["id": .string(id), "message": .string(message)])) }
        if case .list(let members)? = r["members"] { for case .string(let id) in members { named.insert(id) } }
        switch r["errors"] {
        case nil, .null?: break
        case .list(let errors)?:
            for e in errors {
                guard case .record(let byMember) = e, !byMember.isEmpty else {
                    fail("?", "an error the answer ties to no member: \(Sanitize.visible((try? e.json()) ?? "?"))")
                    continue
                }
                for (id, message) in byMember {
                    named.insert(id)
                    fail(id, (try? message.text()) ?? ((try? message.json()) ?? ""))
                }
            }
        case let other?:
            fail("?", "the answer's errors are not a list: \(Sanitize.visible((try? other.json()) ?? "?"))")
        }
        for id in requested where !named.contains(id) { fail(id, "the answer names it neither as changed nor as failed") }
        guard !failed.isEmpty else { return nil }
        r["failed"] = .list(failed)
        let ids = failed.compactMap { Lookup.text($0, "id") }
        return ErrorValue(code: "partial_failure", message: "\(ids.count) members not changed: \(ids.joined(separator: ", "))", operation: op.name, body: answer, partial: .record(r))
    }

    /// The members a semantic patch's instructions name (`memberIDs`).
    static func requestedMembers(_ body: Value?) -> [String] {
        guard case .record(let b)? = body, case .list(let instructions)? = b["instructions"] else { return [] }
        var ids: [String] = []
        for case .record(let i) in instructions {
            if case .list(let members)? = i["memberIDs"] { for case .string(let id) in members where !ids.contains(id) { ids.append(id) } }
        }
        return ids
    }

    /// Invites in chunks where some chunks were refused: what was made, and each refused form.
    static func inviteFailure(made: [Value], refused: [(body: Value?, error: ErrorValue)], op: Operation) -> ErrorValue {
        var failed: [Value] = []
        for (body, error) in refused {
            guard case .list(let forms)? = body else { continue }
            for form in forms {
                let why = (error.status.map { "\($0) \(error.code): " } ?? "") + error.message
                failed.append(.record(["email": .string(Lookup.text(form, "email") ?? "?"), "message": .string(why)]))
            }
        }
        let partial = Value.record(["items": .list(made), "failed": .list(failed)])
        return ErrorValue(code: "partial_failure", message: "", status: refused.first?.error.status, operation: op.name,
                          requestID: refused.first?.error.requestID, body: refused.first?.error.body, partial: partial)
    }

    /// Names each failed item (email or name from what the run has read), warns of each, and
    /// writes the error's message: `1 of 3 members not changed: ada@example.com (64b…01): ...`.
    func reportPartial(_ e: ErrorValue, _ op: Operation, at site: CallSite, total: Int) -> ErrorValue {
        guard case .record(var p)? = e.partial, case .list(let items)? = p["failed"] else { return e }
        var named: [Value] = []
        var who: [String] = []
        for case .record(var item) in items {
            let message = (try? item["message"]?.text()) ?? ""
            var label: String
            if case .string(let id)? = item["id"] {
                if let email = subjects.name(.ldMember, id) { item["email"] = .string(email) }
                label = subjects.describe(.ldMember, id)
            } else {
                label = (try? item["email"]?.text()) ?? "?"
            }
            label = Sanitize.visible(label)
            who.append(label)
            named.append(.record(item))
            warn("\(site.range.description): warning: \(op.name): \(label) not \(op.isInvite ? "invited" : "changed"): \(Sanitize.visible(message))")
        }
        p["failed"] = .list(named)
        var out = e
        out.partial = .record(p)
        let shown = who.prefix(3).joined(separator: ", ") + (who.count > 3 ? " and \(who.count - 3) more" : "")
        out.message = op.isInvite ? "\(who.count) of \(total) invites refused: \(shown); the others were sent"
            : "\(who.count) of \(total) members not changed: \(shown)" + (total > who.count ? "; the others were" : "")
        return out
    }
}

extension Operation {
    var isInvite: Bool { if case .invites = body { true } else { false } }
}
