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

    @Test func rateLimitAnswersEachVendorsTooManyRequests() async throws {
        let c = try client(rate: "2/s")
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let ok = try await c.send(.get, "/api/v2/members/me")
        #expect(ok.status == .ok && ok.headers[HTTPField.Name("X-Ratelimit-Auth-Token-Limit")!] == "2")
        _ = try await c.send(.get, "/api/v2/members/me")
        let limited = try await c.send(.get, "/api/v2/members/me")
        #expect(limited.status == .tooManyRequests && limited.json?["code"] == "rate_limited")
        let reset = try #require(limited.headers[HTTPField.Name("X-Ratelimit-Reset")!].flatMap { Int64($0) })
        #expect(reset > before && reset < before + 5_000, "the reset is in epoch milliseconds, within the next second or so")
        #expect(limited.headers[.retryAfter] == "1")
        // The budget is per token: another token is not limited yet.
        #expect(try await c.send(.get, "/api/v2/members/me", token: SandboxSeed.ldReaderToken).status == .ok)
        let box = SandboxClient.bearer("box-sandbox-admin")
        _ = try await c.send(.get, "/2.0/users/me", token: box)
        _ = try await c.send(.get, "/2.0/users/me", token: box)
        let boxLimited = try await c.send(.get, "/2.0/users/me", token: box)
        #expect(boxLimited.status == .tooManyRequests && boxLimited.json?["code"] == "rate_limit_exceeded" && boxLimited.headers[.retryAfter] != nil)
        let losant = SandboxClient.bearer("losant-sandbox-all")
        let path = "/instances/5f0000000000000000000001/tokens"
        _ = try await c.send(.get, path, token: losant)
        _ = try await c.send(.get, path, token: losant)
        let losantLimited = try await c.send(.get, path, token: losant)
        #expect(losantLimited.status == .tooManyRequests && losantLimited.json?["type"] != nil && losantLimited.headers[.retryAfter] != nil)
        try await Task.sleep(for: .milliseconds(600))
        #expect(try await c.send(.get, "/api/v2/members/me").status == .ok, "the bucket refills")
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
        let created = try await store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ld_member WHERE email LIKE 'reset%'") ?? 0 }
        #expect(answered == 0, "a reset never answers")
        #expect(created > 0 && created < attempts, "\(created) of \(attempts) applied")
    }
}
