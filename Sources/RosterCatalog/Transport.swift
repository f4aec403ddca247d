import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import RosterScript
import Synchronization

enum HTTPStatus {
    /// The status's reason phrase, lower-case as roster's messages write it ("409 conflict").
    static func reason(_ status: Int) -> String {
        let phrase = HTTPResponseStatus(statusCode: status).reasonPhrase
        return phrase.isEmpty ? "HTTP \(status)" : phrase.lowercased()
    }
}

/// Where one service's requests go, and with which token.
public struct ServiceTarget: Sendable {
    public var url: String
    public var token: String
    /// Losant's default instance id.
    public var instance: String?
    /// A Box app's OAuth access tokens (then `token` is unused).
    public var tokens: AccessTokens?
    /// The profile it comes from: part of what identifies a journaled write, so one journal
    /// used against staging and then production does not answer production from staging.
    /// (Not the URL: the embedded sandbox's port changes from run to run.)
    public var profile: String
    /// Where its writes land, as a journal records it (`https://api.box.com`, or the sandbox's
    /// database): a journal replays a write only where it was made.
    public var place: String

    public init(url: String, token: String, instance: String? = nil, profile: String = "sandbox", tokens: AccessTokens? = nil, place: String? = nil) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.token = token
        self.tokens = tokens
        self.instance = instance
        self.profile = profile
        self.place = place ?? ServiceTarget.normalized(self.url) + (instance.map { " instance \($0)" } ?? "")
    }

    /// A service URL spelt one way: scheme and host in lower case, no default port, no
    /// trailing slash (`HTTPS://API.box.com:443/` is `https://api.box.com`).
    public static func normalized(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return url }
        parts.scheme = parts.scheme?.lowercased()
        parts.host = parts.host?.lowercased()
        if (parts.scheme == "https" && parts.port == 443) || (parts.scheme == "http" && parts.port == 80) { parts.port = nil }
        while parts.path.hasSuffix("/") { parts.path.removeLast() }
        return parts.string ?? url
    }
}

/// One HTTP exchange on the wire, as sent.
public struct WireRequest: Sendable {
    public let method: String
    public let url: String
    public let headers: [(String, String)]
    public let body: [UInt8]?

