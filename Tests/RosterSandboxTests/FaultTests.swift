import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
@testable import RosterSandbox

/// `--rate-limit` and `--faults`: vendor-shaped 429s, repeatable faults, and resets that strike
/// both before and after a change is applied.
struct FaultTests {
    func client(rate: String? = nil, faults: String? = nil, seed: UInt64 = 1) throws -> SandboxClient {
        var options = SandboxOptions()
        options.rateLimit = try rate.map { text throws(SandboxOptionError) in try RateLimit(parsing: text) }
        options.faults = try faults.map { text throws(SandboxOptionError) in try FaultPlan(parsing: text, seed: seed) }
        return try SandboxClient(options: options)
    }

    @Test func bucketsRefillEvenlyPerToken() {
        var buckets = RateBuckets(perSecond: 4)
        let t0 = ContinuousClock.now
        for expected in [3, 2, 1, 0] { #expect(buckets.take("a", at: t0) == (expected, nil) as (Int, Duration?)) }
        #expect(buckets.take("a", at: t0).wait == .milliseconds(250))
        #expect(buckets.take("b", at: t0).wait == nil, "each token has its own bucket")
        #expect(buckets.take("a", at: t0 + .milliseconds(100)).wait == .milliseconds(150))
        #expect(buckets.take("a", at: t0 + .milliseconds(250)).wait == nil)
        #expect(buckets.take("a", at: t0 + .seconds(60)).remaining == 3, "a full bucket holds one second's worth")
    }

    /// Callers are counted before they are authenticated: made-up tokens, however many or
    /// long, cost a bounded memory (full buckets are dropped; long tokens kept short), and a
    /// limit is a number the buckets' arithmetic can hold.
    @Test func madeUpTokensCostBoundedMemory() throws {
        var buckets = RateBuckets(perSecond: 50)
        let t0 = ContinuousClock.now
        let long = String(repeating: "x", count: 80_000)
        for i in 0..<20_000 { _ = buckets.take("\(long)\(i)", at: t0 + .seconds(i / 1_000)) }
        #expect(buckets.buckets.count <= RateBuckets.kept + 1_000, "\(buckets.buckets.count)")
        #expect(buckets.buckets.keys.allSatisfy { $0.utf8.count < 1_000 })
        // A burst at one instant (no bucket refills): still bounded.
        var burst = RateBuckets(perSecond: 50)
        for i in 0..<30_000 { _ = burst.take("made-up-\(i)", at: t0) }
        #expect(burst.buckets.count <= 2 * RateBuckets.kept, "\(burst.buckets.count)")
        // A long token keeps its own bucket: it is limited as any other.
        for _ in 0..<50 { _ = buckets.take(long + "a", at: t0 + .seconds(30)) }
        #expect(buckets.take(long + "a", at: t0 + .seconds(30)).wait != nil)
        for text in ["9223372036854775807/s", "1000001/s", "0/s"] {
            #expect(throws: SandboxOptionError.self) { try RateLimit(parsing: text) }
        }
        #expect(try RateLimit(parsing: "1000000/s").perSecond == 1_000_000)
    }

    /// The first request over the limit, whatever the machine's speed.
    func firstLimited(_ c: SandboxClient, _ path: String, token: String) async throws -> SandboxClient.Reply? {
        for _ in 0..<20 {
            let r = try await c.send(.get, path, token: token)
            if r.status == .tooManyRequests { return r }
        }
        return nil
    }

    @Test func rateLimitAnswersEachVendorsTooManyRequests() async throws {
        let c = try client(rate: "1/s")
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let ok = try await c.send(.get, "/api/v2/members/me")
        #expect(ok.status == .ok && ok.headers[HTTPField.Name("X-Ratelimit-Auth-Token-Limit")!] == "1")
        let limited = try #require(try await firstLimited(c, "/api/v2/members/me", token: SandboxSeed.ldAdminToken))
        #expect(limited.json?["code"] == "rate_limited")
        // A token's limit: only the token's headers, as LaunchDarkly sends where that limit applies.
        let reset = try #require(limited.headers[HTTPField.Name("X-Ratelimit-Auth-Token-Reset")!].flatMap { Int64($0) })
        #expect(reset > before && reset < before + 60_000, "the reset is in epoch milliseconds, about a second ahead")
        #expect(limited.headers[.retryAfter] == nil && limited.headers[HTTPField.Name("X-Ratelimit-Reset")!] == nil, "\(limited.headers)")
        let box = try #require(try await firstLimited(c, "/2.0/users/me", token: SandboxClient.bearer("box-sandbox-admin")))
        #expect(box.json?["code"] == "rate_limit_exceeded" && box.json?["status"] == 429 && box.headers[.retryAfter] == "1")
        let losant = try #require(try await firstLimited(c, "/instances/5f0000000000000000000001/tokens", token: SandboxClient.bearer("losant-sandbox-all")))
        #expect(losant.json?["type"] == "TooManyRequests" && losant.headers[.retryAfter] == "1")
    }

    func statuses(seed: UInt64) async throws -> [UInt16] {
        let c = try client(faults: "429:0.2,500:0.2", seed: seed)
        var out: [UInt16] = []
        for _ in 0..<40 { out.append(UInt16(try await c.send(.get, "/api/v2/members/me").status.code)) }
        return out
    }

    @Test func faultsAreRepeatableUnderASeed() async throws {
        let a = try await statuses(seed: 42), b = try await statuses(seed: 42), other = try await statuses(seed: 43)
        #expect(a == b)
        #expect(a != other)
        #expect(Set(a) == [200, 429, 500], "\(a)")
        let c = try client(faults: "500:1")
        let failed = try await c.send(.get, "/2.0/users/me", token: SandboxClient.bearer("box-sandbox-admin"))
        #expect(failed.status == .internalServerError && failed.json?["code"] == "internal_server_error" && failed.json?["type"] == "error")
    }

    /// Latency delays each vendor request by at least its amount; paths outside the vendors'
    /// APIs meet no fault at all.
    @Test func latencyDelaysAndOnlyVendorPathsMeetFaults() async throws {
        let slow = try client(faults: "latency:150ms")
        let started = ContinuousClock.now
        let ok = try await slow.send(.get, "/api/v2/members/me")
        #expect(ok.status == .ok)
        #expect(ContinuousClock.now - started >= .milliseconds(150), "the latency was applied")
        let failing = try client(faults: "500:1")
        let outside = try await failing.send(.get, "/not-a-vendor-path")
        #expect(outside.status == .notFound, "no fault outside the vendors' paths: \(outside.status)")
        let inside = try await failing.send(.get, "/api/v2/members/me")
        #expect(inside.status == .internalServerError)
    }

    /// The rate limit is checked before faults: a request over the limit is a 429 whatever the
    /// fault plan would have done.
    @Test func rateLimitsComeBeforeFaults() async throws {
        let c = try client(rate: "1/s", faults: "500:1")
        let first = try await c.send(.get, "/api/v2/members/me")
        #expect(first.status == .internalServerError, "within the limit: the fault")
        // Every request the limit lets through meets the 500; a 429 can only be the limit's.
        let limited = try await firstLimited(c, "/api/v2/members/me", token: SandboxSeed.ldAdminToken)
        #expect(limited?.headers[HTTPField.Name("X-Ratelimit-Auth-Token-Reset")!] != nil && limited?.json?["code"] == "rate_limited", "over it: the limit's 429")
    }

    /// The shares of injected faults follow the plan (40 requests at 20% each: a binomial
    /// spread, with a fixed seed).
    @Test func faultSharesFollowThePlan() async throws {
        let all = try await statuses(seed: 42) + statuses(seed: 7) + statuses(seed: 99)
        let tooMany = all.filter { $0 == 429 }.count, failed = all.filter { $0 == 500 }.count
        #expect((12...36).contains(tooMany) && (12...36).contains(failed), "of 120: \(tooMany) 429s, \(failed) 500s")
        #expect(all.count - tooMany - failed == all.filter { $0 == 200 }.count, "nothing but 200, 429 and 500")
    }

    @Test func badSwitchesAreExplained() {
        #expect(throws: SandboxOptionError.self) { try FaultPlan(parsing: "429:1.5", seed: 0) }
        #expect(throws: SandboxOptionError.self) { try FaultPlan(parsing: "timeout:0.1", seed: 0) }
        #expect(throws: SandboxOptionError.self) { try FaultPlan(parsing: "latency:20", seed: 0) }
        #expect(throws: SandboxOptionError.self) { try FaultPlan(parsing: "429:0.6,500:0.6", seed: 0) }
        #expect(throws: SandboxOptionError.self) { try RateLimit(parsing: "10") }
        #expect(throws: SandboxOptionError.self) { try RateLimit(parsing: "0/s") }
        let plan = try? FaultPlan(parsing: "429:0.1,500:0.05,reset:0.02,latency:20ms", seed: 3)
        #expect(plan?.tooManyRequests == 0.1 && plan?.reset == 0.02 && plan?.latency == .milliseconds(20))
    }

    /// Every request is reset; some were applied before the connection dropped and some were not.
    @Test func resetsStrikeBeforeAndAfterTheChange() async throws {
        var options = SandboxOptions()
        options.faults = try FaultPlan(parsing: "reset:1", seed: 9)
        let store = try SandboxStore(path: ":memory:")
        try SandboxSeed.seed(store)
        var quiet = Logger(label: "fault-test")
        quiet.logLevel = .critical  // each reset makes the server log an error; expected here
        let app = Application(router: Sandbox.router(store: store, options: options), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: quiet)
        var answered = 0
        let attempts = 16
        for i in 0..<attempts {
            do {
                try await app.test(.live) { client in
                    _ = try await client.execute(uri: "/api/v2/members", method: .post, headers: [.authorization: SandboxSeed.ldAdminToken, .contentType: "application/json"],
                                                 body: ByteBuffer(string: #"[{"email": "reset\#(i)@example.com", "role": "reader"}]"#))
                }
                answered += 1
            } catch {}
        }
        let created = try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ld_member WHERE email LIKE 'reset%'") ?? 0 }
        #expect(answered == 0, "a reset never answers")
        #expect(created > 0 && created < attempts, "\(created) of \(attempts) applied")
    }
}
