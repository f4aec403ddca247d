import Foundation
import RosterScript

/// Writes that succeed for some items and not others are failures the admin sees: a
/// LaunchDarkly semantic patch answers 200 with per-member `errors`; a list of invites sent in
/// chunks may have some chunks refused. Either becomes an error (`partial_failure`) whose
/// `partial` field holds what was done and a `failed` list naming each item and why, with one
/// warning per failed item on stderr.
extension Catalog {
    /// A semantic patch's answer with per-member errors, as the error it is (nil: none failed).
    static func semanticPatchFailure(_ answer: Value, _ op: Operation) -> ErrorValue? {
        guard case .record(var r) = answer, case .list(let errors)? = r["errors"], !errors.isEmpty else { return nil }
        var failed: [Value] = []
        for case .record(let e) in errors {
            for (id, message) in e {
                failed.append(.record(["id": .string(id), "message": .string((try? message.text()) ?? "")]))
            }
        }
        r["failed"] = .list(failed)
        let ids = failed.compactMap { Lookup.text($0, "id") }
        return ErrorValue(code: "partial_failure", message: "\(ids.count) members not changed: \(ids.joined(separator: ", "))", operation: op.name, body: answer, partial: .record(r))
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