    public init(method: String, url: String, headers: [(String, String)], body: [UInt8]?) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct WireReply: Sendable {
    public let status: Int
    public let headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

/// Sends one request. The real one is AsyncHTTPClient; tests may record or fake.
public protocol HTTPSender: Sendable {
    func send(_ request: WireRequest) async throws(SendFailure) -> WireReply
}

public struct SendFailure: Error, Sendable {
    /// Whether the request may have reached the server.
    public let mayHaveArrived: Bool
    /// A failure that trying again cannot mend (a certificate refused, a host that does not
    /// resolve): reported at once, never retried.
    public let permanent: Bool
    /// No answer within the time limit (said on stderr when it is tried again).
    public let timedOut: Bool
    public let message: String

    public init(mayHaveArrived: Bool, permanent: Bool = false, timedOut: Bool = false, message: String) {
        self.mayHaveArrived = mayHaveArrived
        self.permanent = permanent
        self.timedOut = timedOut
        self.message = message
    }
}

/// AsyncHTTPClient: pooled keep-alive connections, TLS verification on, redirects never
/// followed (the token would go with them), 10 seconds to connect and a deadline for the whole
/// request. A connection that cannot be made fails the request at once (the pool does not
/// retry it until the deadline); Transport's policy decides about trying again.
public struct AsyncHTTPSender: HTTPSender {
    /// Seconds a request may take in all (`--timeout`).
    public let timeout: Double

    public init(timeout: Double = 60) { self.timeout = timeout }

    /// One client for each time limit (a run has one). Its read timeout is the limit, so a
    /// server that stops sending fails the read; `send` ends one that drips its answer.
    static func client(readTimeout milliseconds: Int64) -> HTTPClient {
        clients.withLock { all in
            if let client = all[milliseconds] { return client }
            var configuration = HTTPClient.Configuration(
                certificateVerification: .fullVerification, redirectConfiguration: .disallow,
                // Idle connections are dropped before a server would (the sandbox's idle timeout is
                // 30 s): a write sent on a connection the server is closing would be in doubt.
                timeout: .init(connect: .seconds(10), read: .milliseconds(milliseconds)), connectionPool: .seconds(20),
                proxy: nil, ignoreUncleanSSLShutdown: false, decompression: .enabled(limit: .ratio(25)), backgroundActivityLogger: nil)
            configuration.connectionPool.retryConnectionEstablishment = false
            // No tracing: the default (a no-op tracer) still cost a span and an existential cast
            // per request.
            configuration.tracing.tracer = nil
            configuration.guardResponses()
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            all[milliseconds] = client
            return client
        }
    }
    private static let clients = Mutex<[Int64: HTTPClient]>([:])
    static let maxBody = 256 << 20

    public func send(_ request: WireRequest) async throws(SendFailure) -> WireReply {
        var r = HTTPClientRequest(url: request.url)
        r.method = HTTPMethod(rawValue: request.method)
        for (k, v) in request.headers { r.headers.add(name: k, value: v) }
        if let body = request.body { r.body = .bytes(ByteBuffer(bytes: body)) }
        let milliseconds = Int64(min(timeout, 86_400) * 1000)
        do {
            // The client's deadline ends with the headers; the body is read under the same one.
            // A server that sends headers and then stalls fails the read timeout; one that
            // drips a byte at a time is stopped here, at the deadline, between its bytes.
            let deadline = NIODeadline.now() + .milliseconds(milliseconds)
            let response = try await AsyncHTTPSender.client(readTimeout: milliseconds).execute(r, deadline: deadline)
            var body = ByteBuffer()
            for try await var chunk in response.body {
                guard NIODeadline.now() < deadline else { throw HTTPClientError.deadlineExceeded }
                guard body.readableBytes + chunk.readableBytes <= AsyncHTTPSender.maxBody else { throw NIOTooManyBytesError(maxBytes: AsyncHTTPSender.maxBody) }
                body.writeBuffer(&chunk)
            }
            return WireReply(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                             body: Array(body.readableBytesView))
        } catch {
            throw SendFailure(mayHaveArrived: !AsyncHTTPSender.neverSent(error), permanent: AsyncHTTPSender.permanent(error),
                              timedOut: AsyncHTTPSender.timedOut(error), message: AsyncHTTPSender.describe(error))
        }
    }

    /// Certificate and TLS failures, and names that do not resolve: no retry can mend them.
    static func permanent(_ error: Error) -> Bool {
        if case .handshakeFailed? = error as? NIOSSLError { return true }
        if error is BoringSSLError || error is NIOSSLExtraError { return true }
        if let e = error as? NIOConnectionError { return e.connectionErrors.isEmpty && (e.dnsAError != nil || e.dnsAAAAError != nil) }
        if error is SocketAddressError { return true }
        // An answer too large, or one that inflates past the limit (a gzip bomb): the same
        // request would only fetch it again.
        if error is NIOTooManyBytesError || isDecompressionLimit(error) { return true }
        return false
    }

    static func timedOut(_ error: Error) -> Bool {
        guard let e = error as? HTTPClientError else { return false }
        return e == .readTimeout || e == .deadlineExceeded
    }

    /// NIOHTTPCompression's limit error (its module is AsyncHTTPClient's, not ours to import).
    static func isDecompressionLimit(_ error: Error) -> Bool {
        String(reflecting: type(of: error)).hasSuffix("DecompressionError") && "\(error)" == "limit"
    }

    /// Failures to connect: nothing reached the server, so even a write may be tried again.
    static func neverSent(_ error: Error) -> Bool {
        if error is NIOConnectionError { return true }
        // The request goes out only after the handshake.
        if case .handshakeFailed? = error as? NIOSSLError { return true }
        if let e = error as? HTTPClientError, e == .connectTimeout || AsyncHTTPSender.refusedBeforeSending.contains(e.shortDescription) { return true }
        if let e = error as? IOError, [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH].contains(e.errnoCode) { return true }
        return false
    }

    /// The client's errors about the request itself, raised before anything is sent (by their
    /// short descriptions, which by AsyncHTTPClient's rule never carry the values: a header's
    /// value would be a token).
    static let refusedBeforeSending: Set<String> = ["Invalid URL", "Empty host", "Empty scheme", "Unsupported scheme", "Missing socket path",
                                                    "Invalid header field names", "Invalid header field values"]

    static func describe(_ error: Error) -> String {
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            // BoringSSL's text carries its reason code and a source path of the build: keep the code.
            let text = "\(error)"
            guard let at = text.range(of: "OPENSSL_internal:") else { return "TLS failed: \(text)" }
            let reason = text[at.upperBound...].prefix { $0.isUppercase || $0 == "_" }
            if reason == "CERTIFICATE_VERIFY_FAILED" { return "TLS failed: the server's certificate is not trusted (CERTIFICATE_VERIFY_FAILED)" }
            return "TLS failed: \(reason)"
        }
        if let e = error as? NIOConnectionError {
            if e.connectionErrors.isEmpty, e.dnsAError != nil || e.dnsAAAAError != nil { return "the host name does not resolve" }
            if e.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ETIMEDOUT }) { return "no connection within 10 seconds" }
            return "connection refused"
        }
        if error is SocketAddressError { return "the host name does not resolve" }
        if error is NIOTooManyBytesError { return "the answer is larger than 256 MB; roster does not read it" }
        if isDecompressionLimit(error) { return "the answer inflates to more than 25 times its compressed size; roster does not read it" }
        if let e = error as? HTTPClientError {
            switch e {
            case .remoteConnectionClosed: return "the server closed the connection without answering"
            case .readTimeout, .deadlineExceeded: return "no answer within the time limit (--timeout)"
            case .connectTimeout: return "no connection within 10 seconds"
            default:
                if e.shortDescription == "Invalid header field values" { return "a header's value holds a character HTTP does not allow (a token with a line break in it?)" }
                return "\(e.shortDescription.lowercased())"
            }
        }
        if let e = error as? IOError {
            switch e.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ECONNRESET: return "the server reset the connection"
            default: return String(cString: strerror(e.errnoCode))
            }
        }
        return "\(error)"
    }
}

