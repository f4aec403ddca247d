import Foundation
import Testing

/// A vendor that misbehaves, through the built binary: each test is a server reply that once
/// made roster hang, send a write twice, corrupt its journal, page for ever or show a token.
extension EndToEndTests {
@Suite(.serialized)
struct HostileServerTests {
    /// A config whose profile points `service` at `server`, with its token in HOSTILE_TOKEN.
    static func config(_ server: ScriptedServer, _ service: String, extra: String = "") throws -> (URL, [String: String]) {
        let dir = try RosterProcess.temporaryDirectory()
        try "default = \"bad\"\n[profiles.bad]\n\(service) = { url = \"\(server.url)\", token_env = \"HOSTILE_TOKEN\"\(extra) }\n"
            .write(to: dir.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
        return (dir, ["ROSTER_CONFIG": dir.appendingPathComponent("config.toml").path, "HOSTILE_TOKEN": ScriptedServer.token])
    }

    /// Headers, then silence (or a byte now and then): the time limit covers the whole answer,
    /// and a write left this way is in doubt (sent once), never sent again.
    @Test func anAnswerThatStallsAfterItsHeadersEndsAtTheTimeLimit() throws {
        let server = try ScriptedServer("""
            def answer(h, body):
                h.send_response(200)
                h.send_header("Content-Type", "application/json")
                h.send_header("Content-Length", "100")
                h.end_headers()
                h.wfile.write(b'{"id"')
                h.wfile.flush()
                for _ in range(600):
                    time.sleep(0.5)
                    h.wfile.write(b" ")
                    h.wfile.flush()
            """)
        defer { server.stop() }
        let (dir, env) = try HostileServerTests.config(server, "box")
        let started = Date()
        let read = try RosterProcess.run(["--timeout", "1", "-c", "box users me"], environment: env, directory: dir, killAfter: 60)
        #expect(read.status == 70 && read.err.contains("time limit"), "\(read.status) \(read.err)")
        #expect(read.err.contains("trying once more (attempt 2; a second time limit ends it)"), "the retry after a timeout is said: \(read.err)")
        // Tried twice, not six times: a server that never answers costs two time limits.
        #expect(server.requests.filter { $0.hasPrefix("GET ") }.count == 2, "\(server.requests)")
        #expect(Date().timeIntervalSince(started) < 15)
        let write = try RosterProcess.run(["--timeout", "1", "--journal", "j.jsonl", "-c", "box groups create name=stalled"], environment: env, directory: dir, killAfter: 60)
        #expect(write.status == 70 && write.err.contains("may have been applied"), "\(write.status) \(write.err)")
        #expect(server.requests.filter { $0.hasPrefix("POST ") }.count == 1, "\(server.requests)")
    }

    /// A 201 whose body is not JSON (a proxy's page, a cut answer), or JSON that is not the
    /// object a create makes (null, a string, a list, an error body), or a 303 See Other: the
    /// write was applied, so a rerun with the journal finds it rather than creating it again.
    /// (The JSON ones were journaled done with `id=null`; the 303 as refused, and sent again.)
    @Test(arguments: [#"reply(h, 201, b"<html>created</html>")"#, #"reply(h, 201, b"null")"#, #"reply(h, 201, "x")"#, #"reply(h, 201, [])"#,
                      #"reply(h, 201, {"type": "error", "status": 409, "code": "conflict"})"#, #"reply(h, 303, b"", [("Location", "/2.0/groups/77")])"#])
    func aWriteAnsweredWithAnUnreadable2xxIsNotSentAgain(answer: String) throws {
        let server = try ScriptedServer("""
            def answer(h, body):
                if h.command == "POST":
                    STATE["name"] = json.loads(body)["name"]
                    return \(answer)
                if h.path.startswith("/2.0/groups?"):
                    entries = [{"type": "group", "id": "77", "name": STATE["name"]}] if "name" in STATE else []
                    return reply(h, 200, {"entries": entries, "total_count": len(entries), "limit": 1000, "offset": 0})
                reply(h, 404, {"type": "error", "status": 404, "code": "not_found", "message": "no such thing"})
            """)
        defer { server.stop() }
        let (dir, env) = try HostileServerTests.config(server, "box")
        let first = try RosterProcess.run(["--journal", "j.jsonl", "-c", "box groups create name=proxied"], environment: env, directory: dir, killAfter: 60)
        #expect(first.status == 70 && (first.err.contains("cannot be read") || first.err.contains("303")), "\(first.err)")
        let again = try RosterProcess.run(["--journal", "j.jsonl", "-c", "print (box groups create name=proxied).id"], environment: env, directory: dir, killAfter: 60)
        #expect(again.status == 0 && again.out == "77\n", "\(again.status) \(again.out) \(again.err)")
        #expect(server.requests.filter { $0.hasPrefix("POST ") }.count == 1, "\(server.requests)")
    }

    /// A status line under 100 with a body (AsyncHTTPClient trapped on it: exit 132), on a read
    /// and on a write: the read is an error, and the write is in doubt, settled by looking it
    /// up, never sent again, and journaled as done.
    @Test(arguments: ["000", "050", "099"])
    func aStatusUnder100IsAnErrorNotACrash(status: String) throws {
        let server = try ScriptedServer("""
            def answer(h, body):
                if h.command == "POST":
                    STATE["name"] = json.loads(body)["name"]
                if h.command == "POST" or h.path.startswith("/2.0/users/me"):
                    h.wfile.write(b"HTTP/1.1 \(status) X\\r\\nContent-Length: 2\\r\\n\\r\\n{}")
                    h.close_connection = True
                    return
                entries = [{"type": "group", "id": "77", "name": STATE["name"]}] if "name" in STATE else []
                reply(h, 200, {"entries": entries, "total_count": len(entries), "limit": 1000, "offset": 0})
            """)
        defer { server.stop() }
        let (dir, env) = try HostileServerTests.config(server, "box")
        let read = try RosterProcess.run(["-c", "box users me"], environment: env, directory: dir, killAfter: 60)
        #expect(read.status == 70 && read.err.contains("broke HTTP"), "\(read.status) \(read.err)")
        let write = try RosterProcess.run(["--journal", "j.jsonl", "-c", "box groups create name=odd"], environment: env, directory: dir, killAfter: 60)
        // The lookup finds the group the lost answer would have named, so the create is done,
        // and the lost answer is said.
        #expect(write.status == 0, "\(write.status) \(write.err)")
        #expect(write.err.contains("broke HTTP") && write.err.contains("it had been applied, and was found by looking it up (not sent again)"), "\(write.err)")
        let again = try RosterProcess.run(["--journal", "j.jsonl", "-c", "print (box groups create name=odd).id"], environment: env, directory: dir, killAfter: 60)
        #expect(again.status == 0 && again.out == "77\n", "\(again.status) \(again.out) \(again.err)")
        #expect(server.requests.filter { $0.hasPrefix("POST ") }.count == 1, "\(server.requests)")
    }

    /// A next link holding terminal control text, whose page then fails: the error, printed
    /// outside any script line, escapes it (it reached the terminal raw: a retitled window, a
    /// cleared screen).
    @Test func anErrorQuotingAServersLinkCannotDriveTheTerminal() throws {
        let server = try ScriptedServer("""
            def answer(h, body):
                if "offset=1" in h.path:
                    h.close_connection = True
                    return
                reply(h, 200, {"items": [{"_id": "a", "email": "a@example.com", "role": "reader"}], "totalCount": 2,
                               "_links": {"next": {"href": "/api/v2/members?offset=1&x=\\u001b]0;PWNED\\u0007\\u001b[31m"}}})
            """)
        defer { server.stop() }
        let (dir, env) = try HostileServerTests.config(server, "launchdarkly")
        let r = try RosterProcess.run(["-c", "ld members list"], environment: env, directory: dir, killAfter: 60)
        #expect(r.status != 0 && !r.err.contains("\u{1B}") && !r.err.contains("\u{07}") && r.err.contains("\\u{1B}"), "\(r.status) \(r.err)")
    }

    /// A semantic patch's answer must account for every member it named: `errors` that is no
    /// list, an error tied to no member, or a member named neither as changed nor as failed is
    /// a failure (each exited 0), and a member listed both ways counts once.
    @Test(arguments: [
        (#"{"members": ["64b000000000000000000001"], "errors": "boom"}"#, "the answer's errors are not a list"),
        (#"{"members": ["64b000000000000000000001"]}"#, "1 of 2 members not changed"),
        (#"{"members": [], "errors": []}"#, "2 of 2 members not changed"),
        (#"{"members": [], "errors": [{"64b000000000000000000001": "nope"}]}"#, "2 of 2 members not changed"),
        (#"{"members": ["64b000000000000000000001", "64b000000000000000000002"], "errors": [{"64b000000000000000000002": "no"}]}"#, "1 of 2 members not changed"),
        (#""x""#, "cannot be read"),
        (#"{"members": ["64b000000000000000000001", "64b000000000000000000002"], "errors": []}"#, ""),
    ])
    func aSemanticPatchAnswerAccountsForEveryMember(answer: String, said: String) throws {
        let server = try ScriptedServer("""
            def answer(h, body):
                reply(h, 200, json.loads('\(answer)'))
            """)
        defer { server.stop() }
        let (dir, env) = try HostileServerTests.config(server, "launchdarkly")
        let r = try RosterProcess.run(["-c", "ld members replace-roles role=reader ids=[\"64b000000000000000000001\", \"64b000000000000000000002\"]"],
                                      environment: env, directory: dir, killAfter: 60)
        if said.isEmpty {
            #expect(r.status == 0, "\(r.err)")
        } else {
            #expect(r.status == 70 && r.err.contains(said), "\(answer): \(r.status) \(r.err)")
        }
    }

    /// Paging fields that cannot be read or cannot move forward end a listing with an error,
    /// never silently: `limit: "1"` listed 1 of 3 memberships, exit 0.
    @Test(arguments: [
        ("box", "box memberships list group=57001", #"{"total_count": 3, "limit": "1", "offset": 0, "entries": [{"type": "group_membership", "id": "1"}]}"#),
        ("launchdarkly", "ld members list", #"{"totalCount": 99, "items": [{"_id": "a", "email": "a@x"}], "_links": {"next": {"href": 12345}}}"#),
        ("losant", "losant tokens list", #"{"totalCount": 5, "perPage": 0, "page": 0, "items": [{"id": "t", "name": "t"}]}"#),
        ("losant", "losant tokens list", #"{"totalCount": 5, "perPage": 1, "page": 0, "items": []}"#),
    ])
    func pagingThatCannotBeFollowedIsAnError(service: String, command: String, page: String) throws {
        let server = try ScriptedServer("""
            def answer(h, body):
                reply(h, 200, json.loads('\(page)'))
            """)
        defer { server.stop() }
        let (dir, env) = try HostileServerTests.config(server, service, extra: service == "losant" ? ", instance = \"5f0000000000000000000001\"" : "")
        let r = try RosterProcess.run(["-c", "for x in (\(command)) { print 1 }"], environment: env, directory: dir, killAfter: 60)
        #expect(r.status == 70 && r.err.contains("paging cannot be followed"), "\(command): \(r.status) \(r.out) \(r.err)")
    }

    /// An invite answered with a 2xx that cannot be read, or a 3xx, is in doubt, not refused:
    /// the journal held it as failed, and a rerun sent it again.
    @Test(arguments: [#"reply(h, 201, {})"#, #"reply(h, 303, b"", [("Location", "/api/v2/members")])"#])
    func anInviteAnsweredOddlyIsInDoubtNotRefused(answer: String) throws {
        let server = try ScriptedServer("""
            def answer(h, body):
                if h.command == "POST":
                    return \(answer)
                reply(h, 200, {"items": [], "totalCount": 0, "_links": {}})
            """)
        defer { server.stop() }
        let (dir, env) = try HostileServerTests.config(server, "launchdarkly")
        let r = try RosterProcess.run(["--journal", "j.jsonl", "-c", "ld members invite email=odd@example.com role=reader"], environment: env, directory: dir, killAfter: 60)
        #expect(r.status == 70, "\(r.err)")
        let journal = try String(contentsOf: dir.appendingPathComponent("j.jsonl"), encoding: .utf8)
        #expect(journal.contains(#""intent""#) && !journal.contains(#""failed""#), "\(journal)")
    }

    /// A 5xx to a JSON Patch: replacing a value is sent again, appending to a list is not (it
    /// would append twice).
    @Test func aPatchThatCouldApplyTwiceIsNotSentAgain() throws {
        let server = try ScriptedServer("""
            def answer(h, body):
                reply(h, 500, {"code": "internal", "message": "boom"})
            """)
        defer { server.stop() }
        let (dir, env) = try HostileServerTests.config(server, "launchdarkly")
        let id = "64b000000000000000000001"
        let append = try RosterProcess.run(["-c", "ld members update id=\(id) patch=[{op: \"add\", path: \"/customRoles/-\", value: \"x\"}]"],
                                           environment: env, directory: dir, killAfter: 60)
        #expect(append.status == 70 && append.err.contains("not sent again"), "\(append.err)")
        #expect(server.requests.filter { $0.hasPrefix("PATCH ") }.count == 1, "\(server.requests)")
        let replace = try RosterProcess.run(["-c", "ld members update id=\(id) role=reader"], environment: env, directory: dir, killAfter: 60)
        #expect(replace.status == 70)
        #expect(server.requests.filter { $0.hasPrefix("PATCH ") }.count > 2, "a replace is safe to send again: \(server.requests)")
    }

    /// 1e999 reads as infinity, which JSON cannot hold: the journal and --output json stay
    /// valid JSON, so the next run can read its journal and skips the write.
    @Test func anInfiniteNumberKeepsTheJournalReadable() throws {
        let server = try ScriptedServer("""
            def answer(h, body):
                reply(h, 201, b'{"id": "t1", "name": "x", "weird": 1e999, "low": -1e999}')
            """)
        defer { server.stop() }
        let (dir, env) = try HostileServerTests.config(server, "losant", extra: ", instance = \"i1\"")
        for _ in 0..<2 {
            let r = try RosterProcess.run(["--journal", "j.jsonl", "--output", "json", "-c", "losant tokens create name=x"], environment: env, directory: dir, killAfter: 60)
            #expect(r.status == 0, "\(r.err)")
            #expect((try? JSONSerialization.jsonObject(with: Data(r.out.utf8))) != nil, "\(r.out)")
        }
        #expect(server.requests.filter { $0.hasPrefix("POST ") }.count == 1, "\(server.requests)")
        let journal = try String(contentsOf: dir.appendingPathComponent("j.jsonl"), encoding: .utf8)
        for line in journal.split(separator: "\n") {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "not JSON: \(line)")
        }
    }

    /// A next page that is one already read (the same link, marker, offset or page) ends the
    /// listing with an error after the items before it, instead of going round for ever.
    @Test(arguments: [
        ("box", "box users list | count", """
            def answer(h, body):
                reply(h, 200, {"entries": [{"type": "user", "id": "1", "name": "a", "login": "a@example.com"}], "limit": 100, "next_marker": "same"})
            """),
        ("box", "box memberships list group=57001 | count", """
            def answer(h, body):
                reply(h, 200, {"entries": [{"type": "group_membership", "id": "1"}], "total_count": 5000, "limit": 100, "offset": 0})
            """),
        ("launchdarkly", "ld members list | count", """
            def answer(h, body):
                reply(h, 200, {"items": [{"_id": "64b000000000000000000001", "email": "a@example.com", "role": "reader"}], "totalCount": 9000,
                               "_links": {"next": {"href": "/api/v2/members?limit=20&offset=20"}}})
            """),
        ("losant", "losant tokens list | count", """
            def answer(h, body):
                reply(h, 200, {"items": [{"id": "t1", "name": "a"}], "count": 1, "totalCount": 9000, "perPage": 1, "page": 0})
            """),
    ])
    func aListingThatGoesRoundEnds(service: String, command: String, server answer: String) throws {
        let server = try ScriptedServer(answer)
        defer { server.stop() }
        let (dir, env) = try HostileServerTests.config(server, service, extra: service == "losant" ? ", instance = \"i1\"" : "")
        let r = try RosterProcess.run(["-c", command], environment: env, directory: dir, killAfter: 60)
        #expect(r.status == 70 && r.err.contains("already read"), "\(command): \(r.status) \(r.err.prefix(400))")
        #expect(server.requests.count <= 4, "\(command): \(server.requests.count) requests")
    }

    /// A token echoed back spelled with JSON escapes decodes to the token itself: it is
    /// scrubbed from the value, so no transformation of it can show it.
    @Test func aTokenEchoedWithEscapesNeverBecomesAValue() throws {
        let escaped = ScriptedServer.token.unicodeScalars.map { String(format: "\\\\u%04x", $0.value) }.joined()
        let server = try ScriptedServer("""
            def answer(h, body):
                reply(h, 200, ('{"_id": "64b000000000000000000001", "email": "a@example.com", "firstName": "%s", "role": "reader"}' % "\(escaped)").encode())
            """)
        defer { server.stop() }
        let (dir, env) = try HostileServerTests.config(server, "launchdarkly")
        let r = try RosterProcess.run(["-c", "let m = ld members get id=me\nprint join(split($m.firstName, \"\"), \" \")"], environment: env, directory: dir, killAfter: 60)
        #expect(r.status == 0, "\(r.err)")
        let spaced = ScriptedServer.token.map(String.init).joined(separator: " ")
        #expect(!r.out.contains(spaced) && !r.out.contains(ScriptedServer.token), "\(r.out)")
        #expect(r.out.contains("( r e d a c t e d )"), "\(r.out)")
    }

    /// A create answered 500 after the server made it, by a server whose clock is 30 s behind:
    /// the lookup compares creation times on the server's clock (its Date), finds the token,
    /// and never sends the create again.
    @Test func aServerClockBehindDoesNotHideACreate() throws {
        let server = try ScriptedServer("""
            SKEW = 30
            def answer(h, body):
                tokens = STATE.setdefault("tokens", [])
                if h.command == "POST":
                    created = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - SKEW))
                    tokens.append({"id": "t%d" % len(tokens), "name": json.loads(body)["name"], "creationDate": created})
                    return reply(h, 500, {"type": "InternalError", "message": "boom"})
                reply(h, 200, {"items": tokens, "count": len(tokens), "totalCount": len(tokens), "perPage": 1000, "page": 0})
            """)
        defer { server.stop() }
        let (dir, env) = try HostileServerTests.config(server, "losant", extra: ", instance = \"i1\"")
        let r = try RosterProcess.run(["-c", "print (losant tokens create name=ci).id"], environment: env, directory: dir, killAfter: 60)
        #expect(r.status == 0 && r.out == "t0\n", "\(r.status) \(r.out) \(r.err)")
        #expect(r.err.contains("its token came only in the answer that was lost"), "the lost value is said: \(r.err)")
        #expect(server.requests.filter { $0.hasPrefix("POST ") }.count == 1, "\(server.requests)")
    }

    /// A read answered 200 with nothing: a broken answer, not a null member.
    @Test func anEmptyAnswerToAReadIsAnError() throws {
        let server = try ScriptedServer("""
            def answer(h, body):
                reply(h, 200, b"")
            """)
        defer { server.stop() }
        let (dir, env) = try HostileServerTests.config(server, "launchdarkly")
        let r = try RosterProcess.run(["-c", "print (ld members get id=me)"], environment: env, directory: dir, killAfter: 60)
        #expect(r.status == 70 && r.err.contains("answer is empty"), "\(r.status) \(r.out) \(r.err)")
    }

    /// A server's error code, message and request id are one line each: a newline in any of
    /// them must not put a line of the server's making on roster's stderr.
    @Test func aServersErrorCannotForgeALineOfRostersOwn() throws {
        let server = try ScriptedServer("""
            def answer(h, body):
                reply(h, 400, {"code": "bad\\nroster: everything is fine", "message": "no\\nroster: forged", "request_id": "r\\nroster: x"})
            """)
        defer { server.stop() }
        let (dir, env) = try HostileServerTests.config(server, "box")
        let r = try RosterProcess.run(["-c", "box groups create name=x"], environment: env, directory: dir, killAfter: 60)
        #expect(r.status == 70, "\(r.err)")
        #expect(!r.err.split(separator: "\n").contains { $0.hasPrefix("roster: ") }, "\(r.err)")
    }

    /// A redirect is not followed, and its error says where it led.
    @Test func aRedirectSaysWhereItLed() throws {
        let server = try ScriptedServer("""
            def answer(h, body):
                reply(h, 302, b"", [("Location", "https://login.example.com/sso")])
            """)
        defer { server.stop() }
        let (dir, env) = try HostileServerTests.config(server, "box")
        let r = try RosterProcess.run(["-c", "box users me"], environment: env, directory: dir, killAfter: 60)
        #expect(r.status == 70 && r.err.contains("\"https://login.example.com/sso\", not followed"), "\(r.err)")
        #expect(server.requests.count == 1)
    }

    /// A long wait the server asks for is said on stderr as it begins, not silently waited out:
    /// a 429's, and a 503's on a read (that one was silent).
    @Test(arguments: [429, 503])
    func aLongWaitIsSaid(status: Int) throws {
        let server = try ScriptedServer("""
            def answer(h, body):
                n = STATE["n"] = STATE.get("n", 0) + 1
                if n == 1:
                    return reply(h, \(status), {"code": "later", "message": "slow down"}, [("Retry-After", "6")])
                reply(h, 200, {"type": "user", "id": "1", "name": "a", "login": "a@example.com"})
            """)
        defer { server.stop() }
        let (dir, env) = try HostileServerTests.config(server, "box")
        let r = try RosterProcess.run(["-c", "print (box users me).id"], environment: env, directory: dir, killAfter: 60)
        #expect(r.status == 0 && r.out == "1\n", "\(r.err)")
        #expect(r.err.contains(status == 429 ? "Box asked to wait 6 s (429); waiting" : "Box answered 503 and asked to wait 6 s; waiting"), "\(r.err)")
    }

    /// Retry-After is seconds as digits, or an HTTP-date: `0x10` is not sixteen seconds.
    @Test func retryAfterIsReadAsHTTPSaysAndNothingElse() throws {
        let server = try ScriptedServer("""
            def answer(h, body):
                n = STATE["n"] = STATE.get("n", 0) + 1
                if n == 1:
                    return reply(h, 429, {"code": "rate_limited", "message": "slow down"}, [("Retry-After", "0x10")])
                if n == 2:
                    return reply(h, 429, {"code": "rate_limited", "message": "slow down"}, [("Retry-After", h.date_time_string(time.time() + 2))])
                reply(h, 200, {"type": "user", "id": "1", "name": "a", "login": "a@example.com"})
            """)
        defer { server.stop() }
        let (dir, env) = try HostileServerTests.config(server, "box")
        let started = Date()
        let r = try RosterProcess.run(["-c", "print (box users me).id"], environment: env, directory: dir, killAfter: 60)
        let took = Date().timeIntervalSince(started)
        #expect(r.status == 0 && r.out == "1\n", "\(r.err)")
        #expect(took > 0.5 && took < 10, "the date is waited for, 0x10 is not: took \(took) s")
    }
}
}

/// A local HTTP server whose every answer is the Python function `answer(h, body)` given (h is
/// the request handler; `reply(h, status, body, headers)` answers with JSON or bytes; `STATE`
/// is a dict kept between requests; `SKEW`, if the code sets it, sets the Date header's clock
/// back). Every request's method and path is logged, for counting what roster sent.
final class ScriptedServer {
    static let token = "hostile-token-0123456789abcdef"
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures/tls").path
    let process = Process()
    private(set) var url = ""
    private let log: String

    /// `tls`: HTTPS with the self-signed certificate in Tests/fixtures/tls.
    init(_ answer: String, tls: Bool = false) throws {
        let dir = try RosterProcess.temporaryDirectory()
        let urlFile = dir.appendingPathComponent("url").path
        log = dir.appendingPathComponent("requests").path
        let script = """
            import email.utils, http.server, json, os, sys, time
            STATE = {}
            SKEW = 0
            def reply(h, status, body, headers=()):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                h.send_response(status)
                h.send_header("Content-Type", "application/json")
                h.send_header("Content-Length", str(len(data)))
                for k, v in headers: h.send_header(k, v)
                h.end_headers()
                h.wfile.write(data)
            \(answer)
            class H(http.server.BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"
                def any(self):
                    n = int(self.headers.get("Content-Length") or 0)
                    body = self.rfile.read(n) if n else b""
                    with open(sys.argv[2], "a") as f: f.write("%s %s\\n" % (self.command, self.path))
                    answer(self, body)
                do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = any
                def date_time_string(self, timestamp=None):
                    return email.utils.formatdate((timestamp or time.time()) - SKEW, usegmt=True)
                def log_message(self, *a): pass
            class S(http.server.ThreadingHTTPServer):
                daemon_threads = True
            s = S(("127.0.0.1", 0), H)
            scheme = "http"
            if len(sys.argv) > 4:
                import ssl
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(sys.argv[3], sys.argv[4])
                s.socket = context.wrap_socket(s.socket, server_side=True)
                scheme = "https"
            open(sys.argv[1] + ".tmp", "w").write("%s://127.0.0.1:%d" % (scheme, s.server_port))
            os.rename(sys.argv[1] + ".tmp", sys.argv[1])
            s.serve_forever()
            """
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, urlFile, log] + (tls ? [ScriptedServer.fixtures + "/cert.pem", ScriptedServer.fixtures + "/key.pem"] : [])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<200 {
            if let text = try? String(contentsOfFile: urlFile, encoding: .utf8) { url = text; break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        try #require(url.hasPrefix("http"), "the scripted server did not start")
    }

    /// Every request so far, as "METHOD /path?query".
    var requests: [String] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
