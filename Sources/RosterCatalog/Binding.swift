import Foundation
import RosterScript

/// A request ready to send: everything resolved except the service's base URL and token.
public struct PreparedRequest: Sendable {
    public let operation: Operation
    public var method: String
    /// The path with its placeholders filled and percent-encoded, without the query.
    public var path: String
    public var query: [(String, String)]
    /// JSON bodies: one, or several when a list is sent in chunks (LaunchDarkly invites).
    public var bodies: [Value]
    public var contentType: String?

    /// `path?query`, percent-encoded.
    public var target: String {
        query.isEmpty ? path : path + "?" + PreparedRequest.encode(query)
    }

    static func encode(_ items: [(String, String)]) -> String {
        items.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    /// RFC 3986 unreserved characters stay; everything else is %-encoded (so `+`, `&`, `=` and
    /// `,` inside values survive every server's query parser).
    static func escape(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}

/// Turns a command's arguments into a request, or a diagnostic at the argument that is wrong.
/// Nothing is sent when binding fails.
struct Binder {
    let operation: Operation
    /// Values the profile supplies when the command does not (Losant's instance id).
    let defaults: [String: Value]
    /// The id a name stands for, for parameters that take names (nil: names are not resolved,
    /// as when checking before a run). Given the converted values (Losant's instance).
    var resolveName: ((NameLookup, String, [String: Value]) throws -> String)?

    init(operation: Operation, defaults: [String: Value]) {
        self.operation = operation
        self.defaults = defaults
    }

    static let semanticPatchType = "application/json; domain-model=launchdarkly.semanticpatch"
    /// LaunchDarkly takes at most 50 invites in one request.
    static let invitesPerRequest = 50

    func bind(_ arguments: [CommandArgument], at range: SourceRange) throws -> PreparedRequest {
        var given: [String: (Value, SourceRange)] = [:]
        var positionals: [(Value, SourceRange)] = []
        // The text of each bare-word argument, by its place: a string parameter takes the text
        // as typed, not the number it reads as (`00123`, a 21-digit id).
        // (Keyed by offsets, not `range.description`: that computed a line and column for every
        // argument of every call.)
        var bareWords: [Span: String] = [:]
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if let bare = a.bareWord { bareWords[Span(a.range)] = bare }
            if case .flag = a.kind, i + 1 < arguments.count, let bare = arguments[i + 1].bareWord {
                bareWords[Span(a.range.to(arguments[i + 1].range))] = bare
            }
            switch a.kind {
            case .named("profile", _):
                break  // read by `profile(in:)` before binding
            case .named(let name, let value):
                try accept(name, value, a.range, into: &given)
            case .positional(let value):
                positionals.append((value, a.range))
            case .flag(let name):
                // `--name value` for a valued parameter (and --profile); `--name` alone for a boolean.
                let takesValue = name == "profile" || (operation.parameter(name).map { $0.kind != .boolean } ?? false)
                if takesValue, i + 1 < arguments.count, case .positional(let value) = arguments[i + 1].kind {
                    if name != "profile" { try accept(name, value, a.range.to(arguments[i + 1].range), into: &given) }
                    i += 1
                } else {
                    try accept(name, .bool(true), a.range, into: &given)
                }
            }
            i += 1
        }
        // Positional values fill the required parameters not named, in order: `box users get 20000001`.
        var open = operation.parameters.filter { $0.required && given[$0.name] == nil && defaults[$0.name] == nil }[...]
        for (value, r) in positionals {
            guard let p = open.popFirst() else {
                throw RuntimeError(ErrorValue(code: "invalid_argument", message: "\(operation.name) takes no more positional values; name the parameter (name=value). Parameters: \(names)"), at: r)
            }
            given[p.name] = (value, r)
        }
        for (name, value) in defaults where given[name] == nil && operation.parameter(name) != nil {
            given[name] = (value, range)
        }
        for p in operation.parameters where p.required && given[p.name] == nil {
            if case .invites = operation.body, given["members"] != nil { continue }
            throw RuntimeError(ErrorValue(code: "missing_argument", message: "\(operation.name) needs \(p.name)= (\(p.summary))"), at: range)
        }

        // Convert every value to its parameter's type, then place it.
        var converted: [String: Value] = [:]
        for (name, (value, r)) in given {
            converted[name] = try convert(value, to: operation.parameter(name)!, at: r, bareWord: bareWords[Span(r)])
        }
        for p in operation.parameters where converted[p.name] == nil {
            if let d = p.defaultValue { converted[p.name] = d }
        }
        if let resolveName {
            // Names where ids are asked, once every value is known (Losant's instance).
            for p in operation.parameters {
                guard let lookup = p.names, let value = converted[p.name], let r = given[p.name]?.1 else { continue }
                func resolved(_ v: Value) throws -> Value {
                    guard case .string(let text) = v else { return v }
                    do {
                        return .string(try resolveName(lookup, text, converted))
                    } catch let e as ErrorValue where e.status == nil {
                        throw RuntimeError(e, at: r)
                    }
                }
                if case .list(let items) = value { converted[p.name] = .list(try items.map(resolved)) } else { converted[p.name] = try resolved(value) }
            }
        }
        var request = PreparedRequest(operation: operation, method: operation.method, path: try path(converted, at: range),
                                      query: [], bodies: [], contentType: nil)
        for p in operation.parameters where p.location == .query {
            guard let v = converted[p.name] else { continue }
            request.query.append((p.wire, Binder.queryText(v)))
        }
        if operation.service == .losant {
            // What the SDK adds to every call.
            request.query += [("_actions", "false"), ("_links", "true"), ("_embedded", "true")]
        }
        request.bodies = try bodies(converted, at: range)
        if !request.bodies.isEmpty {
            if case .semanticPatch = operation.body { request.contentType = Binder.semanticPatchType } else { request.contentType = "application/json" }
        }
        return request
    }

    /// What `bind` would refuse whatever the unknown values (nil) turn out to be: unknown or
    /// repeated parameters, positional values with no parameter left, missing required ones,
    /// and literals of the wrong type or outside the allowed set. Every problem, not the first.
    func check(_ arguments: [StaticArgument], at range: SourceRange) -> [RuntimeError] {
        var problems: [RuntimeError] = []
        var given: [String: SourceRange] = [:]
        var literals: [(Parameter, Value, SourceRange, String?)] = []
        var positionals: [(Value?, SourceRange, String?)] = []
        func accept(_ name: String, _ value: Value?, _ r: SourceRange, _ bare: String?) {
            do {
                var seen = given.mapValues { (Value.null, $0) }
                try self.accept(name, .null, r, into: &seen)
            } catch let e as RuntimeError {
                problems.append(e)
                return
            } catch {}
            guard let p = operation.parameter(name) else { return }
            given[p.name] = r
            if let value { literals.append((p, value, r, bare)) }
        }
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            switch a.kind {
            case .named("profile", _), .flag("dry-run"), .flag("wide"), .named("columns", _):
                break
            case .flag("columns"):
                i += 1   // its value: the table's columns, display only
            case .named(let name, let value):
                accept(name, value, a.range, a.bareWord)
            case .positional(let value):
                positionals.append((value, a.range, a.bareWord))
            case .flag(let name):
                let takesValue = name == "profile" || (operation.parameter(name).map { $0.kind != .boolean } ?? false)
                if takesValue, i + 1 < arguments.count, case .positional(let value) = arguments[i + 1].kind {
                    if name != "profile" { accept(name, value, a.range.to(arguments[i + 1].range), arguments[i + 1].bareWord) }
                    i += 1
                } else {
                    accept(name, .bool(true), a.range, nil)
                }
            }
            i += 1
        }
        var open = operation.parameters.filter { $0.required && given[$0.name] == nil && defaults[$0.name] == nil }[...]
        for (value, r, bare) in positionals {
            guard let p = open.popFirst() else {
                problems.append(RuntimeError(ErrorValue(code: "invalid_argument", message: "\(operation.name) takes no more positional values; name the parameter (name=value). Parameters: \(names)"), at: r))
                continue
            }
            given[p.name] = r
            if let value { literals.append((p, value, r, bare)) }
        }
        for p in operation.parameters where p.required && given[p.name] == nil && defaults[p.name] == nil {
            if case .invites = operation.body, given["members"] != nil { continue }
            problems.append(RuntimeError(ErrorValue(code: "missing_argument", message: "\(operation.name) needs \(p.name)= (\(p.summary))"), at: range))
        }
        for (p, value, r, bare) in literals {
            do { _ = try convert(value, to: p, at: r, bareWord: bare) } catch let e as RuntimeError { problems.append(e) } catch {}
        }
        return problems.sorted { $0.range.start < $1.range.start }
    }

