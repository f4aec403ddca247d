import Foundation
import RosterScript
import Synchronization

/// Where each service's requests go: a profile from config.toml, a running `roster serve`, or
/// the embedded sandbox.
public protocol TargetResolver: Sendable {
    /// The target of `service` under `profile` (nil: the session's current profile).
    func target(for service: Service, profile: String?) throws -> ServiceTarget
    /// Where a profile's writes to a service land (a journal checks it); nil when unknown.
    func place(of profile: String, _ service: Service) -> String?
    /// The profiles `use` and `--profile` may name.
    var profileNames: [String] { get }
    /// The profile commands use when they name none and no `use` chose one.
    var defaultProfile: String { get }
    /// Where a profile's verbs go, in a line.
    func summary(of profile: String) -> String
}

/// The verbs: every operation of the three services, bound to HTTP. The session's host hands
/// it the commands it does not know itself.
public final class Catalog: @unchecked Sendable {
    public static let operations: [Operation] = Operation.launchDarkly + Operation.losant + Operation.box

    public let operations: [Operation]
    let byName: [String: Operation]
    let targets: any TargetResolver
    let transport: Transport
    /// `use NAME`: the profile commands use when they name none.
    public var profile: String?
    /// --dry-run: writes are planned here instead of sent.
    public var plan: Plan?
    /// --journal FILE: writes are recorded here, and replayed from it.
    public var journal: Journal?
    /// The ids of this run's write results (see `claim`).
    let claimed = Mutex<Set<String>>([])
    /// Creates with a lookup whose request is out now (see `Flights`).
    let flights = Flights()
    /// A dry run's facts of whom LaunchDarkly refuses, read once per profile and target.
    let refusals = Mutex<[String: (caller: String?, owners: Set<String>)]>([:])
    /// Where a plan made for one command (`--dry-run` after it) shows its lines: stdout.
    public var showPlan: @Sendable (String) -> Void = { _ in }
    /// Warnings for stderr (a replayed answer whose secret is not kept), as `file:line:col: warning: ...`.
    public var warn: @Sendable (String) -> Void = { _ in } {
        didSet { transport.onNotice(warn) }
    }
    /// At the prompt: a line for a write whose answer is empty (a delete, a removal), which
    /// would otherwise show nothing (`box memberships remove: done (linus@example.com in Engineering)`).
    public var confirmEmptyWrites: (@Sendable (String) -> Void)?
    /// Who each id the run has read is, for plans and failures.
    let subjects = Subjects()
    /// Names resolved to ids for the run, and live names read for completion.
    let names = NameCache()
    /// Pages a name lookup reads at most (100 pages of 100 to 1,000 names) before it says so.
    var nameLookupPages = 100

    public init(targets: any TargetResolver, transport: Transport = Transport(), operations: [Operation] = Catalog.operations) {
        self.operations = operations
        self.targets = targets
        self.transport = transport
        var byName: [String: Operation] = [:]
        for op in operations {
            byName[op.name] = op
            byName[([op.service.rawValue, op.words[0], op.alias]).joined(separator: " ")] = op
        }
        self.byName = byName
    }

    /// Where a profile's writes to a service land (a journal checks it before the run).
    public func place(of profile: String, _ service: Service) -> String? { targets.place(of: profile, service) }

    /// `use NAME`: the profile for commands that name none.
    public func use(_ name: String) throws {
        guard targets.profileNames.contains(name) else {
            throw ErrorValue(code: "unknown_profile", message: "no profile '\(name)'\(Suggest.hint(name, targets.profileNames)); profiles: \(targets.profileNames.joined(separator: ", "))")
        }
        profile = name
    }

    /// The profile a command that names none goes to now.
    public var currentProfile: String { profile ?? targets.defaultProfile }

    /// Where commands that name no profile go now, in a line (the REPL's banner).
    public var targetSummary: String { targets.summary(of: currentProfile) }

    /// Every verb, as word paths: what completion offers and suggestions name. The SDK aliases
    /// (`box memberships create_group_membership`) still resolve when typed, but are not offered.
    public var commandNames: [String] { operations.map(\.name).sorted() }
    /// The profiles a run may `use` (the sandbox first).
    public var profileNames: [String] { targets.profileNames }

