import Foundation
import RosterScript

/// --dry-run: reads go out, writes do not. Each write is shown as the exact request it would
/// send (tokens live only in headers, which are not shown; secret body fields are redacted) and
/// answers with a stand-in, so the script goes on: a created object gets a placeholder id
/// (`planned-3`) that later planned requests show.
public final class Plan: @unchecked Sendable {
    /// How a created object's stand-in id starts: a later verb takes it as an id, never a name.
    public static let idPrefix = "planned-"
    public struct Entry: Sendable {
        public let operation: String
        public let method: String
        public let url: String
        public let body: Value?
        /// `file:line:col` of the statement, and its loop iterations.
        public let at: String
        public let iterations: [Int]
        /// Whom it touches, named where the run has read them.
        public let subjects: [PlannedSubject]
        /// What a filter-based write would do (`would change 3 members; ...`).
        public let note: String?

        /// `plan: METHOD URL BODY`, then `# ` and the names of whom it touches (and the note).
        public var line: String {
            var out = "plan: \(method) \(url)"
            if let body, let json = try? body.json() { out += " \(json)" }
            var said: [String] = []
            let names = subjects.compactMap(\.name)
            if !names.isEmpty {
                said.append(names.prefix(10).joined(separator: ", ") + (names.count > 10 ? " and \(names.count - 10) more" : ""))
            }
            if let note { said.append(note) }
            if !said.isEmpty { out += "  # " + Sanitize.visible(said.joined(separator: "; ")) }
            return out
        }

        public var record: Value {
            var r: Record = ["operation": .string(operation), "method": .string(method), "url": .string(url)]
            if let body { r["body"] = body }
            if !subjects.isEmpty { r["subjects"] = .list(subjects.map(\.record)) }
            if let note { r["note"] = .string(note) }
            r["at"] = .string(at)
            if !iterations.isEmpty { r["iterations"] = .list(iterations.map { .int($0) }) }
            return .record(r)
        }
    }

    private let lock = NSLock()
    private var entries: [Entry] = []
    private var placeholders = 0
    /// The names planned writes give (a group created or renamed), by profile and kind: a later
    /// verb given the name takes the planned id, as the real run would find the object.
    private var plannedNames: [String: String] = [:]
    /// Where each planned write is shown as it is planned (one whole line).
    let show: @Sendable (String) -> Void

    public init(show: @escaping @Sendable (String) -> Void) {
        self.show = show
    }

    /// Plans a write; `members` is what a semantic patch's stand-in answer says it changed.
    func add(_ request: PreparedRequest, body: Value?, url: String, site: CallSite, subjects: [PlannedSubject] = [],
             note: String? = nil, members: [String]? = nil, errors: [Value] = []) -> Value {
        let shown = body.map(Secrets.redacted)
        let entry = Entry(operation: request.operation.name, method: request.method, url: url + request.target, body: shown,
                          at: site.range.description, iterations: site.iterations, subjects: subjects, note: note)
        let first: Int = lock.withLock {
            entries.append(entry)
            defer { placeholders += Plan.placeholderCount(request.operation, body) }
            return placeholders + 1
        }
        show(entry.line)
        if let members {
            return .record(["members": .list(members.map { .string($0) }), "errors": .list(errors), "planned": .bool(true)])
        }
        return Plan.standIn(request, body: body, firstID: first)
    }

    /// Remembers the names a planned write's stand-in gives its objects.
    func rememberNames(in answer: Value, kind: NameLookup, profile: String) {
        var objects: [Value] = [answer]
        if case .list(let items)? = answer.field("items") { objects = items.array }
        lock.withLock {
            for object in objects {
                guard let name = Lookup.text(object, kind.nameField), let id = Lookup.text(object, kind.idField) else { continue }
                plannedNames[[profile, kind.rawValue, name].joined(separator: "\u{1F}")] = id
            }
        }
    }