    /// `--profile NAME` (or `profile=NAME`) among the arguments, read before binding (the
    /// profile supplies defaults).
    static func profile(in arguments: [CommandArgument]) -> String? {
        for (i, a) in arguments.enumerated() {
            if case .named("profile", let v) = a.kind { return try? v.text() }
            if case .flag("profile") = a.kind, i + 1 < arguments.count, case .positional(let v) = arguments[i + 1].kind {
                return try? v.text()
            }
        }
        return nil
    }

    var names: String { operation.parameters.map(\.name).joined(separator: ", ") }

    func accept(_ typed: String, _ value: Value, _ r: SourceRange, into given: inout [String: (Value, SourceRange)]) throws {
        guard let name = operation.parameter(typed)?.name else {
            let name = typed
            let hint = Suggest.hint(name, operation.parameters.map(\.name))
            throw RuntimeError(ErrorValue(code: "unknown_parameter", message: "\(operation.name) has no parameter '\(name)'\(hint); parameters: \(names)"), at: r)
        }
        guard given[name] == nil else {
            throw RuntimeError(ErrorValue(code: "invalid_argument", message: "\(name)= is given twice"), at: r)
        }
        given[name] = (value, r)
    }

    /// The value as the parameter's declared type (a bare `57645` becomes the string Box expects).
    func convert(_ given: Value, to p: Parameter, at r: SourceRange, bareWord: String? = nil) throws -> Value {
        // A lazy list (a range, a pipeline, a page stream, an open file) is read whole when a
        // list is wanted, through the same visit loops use (which starts a stream and marks it read).
        var value = given
        if [.strings, .records].contains(p.kind) {
            switch given {
            case .range, .stream:
                var items: [Value] = []
                try given.forEachElement { items.append($0) }
                value = .list(items)
            default: break
            }
        }
        func wrong(_ expected: String) -> RuntimeError {
            RuntimeError(ErrorValue(code: "invalid_argument", message: "\(p.name)= must be \(expected), got \([value.typeName, Binder.show(value)].filter { !$0.isEmpty }.joined(separator: " "))"), at: r)
        }
        let result: Value
        switch p.kind {
        case .string, .reference:
            switch value {
            case .int, .double: result = .string(try bareWord ?? value.text())
            case .string, .bool: result = .string(try value.text())
            default: throw wrong(p.kind == .reference ? "an id" : "a string")
            }
        case .integer:
            switch value {
            case .int: result = value
            case .double(let d): guard let n = Int(exactly: d) else { throw wrong("an integer") }; result = .int(n)
            case .string(let s): guard let n = Int(s) else { throw wrong("an integer") }; result = .int(n)
            default: throw wrong("an integer")
            }
        case .boolean:
            switch value {
            case .bool: result = value
            case .string("true"): result = .bool(true)
            case .string("false"): result = .bool(false)
            default: throw wrong("true or false")
            }
        case .strings:
            switch value {
            case .list(let items):
                result = .list(try items.map { item in
                    switch item {
                    case .string, .int, .double, .bool: return .string(try item.text())
                    default: throw wrong("a list of strings")
                    }
                })
            case .string, .int: result = .list([.string(try value.text())])
            default: throw wrong("a list of strings")
            }
        case .record:
            guard case .record = value else { throw wrong("a record ({key: value})") }
            result = value
        case .records:
            guard case .list(let items) = value, items.allSatisfy({ if case .record = $0 { true } else { false } }) else {
                throw wrong("a list of records")
            }
            result = value
        }
        // JSON has no infinity or NaN, and the writer puts null in their place (a reply's 1e999
        // must still make a valid journal line): in a request that would be a wrong write.
        if [.record, .records].contains(p.kind), let bad = Binder.nonFinite(in: result) {
            throw RuntimeError(ErrorValue(code: "invalid_argument", message: "\(p.name)= holds \(Value.format(bad)), which JSON cannot carry (it would be sent as null)"), at: r)
        }
        if let allowed = p.allowed, case .string(let s) = result, !allowed.contains(s) {
            let hint = Suggest.hint(s, allowed)
            throw RuntimeError(ErrorValue(code: "invalid_argument", message: "\(p.name)=\(s) is not allowed\(hint); valid: \(allowed.joined(separator: ", "))"), at: r)
        }
        return result
    }