    public func resolve(_ words: [String]) -> HostCommand? {
        guard words.count >= 3, let op = byName[words[0..<3].joined(separator: " ")] else { return nil }
        return HostCommand(name: op.name, wordCount: 3)
    }

    public func operation(named name: String) -> Operation? { byName[name] }

    /// A call's binding problems known before it runs (what `invoke` would refuse whatever its
    /// variables hold). The profile's defaults are not known yet: a parameter one may supply
    /// (Losant's instance) is not required here.
    public func check(_ command: HostCommand, _ arguments: [StaticArgument], at range: SourceRange) -> [RuntimeError] {
        guard let op = byName[command.name] else { return [] }
        return Binder(operation: op, defaults: ["instance": .string("")]).check(arguments, at: range)
    }

    public func parameterNames(of command: HostCommand) -> [String] {
        (byName[command.name]?.parameters.map(\.name) ?? []) + ["profile"]
    }

    /// Runs a verb: binds and checks its arguments (nothing is sent if they are wrong), sends
    /// it, and gives back the answer as a value, a stream of pages, or an error value.
    public func invoke(_ command: HostCommand, _ arguments: [CommandArgument], at site: CallSite) throws -> Value {
        let range = site.range
        guard let op = byName[command.name] else {
            throw ErrorValue(code: "unknown_command", message: "unknown command '\(command.name)'")
        }
        // `--dry-run` after a command plans its writes, whatever the run does.
        var arguments = arguments
        var plan = self.plan
        if let i = arguments.firstIndex(where: { if case .flag("dry-run") = $0.kind { true } else { false } }) {
            arguments.remove(at: i)
            if plan == nil { plan = Plan(show: showPlan) }
        }
        // `--wide` and `--columns a,b.c` choose a listing's table columns: display only.
        var display = op.tableHint
        if let i = arguments.firstIndex(where: { if case .flag("wide") = $0.kind { true } else { false } }) {
            arguments.remove(at: i)
            display = nil
        }
        if let (range, text) = Catalog.columnsArgument(&arguments) {
            let columns = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !columns.isEmpty else {
                throw RuntimeError(ErrorValue(code: "invalid_argument", message: "--columns needs field paths separated by commas, e.g. --columns email,role"), at: range)
            }
            display = TableHint(columns: columns, noun: op.words[0], shown: op.tableHint?.shown, chosen: true)
        }
        let target = try targets.target(for: op.service, profile: Binder.profile(in: arguments) ?? profile)
        var defaults: [String: Value] = [:]
        if let instance = target.instance { defaults["instance"] = .string(instance) }
        var binder = Binder(operation: op, defaults: defaults)
        binder.resolveName = { [plan] lookup, text, values in
            // A dry run's made-up ids (`planned-3`) stand for what it would have created.
            if let plan {
                if text.hasPrefix(Plan.idPrefix) { return text }
                // A name a planned write gave (created, renamed): the real run would find it.
                if let id = plan.plannedID(lookup, text, profile: target.profile) { return id }
            }
            return try self.resolveName(lookup, text, instance: (try? values["instance"]?.text()) ?? target.instance ?? "", target: target)
        }
        let request = try binder.bind(arguments, at: range)
        let transport = self.transport
        if op.pagination != .none {
            var first = request.target
            if op.pagination == .boxMarker, HTTPPages.queryValue(first, "usemarker") == nil {
                first = HTTPPages.replacing(first, "usemarker", with: "true")
            }
            let fetch: HTTPPages.Fetch = { path in try await transport.perform(request, target: path, body: nil, to: target) }
            let subjects = self.subjects
            let learn: HTTPPages.Learn = { subjects.learn(.list($0), service: op.service) }
            let pages = try HTTPPages(operation: op, origin: target.url, first: first, fetch: fetch, learn: learn)
            // A second reading of the result lists it again, from the first page.
            return .stream(ValueStream(label: op.name, totalCount: pages.totalCount, display: display, first: pages) {
                try HTTPPages(operation: op, origin: target.url, first: first, fetch: fetch, learn: learn)
            })
        }
        // A name resolved before this write may stand for another id after it, in the service
        // as in a dry run's plan (whatever the write's outcome: it may have been applied).
        defer { if plan == nil, let kind = NameLookup.changed(by: op) { names.forget(kind) } }
        let bodies: [Value?] = request.bodies.isEmpty ? [nil] : request.bodies
        var results: [Value] = []
        // Chunks of invites are separate requests: one refused, the others still go.
        var refused: [(body: Value?, error: ErrorValue)] = []
        if op.isInvite, plan == nil, let journal {
            let (made, chunks) = try journaledInvites(request, to: target, site: site, journal: journal)
            results = [.record(["items": .list(made)])]
            subjects.learn(results[0], service: op.service)
            refused = chunks
        } else {
            for body in bodies {
                do {
                    if op.isWrite {
                        results.append(try write(request, body: body, to: target, site: site, plan: plan))
                    } else {
                        let reply = try Blocking.run { try await transport.perform(request, body: body, to: target) }
                        results.append(try Catalog.decode(reply, op))
                    }
                    subjects.learn(results[results.count - 1], service: op.service)
                } catch let e as ErrorValue where e.partial != nil {
                    let total: Int
                    if case .record(let p)? = e.partial, case .list(let done)? = p["members"], case .list(let failed)? = p["failed"] {
                        // (A member the answer lists as changed and as failed counts once.)
                        total = Set((done + failed.compactMap { if case .record(let f) = $0 { f["id"] } else { nil } }).compactMap { try? $0.text() }).count
                    } else { total = 0 }
                    throw reportPartial(e, op, at: site, total: total)
                } catch let e as ErrorValue where bodies.count > 1 && e.status.map({ (400..<500).contains($0) }) ?? false {
                    refused.append((body, e))
                }
            }
        }
        if let first = refused.first {
            let made = results.flatMap { result -> [Value] in
                if case .record(let r) = result, case .list(let items)? = r["items"] { return items.array }
                return []
            }
            guard !made.isEmpty else { throw first.error }
            let total = bodies.reduce(0) { n, body in if case .list(let forms)? = body { n + forms.count } else { n } }
            throw reportPartial(Catalog.inviteFailure(made: made, refused: refused, op: op), op, at: site, total: total)
        }
        if case .invites = op.body {
            // Invites answer with a page of members: one invite gives the member, a list the list.
            let members = results.flatMap { result -> [Value] in
                if case .record(let r) = result, case .list(let items)? = r["items"] { return items.array }
                return []
            }
            let oneByFields = !arguments.contains { if case .named("members", _) = $0.kind { true } else { false } }
            return oneByFields && members.count == 1 ? members[0] : .list(members)
        }
        if plan == nil, op.isWrite, let confirm = confirmEmptyWrites, results.allSatisfy(\.isNull) {
            let named = Subjects.touched(by: request, body: bodies.first ?? nil).map { kind, id in subjects.name(kind, id) ?? id }
            confirm("\(op.name): done" + (named.isEmpty ? "" : " (\(Sanitize.visible(named.joined(separator: ", "))))"))
        }
        return results[0]
    }

