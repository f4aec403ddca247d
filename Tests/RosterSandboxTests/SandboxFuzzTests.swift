import Foundation
import GRDB
import Hummingbird
import Testing
import TestSupport
@testable import RosterSandbox

/// Random and mutated requests at every route of the three services: never a 5xx, always the
/// vendor's error body on 4xx, and the store's invariants hold afterwards.
struct SandboxFuzzTests {
    static let bodies = [
        #"[{"email": "f@example.com", "role": "reader"}]"#, #"[{"op": "replace", "path": "/role", "value": "writer"}]"#,
        #"{"instructions": [{"kind": "replaceMembersRoles", "value": "reader", "memberIDs": ["64b000000000000000000002"]}]}"#,
        #"{"instructions": [{"kind": "replaceAllMembersRoles", "value": "writer", "filterQuery": "a"}]}"#,
        #"{"teamKeys": ["platform"]}"#,
        #"{"name": "fuzz", "scope": ["all.Instance.read"], "expirationDate": "2030-01-01T00:00:00.000Z"}"#, #"{"status": "inactive", "description": "d"}"#,
        #"{"user": {"id": "20000006"}, "group": {"id": "57001"}, "role": "admin", "configurable_permissions": {"can_run_reports": false}}"#,
        #"{"role": "admin", "configurable_permissions": null}"#, #"{"name": "Fuzzers", "member_viewability_level": "all_managed_users"}"#,
        #"{"name": "F Uzz", "login": "fuzz@example.com", "space_amount": -1}"#, "null", "[]", "{}", "[[[]]]", "\"x\"", "1e999", "{\"a\":", "\u{0}", "[{\"email\": 5}]",
    ]
    static let paths = ["/api/v2/members", "/api/v2/members/me", "/api/v2/members/64b000000000000000000002",
                        "/api/v2/members/64b000000000000000000004/teams", "/api/v2/members/%00", "/api/v2/members/../x",
                        "/instances/5f0000000000000000000001/tokens", "/instances/5f0000000000000000000001/tokens/66a000000000000000000003",
                        "/instances/5f0000000000000000000001/tokens/66a0000000000000000000zz", "/instances/%20/tokens",
                        "/2.0/users", "/2.0/users/me", "/2.0/users/20000003", "/2.0/users/20000003/memberships", "/2.0/groups", "/2.0/groups/57001",
                        "/2.0/groups/57001/memberships", "/2.0/group_memberships", "/2.0/group_memberships/1560001", "/2.0/group_memberships/x%00", "/2.0/nothing"]
    static let queries = ["", "?limit=1", "?limit=0", "?limit=99999999999999999999", "?offset=3&limit=2", "?filter=role:%7C%7C",
                          "?filter=,,,", "?filter=lastSeen:%7B%22before%22:%22x%22%7D", "?sort=-", "?sort=,", "?expand=", "?filter=query:%25_",
                          "?perPage=2&page=1&sortField=expirationDate&sortDirection=desc", "?filterField=name&filter=*%25*", "?page=-5", "?perPage=1e3",
                          "?limit=1000&offset=10000", "?offset=10001", "?usemarker=true&marker=%ff", "?usemarker=true&limit=1", "?fields=role,,name",
                          "?filter_term=%25", "?user_type=external"]

