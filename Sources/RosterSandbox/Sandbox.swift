import Foundation
import Hummingbird
import Logging

/// Switches for the places where the fact sheets leave a choice.
public struct SandboxOptions: Sendable {
    public enum ContentTypeRule: String, Sendable { case strict, lenient }
    public enum FilterReading: String, Sendable { case select, exclude }

    /// The semantic patch without its media type: 400 as the docs say (strict), or accepted (lenient).
    public var ldSemanticPatchContentType: ContentTypeRule = .strict
    /// `replaceAll*` filters choose the members (select) or, read literally, exclude them.
    public var ldFilterReading: FilterReading = .select
    /// `--faults`: injected 429s, 500s, connection resets and latency (nil: none).
    public var faults: FaultPlan?
    /// `--rate-limit N/s` per token (nil: unlimited).
    public var rateLimit: RateLimit?
    /// `--idle-timeout`: seconds a connection may sit without sending (idle, or a request
    /// half sent) before it is closed.
    public var idleTimeout: Double = 30
    /// `--box-token-ttl`: seconds a Box OAuth access token lives.
    public var boxTokenTTL: Int = 3600
    /// `--box-jwt-config`: the app keys JWT assertions may be signed with.
    public var boxJWTKeys: [BoxJWTKey] = []
    /// The Box app's client secret (fresh off loopback, as the tokens are).
    public var boxClientSecret = SandboxTokens.fixed.boxClientSecret

    public init() {}
}

/// The sandbox application: one function for `roster serve`, the in-process target and tests.
public enum Sandbox {
    public static func router(store: SandboxStore, options: SandboxOptions = SandboxOptions(),
                              log: (@Sendable (String) -> Void)? = nil) -> Router<SandboxContext> {
        routeTable(store: store, options: options, log: log).router
    }

    static func routeTable(store: SandboxStore, options: SandboxOptions = SandboxOptions(),
                           log: (@Sendable (String) -> Void)? = nil) -> RouteTable {
        let router = Router(context: SandboxContext.self)
        let routes = RouteTable(router: router)
        if let log { router.add(middleware: RequestLog(log: log)) }
        router.add(middleware: UnknownRoute(table: routes))
        if options.faults != nil || options.rateLimit != nil {
            router.add(middleware: FaultInjector(plan: options.faults, rateLimit: options.rateLimit))
        }
        LaunchDarkly(store: store, options: options).register(on: routes)
        Losant(store: store).register(on: routes)
        Box(data: BoxStore(store: store), tokenTTL: options.boxTokenTTL, jwtKeys: options.boxJWTKeys, clientSecret: options.boxClientSecret).register(on: routes)
        return routes
    }

    public static func application(store: SandboxStore, options: SandboxOptions = SandboxOptions(), host: String = "127.0.0.1", port: Int = 0,
                                   log: (@Sendable (String) -> Void)? = nil,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        var logger = Logger(label: "roster.sandbox")
        logger.logLevel = .warning
        return Application(
            router: router(store: store, options: options, log: log),
            server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64(options.idleTimeout * 1000)))),
            configuration: .init(address: .hostname(host, port: port), serverName: "roster-sandbox"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }
}

extension Sandbox {
    /// `GET /hello` answered with five bytes by the same server configuration: what the stack
    /// does with no work of ours, the ceiling `scripts/bench/sandbox.sh` measures routes against.
    static func hello(host: String, port: Int, onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.get("/hello") { _, _ in "hello" }
        var logger = Logger(label: "roster.sandbox")
        logger.logLevel = .warning
        return Application(router: router, server: .http1(configuration: .init(idleTimeout: .seconds(30))),
                           configuration: .init(address: .hostname(host, port: port), serverName: "roster-sandbox"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }
}

/// One line per request on the log: method, path, status, milliseconds. Never a header.
struct RequestLog: RouterMiddleware {
    typealias Context = SandboxContext
    let log: @Sendable (String) -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as FaultInjector.ConnectionDropped {
            log("\(request.method) \(request.uri.path) reset \(error.applied ? "after" : "before") handling")
            throw error
        }
        let elapsed = (ContinuousClock.now - start).components
        let ms = Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15
        log("\(request.method) \(request.uri.path) \(response.status.code) \(String(format: "%.1f", ms))ms")
        return response
    }
}