    /// Takes `--columns A,B` (or `columns=A,B`) out of the arguments: its place and text.
    static func columnsArgument(_ arguments: inout [CommandArgument]) -> (SourceRange, String)? {
        for (i, a) in arguments.enumerated() {
            if case .named("columns", let v) = a.kind {
                arguments.remove(at: i)
                return (a.range, (try? v.text()) ?? "")
            }
            if case .flag("columns") = a.kind, i + 1 < arguments.count, case .positional(let v) = arguments[i + 1].kind {
                let text = arguments[i + 1].bareWord ?? (try? v.text()) ?? ""
                arguments.removeSubrange(i...(i + 1))
                return (a.range, text)
            }
        }
        return nil
    }

    /// A success body as a value (204: null); anything else as the vendor's error.
    static func decode(_ reply: WireReply, _ op: Operation) throws -> Value {
        var body: Value? = reply.body.isEmpty ? nil : try? JSONReader.parse(bytes: reply.body)
        // The raw bytes were scrubbed of tokens; an escaped one shows only once decoded.
        if body != nil, SecretValues.any, reply.body.withUnsafeBytes({ b in b.baseAddress.map { memchr($0, 0x5C, b.count) != nil } ?? false }) {
            body = body.map(SecretValues.scrub)
        }
        guard (200..<300).contains(reply.status) else {
            throw vendorError(reply, body, op)
        }
        if reply.body.isEmpty {
            // A read always answers with something: an empty 200 is a broken answer, not null.
            guard op.method != "GET" else {
                throw ErrorValue(code: "unexpected_response", message: "\(reply.status) answer is empty", status: reply.status, operation: op.name)
            }
            return .null
        }
        guard let body else {
            let applied = op.isWrite ? ": the server took the write, but its answer cannot be read" : ""
            throw ErrorValue(code: "unexpected_response", message: "\(reply.status) answer is not JSON\(applied)", status: reply.status, operation: op.name)
        }
        return body
    }