    /// An infinite or NaN number anywhere in a value (a work list, not recursion: a script's
    /// value can be nested deeper than a stack).
    static func nonFinite(in value: Value) -> Double? {
        var pending = [value]
        while let v = pending.popLast() {
            switch v {
            case .double(let d) where !d.isFinite: return d
            case .list(let items): pending.append(contentsOf: items)
            case .record(let r): pending.append(contentsOf: r.values)
            default: break
            }
        }
        return nil
    }

    static func show(_ v: Value) -> String {
        // A stream or range is named, not shown: showing would read it (a listing, page by page).
        if case .stream = v { return "" }
        if case .range = v { return "" }
        let text = (try? v.json()) ?? v.typeName
        return text.count > 40 ? String(text.prefix(40)) + "..." : text
    }

    static func queryText(_ v: Value) -> String {
        switch v {
        case .list(let items): items.map { (try? $0.text()) ?? "" }.joined(separator: ",")
        default: (try? v.text()) ?? ""
        }
    }

    /// The first path template whose placeholders are all given.
    func path(_ values: [String: Value], at range: SourceRange) throws -> String {
        let byWire = Dictionary(operation.parameters.filter { $0.location == .path }.map { ($0.wire, $0.name) }, uniquingKeysWith: { a, _ in a })
        // Paths that are alternatives (a group's memberships, or a user's): given both, the
        // first would be taken without a word, and the other dropped.
        let alternatives = operation.parameters.filter { p in
            p.location == .path && values[p.name] != nil && !operation.paths.allSatisfy { $0.contains("{\(p.wire)}") }
        }
        if alternatives.count > 1 {
            throw RuntimeError(ErrorValue(code: "invalid_argument", message: "\(operation.name) takes \(alternatives.map { $0.name + "=" }.joined(separator: " or ")), not both"), at: range)
        }
        templates: for template in operation.paths {
            var out = ""
            var rest = Substring(template)
            while let open = rest.firstIndex(of: "{") {
                out += rest[..<open]
                let close = rest[open...].firstIndex(of: "}")!
                let wire = String(rest[rest.index(after: open)..<close])
                guard let name = byWire[wire], let value = values[name] else { continue templates }
                out += PreparedRequest.escape((try? value.text()) ?? "")
                rest = rest[rest.index(after: close)...]
            }
            return out + rest
        }
        let choices = operation.parameters.filter { $0.location == .path }.map { $0.name + "=" }
        throw RuntimeError(ErrorValue(code: "missing_argument", message: "\(operation.name) needs one of \(choices.joined(separator: " or "))"), at: range)
    }