/// Sends prepared requests for every service: auth and version headers, retries with backoff
/// under a per-service gate, and vendor errors turned into language error values.
public final class Transport: Sendable {
    let sender: any HTTPSender
    let clock: any RetryClock
    let policy: RetryPolicy
    let gates: [Service: ServiceGate]
    public let userAgent = "roster/0.1.0"
    /// Where a long wait is said as it begins (stderr): a server asking for a minute, or a
    /// request that timed out being tried again, must not look like a hang.
    private let notices = Mutex<(@Sendable (String) -> Void)?>(nil)

    func onNotice(_ say: @escaping @Sendable (String) -> Void) { notices.withLock { $0 = say } }

    private func notice(_ line: String) { notices.withLock { $0 }?(line) }

    public init(sender: any HTTPSender = AsyncHTTPSender(), clock: any RetryClock = SystemClock(), policy: RetryPolicy = RetryPolicy()) {
        self.sender = sender
        self.clock = clock
        self.policy = policy
        gates = Dictionary(uniqueKeysWithValues: Service.allCases.map { ($0, ServiceGate()) })
    }

    /// Waits at least this long are said on stderr as they begin.
    static let noticeAfter = 5.0

    /// The headers each vendor's own SDK sends.
    func headers(_ service: Service, token: String, contentType: String?) -> [(String, String)] {
        var h: [(String, String)]
        switch service {
        case .launchDarkly: h = [("Authorization", token), ("LD-API-Version", "20240415")]
        case .losant: h = [("Authorization", "Bearer " + token), ("Accept-Version", "^1.31.0")]
        case .box: h = [("Authorization", "Bearer " + token)]
        }
        h += [("Accept", "application/json"), ("User-Agent", userAgent)]
        if let contentType { h.append(("Content-Type", contentType)) }
        return h
    }

    func wire(_ request: PreparedRequest, method: String, target: String, body: Value?, to service: ServiceTarget, token: String) throws -> WireRequest {
        WireRequest(method: method, url: service.url + target,
                    headers: headers(request.operation.service, token: token, contentType: body == nil ? nil : request.contentType),
                    body: try body.map { Array(try $0.json().utf8) })
    }

