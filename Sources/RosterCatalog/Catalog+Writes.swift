import Foundation
import RosterScript

/// Writes: planned (--dry-run), journaled (--journal), and settled when their fate is unknown.
extension Catalog {
    /// One write (one body of it, for a list sent in chunks).
    func write(_ request: PreparedRequest, body: Value?, to target: ServiceTarget, site: CallSite, plan: Plan?) throws -> Value {
        // What goes on the wire: a filter-based semantic patch as the explicit one it stands for,
        // read when it is about to be sent (not when the journal says it was done). The journal
        // names the write by what the script asked: a rerun after a crash settles it, whatever
        // the filters select by then.
        var sent = body
        var note: String?
        var nothingToSend = false
        func resolve() throws {
            guard let explicit = try explicitMembers(request, body, target) else { return }
            (sent, note) = explicit
            nothingToSend = explicit.body == nil
            if nothingToSend {
                warn("\(site.range.description): warning: \(request.operation.name): the filters select no member; nothing is sent")
            }
        }
        if let plan {
            try resolve()
            return nothingToSend ? Catalog.noMembersChanged : try planned(request, body: sent, to: target, site: site, plan: plan, note: note)
        }
        guard let journal else {
            try resolve()
            return nothingToSend ? Catalog.noMembersChanged : try send(request, body: sent, to: target, since: transport.clock.now())
        }
        let entry = try journal.begin(request, body: body, target: target)
        switch entry.prior {
        case .done(let result):
            if request.operation.creates { claim(result) }
            let hidden = Secrets.redactedKeys(in: result)
            if !hidden.isEmpty {
                warn("\(site.range.description): warning: \(request.operation.name) was done by an earlier run with this journal, so it is not sent again; its answer's \(hidden.joined(separator: ", ")) was shown once, then, and is not kept, so it reads (redacted) here")
            }
            return result
        case .inDoubt(let since):
            // An earlier run sent it and never learnt the outcome: find out before sending again.
            try resolve()
            if nothingToSend {
                // Most likely because the earlier run's change applied: the members it selected
                // no longer match. Its answer (who changed) is not known; said, not passed off.
                warn("\(site.range.description): warning: \(request.operation.name): an earlier run with this journal sent it and never learnt the outcome; as the filters select no member now, that run most likely changed the members they selected then (which ones is not known); recorded as done")
                return try journal.settling(entry) { Catalog.noMembersChanged }
            }
            return try journal.settling(entry) { try settle(request, body: sent, to: target, since: since, cause: "an earlier run stopped before its answer") }
        case .none, .failed:
            try resolve()
            if nothingToSend { return Catalog.noMembersChanged }
            try journal.intend(entry, request, body: sent, target: target, site: site, time: transport.clock.now())
            return try journal.settling(entry) { try send(request, body: sent, to: target, since: transport.clock.now()) }
        }
    }

    /// Sends a write; a 5xx or a lost connection is settled rather than reported as a failure.
    func send(_ request: PreparedRequest, body: Value?, to target: ServiceTarget, since: Double) throws -> Value {
        let result: Value
        do {
            result = try flown(request, body) { try Catalog.decodeAnswer(try Blocking.run { try await self.transport.perform(request, body: body, to: target) }, request.operation, sent: body) }
        } catch let doubt as WriteInDoubt {
            // Claimed where it was settled: by the lookup that found it, before any twin's
            // lookup runs, or as the answer to the write sent again (`flown`).
            result = try settle(request, body: body, to: target, since: since, cause: doubt.message)
        }
        return result
    }

    /// Runs a create's request while it counts as in flight, and claims its answer before it
    /// stops counting: a lookup for a twin in doubt (two Losant tokens of one name, sent at
    /// once) waits for it, and never takes its result for the twin's.
    func flown(_ request: PreparedRequest, _ body: Value?, _ perform: () throws -> Value) throws -> Value {
        let keys = flightKeys(request, body)
        flights.begin(keys)
        defer { flights.end(keys) }
        let result = try perform()
        if request.operation.creates { claim(result) }
        return result
    }

    /// What a create's lookup would read, per item: twins read the same.
    func flightKeys(_ request: PreparedRequest, _ body: Value?) -> [String] {
        guard request.operation.creates, case .lookUp(let lookup) = request.operation.inDoubt, let body else { return [] }
        let items: [Value] = if lookup.eachItem, case .list(let forms) = body { forms.array } else { [body] }
        return items.compactMap { lookup.target(request.path, $0).map { request.operation.name + " " + $0 } }
    }

