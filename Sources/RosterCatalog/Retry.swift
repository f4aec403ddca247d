import Foundation

/// What happened to one attempt of a request.
public enum AttemptOutcome: Sendable, Equatable {
    /// An HTTP answer. `retryAfter` is the wait the server asked for (Retry-After, or
    /// LaunchDarkly's X-Ratelimit-Reset turned into seconds from now).
    case answered(status: Int, retryAfter: Double?)
    /// The connection could not be made: the request never reached the server.
    case notSent
    /// The connection broke after the request went out: the server may have acted on it.
    case lost

    /// A 429: the server pacing us, not failing.
    public var isRateLimited: Bool {
        if case .answered(429, _) = self { true } else { false }
    }
}

/// When to try a request again: 429 always (the server refused it), 5xx and lost connections
/// only for reads (a write might apply twice), connection failures always (nothing was sent);
/// exponential backoff with full jitter, at most `maxAttempts`, and never beyond the retry
/// budget. A 429 is the server pacing, not a failure: it is not a failed attempt, and has an
/// allowance of its own (`maxRateLimited`), so a busy limit does not use up the attempts a
/// failing request needs (with 10% 429s and 7% failures, six attempts in all would fail one
/// request in 40,000). Pure: the caller supplies the randomness and does the sleeping.
public struct RetryPolicy: Sendable {
    public var maxAttempts = 6
    /// The most 429s one request waits out before it fails (each wait at most `maxRetryAfter`).
    public var maxRateLimited = 20
    public var baseDelay = 0.1
    public var maxDelay = 8.0
    /// The longest server-requested wait honoured; a longer one fails instead of hanging.
    public var maxRetryAfter = 60.0
    /// Attempts of one request that may end at the time limit: a server that accepts and never
    /// answers is tried once more, not held for six whole time limits (six minutes by default).
    public var maxTimeouts = 2

    public init() {}

    public enum Decision: Sendable, Equatable {
        case done
        case retry(after: Double)
        case giveUp
    }

    /// `attempt` counts from 1 the request's attempts that were not answered 429; `rateLimited`
    /// counts its 429s, this one included; `timeouts` its attempts that ended at the time
    /// limit, this one included; `random` is uniform in 0..<1.
    public func decide(_ outcome: AttemptOutcome, attempt: Int, rateLimited: Int = 0, timeouts: Int = 0, isWrite: Bool, random: Double) -> Decision {
        let retryable: Bool
        var wait: Double?
        switch outcome {
        case .answered(let status, let retryAfter):
            if status < 400 || (400..<500).contains(status) && status != 429 { return .done }
            retryable = status == 429 || !isWrite
            wait = retryAfter
        case .notSent:
            retryable = true
        case .lost:
            retryable = !isWrite
        }
        if timeouts >= maxTimeouts { return .giveUp }
        guard retryable, outcome.isRateLimited ? rateLimited < maxRateLimited : attempt < maxAttempts else { return .giveUp }
        if let wait {
            guard wait <= maxRetryAfter else { return .giveUp }
            // Spread the waiters a little so they do not all return at the same instant: a few
            // milliseconds when the server asks for no wait (Retry-After: 0), up to baseDelay
            // for longer waits.
            return .retry(after: max(0, wait) + random * jitter(after: max(0, wait)))
        }
        // A 429 that says nothing of when to come back backs off by its own count, so a limit
        // that keeps refusing is not asked again twenty times in a second.
        return .retry(after: backoff(attempt: outcome.isRateLimited ? rateLimited : attempt, random: random))
    }

    /// The most a server-asked wait is spread by: 5 ms, plus 5% of the wait, at most baseDelay.
    public func jitter(after wait: Double) -> Double {
        min(baseDelay, 0.005 + wait * 0.05)
    }

    /// Exponential backoff with jitter: `random` (in 0..<1) of the capped ceiling for `attempt`.
    public func backoff(attempt: Int, random: Double) -> Double {
        random * min(maxDelay, baseDelay * pow(2, Double(attempt - 1)))
    }
}

/// A shared allowance of retries per service, so a failing service is not hammered: each retry
/// spends a token, each success earns back a fraction, up to a cap.
public struct RetryBudget: Sendable {
    public private(set) var tokens: Double
    public let capacity: Double
    public let earnedPerSuccess: Double

    public init(capacity: Double = 20, earnedPerSuccess: Double = 0.2) {
        self.capacity = capacity
        self.tokens = capacity
        self.earnedPerSuccess = earnedPerSuccess
    }