    /// One request, retried as the policy allows. Returns the final answer whatever its status;
    /// throws an ErrorValue when no answer came, or WriteInDoubt when a write may have been
    /// applied (a 5xx, or a connection lost after sending).
    /// `target` and `method` replace the request's own (the next page of a list; the read that
    /// checks a write in doubt).
    func perform(_ request: PreparedRequest, target: String? = nil, body: Value?, to service: ServiceTarget, method: String? = nil) async throws -> WireReply {
        let method = method ?? request.method
        let isWrite = method != "GET"
        var token = service.token
        if let tokens = service.tokens { token = try await tokens.token(sender, clock) }
        var wireRequest = try wire(request, method: method, target: target ?? request.target, body: body, to: service, token: token)
        let gate = gates[request.operation.service]!
        // Attempts that failed or succeeded, and 429s apart (see RetryPolicy).
        var attempt = 0, rateLimited = 0, timeouts = 0
        var renewed = false
        // This request's own spread after a 429, on top of the service-wide pause.
        var jitter = 0.0
        while true {
            try await clock.sleep(gate.delay(now: clock.now()) + jitter)
            jitter = 0
            let outcome: AttemptOutcome
            var reply: WireReply?
            var failure: SendFailure?
            do {
                var r = try await sender.send(wireRequest)
                r.body = SecretValues.scrub(r.body)   // a server may echo the token back
                reply = r
                outcome = .answered(status: r.status, retryAfter: retryAfter(r))
            } catch {
                // Only a failure before sending may skip the write-in-doubt handling below.
                // (A read whose answer cannot be taken, too large, is not fetched again either.)
                if error.permanent, !error.mayHaveArrived || !isWrite {
                    throw ErrorValue(code: "connection_failed", message: "\(method) \(service.url)\(target ?? request.path): \(error.message)",
                                     operation: request.operation.name)
                }
                failure = error
                outcome = error.mayHaveArrived ? .lost : .notSent
            }
            if reply?.status == 401, let tokens = service.tokens, !renewed {
                // An access token expired early or was revoked: renewed once (a 401 means
                // nothing was done, so even a write may go again).
                renewed = true
                token = try await tokens.renew(replacing: token, sender, clock)
                wireRequest = try wire(request, method: method, target: target ?? request.target, body: body, to: service, token: token)
                continue
            }
            if outcome.isRateLimited { rateLimited += 1 } else { attempt += 1 }
            if failure?.timedOut == true { timeouts += 1 }
            switch policy.decide(outcome, attempt: attempt, rateLimited: rateLimited, timeouts: timeouts, isWrite: isWrite, random: Double.random(in: 0..<1)) {
            case .done:
                gate.succeeded(now: clock.now())
                return reply!
            case .retry(let after) where outcome.isRateLimited || gate.spendRetry():
                // A 429 pauses every task of this service for exactly as long as the server
                // asked (the wait happens at the top of the loop); the jitter that spreads the
                // retries is this request's alone. Other retries back off on their own.
                if outcome.isRateLimited {
                    var asked = after
                    if case .answered(_, let retryAfter?) = outcome { asked = min(after, max(0, retryAfter)) }
                    let now = clock.now()
                    gate.rateLimited(now: now, until: now + asked)
                    jitter = after - asked
                    if asked >= Transport.noticeAfter, gate.shouldNotice(now: now) {
                        notice("roster: \(request.operation.service.displayName) asked to wait \(Int(asked.rounded())) s (429); waiting (\(rateLimited) of at most \(policy.maxRateLimited) such waits)")
                    }
                } else {
                    if let failure, failure.timedOut, gate.shouldNotice(now: clock.now()) {
                        notice("roster: \(method) \(service.url)\(target ?? request.path): \(failure.message); trying once more (attempt \(attempt + 1); a second time limit ends it)")
                    } else if after >= Transport.noticeAfter, case .answered(let status, _) = outcome, gate.shouldNotice(now: clock.now()) {
                        // A 503 asking a minute's wait was a minute of silence.
                        notice("roster: \(request.operation.service.displayName) answered \(status) and asked to wait \(Int(after.rounded())) s; waiting (attempt \(attempt + 1) of \(policy.maxAttempts))")
                    }
                    try await clock.sleep(after)
                }
            case .retry, .giveUp:
                let place = "\(method) \(service.url)\(target ?? request.path)"
                if isWrite, reply.map({ $0.status >= 500 }) ?? failure!.mayHaveArrived {
                    // It may have been applied: the caller settles it (InDoubt) rather than guess.
                    throw WriteInDoubt(message: "\(place): " + (reply.map { "\($0.status) \(HTTPStatus.reason($0.status))" } ?? failure!.message))
                }
                if let reply { return reply }
                throw ErrorValue(code: "connection_failed", message: "\(place): \(failure!.message)", operation: request.operation.name)
            }
        }
    }

    /// Seconds the server asked us to wait: its Retry-After (a delay it worked out, so no clock
    /// of ours is in it), else the later of LaunchDarkly's reset instants (epoch ms: the route's,
    /// and the access token's, each sent only where its limit applies) on the server's clock.
    /// A reset already past says nothing: the policy then backs off.
    func retryAfter(_ reply: WireReply) -> Double? {
        guard reply.status == 429 || reply.status == 503 else { return nil }
        let now = HTTPDate.serverNow(reply.header("Date"), local: clock.now())
        if let asked = reply.header("Retry-After").flatMap({ HTTPDate.retryAfter($0, now: now) }) { return asked }
        let resets = ["X-Ratelimit-Reset", "X-Ratelimit-Auth-Token-Reset"].compactMap { name -> Double? in
            guard let text = reply.header(name), !text.isEmpty, text.utf8.count <= 16, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            return Double(text)
        }
        guard let latest = resets.max(), latest / 1000 > now else { return nil }
        return latest / 1000 - now
    }
}

/// Runs async work from the interpreter's thread (which is not a concurrency thread, so it may
/// block), giving up early with `ControlSignal.interrupted` on Ctrl-C.
enum Blocking {
    final class Box<T>: @unchecked Sendable { var result: Result<T, Error>? }

    static func run<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let box = Box<T>()
        let done = DispatchSemaphore(value: 0)
        let task = Task {
            do { box.result = .success(try await work()) } catch { box.result = .failure(error) }
            done.signal()
        }
        while done.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
            if Interrupt.isRequested {
                task.cancel()
                throw ControlSignal.interrupted
            }
        }
        return try box.result!.get()
    }
}
