import Foundation
@testable import RosterScript

/// A host for tests: output is captured, verbs are fakes (including a paged stream that
/// counts its fetches), files live in memory, the clock and environment are fixed.
final class FakeHost: ScriptHost {
    var output: [String] = []
    var files: [String: Value] = [:]
    var sources: [String: String] = [:]
    var slept: [Double] = []
    /// Counters a parallel loop's iterations reach at once (a listing read again in each), so locked.
    private let lock = NSLock()
    private var fetched = 0
    private var called: [String] = []
    var pagesFetched: Int { lock.withLock { fetched } }
    var calls: [String] { lock.withLock { called } }
    func countFetch() { lock.withLock { fetched += 1 } }

    static let verbs: [String: [String]] = [
        "fake items list": ["pages", "size", "total"],
        "fake items get": ["id"],
        "fake echo": ["name", "role", "id", "verbose"],
        "fake fail": ["status", "code", "message"],
        "fake fetches": [],
    ]

    var commandNames: [String] { FakeHost.verbs.keys.sorted() }

    func resolveCommand(_ words: [String]) -> HostCommand? {
        for n in stride(from: min(words.count, 3), through: 1, by: -1) {
            let name = words.prefix(n).joined(separator: " ")
            if FakeHost.verbs[name] != nil { return HostCommand(name: name, wordCount: n) }
        }
        return nil
    }

    func parameterNames(of command: HostCommand) -> [String] { FakeHost.verbs[command.name] ?? [] }

    func invoke(_ command: HostCommand, _ arguments: [CommandArgument], at site: CallSite) throws -> Value {
        var named = Record()
        var positional: [Value] = []
        let known = FakeHost.verbs[command.name] ?? []
        for a in arguments {
            switch a.kind {
            case .named(let n, let v):
                guard known.contains(n) else {
                    throw RuntimeError(ErrorValue(code: "unknown_parameter", message: "\(command.name) has no parameter '\(n)'\(Suggest.hint(n, known))"), at: a.range)
                }
                named[n] = v
            case .flag(let n): named[n] = .bool(true)
            case .positional(let v): positional.append(v)
            }
        }
        lock.withLock { called.append(command.name) }
        switch command.name {
        case "fake items list":
            let pages = named["pages"].flatMap { if case .int(let n) = $0 { n } else { nil } } ?? 3
            let size = named["size"].flatMap { if case .int(let n) = $0 { n } else { nil } } ?? 2
            return .stream(ValueStream(label: command.name, totalCount: pages * size, first: FakePages(host: self, pages: pages, size: size)) {
                FakePages(host: self, pages: pages, size: size)
            })
        case "fake items get":
            return .record(["id": named["id"] ?? .null, "name": .string("item")])
        case "fake echo":
            var r = named
            if !positional.isEmpty { r["args"] = .list(positional) }
            return .record(r)
        case "fake fetches":
            return .int(pagesFetched)
        case "fake fail":
            var status: Int?
            if case .int(let s)? = named["status"] { status = s }
            throw ErrorValue(code: (try? named["code"]?.text()) ?? "conflict", message: (try? named["message"]?.text()) ?? "it failed",
                             status: status ?? 409, requestID: "req-1")
        default:
            throw ErrorValue(code: "unknown_command", message: command.name)
        }
    }

    func write(_ text: String) { output.append(contentsOf: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)) }

    func display(_ value: Value) throws {
        switch value {
        case .list, .stream, .range: try value.forEachElement { output.append(try $0.json()) }
        case .string(let s): output.append(s)
        default: output.append(try value.json())
        }
    }

    func readSource(_ path: String, from file: String) throws -> (name: String, text: String) {
        guard let s = sources[path] else { throw ErrorValue(code: "file_not_found", message: "cannot read '\(path)': no such file") }
        return (path, s)
    }

    func open(_ path: String) throws -> Value {
        guard let v = files[path] else { throw ErrorValue(code: "file_not_found", message: "cannot read '\(path)': no such file") }
        return v
    }

    func save(_ value: Value, to path: String) throws {
        var items: [Value] = []
        try value.forEachElement { items.append($0) }
        if case .record = value { files[path] = value } else { files[path] = .list(items) }
    }

    func environment(_ name: String) -> String? { ["ROSTER_TEST": "yes", "HOME": "/home/test"][name] }
    func now() -> Double { 1_700_000_000.5 }
    func sleep(_ seconds: Double) throws {
        if Interrupt.isRequested { throw ControlSignal.interrupted }
        slept.append(seconds)
    }
}

/// Pages of `{n: k}` records, counting fetches on the host.
final class FakePages: PageSource, @unchecked Sendable {
    unowned let host: FakeHost
    let pages: Int
    let size: Int
    var next = 0

    init(host: FakeHost, pages: Int, size: Int) {
        self.host = host
        self.pages = pages
        self.size = size
    }

    func nextPage() throws -> List? {
        guard next < pages else { return nil }
        host.countFetch()
        let start = next * size
        next += 1
        return List((start..<start + size).map { .record(["n": .int($0), "even": .bool($0 % 2 == 0)]) })
    }
}
