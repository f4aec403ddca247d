import Foundation
import Hummingbird
import NIOCore
import HTTPTypes
import Synchronization

/// `--faults 429:0.1,500:0.05,reset:0.02,latency:20ms`: what share of requests fail, and how.
public struct FaultPlan: Sendable, Equatable {
    public var tooManyRequests = 0.0
    public var serverError = 0.0
    public var reset = 0.0
    public var latency: Duration = .zero
    public var seed: UInt64 = 0

    public init() {}

    /// Parses the switch's value; the error says which part is wrong and what would be valid.
    public init(parsing text: String, seed: UInt64) throws(SandboxOptionError) {
        self.seed = seed
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.count == 2 else {
                throw SandboxOptionError("--faults: '\(part)' is not KIND:VALUE; kinds are 429, 500, reset (a probability 0...1) and latency (e.g. 20ms)")
            }
            if pieces[0] == "latency" {
                guard pieces[1].hasSuffix("ms"), let ms = Int(pieces[1].dropLast(2)), ms >= 0 else {
                    throw SandboxOptionError("--faults: latency '\(pieces[1])' must be milliseconds, e.g. latency:20ms")
                }
                latency = .milliseconds(ms)
                continue
            }
            guard let p = Double(pieces[1]), (0...1).contains(p) else {
                throw SandboxOptionError("--faults: \(pieces[0]) needs a probability from 0 to 1, got '\(pieces[1])'")
            }
            switch pieces[0] {
            case "429": tooManyRequests = p
            case "500": serverError = p
            case "reset": reset = p
            default: throw SandboxOptionError("--faults: unknown kind '\(pieces[0])'; kinds are 429, 500, reset, latency")
            }
        }
        guard tooManyRequests + serverError + reset <= 1 else {
            throw SandboxOptionError("--faults: the probabilities add up to more than 1")
        }
    }
}

public struct SandboxOptionError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// `--rate-limit N/s`: each token may make N requests a second (a bucket of N, refilled evenly).
public struct RateLimit: Sendable, Equatable {
    public let perSecond: Int
    /// Far above what one server answers; the buckets' arithmetic stays exact in a Double.
    static let most = 1_000_000

    public init(parsing text: String) throws(SandboxOptionError) {
        guard text.hasSuffix("/s"), let n = Int(text.dropLast(2)), n > 0, n <= RateLimit.most else {
            throw SandboxOptionError("--rate-limit: '\(text)' must be requests per second from 1 to \(RateLimit.most), e.g. 50/s")
        }
        perSecond = n
    }
}

/// One token bucket per caller: `perSecond` requests at once, refilled evenly. Time is passed in,
/// so the arithmetic is tested without waiting.
struct RateBuckets: Sendable {
    let perSecond: Int
    private(set) var buckets: [String: (tokens: Double, at: ContinuousClock.Instant)] = [:]

    init(perSecond: Int) { self.perSecond = perSecond }

    /// Buckets kept before the full ones are dropped (a full bucket is a new one): callers
    /// are counted before they are authenticated, so each made-up token would add one. Past
    /// twice as many after that (a burst of made-up tokens), the least recently used go: one
    /// dropped by mistake only gets a full bucket again.
    static let kept = 4_096
    /// When the next pruning is due: pruning is linear, so it waits for the count to double.
    private var pruneAt = RateBuckets.kept

    mutating func take(_ token: String, at now: ContinuousClock.Instant) -> (remaining: Int, wait: Duration?) {
        let rate = Double(perSecond)
        // A long made-up token is kept as a short key (its start and length).
        let token = token.utf8.count <= 256 ? token : "\(token.utf8.prefix(256).map { String($0, radix: 16) }.joined())#\(token.utf8.count)"
        if buckets[token] == nil, buckets.count >= pruneAt {
            buckets = buckets.filter { _, b in
                let elapsed = (now - b.at).components
                return b.tokens + rate * (Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18) < rate
            }
            if buckets.count > RateBuckets.kept {
                let newest = buckets.sorted { $0.value.at > $1.value.at }.prefix(RateBuckets.kept)
                buckets = Dictionary(uniqueKeysWithValues: newest.map { ($0.key, $0.value) })
            }
            pruneAt = max(RateBuckets.kept, buckets.count * 2)
        }
        var bucket = buckets[token] ?? (rate, now)
        let elapsed = (now - bucket.at).components
        bucket.tokens = min(rate, bucket.tokens + rate * (Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18))
        bucket.at = now
        defer { buckets[token] = bucket }
        if bucket.tokens >= 1 {
            bucket.tokens -= 1
            return (Int(bucket.tokens), nil)
        }
        return (0, .milliseconds(Int(((1 - bucket.tokens) / rate * 1000).rounded(.up))))
    }
}

/// Rate limits and injected faults, in front of every vendor route. Decisions come from one
/// seeded generator drawn once per request in arrival order, so a run is repeatable.
final class FaultInjector: RouterMiddleware, Sendable {
    typealias Context = SandboxContext

    let plan: FaultPlan?
    let rateLimit: RateLimit?
    private let state: Mutex<State>