    static func mutate(_ s: String, _ rng: inout SplitMix64) -> String {
        var bytes = Array(s.utf8)
        for _ in 0..<Int.random(in: 0...3, using: &rng) where !bytes.isEmpty {
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: bytes[at] = UInt8.random(in: 32...126, using: &rng)
            case 1: bytes.remove(at: at)
            default: bytes.insert(bytes[at], at: at)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// SQLite reads a LIKE pattern only up to a NUL: a text filter holding one matched as its
    /// part before it (`query:%00` listed every member). Each vendor's text filters match
    /// nothing for it.
    @Test func aTextFilterWithANULMatchesNothing() async throws {
        let c = try SandboxClient()
        let ld = try await c.send(.get, "/api/v2/members?filter=query:%00")
        #expect(ld.status.code == 200 && ld.json?.ids == [], "\(String(describing: ld.json))")
        #expect(try await c.send(.get, "/api/v2/members?filter=query:a").json?.ids.isEmpty == false, "the same filter without the NUL matches")
        for path in ["/2.0/groups?filter_term=%00", "/2.0/groups?filter_term=E%00x", "/2.0/users?filter_term=%00"] {
            let r = try await c.send(.get, path, token: SandboxClient.bearer("box-sandbox-admin"))
            #expect(r.status.code == 200 && r.json?["entries"]?.array?.count == 0, "\(path): \(String(describing: r.json))")
        }
        let losant = try await c.send(.get, "/instances/5f0000000000000000000001/tokens?filterField=name&filter=%00*", token: SandboxClient.bearer("losant-sandbox-all"))
        #expect(losant.status.code == 200 && losant.json?["items"]?.array?.count == 0, "\(String(describing: losant.json))")
    }

    /// SQLite's text binding stops at a NUL: a name holding `\u0000` was stored cut short (201
    /// for "A", the rest lost). Each vendor refuses such a body with its 400, and stores nothing.
    @Test func aBodyHoldingANULIsRefusedNotStoredShort() async throws {
        let c = try SandboxClient()
        let box = try await c.send(.post, "/2.0/groups", token: SandboxClient.bearer("box-sandbox-admin"), body: #"{"name": "A\u0000B"}"#)
        #expect(box.status.code == 400 && box.json?["code"]?.string == "bad_request", "\(String(describing: box.json))")
        let named = try await c.send(.get, "/2.0/groups?filter_term=A", token: SandboxClient.bearer("box-sandbox-admin"))
        #expect(named.json?["entries"]?.array?.contains { $0["name"]?.string == "A" } == false)
        let ld = try await c.send(.post, "/api/v2/members", body: #"[{"email": "n\u0000ul@example.com", "role": "reader"}]"#)
        #expect(ld.status.code == 400 && ld.json?["code"]?.string == "invalid_request", "\(String(describing: ld.json))")
        let losant = try await c.send(.post, "/instances/5f0000000000000000000001/tokens", token: SandboxClient.bearer("losant-sandbox-all"),
                                      body: #"{"name": "t\u0000", "scope": ["all.Instance"]}"#)
        #expect(losant.status.code == 400, "\(String(describing: losant.json))")
        // A key holds one too.
        let key = try await c.send(.post, "/2.0/groups", token: SandboxClient.bearer("box-sandbox-admin"), body: #"{"name": "B", "x\u0000": 1}"#)
        #expect(key.status.code == 400)
    }

    @Test func randomRequestsNeverBreakTheSandbox() async throws {
        var rng = SplitMix64(state: 7)
        let c = try SandboxClient()
        let methods: [HTTPRequest.Method] = [.get, .post, .patch, .delete, .put]
        for _ in 0..<1500 {
            let method = methods.randomElement(using: &rng)!
            let uri = SandboxFuzzTests.paths.randomElement(using: &rng)! + SandboxFuzzTests.queries.randomElement(using: &rng)!
            let body = Bool.random(using: &rng) ? SandboxFuzzTests.mutate(SandboxFuzzTests.bodies.randomElement(using: &rng)!, &rng) : nil
            let token = [SandboxSeed.ldAdminToken, SandboxSeed.ldReaderToken, "", "api-x", "Bearer losant-sandbox-all", "Bearer losant-sandbox-read",
                         "Bearer box-sandbox-admin", "Bearer box-sandbox-user", "Bearer "].randomElement(using: &rng)!
            let contentType = Bool.random(using: &rng) ? SandboxClient.semanticPatch : "application/json"
            let r = try await c.send(method, uri, token: token.isEmpty ? nil : token, body: body, contentType: contentType)
            #expect(r.status.code < 500, "\(method) \(uri) \(body ?? "") → \(r.status)")
            if r.status.code >= 400 {
                #expect(SandboxFuzzTests.isVendorError(r.json, path: uri), "\(method) \(uri) → \(r.status) without the vendor's error body: \(String(describing: r.json))")
            }
        }
        let (owners, badRoles, badCustom) = try c.store.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ld_member WHERE role = 'owner'") ?? -1,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ld_member WHERE role NOT IN ('reader','writer','admin','owner','no_access')") ?? -1,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ld_member, json_each(ld_member.custom_roles) WHERE json_each.value NOT IN (SELECT key FROM ld_custom_role)") ?? -1)
        }
        #expect(owners == 1)
        #expect(badRoles == 0)
        #expect(badCustom == 0)
        let (badTokens, badMemberships, badUsers, orphans) = try c.store.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM losant_token WHERE status NOT IN ('active','inactive') OR length(name) NOT BETWEEN 1 AND 255 OR json_type(scope) != 'array'") ?? -1,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM box_membership WHERE role NOT IN ('member','admin') OR id NOT GLOB '[0-9]*'") ?? -1,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM box_user WHERE role NOT IN ('admin','coadmin','user') OR id NOT GLOB '[0-9]*'") ?? -1,
             try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count)
        }
        #expect(badTokens == 0)
        #expect(badMemberships == 0)
        #expect(badUsers == 0)
        #expect(orphans == 0)
    }

    /// Every numeric query parameter at the integers' edges, on every list route: never a 5xx,
    /// the vendor's error body on a 4xx, and no body quotes SQL or the server's own code.
    @Test func integersAtTheEdgesNeverBreakTheSandbox() async throws {
        let c = try SandboxClient()
        let edges = ["0", "-1", "1", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "1e400", "-0", "99999999999999999999999", ""]
        let routes: [(String, [String], String)] = [
            ("/api/v2/members", ["limit", "offset"], SandboxSeed.ldAdminToken),
            ("/instances/5f0000000000000000000001/tokens", ["page", "perPage"], "Bearer losant-sandbox-all"),
            ("/2.0/groups/57001/memberships", ["limit", "offset"], "Bearer box-sandbox-admin"),
            ("/2.0/users/20000003/memberships", ["limit", "offset"], "Bearer box-sandbox-admin"),
            ("/2.0/users", ["limit", "offset"], "Bearer box-sandbox-admin"),
            ("/2.0/groups", ["limit", "offset"], "Bearer box-sandbox-admin"),
        ]
        for (path, parameters, token) in routes {
            for a in edges {
                for b in edges {
                    let uri = "\(path)?\(parameters[0])=\(a)&\(parameters[1])=\(b)"
                    let r = try await c.send(.get, uri, token: token, body: nil, contentType: "application/json")
                    #expect(r.status.code < 500, "\(uri) → \(r.status)")
                    if r.status.code >= 400 {
                        #expect(SandboxFuzzTests.isVendorError(r.json, path: uri), "\(uri) → \(r.status): \(String(describing: r.json))")
                    }
                }
            }
        }
        // A filter too large for one query is the vendor's 400, not SQL in a 500.
        for filter in [Array(repeating: "query:a", count: 1001).joined(separator: ","), "role:" + Array(repeating: "reader", count: 5000).joined(separator: "%7C")] {
            let r = try await c.send(.get, "/api/v2/members?filter=\(filter)", token: SandboxSeed.ldAdminToken, body: nil, contentType: "application/json")
            #expect(r.status.code == 400 || r.status.code == 414, "\(r.status)")
            let text = r.json.map { "\($0)" } ?? ""
            #expect(!text.contains("SELECT") && !text.contains("sqlite") && !text.contains(".swift"), "\(text)")
        }
    }

    /// A search term past SQLite's LIKE limit (50,000 bytes) was a 500: a URI longer than the
    /// vendors' front ends take is their 414, with the vendor's error body; and a list of ids
    /// past SQLite's variable limit is one argument.
    @Test func longSearchesAndLongListsAreAnsweredAsTheVendorsWould() async throws {
        let c = try SandboxClient()
        let term = String(repeating: "a", count: 60_000)
        for (uri, token) in [("/api/v2/members?filter=query:\(term)", SandboxSeed.ldAdminToken),
                             ("/2.0/users?filter_term=\(term)", "Bearer box-sandbox-admin"),
                             ("/2.0/groups?filter_term=\(term)", "Bearer box-sandbox-admin"),
                             ("/instances/5f0000000000000000000001/tokens?filterField=name&filter=\(term)", "Bearer losant-sandbox-all")] {
            let r = try await c.send(.get, uri, token: token, body: nil, contentType: "application/json")
            #expect(r.status.code == 414 && SandboxFuzzTests.isVendorError(r.json, path: uri), "\(uri.prefix(40)) → \(r.status)")
        }
        let ignored = Array(repeating: "\"x\"", count: 255_000).joined(separator: ",")
        let body = #"{"instructions": [{"kind": "replaceAllMembersRoles", "value": "reader", "filterRoles": "nobody", "ignoredMemberIDs": ["# + ignored + "]}]}"
        let r = try await c.send(.patch, "/api/v2/members", token: SandboxSeed.ldAdminToken, body: body,
                                 contentType: "application/json; domain-model=launchdarkly.semanticpatch")
        #expect(r.status.code == 200, "\(r.status) \(String(describing: r.json).prefix(200))")
    }

    /// LaunchDarkly: {code, message}; Losant: {type, message}; Box: {type: "error", status, code, message, request_id}.
    static func isVendorError(_ json: JSONValue?, path: String) -> Bool {
        guard let json else { return false }
        if path.hasPrefix("/instances") { return json["type"]?.string != nil && json["message"]?.string != nil }
        if path.hasPrefix("/2.0") {
            return json["type"] == "error" && json["status"]?.int != nil && json["code"]?.string != nil && json["request_id"]?.string != nil
        }
        return json["code"]?.string != nil && json["message"]?.string != nil
    }
}