    /// The id a planned write gave the object now named `name`, if any.
    func plannedID(_ kind: NameLookup, _ name: String, profile: String) -> String? {
        lock.withLock { plannedNames[[profile, kind.rawValue, name].joined(separator: "\u{1F}")] }
    }

    static func placeholderCount(_ op: Operation, _ body: Value?) -> Int {
        guard op.creates else { return 0 }
        if case .list(let forms)? = body { return forms.count }
        return 1
    }

    /// What the script gets instead of the server's answer: the body it sent with an id
    /// (`_id` for LaunchDarkly): a placeholder for what it creates, the path's for what it
    /// changes (`box users update id=...` answers with the user's id, as the service would);
    /// and `planned: true`.
    static func standIn(_ request: PreparedRequest, body: Value?, firstID: Int) -> Value {
        let op = request.operation
        if op.method == "DELETE" { return .null }
        let idKey = op.service == .launchDarkly ? "_id" : "id"
        func object(_ v: Value?, _ n: Int) -> Value {
            var r: Record = [:]
            if op.creates {
                r[idKey] = .string("\(Plan.idPrefix)\(n)")
            } else if op.paths.count == 1, op.paths[0].hasSuffix("}"), let last = request.path.split(separator: "/").last {
                r[idKey] = .string(last.removingPercentEncoding ?? String(last))
            }
            if case .record(let b)? = v { for (k, x) in b where r[k] == nil { r[k] = x } }
            r["planned"] = .bool(true)
            return .record(r)
        }
        if case .list(let forms)? = body {
            return .record(["items": .list(forms.enumerated().map { object($1, firstID + $0) })])
        }
        return object(body, firstID)
    }

    /// Planned writes by operation, in the order first planned: "3 writes planned: box users create 2, ...".
    public var summary: String {
        let all = lock.withLock { entries }
        var order: [String] = [], counts: [String: Int] = [:]
        for e in all {
            if counts[e.operation] == nil { order.append(e.operation) }
            counts[e.operation, default: 0] += 1
        }
        let each = order.map { "\($0) \(counts[$0]!)" }.joined(separator: ", ")
        return "dry run: \(all.count) write\(all.count == 1 ? "" : "s") planned, none sent" + (each.isEmpty ? "" : ": " + each)
    }

    /// `--plan FILE`: the planned writes as JSON lines.
    public func save(to path: String) throws {
        var text = ""
        for e in lock.withLock({ entries }) { text += try e.record.json() + "\n" }
        do {
            try Data(SecretValues.scrub(text).utf8).write(to: URL(fileURLWithPath: LocalFile.expand(path)), options: .atomic)
        } catch {
            throw ErrorValue(code: "write_failed", message: "cannot write the plan to '\(path)': \(error.localizedDescription)")
        }
    }
}

extension Operation {
    /// Whether its answer is a new object (those are what a lookup finds when in doubt).
    var creates: Bool { if case .lookUp = inDoubt { true } else { false } }
}

/// Body and answer fields that hold secrets: never shown in a plan nor kept in a journal.
enum Secrets {
    static let keys: Set<String> = ["token", "password", "access_token", "refresh_token", "client_secret", "jwt"]

    static func redacted(_ v: Value) -> Value {
        switch v {
        case .record(let r):
            var out = Record(minimumCapacity: r.count)
            for (k, x) in r { out[k] = keys.contains(k) && !x.isNull ? .string("(redacted)") : redacted(x) }
            return .record(out)
        case .list(let l): return .list(l.map(redacted))
        default: return v
        }
    }

    /// The secret fields `redacted` blanked out in `v` (a journal's answer replayed).
    static func redactedKeys(in v: Value) -> [String] {
        switch v {
        case .record(let r):
            return r.flatMap { k, x -> [String] in
                if keys.contains(k), case .string("(redacted)") = x { return [k] }
                return redactedKeys(in: x)
            }
        case .list(let l): return l.flatMap(redactedKeys)
        default: return []
        }
    }
}