    /// A create's result is its own: a lookup for another create in doubt must not take it.
    /// (Only creates: an update's answer is an object some create made, perhaps the one a
    /// lookup is looking for.)
    func claim(_ result: Value) {
        guard let id = Lookup.text(result, "id") else { return }
        claimed.withLock { _ = $0.insert(id) }
    }

    /// A write that may or may not have been applied: the operation's InDoubt says how to find
    /// out, and it is sent again only when that cannot apply it twice. Rounds back off and
    /// spend the service's retry budget.
    func settle(_ request: PreparedRequest, body: Value?, to target: ServiceTarget, since: Double, cause: String) throws -> Value {
        let op = request.operation
        let transport = self.transport
        var cause = cause
        // How often a create was sent again after its lookup found nothing: said when the
        // doubt remains (a lookup that lags behind its writes, which none of the three APIs
        // documents, would have let each send make one).
        var sentAgain = 0
        for round in 1...transport.policy.maxAttempts {
            if round > 1 {
                guard transport.gates[op.service]!.spendRetry() else { break }
                let wait = transport.policy.backoff(attempt: round, random: Double.random(in: 0.5..<1))
                try Blocking.run { try await transport.clock.sleep(wait) }
            }
            var resend = body
            switch op.inDoubt {
            case .report:
                throw ErrorValue(code: "write_in_doubt", message: "\(cause); it may have been applied, and \(op.name) has no safe way to check, so it was not sent again",
                                 operation: op.name)
            case .resend:
                break
            case .resendWhen(let safe):
                guard safe(body) else {
                    throw ErrorValue(code: "write_in_doubt", message: "\(cause); it may have been applied, and sending it again could apply part of it twice (only replace, test and add to a key are safe to repeat), so it was not sent again",
                                     operation: op.name)
                }
            case .lookUp(let lookup):
                guard let body else { break }
                let (found, missing) = try look(lookup, request, body: body, to: target, since: since, cause: cause)
                if missing == nil {
                    // Said either way: the run succeeds, but its answer was lost on the way.
                    if !lookup.onlyInAnswer.isEmpty {
                        warn("warning: \(op.name): \(cause); it had been applied, and was found by looking it up, but its \(lookup.onlyInAnswer.joined(separator: ", ")) came only in the answer that was lost, and cannot be had again")
                    } else {
                        warn("roster: \(op.name): \(cause); it had been applied, and was found by looking it up (not sent again)")
                    }
                    return found!
                }
                resend = missing
                sentAgain += 1
                if let found, let missing {
                    // Some of a chunk of invites arrived: send the rest, answer with all of them.
                    let rest = try send(request, body: missing, to: target, since: since)
                    return Catalog.joinItems(found, rest, key: lookup.itemsKey)
                }
            }
            do {
                let again = resend
                return try flown(request, again) {
                    let reply = try Blocking.run { try await transport.perform(request, body: again, to: target) }
                    // The first DELETE did it: the second finds nothing to delete.
                    if op.method == "DELETE", reply.status == 404 { return .null }
                    return try Catalog.decodeAnswer(reply, op, sent: again)
                }
            } catch let doubt as WriteInDoubt {
                cause = doubt.message
            }
        }
        let sends = sentAgain > 0 ? " (it was sent \(sentAgain + 1) times, none answered, and each time looking found nothing)" : ""
        throw ErrorValue(code: "write_in_doubt", message: "\(cause); it may have been applied, and checking failed too\(sends)", operation: op.name)
    }

    /// What the lookup finds: (found, missing) where missing is the body still to send (nil: all found).
    /// A lookup runs alone for its keys: no twin's request is out (it may be what the server
    /// made; answered, its result is claimed), none starts, and no other lookup of the keys
    /// runs, until what it found is claimed. Two twins in doubt took one token between them.
    private func look(_ lookup: Lookup, _ request: PreparedRequest, body: Value, to target: ServiceTarget, since: Double, cause: String) throws -> (Value?, Value?) {
        try flights.lookingUp(flightKeys(request, body)) {
            let (found, missing) = try lookAlone(lookup, request, body: body, to: target, since: since, cause: cause)
            if !lookup.eachItem, let found { claim(found) }
            return (found, missing)
        }
    }

