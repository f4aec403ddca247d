import Foundation
import Hummingbird
import NIOCore
import NIOPosix

/// `roster serve`: the sandbox over HTTP. Prints its URL as the first stdout line (then, on a
/// non-loopback address, the fresh tokens it made), logs a line per request to stderr, and
/// stops cleanly on SIGINT or SIGTERM.
public enum SandboxServer {
    public struct Settings: Sendable {
        public var host = "127.0.0.1"
        public var port = 0
        /// A file, `:memory:`, or nil for a fresh temporary file.
        public var database: String?
        public var syntheticPeople = 0
        /// A line per request on stderr (off for benchmarks, where it is a syscall per request).
        public var logsRequests = true
        public var options = SandboxOptions()
        /// `--box-jwt-config FILE`: where to write the JWT app's config.
        public var boxJWTConfig: String?
        /// Serve only `GET /hello` on the same stack: the ceiling the benchmark compares with.
        public var helloOnly = false
        public init() {}
    }

    /// Loopback by its address, not its spelling: `127.example.com` may be anywhere. What is
    /// not known to be loopback is served as public (fresh tokens).
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    public static func run(_ settings: Settings) throws {
        // Tasks run on the server's own event loops: a request is read, answered from SQLite
        // and written on one thread, where Swift's default pool costs two hops between threads
        // per request (most of a small request's time). Only a process that is nothing but the
        // server may do this, before its first task: `roster serve`, on the main thread.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        if settings.helloOnly { return try serve(Sandbox.hello(host: settings.host, port: settings.port, onRunning: announce(settings, listing: ""))) }
        let path = settings.database ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("roster-sandbox-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).sqlite").path
        let store = try SandboxStore(path: path)
        // A temporary database goes with the server (its folder entry only: the store holds it open).
        defer {
            if settings.database == nil {
                for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            }
        }
        let loopback = isLoopback(settings.host)
        let tokens = loopback ? SandboxTokens.fixed : SandboxTokens.random()
        try SandboxSeed.seed(store, synthetic: settings.syntheticPeople, tokens: tokens)
        let shown = tokens
        var options = settings.options
        options.boxClientSecret = tokens.boxClientSecret
        if let path = settings.boxJWTConfig {
            // The app's config holds its secret: written once the secret is chosen.
            options.boxJWTKeys = [try BoxJWTApp.writeConfig(to: path, clientSecret: tokens.boxClientSecret)]
        }
        var log: (@Sendable (String) -> Void)?
        if settings.logsRequests { log = { @Sendable line in try? FileHandle.standardError.write(contentsOf: Data((line + "\n").utf8)) } }
        let app = Sandbox.application(store: store, options: options, host: settings.host, port: settings.port,
                                      log: log, onRunning: announce(settings, listing: loopback ? "" : shown.listing))
        do {
            try serve(app)
        } catch let e as IOError where e.errnoCode == EADDRINUSE || e.errnoCode == EACCES {
            throw ServeError(description: e.errnoCode == EADDRINUSE
                ? "port \(settings.port) on \(settings.host) is in use; choose another with --port, or --port 0 for any free one"
                : "port \(settings.port) on \(settings.host) needs privileges to listen on; choose one above 1023, or --port 0")
        }
    }

    /// Why the server could not start, in words (NIO's text names the system call).
    public struct ServeError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Prints the URL (and, off loopback, the tokens) once the server listens.
    static func announce(_ settings: Settings, listing: String) -> @Sendable (Int) async -> Void {
        { port in
            let host = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
            try? FileHandle.standardOutput.write(contentsOf: Data("http://\(host):\(port)\n\(listing)".utf8))
        }
    }

    private final class Outcome: @unchecked Sendable { var error: Error? }

    /// How long a stop waits for the requests still open (a client dripping its body would
    /// hold a graceful stop for ever).
    static let stopGrace = 10.0

    /// Runs `app` until SIGINT or SIGTERM: a graceful stop, and after `stopGrace` an exit.
    static func serve(_ app: some ApplicationProtocol) throws {
        let done = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        let stops = [SIGINT, SIGTERM].map { signal in
            let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
            source.setEventHandler {
                DispatchQueue.global().asyncAfter(deadline: .now() + stopGrace) {
                    try? FileHandle.standardError.write(contentsOf: Data("roster serve: requests still open \(Int(stopGrace)) s after the signal to stop; stopping now\n".utf8))
                    exit(0)
                }
            }
            source.resume()
            return source
        }
        defer { stops.forEach { $0.cancel() } }
        Task {
            do { try await app.runService() } catch { outcome.error = error }
            done.signal()
        }
        done.wait()
        if let error = outcome.error { throw error }
    }
}