    struct State {
        var random: UInt64
        var buckets: RateBuckets
    }

    init(plan: FaultPlan?, rateLimit: RateLimit?) {
        self.plan = plan
        self.rateLimit = rateLimit
        state = Mutex(State(random: plan?.seed ?? 0, buckets: RateBuckets(perSecond: rateLimit?.perSecond ?? 1)))
    }

    enum Decision { case pass, tooManyRequests, serverError, resetBefore, resetAfter }

    /// SplitMix64: one draw per request; a reset takes a second draw to pick its side.
    private static func next(_ s: inout UInt64) -> Double {
        s &+= 0x9E37_79B9_7F4A_7C15
        var z = s
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }

    func decide() -> Decision {
        guard let plan else { return .pass }
        return state.withLock { s in
            let u = FaultInjector.next(&s.random)
            if u < plan.tooManyRequests { return .tooManyRequests }
            if u < plan.tooManyRequests + plan.serverError { return .serverError }
            if u < plan.tooManyRequests + plan.serverError + plan.reset {
                return FaultInjector.next(&s.random) < 0.5 ? .resetBefore : .resetAfter
            }
            return .pass
        }
    }

    /// Takes one request from the token's bucket: nil if allowed, else the wait until one is.
    func take(_ token: String) -> (remaining: Int, wait: Duration?) {
        guard rateLimit != nil else { return (0, nil) }
        let now = ContinuousClock.now
        return state.withLock { s in s.buckets.take(token, at: now) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let vendor = Vendor(path: request.uri.path) else { return try await next(request, context) }
        if let plan, plan.latency > .zero { try await Task.sleep(for: plan.latency) }
        var token = request.headers[.authorization] ?? ""
        if token.hasPrefix("Bearer ") { token.removeFirst(7) }
        let (remaining, wait) = take(token)
        if let wait {
            return tooManyRequests(vendor, wait: wait, limit: rateLimit!.perSecond, perToken: true)
        }
        switch decide() {
        case .pass:
            var response = try await next(request, context)
            if let rateLimit, vendor == .launchDarkly {
                response.headers[HTTPField.Name("X-Ratelimit-Auth-Token-Limit")!] = "\(rateLimit.perSecond)"
                response.headers[HTTPField.Name("X-Ratelimit-Auth-Token-Remaining")!] = "\(remaining)"
            }
            return response
        case .tooManyRequests:
            // An injected 429 tests that clients retry, not how long they wait: it asks for no
            // wait (Retry-After: 0), so a 10% fault rate does not stall a whole batch.
            return tooManyRequests(vendor, wait: .zero, limit: rateLimit?.perSecond, perToken: false)
        case .serverError:
            let e = vendor.error(.internalError, "injected fault: internal server error")
            return JSON.response(e.status, e.body)
        case .resetBefore:
            throw drop(context, applied: false)
        case .resetAfter:
            _ = try await next(request, context)
            throw drop(context, applied: true)
        }
    }

    /// The vendor's 429. Box and Losant give Retry-After in seconds. LaunchDarkly sends a header
    /// only where its limit applies (api/launchdarkly-members.md): a token's limit (`perToken`,
    /// the sandbox's --rate-limit) gives only the token's reset, in epoch milliseconds, and no
    /// Retry-After, which is for the IP limits; an injected 429 is of that kind (Retry-After,
    /// and the route's reset).
    func tooManyRequests(_ vendor: Vendor, wait: Duration, limit: Int?, perToken: Bool) -> Response {
        let e = vendor.error(.rateLimited, "rate limit exceeded; retry after \(wait)")
        var headers: HTTPFields = [:]
        let ms = Int(wait.components.seconds) * 1000 + Int(wait.components.attoseconds / 1_000_000_000_000_000)
        if vendor != .launchDarkly || !perToken { headers[.retryAfter] = "\(ms == 0 ? 0 : max(1, (ms + 999) / 1000))" }
        if vendor == .launchDarkly {
            let reset = Int64(Date().timeIntervalSince1970 * 1000) + Int64(ms)
            if perToken {
                headers[HTTPField.Name("X-Ratelimit-Auth-Token-Reset")!] = "\(reset)"
                if let limit { headers[HTTPField.Name("X-Ratelimit-Auth-Token-Limit")!] = "\(limit)" }
                headers[HTTPField.Name("X-Ratelimit-Auth-Token-Remaining")!] = "0"
            } else {
                headers[HTTPField.Name("X-Ratelimit-Reset")!] = "\(reset)"
            }
        }
        return JSON.response(e.status, e.body, headers: headers)
    }

    /// Drops the connection with a TCP reset: the client gets no answer at all.
    func drop(_ context: Context, applied: Bool) -> Error {
        let channel = context.channel
        if let socket = channel as? any SocketOptionProvider {
            socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(mode: .all, promise: nil) }
        } else {
            channel.close(mode: .all, promise: nil)
        }
        return ConnectionDropped(applied: applied)
    }

    struct ConnectionDropped: Error {
        /// Whether the request had been handled (a write made) before the connection went.
        let applied: Bool
    }
}