    private func lookAlone(_ lookup: Lookup, _ request: PreparedRequest, body: Value, to target: ServiceTarget, since: Double, cause: String) throws -> (Value?, Value?) {
        let transport = self.transport
        let claimed = self.claimed.withLock { $0 }.union(journal?.resultIDs ?? [])
        func read(_ one: Value) throws -> Value? {
            guard let path = lookup.target(request.path, one) else { return nil }
            do {
                let reply = try Blocking.run { try await transport.perform(request, target: path, body: nil, to: target, method: "GET") }
                var since = since
                if lookup.byTime, let serverNow = reply.header("Date").flatMap(HTTPDate.parse) {
                    // When the write was sent, by the server's clock (its Date has whole seconds).
                    since += serverNow - transport.clock.now() - 1
                }
                let answer = try Catalog.decode(reply, request.operation)
                let found = lookup.found(in: answer, for: one, since: since, claimed: claimed)
                if let total = lookup.unread(in: answer) {
                    // A first page of more: finding none there proves nothing, nor does finding
                    // one where the name may repeat (the newest come last).
                    switch found {
                    case .none, .one where !lookup.unique(one):
                        throw ErrorValue(code: "write_in_doubt", message: "\(cause); it may have been applied, and looking could read only the first page of \(total) candidates, so it was not sent again",
                                         operation: request.operation.name)
                    default: break
                    }
                }
                switch found {
                case .none: return nil
                case .one(let value): return value
                case .several(let n):
                    throw ErrorValue(code: "write_in_doubt", message: "\(cause); it may have been applied, and looking finds \(n) that it could have made, which cannot be told apart, so it was not sent again",
                                     operation: request.operation.name)
                }
            } catch let e as ErrorValue where e.code != "write_in_doubt" {
                // Without a status: the write stays in doubt (a journal must not call it refused).
                throw ErrorValue(code: "write_in_doubt", message: "it may have been applied, and checking failed: GET \(path): \(e.summary)",
                                 operation: request.operation.name)
            }
        }
        guard lookup.eachItem, case .list(let forms) = body else {
            return try read(body).map { ($0, nil) } ?? (nil, body)
        }
        var found: [Value] = [], missing: [Value] = []
        for form in forms {
            if let member = try read(form) { found.append(member) } else { missing.append(form) }
        }
        let page = Value.record([lookup.itemsKey: .list(found)])
        return (found.isEmpty ? nil : page, missing.isEmpty ? nil : .list(missing))
    }

    static func joinItems(_ a: Value, _ b: Value, key: String) -> Value {
        guard case .record(let x) = a, case .list(let l)? = x[key], case .record(var y) = b, case .list(let m)? = y[key] else { return b }
        y[key] = .list(l + m)
        return .record(y)
    }
}

/// The creates with a lookup whose requests are out, and the lookups running, by what their
/// lookup reads. A create in doubt looks only once its twins (the same name, sent at once by a
/// parallel loop) have their answers, and while it looks no twin starts and no other lookup of
/// the name runs: a twin's token, made while the lookup read, was taken as the lost one's, and
/// one write was never applied while both were recorded done. Keys are taken all at once, and
/// nothing waits while holding any (a lookup only reads), so nothing can wait in a circle.
final class Flights: @unchecked Sendable {
    private let condition = NSCondition()
    private var out: [String: Int] = [:]
    private var looking: Set<String> = []

    func begin(_ keys: [String]) {
        guard !keys.isEmpty else { return }
        condition.lock()
        while keys.contains(where: looking.contains) { condition.wait() }
        for k in keys { out[k, default: 0] += 1 }
        condition.unlock()
    }

    func end(_ keys: [String]) {
        guard !keys.isEmpty else { return }
        condition.lock()
        for k in keys {
            out[k, default: 1] -= 1
            if out[k] == 0 { out[k] = nil }
        }
        condition.broadcast()
        condition.unlock()
    }

    /// Runs `body` once no request of these keys is out (each has its own time limit) and no
    /// other lookup of them runs; new requests of the keys wait until it returns.
    func lookingUp<T>(_ keys: [String], _ body: () throws -> T) throws -> T {
        guard !keys.isEmpty else { return try body() }
        condition.lock()
        while keys.contains(where: { out[$0] != nil || looking.contains($0) }) { condition.wait() }
        looking.formUnion(keys)
        condition.unlock()
        defer {
            condition.lock()
            looking.subtract(keys)
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }
}