    /// Body parameters a shape places itself rather than as fields: the whole list of invites,
    /// the whole JSON Patch, the semantic patch's top-level comment.
    var placedByShape: Set<String> {
        switch operation.body {
        case .invites: ["members"]
        case .jsonPatch: ["patch"]
        case .semanticPatch: ["comment"]
        case .object, .none: []
        }
    }

    func bodies(_ values: [String: Value], at range: SourceRange) throws -> [Value] {
        var fields = Record()
        for p in operation.parameters where p.location == .body && !placedByShape.contains(p.name) {
            guard let v = values[p.name] else { continue }
            fields[p.wire] = p.kind == .reference ? .record(["id": v]) : v
        }
        switch operation.body {
        case .none:
            return []
        case .object:
            return [.record(fields)]
        case .invites:
            if let members = values["members"], case .list(let list) = members {
                guard !list.isEmpty else { throw RuntimeError(ErrorValue(code: "invalid_argument", message: "members= is an empty list"), at: range) }
                guard fields.isEmpty else {
                    throw RuntimeError(ErrorValue(code: "invalid_argument", message: "give either members=[...] or one member's fields, not both"), at: range)
                }
                let n = Binder.invitesPerRequest
                return stride(from: 0, to: list.count, by: n).map { .list(Array(list[$0..<min($0 + n, list.count)])) }
            }
            guard fields["email"] != nil else { throw RuntimeError(ErrorValue(code: "missing_argument", message: "\(operation.name) needs email= (or members=[...])"), at: range) }
            guard fields["role"] != nil || fields["customRoles"] != nil else {
                throw RuntimeError(ErrorValue(code: "missing_argument", message: "\(operation.name) needs role= or custom_roles="), at: range)
            }
            return [.list([.record(fields)])]
        case .jsonPatch:
            if let patch = values["patch"] {
                guard fields.isEmpty else { throw RuntimeError(ErrorValue(code: "invalid_argument", message: "give either patch=[...] or role=/custom_roles=, not both"), at: range) }
                return [patch]
            }
            var ops: [Value] = []
            if let role = fields["role"] { ops.append(.record(["op": .string("replace"), "path": .string("/role"), "value": role])) }
            if let roles = fields["customRoles"] { ops.append(.record(["op": .string("replace"), "path": .string("/customRoles"), "value": roles])) }
            guard !ops.isEmpty else { throw RuntimeError(ErrorValue(code: "missing_argument", message: "\(operation.name) needs role=, custom_roles= or patch=[...]"), at: range) }
            return [.list(ops)]
        case .semanticPatch(let kind):
            var body = Record()
            if let comment = values["comment"] { body["comment"] = comment }
            if let kind {
                var instruction: Record = ["kind": .string(kind)]
                for (k, v) in fields { instruction[k] = v }
                body["instructions"] = .list([.record(instruction)])
            } else {
                body["instructions"] = fields["instructions"] ?? .list([])
            }
            return [.record(body)]
        }
    }
}

/// Where an argument is in a command's source (all of one command's arguments are in one file).
private struct Span: Hashable {
    let start: Int, end: Int
    init(_ range: SourceRange) { (start, end) = (range.start, range.end) }
}