    public mutating func spend() -> Bool {
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    public mutating func earn() { tokens = min(capacity, tokens + earnedPerSuccess) }
}

/// One service's shared state across every concurrent task: a pause that a 429 sets for all of
/// them (so they stop together until the server's reset), the pace the server has shown it
/// grants, and the retry budget.
///
/// Pacing: until a first 429 requests go as fast as they are made. A 429 that asks for a wait
/// (a limit met, not a refusal that asks for none) sets the spacing of request starts to just
/// under the rate that succeeded since the previous such 429 (or the first success), pauses
/// included: what the server granted over a whole cycle, so a token bucket's burst does not
/// pass for its rate, and the limit is not found again by hitting it. Each success then
/// shortens the spacing a little (0.05%), probing for more, and a later 429 sets it again.
/// One 429 a second counts: the requests in flight when the limit is met are refused together.
final class ServiceGate: @unchecked Sendable {
    private let lock = NSLock()
    private var resumeAt: Double = 0
    private var budget = RetryBudget()
    /// Seconds between request starts (0: no pacing), and when the next may start.
    private(set) var interval: Double = 0
    private var nextStart: Double = 0
    /// The previous counted 429 (or the first success) starts the look; what succeeded within
    /// the last `lookBack` seconds of it counts (an idle REPL's hour is not a rate).
    private var since: Double?
    private var successes: [Double] = []
    private var head = 0
    private var lastCounted: Double?
    static let lookBack = 10.0
    /// Pacing never spaces requests more than this (longer waits are the server's to ask for),
    /// and ends when no 429 has come for a minute.
    static let slowest = 1.0, forgetAfter = 60.0

    /// Seconds to wait before the next request may go, given the clock's `now`; with pacing,
    /// the wait reserves the request's start.
    func delay(now: Double) -> Double {
        lock.lock(); defer { lock.unlock() }
        var wait = max(0, resumeAt - now)
        if interval > 0 {
            let start = max(now + wait, nextStart)
            nextStart = start + interval
            wait = start - now
        }
        return wait
    }

    /// A 429: every request of the service waits until `time`. When the server asked for a
    /// wait, the pace is set from the rate that succeeded since the previous counted 429 (a
    /// look shorter than a quarter second says nothing, and only starts the next cycle).
    func rateLimited(now: Double, until time: Double) {
        lock.lock(); defer { lock.unlock() }
        resumeAt = max(resumeAt, time)
        guard time > now else { return }
        // The requests in flight with a counted 429 are refused with it: one event.
        if let last = lastCounted, now - last < 0.5 { return }
        lastCounted = now
        defer { since = now }
        guard var start = since else { return }
        start = max(start, now - ServiceGate.lookBack)
        let granted = successes[head...].count { $0 >= start }
        guard now - start >= 0.25, granted >= 2 else { return }
        interval = min(ServiceGate.slowest, 1.05 * (now - start) / Double(granted))
    }

    /// Whether to say a wait on stderr: once in `noticeEvery` seconds for the service, however
    /// many of its requests wait together.
    func shouldNotice(now: Double) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard now - lastNotice >= ServiceGate.noticeEvery else { return false }
        lastNotice = now
        return true
    }
    private var lastNotice = -Double.infinity
    static let noticeEvery = 5.0

    func spendRetry() -> Bool {
        lock.lock(); defer { lock.unlock() }
        return budget.spend()
    }

    func succeeded(now: Double) {
        lock.lock(); defer { lock.unlock() }
        budget.earn()
        if since == nil { since = now }
        successes.append(now)
        while successes[head] <= now - ServiceGate.lookBack { head += 1 }
        if head > 4096 {
            successes.removeFirst(head)
            head = 0
        }
        if interval > 0 {
            interval *= 0.9995
            if interval < 0.000_1 || now - (lastCounted ?? now) > ServiceGate.forgetAfter { interval = 0 }
        }
    }
}

/// The time source for retries: real in use, fake in tests.
public protocol RetryClock: Sendable {
    func now() -> Double
    func sleep(_ seconds: Double) async throws
}

public struct SystemClock: RetryClock {
    public init() {}
    public func now() -> Double { Date().timeIntervalSince1970 }
    public func sleep(_ seconds: Double) async throws {
        if seconds > 0 { try await Task.sleep(nanoseconds: UInt64(seconds * 1e9)) }
    }
}
