import Foundation
import Testing
@testable import RosterCatalog
import RosterSandbox
import RosterScript

/// The retry policy as a pure state machine, the transport against scripted answers with a fake
/// clock, and verbs against the sandbox's injected faults.
struct RetryTests {
    let policy = RetryPolicy()

    @Test func whatIsRetried() {
        #expect(policy.decide(.answered(status: 200, retryAfter: nil), attempt: 1, isWrite: true, random: 0.5) == .done)
        #expect(policy.decide(.answered(status: 409, retryAfter: nil), attempt: 1, isWrite: true, random: 0.5) == .done, "a 4xx is an answer")
        #expect(policy.decide(.answered(status: 429, retryAfter: 2), attempt: 1, isWrite: true, random: 0) == .retry(after: 2), "429: the server refused, so even a write is retried, after its wait")
        #expect(policy.decide(.answered(status: 500, retryAfter: nil), attempt: 1, isWrite: false, random: 1) == .retry(after: 0.1))
        #expect(policy.decide(.answered(status: 500, retryAfter: nil), attempt: 1, isWrite: true, random: 0.5) == .giveUp, "a write that failed with 5xx may have applied")
        #expect(policy.decide(.lost, attempt: 1, isWrite: true, random: 0.5) == .giveUp)
        #expect(policy.decide(.lost, attempt: 1, isWrite: false, random: 0.5) == .retry(after: 0.05), "a read is retried after half the first ceiling")
        #expect(policy.decide(.notSent, attempt: 2, isWrite: true, random: 0.5) == .retry(after: 0.1), "nothing reached the server")
        // A read that ended at the time limit is tried once more, not for six time limits.
        #expect(policy.decide(.lost, attempt: 1, timeouts: 1, isWrite: false, random: 0.5) == .retry(after: 0.05))
        #expect(policy.decide(.lost, attempt: 2, timeouts: 2, isWrite: false, random: 0.5) == .giveUp)
        #expect(policy.decide(.notSent, attempt: 2, timeouts: 2, isWrite: false, random: 0.5) == .giveUp)
        #expect(policy.decide(.answered(status: 429, retryAfter: 0), attempt: 1, isWrite: true, random: 0.5) == .retry(after: 0.0025),
                "Retry-After: 0 costs only a few milliseconds of jitter")
        #expect(policy.decide(.answered(status: 429, retryAfter: 10), attempt: 1, isWrite: true, random: 1) == .retry(after: 10.1), "longer waits spread by up to baseDelay")
        #expect(policy.decide(.answered(status: 503, retryAfter: nil), attempt: 6, isWrite: false, random: 0.5) == .giveUp, "at most six attempts")
        #expect(policy.decide(.answered(status: 429, retryAfter: 3600), attempt: 1, isWrite: false, random: 0.5) == .giveUp, "an hour's wait fails instead of hanging")
        #expect(policy.decide(.answered(status: 429, retryAfter: 0), attempt: 5, rateLimited: 19, isWrite: true, random: 0) == .retry(after: 0),
                "429s are not failed attempts: they have an allowance of their own")
        #expect(policy.decide(.answered(status: 429, retryAfter: 0), attempt: 1, rateLimited: 20, isWrite: true, random: 0) == .giveUp, "at most twenty 429s")
        #expect(policy.decide(.answered(status: 500, retryAfter: nil), attempt: 5, rateLimited: 19, isWrite: false, random: 1) == .retry(after: 1.6),
                "a failure after 429s backs off by the failures alone")
    }

    /// A busy limit does not use up the attempts a failing read needs: 429s and failures are
    /// counted apart (six attempts in all failed one request in 40,000 under the fault batch's
    /// 10% 429s and 7% failures).
    @Test func rateLimitsDoNotUseUpAFailingRequestsAttempts() async throws {
        let busy = RetryTests.reply(429, [("Retry-After", "0")])
        let sender = Scripted([busy, RetryTests.reply(500), busy, busy, RetryTests.reply(502), busy, busy, busy,
                               RetryTests.reply(503), busy, RetryTests.reply(500), RetryTests.reply(200, [], #"{"_id": "x"}"#)])
        let r = await run("print (ld members get id=me)._id", catalog: try catalog(sender, FakeClock()))
        #expect(r.output == ["x"] && sender.count == 12, "\(r.error ?? "") after \(sender.count) requests")

        let refused = Scripted(Array(repeating: busy, count: 30))
        let e = await run("ld members get id=me", catalog: try catalog(refused, FakeClock()))
        #expect(e.error?.contains("429") == true && refused.count == 20, "twenty 429s, then the 429 is the answer: \(e.error ?? "")")
    }

    @Test func backoffGrowsAndIsCapped() {
        let ceilings = (1...10).map { policy.backoff(attempt: $0, random: 1) }
        #expect(ceilings == [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 8.0, 8.0, 8.0], "doubling from 0.1 s, capped at 8 s")
        #expect(policy.backoff(attempt: 3, random: 0.25) == 0.1, "full jitter: a share of the ceiling")
    }

    /// A 429 sets the pace to just under what succeeded since the previous one; requests then
    /// start that far apart; the 429s of the requests in flight with it count once; successes
    /// probe back up.
    @Test func a429SetsThePaceTheServerGranted() {
        let gate = ServiceGate()
        #expect(gate.delay(now: 100) == 0 && gate.delay(now: 100) == 0, "no pacing before a 429")
        for i in 0..<50 { gate.succeeded(now: 100 + Double(i) * 0.02) }
        gate.rateLimited(now: 101, until: 101)
        #expect(gate.interval == 0, "a 429 that asks for no wait is a refusal, not a rate: it sets no pace")
        gate.rateLimited(now: 101, until: 101.02)
        #expect(abs(gate.interval - 1.05 * 1.0 / 50) < 1e-9, "50 succeeded over the second before it: \(gate.interval)")
        let first = gate.delay(now: 101), second = gate.delay(now: 101), third = gate.delay(now: 101)
        #expect(abs(first - 0.02) < 1e-9 && abs(second - first - gate.interval) < 1e-9 && abs(third - second - gate.interval) < 1e-9,
                "starts spaced by the pace after the pause: \(first) \(second) \(third)")
        let paced = gate.interval
        gate.rateLimited(now: 101.3, until: 102.3)
        #expect(gate.interval == paced, "the requests in flight refused together slow it once")
        for i in 0..<100 { gate.succeeded(now: 102 + Double(i) * 0.021) }
        #expect(gate.interval < paced && gate.interval > paced * 0.9, "successes probe for more: \(gate.interval)")
        gate.rateLimited(now: 104.2, until: 105.2)
        #expect(abs(gate.interval - 1.05 * 3.2 / 100) < 1e-9, "the next 429 sets it from what succeeded since the last, pauses included: \(gate.interval)")
        gate.succeeded(now: 170)
        #expect(gate.interval == 0, "a minute without a 429 ends the pacing")

        // An idle session is not a rate: two reads an hour apart, then a 429, set no pace; and
        // however slow what succeeded, requests are never spaced more than a second.
        let idle = ServiceGate()
        idle.succeeded(now: 0)
        idle.succeeded(now: 3600)
        idle.rateLimited(now: 3600.5, until: 3601)
        #expect(idle.interval == 0, "\(idle.interval)")
        let slow = ServiceGate()
        slow.succeeded(now: 0)
        slow.succeeded(now: 9)
        slow.rateLimited(now: 9.5, until: 10)
        #expect(slow.interval == ServiceGate.slowest, "\(slow.interval)")
    }

    @Test func theBudgetRunsOutAndRefills() {
        var budget = RetryBudget(capacity: 2, earnedPerSuccess: 0.5)
        let first = budget.spend(), second = budget.spend(), third = budget.spend()
        #expect(first && second && !third)
        budget.earn(); budget.earn()
        let refilled = budget.spend()
        #expect(refilled)
    }

    /// Answers from a script, one per request; the clock only records the waits.
    final class Scripted: HTTPSender, @unchecked Sendable {
        var answers: [Result<WireReply, SendFailure>]
        var count = 0
        var methods: [String] = []
        var urls: [String] = []
        init(_ answers: [Result<WireReply, SendFailure>]) { self.answers = answers }
        func send(_ request: WireRequest) async throws(SendFailure) -> WireReply {
            count += 1
            methods.append(request.method)
            urls.append(request.url)
            guard !answers.isEmpty else { throw SendFailure(mayHaveArrived: false, message: "no more scripted answers") }
            return try answers.removeFirst().get()
        }
    }

    final class FakeClock: RetryClock, @unchecked Sendable {
        var slept: [Double] = []
        func now() -> Double { 1_000_000 }
        func sleep(_ seconds: Double) async throws { if seconds > 0 { slept.append(seconds) } }
    }

    static func reply(_ status: Int, _ headers: [(String, String)] = [], _ body: String = "{}") -> Result<WireReply, SendFailure> {
        .success(WireReply(status: status, headers: headers, body: Array(body.utf8)))
    }

    func catalog(_ sender: Scripted, _ clock: FakeClock) throws -> Catalog {
        Catalog(targets: try SessionTargets(profiles: Profiles(), environment: [:]) { "http://127.0.0.1:9" },
                transport: Transport(sender: sender, clock: clock))
    }

    @Test func launchDarklyResetIsHonouredInMilliseconds() async throws {
        // Reset 1.5 s after the fake clock's now, in epoch milliseconds.
        let sender = Scripted([RetryTests.reply(429, [("X-Ratelimit-Reset", "1000001500")]), RetryTests.reply(200, [], #"{"_id": "x"}"#)])
        let clock = FakeClock()
        let r = await run("print (ld members get id=me)._id", catalog: try catalog(sender, clock))
        #expect(r.output == ["x"], "\(r.error ?? "")")
        #expect(sender.count == 2)
        #expect(clock.slept.count == 1 && clock.slept[0] >= 1.5 && clock.slept[0] < 1.7)
    }

    /// LaunchDarkly's reset instants: the access token's own (`X-Ratelimit-Auth-Token-Reset`)
    /// as well as the route's; read on the server's clock when ours is off (the `Date` it
    /// sends); a Retry-After preferred to an instant already past.
    @Test func launchDarklyResetsAreReadOnTheServersClock() async throws {
        let ok = RetryTests.reply(200, [], #"{"_id": "x"}"#)
        let cases: [(String, [(String, String)], ClosedRange<Double>)] = [
            ("the token's own reset", [("X-Ratelimit-Auth-Token-Reset", "1000001500")], 1.5...1.7),
            ("the later of two resets", [("X-Ratelimit-Reset", "1000000500"), ("X-Ratelimit-Auth-Token-Reset", "1000002000")], 2.0...2.2),
            ("Retry-After before a reset already past", [("X-Ratelimit-Reset", "999995000"), ("Retry-After", "3")], 3.0...3.2),
            // Our clock two minutes behind the server's: its reset is two seconds after its now.
            ("the server's clock", [("Date", "Mon, 12 Jan 1970 13:48:40 GMT"), ("X-Ratelimit-Reset", "1000122000")], 2.0...2.2),
        ]
        for (name, headers, expected) in cases {
            let sender = Scripted([RetryTests.reply(429, headers), ok])
            let clock = FakeClock()
            let r = await run("print (ld members get id=me)._id", catalog: try catalog(sender, clock))
            #expect(r.output == ["x"] && sender.count == 2, "\(name): \(r.error ?? "")")
            #expect(clock.slept.count == 1 && expected.contains(clock.slept[0]), "\(name): \(clock.slept)")
        }
        // A 429 that says nothing backs off by its count: the waits' ceilings double.
        let policy = RetryPolicy()
        let waits = (1...6).map { policy.decide(.answered(status: 429, retryAfter: nil), attempt: 0, rateLimited: $0, isWrite: true, random: 1) }
        #expect(waits == [0.1, 0.2, 0.4, 0.8, 1.6, 3.2].map { RetryPolicy.Decision.retry(after: $0) }, "\(waits)")
    }

    /// Box and Losant say how long to wait with Retry-After, in seconds.
    @Test func retryAfterIsHonouredForBoxAndLosant() async throws {
        for (script, body) in [("print (box users get id=1).id", #"{"type": "user", "id": "1"}"#),
                               ("print (losant tokens get id=66a000000000000000000009).id", #"{"id": "t1"}"#)] {
            let sender = Scripted([RetryTests.reply(429, [("Retry-After", "2")]), RetryTests.reply(200, [], body)])
            let clock = FakeClock()
            let c = Catalog(targets: try SessionTargets(profiles: Profiles(), environment: [:]) { "http://127.0.0.1:9" },
                            transport: Transport(sender: sender, clock: clock))
            let r = await run(script, catalog: c)
            #expect(r.output.count == 1 && sender.count == 2, "\(script): \(r.error ?? "")")
            #expect(clock.slept.count == 1 && clock.slept[0] >= 2 && clock.slept[0] < 2.1, "\(script): \(clock.slept)")
        }
    }

    /// The Box app's token endpoint follows the same policy: a 429 waits as long as its
    /// Retry-After asks (it was a fixed half second, then a second, then two), and a wait
    /// longer than roster honours fails at once, saying so.
    @Test func theTokenEndpointHonoursRetryAfter() async throws {
        let profiles = try Profiles.parse("""
            [profiles.app]
            box = { url = "http://127.0.0.1:9", client_id = "id", client_secret_env = "SECRET", enterprise_id = "1" }
            """, path: "config.toml")
        func app(_ sender: Scripted, _ clock: FakeClock) throws -> Catalog {
            Catalog(targets: try SessionTargets(profiles: profiles, environment: ["SECRET": "s"], defaultProfile: "app") { "http://127.0.0.1:9" },
                    transport: Transport(sender: sender, clock: clock))
        }
        let token = RetryTests.reply(200, [], #"{"access_token": "t0123456789abcdef", "expires_in": 3600}"#)
        let sender = Scripted([RetryTests.reply(429, [("Retry-After", "3")]), token, RetryTests.reply(200, [], #"{"type": "user", "id": "1"}"#)])
        let clock = FakeClock()
        let r = await run("print (box users me).id", catalog: try app(sender, clock))
        #expect(r.output == ["1"], "\(r.error ?? "")")
        #expect(sender.urls.map { $0.hasSuffix("/oauth2/token") } == [true, true, false])
        #expect(clock.slept.count == 1 && clock.slept[0] >= 3 && clock.slept[0] < 3.2, "\(clock.slept)")

        // An access token that is no bearer token (too short, or a word of ordinary text) is
        // refused unused: registered as a secret, `@example.com` was scrubbed out of every
        // login roster wrote, the failures file's inputs too.
        for bad in ["@example.com", "has space token 0123456789", "short"] {
            let odd = Scripted([RetryTests.reply(200, [], #"{"access_token": "\#(bad)", "expires_in": 3600}"#)])
            let refused = await run("print \"ada@example.com\"\nprint (box users me).id", catalog: try app(odd, FakeClock()))
            #expect(refused.output == ["ada@example.com"] && refused.error?.contains("not a bearer token") == true && odd.count == 1, "\(bad): \(refused.output) \(refused.error ?? "")")
        }

        let far = Scripted([RetryTests.reply(429, [("Retry-After", "3600")])])
        let farClock = FakeClock()
        let refused = await run("print (box users me).id", catalog: try app(far, farClock))
        #expect(far.count == 1 && farClock.slept.isEmpty, "\(farClock.slept)")
        #expect(refused.error?.contains("429") == true && refused.error?.contains("asking to wait 3600 s") == true, "\(refused.error ?? "")")
        // A wait past Int.max is a number like any other (Int(_:) of it trapped).
        let huge = Scripted([RetryTests.reply(429, [("Retry-After", "99999999999999999999")])])
        let hugeRefused = await run("print (box users me).id", catalog: try app(huge, FakeClock()))
        #expect(hugeRefused.error?.contains("asking to wait more than 10^9 s") == true, "\(hugeRefused.error ?? "")")

        // replace-all-roles with a service token (no member of its own: /members/me is 404)
        // still sends its explicit ids.
        let service = Scripted([
            RetryTests.reply(200, [], #"{"items": [{"_id": "64b000000000000000000009", "email": "w@example.com", "role": "writer"}], "totalCount": 1, "_links": {}}"#),
            RetryTests.reply(404, [], #"{"code": "not_found", "message": "no member"}"#),
            RetryTests.reply(200, [], #"{"members": ["64b000000000000000000009"], "errors": []}"#),
        ])
        let patched = await run("print (to_json((ld members replace-all-roles role=reader filter_roles=writer).members))", catalog: try catalog(service, FakeClock()))
        #expect(patched.error == nil && patched.output == [#"["64b000000000000000000009"]"#], "\(patched.error ?? "") \(service.urls)")
    }

    /// A 429 pauses the whole service: every later request waits for the reset, not only the
    /// one that was refused (the fake clock never moves, so the pause never ends).
    @Test func a429PausesEveryLaterRequestOfTheService() async throws {
        let ok = RetryTests.reply(200, [], #"{"_id": "x"}"#)
        let sender = Scripted([RetryTests.reply(429, [("Retry-After", "1")]), ok, ok, ok])
        let clock = FakeClock()
        let r = await run("for i in range(3) { ld members get id=me }", catalog: try catalog(sender, clock))
        #expect(r.error == nil && sender.count == 4, "\(r.error ?? "")")
        #expect(clock.slept.count == 3 && clock.slept.allSatisfy { $0 >= 1 && $0 < 1.1 }, "the retry and both later reads waited: \(clock.slept)")
        #expect(clock.slept.filter { $0 == 1 }.count >= 2, "the service-wide pause is exactly the server's wait; only the refused request adds jitter: \(clock.slept)")
    }

    /// Retries of failures (not 429s) spend a budget shared by the service: 20 tokens, so five
    /// reads that each meet only 503s make 5 first tries and 20 retries, not 30 requests.
    @Test func theRetryBudgetBoundsRetriesAcrossRequests() async throws {
        let sender = Scripted(Array(repeating: RetryTests.reply(503), count: 40))
        let r = await run("for i in range(5) { try { ld members get id=me } catch e { print $e.status } }", catalog: try catalog(sender, FakeClock()))
        #expect(r.output == Array(repeating: "503", count: 5), "\(r.error ?? "")")
        #expect(sender.count == 25, "\(sender.count) requests")
    }

    @Test func aWriteAfterAServerErrorIsLookedUpBeforeItIsSentAgain() async throws {
        let found = #"{"total_count": 1, "entries": [{"type": "group_membership", "id": "77", "group": {"type": "group", "id": "2"}, "role": "member"}]}"#
        let sender = Scripted([RetryTests.reply(500, [], #"{"type": "error", "status": 500, "code": "internal_server_error", "message": "boom"}"#),
                               RetryTests.reply(200, [], found)])
        let r = await run("print (box memberships add user=1 group=2).id", catalog: try catalog(sender, FakeClock()))
        #expect(r.output == ["77"], "\(r.error ?? "")")
        #expect(sender.methods == ["POST", "GET"], "found by the lookup, so not sent again")
        #expect(sender.urls.last?.hasSuffix("/2.0/users/1/memberships?limit=1000") == true)
    }

    @Test func aLostWriteThatDidNotArriveIsSentAgainAfterTheLookup() async throws {
        let sender = Scripted([.failure(SendFailure(mayHaveArrived: true, message: "the server closed the connection without answering")),
                               RetryTests.reply(200, [], #"{"total_count": 0, "entries": []}"#),
                               RetryTests.reply(201, [], #"{"type": "group_membership", "id": "78"}"#)])
        let r = await run("print (box memberships add user=1 group=2).id", catalog: try catalog(sender, FakeClock()))
        #expect(r.output == ["78"], "\(r.error ?? "")")
        #expect(sender.methods == ["POST", "GET", "POST"])
    }

    @Test func aWriteStillInDoubtAfterEveryCheckIsAnError() async throws {
        let lost = Result<WireReply, SendFailure>.failure(SendFailure(mayHaveArrived: true, message: "the server closed the connection without answering"))
        let empty = RetryTests.reply(200, [], #"{"total_count": 0, "entries": []}"#)
        let sender = Scripted([lost] + Array(repeating: [empty, lost], count: 6).flatMap { $0 })
        let r = await run("box memberships add user=1 group=2", catalog: try catalog(sender, FakeClock()))
        #expect(r.error?.contains("may have been applied") == true, "\(r.error ?? "")")
        #expect(sender.methods.filter { $0 == "POST" }.count == 7, "the first try and six bounded rounds")
        // How often it was sent is said (it read as if sent once).
        #expect(r.error?.contains("it was sent 7 times, none answered") == true, "\(r.error ?? "")")
    }

    @Test func readsRideThroughFaults() async throws {
        var options = SandboxOptions()
        options.faults = try FaultPlan(parsing: "429:0.1,500:0.2,reset:0.1", seed: 4)
        let sandbox = try await LiveSandbox.start(options: options)
        let catalog = Catalog(targets: sandbox.targets)
        let r = await run("""
            let n = 0
            for i in range(20) { $n = $n + len(box memberships list group=57001 | first 10) }
            print $n
            """, catalog: catalog)
        #expect(r.output == ["60"], "\(r.error ?? "")")
    }
}

/// The header values and links a server sends, read as HTTP means them and nothing more.
struct ServerTextTests {
    @Test func retryAfterIsDigitsOrAnHTTPDate() {
        let now = 784_111_777.0   // Sun, 06 Nov 1994 08:49:37 GMT
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == now)
        #expect(HTTPDate.retryAfter("Sun, 06 Nov 1994 08:49:47 GMT", now: now) == 10)
        #expect(HTTPDate.retryAfter("Sun, 06 Nov 1994 08:49:27 GMT", now: now) == 0, "a date gone by is no wait")
        #expect(HTTPDate.retryAfter("120", now: now) == 120)
        for bad in ["0x10", "1e3", "-5", "nan", "inf", "", " ", "12.5", "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Nox 1994 08:49:37 GMT", "06 Nov 1994 08:49:37 GMT"] {
            #expect(HTTPDate.retryAfter(bad, now: now) == nil, "\(bad)")
        }
    }

    @Test func aNextLinkStaysOnItsOriginWithAnEmailInItsQuery() throws {
        let op = Catalog.operations.first { $0.service == .launchDarkly && $0.words == ["members", "list"] }!
        let origin = "https://app.launchdarkly.com"
        #expect(try HTTPPages.onOrigin("/api/v2/members?filter=query:ada@example.com&offset=5", origin, op) == "/api/v2/members?filter=query:ada@example.com&offset=5")
        #expect(try HTTPPages.onOrigin(origin + "/api/v2/members?filter=query:ada@example.com", origin, op) == "/api/v2/members?filter=query:ada@example.com")
        for away in ["//evil.example/x", "https://evil.example/api", origin + "@evil.example/api", "/api@evil.example/x", "/\\evil.example/x", origin + ".evil.example/x"] {
            #expect(throws: ErrorValue.self, "\(away)") { try HTTPPages.onOrigin(away, origin, op) }
        }
    }
}