    /// A write's own answer: decoded, and one that is not what the write makes is an answer
    /// that cannot be read. Taken as done, it was replayed by every rerun (`id=null`); in
    /// doubt (a 2xx), the next run settles it by looking.
    static func decodeAnswer(_ reply: WireReply, _ op: Operation, sent: Value?) throws -> Value {
        let body = try decode(reply, op)
        // Every member the patch named is accounted for (decode saw only the answer).
        if case .semanticPatch = op.body, let partial = semanticPatchFailure(body, op, requested: requestedMembers(sent)) { throw partial }
        if let wrong = unfitAnswer(body, op) {
            throw ErrorValue(code: "unexpected_response", message: "\(reply.status) answer is \(wrong): the server took the write, but its answer cannot be read", status: reply.status, operation: op.name)
        }
        return body
    }

    /// Why a write's 2xx answer is not what the write makes, or nil: a create answers with the
    /// object (an `id`), or with a list of `items` (LaunchDarkly's invites); a Box error body or
    /// Losant's `success: false` is no success.
    static func unfitAnswer(_ body: Value, _ op: Operation) -> String? {
        guard op.isWrite else { return nil }
        guard case .record(let r) = body else {
            if case .semanticPatch = op.body { return "\(body.typeName), not an object" }
            return op.creates ? "\(body.typeName), not an object" : nil
        }
        if case .string("error")? = r["type"] { return "an error body" }
        if case .bool(false)? = r["success"] { return "success: false" }
        if case .semanticPatch = op.body, !(r["members"].map { if case .list = $0 { true } else { false } } ?? false) { return "an object without its list of members" }
        guard op.creates else { return nil }
        if case .lookUp(let lookup) = op.inDoubt, lookup.eachItem {
            guard case .list? = r[lookup.itemsKey] else { return "an object without its list of \(lookup.itemsKey)" }
            return nil
        }
        return Lookup.text(body, "id") == nil ? "an object without an id" : nil
    }

    /// The vendor's error body as an error value: LaunchDarkly {code, message}, Losant {type,
    /// message}, Box {code, message, request_id}.
    static func vendorError(_ reply: WireReply, _ body: Value?, _ op: Operation) -> ErrorValue {
        var code = "http_\(reply.status)", message = HTTPStatus.reason(reply.status)
        var requestID = reply.header("X-Request-Id") ?? reply.header("box-request-id")
        if case .record(let r)? = body {
            if case .string(let c)? = r["code"] ?? r["type"], c != "error" { code = c }
            if case .string(let m)? = r["message"] { message = m }
            if case .string(let id)? = r["request_id"] { requestID = id }
        }
        // Every text of the server's that an error shows is one line on any terminal: a newline
        // in its code or message must not forge lines of roster's own (the body keeps them exact).
        code = Sanitize.visible(code)
        message = Sanitize.visible(message)
        requestID = requestID.map { Sanitize.visible($0) }
        if (300..<400).contains(reply.status), let location = reply.header("Location") {
            message += ": to \(Sanitize.quoted(location, limit: 200)), not followed (the token would go with it); check the profile's url"
        }
        return ErrorValue(code: code, message: message, status: reply.status, operation: op.name, requestID: requestID, body: body)
    }
}
