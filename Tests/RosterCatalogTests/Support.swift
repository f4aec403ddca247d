import Foundation
import Hummingbird
import Logging
import RosterCatalog
import RosterSandbox
@testable import RosterScript

/// A sandbox on a real loopback port, as the embedded default and `roster serve` run it.
final class LiveSandbox: @unchecked Sendable {
    let store: SandboxStore
    let url: String
    private let task: Task<Void, Never>

    /// Waits for the server without blocking a concurrency thread (the tests run on that pool).
    static func start(options: SandboxOptions = SandboxOptions(), synthetic: Int = 0) async throws -> LiveSandbox {
        let store = try SandboxStore(path: ":memory:")
        try SandboxSeed.seed(store, synthetic: synthetic)
        var quiet = Logger(label: "catalog-tests")
        quiet.logLevel = .critical
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: Sandbox.router(store: store, options: options),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: quiet)
        let task = Task.detached { _ = try? await app.run() }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        return LiveSandbox(store: store, url: "http://127.0.0.1:\(port)", task: task)
    }

    private init(store: SandboxStore, url: String, task: Task<Void, Never>) {
        self.store = store
        self.url = url
        self.task = task
    }

    deinit { task.cancel() }

    var targets: SessionTargets {
        let url = self.url
        return try! SessionTargets(profiles: Profiles(), environment: [:]) { url }
    }
}

/// Lines collected from any thread: a catalog's warnings, a plan's lines.
final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}

/// Records every request that goes on the wire, then sends it for real.
final class Recorder: HTTPSender, @unchecked Sendable {
    private let lock = NSLock()
    private var log: [WireRequest] = []
    let inner: any HTTPSender

    init(_ inner: any HTTPSender = AsyncHTTPSender()) { self.inner = inner }

    var requests: [WireRequest] { lock.lock(); defer { lock.unlock() }; return log }

    func send(_ request: WireRequest) async throws(SendFailure) -> WireReply {
        lock.withLock { log.append(request) }
        return try await inner.send(request)
    }
}

extension WireRequest {
    func header(_ name: String) -> String? { headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1 }
    var path: String { String(url.drop { $0 != "/" }.dropFirst(2).drop { $0 != "/" }) }
    var bodyText: String? { body.map { String(decoding: $0, as: UTF8.self) } }
}

/// A host that hands verbs to the catalog and captures what the script prints.
final class CatalogHost: ScriptHost {
    let catalog: Catalog
    var output: [String] = []

    init(_ catalog: Catalog) { self.catalog = catalog }

    var commandNames: [String] { catalog.commandNames }
    func resolveCommand(_ words: [String]) -> HostCommand? { catalog.resolve(words) }
    func parameterNames(of command: HostCommand) -> [String] { catalog.parameterNames(of: command) }
    func check(_ command: HostCommand, _ arguments: [StaticArgument], at range: SourceRange) -> [RuntimeError] {
        catalog.check(command, arguments, at: range)
    }
    func invoke(_ command: HostCommand, _ arguments: [CommandArgument], at site: CallSite) throws -> Value {
        try catalog.invoke(command, arguments, at: site)
    }
    func write(_ text: String) { output.append(text) }
    func display(_ value: Value) throws {
        if case .stream(let s) = value {
            let c = try s.cursor()
            while let v = try c.next() { output.append(try v.json()) }
        } else {
            output.append(try value.json())
        }
    }
    func readSource(_ path: String, from file: String) throws -> (name: String, text: String) { throw ErrorValue(code: "no_files", message: "no files in tests") }
    func open(_ path: String) throws -> Value { throw ErrorValue(code: "no_files", message: "no files in tests") }
    func save(_ value: Value, to path: String) throws {}
    func environment(_ name: String) -> String? { nil }
    func now() -> Double { Date().timeIntervalSince1970 }
    func sleep(_ seconds: Double) throws {}
}

/// What a script printed, or the diagnostic it stopped with.
struct ScriptResult {
    var output: [String]
    var error: String?
}

/// Runs a script on its own thread: verbs block while their requests run on the concurrency
/// pool, so the interpreter must not sit on one of the pool's threads.
func run(_ source: String, catalog: Catalog) async -> ScriptResult {
    await withCheckedContinuation { continuation in
        let thread = Thread {
            let host = CatalogHost(catalog)
            let interpreter = Interpreter(host: host)
            var failure: String?
            do {
                try interpreter.run(SourceFile(name: "test.roster", text: source))
            } catch let e as RuntimeError {
                failure = e.diagnostic.rendered()
            } catch let e as SyntaxErrors {
                failure = e.diagnostics.map { $0.rendered() }.joined()
            } catch {
                failure = "\(error)"
            }
            continuation.resume(returning: ScriptResult(output: host.output, error: failure))
        }
        thread.stackSize = 64 << 20
        thread.start()
    }
}
