import Foundation
import GRDB
import Hummingbird
import Testing
import TestSupport
@testable import RosterSandbox

/// Random and mutated requests at every LaunchDarkly route: never a 5xx, always a JSON error
/// body on 4xx, and the store's invariants hold afterwards.
struct SandboxFuzzTests {
    static let bodies = [
        #"[{"email": "f@example.com", "role": "reader"}]"#, #"[{"op": "replace", "path": "/role", "value": "writer"}]"#,
        #"{"instructions": [{"kind": "replaceMembersRoles", "value": "reader", "memberIDs": ["64b000000000000000000002"]}]}"#,
        #"{"instructions": [{"kind": "replaceAllMembersRoles", "value": "writer", "filterQuery": "a"}]}"#,
        #"{"teamKeys": ["platform"]}"#, "null", "[]", "{}", "[[[]]]", "\"x\"", "1e999", "{\"a\":", "\u{0}", "[{\"email\": 5}]",
    ]
    static let paths = ["/api/v2/members", "/api/v2/members/me", "/api/v2/members/64b000000000000000000002",
                        "/api/v2/members/64b000000000000000000004/teams", "/api/v2/members/%00", "/api/v2/members/../x"]
    static let queries = ["", "?limit=1", "?limit=0", "?limit=99999999999999999999", "?offset=3&limit=2", "?filter=role:%7C%7C",
                          "?filter=,,,", "?filter=lastSeen:%7B%22before%22:%22x%22%7D", "?sort=-", "?sort=,", "?expand=", "?filter=query:%25_"]

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

    @Test func randomRequestsNeverBreakTheSandbox() async throws {
        var rng = SplitMix64(state: 7)
        let c = try SandboxClient()
        let methods: [HTTPRequest.Method] = [.get, .post, .patch, .delete, .put]
        for _ in 0..<400 {
            let method = methods.randomElement(using: &rng)!
            let uri = SandboxFuzzTests.paths.randomElement(using: &rng)! + SandboxFuzzTests.queries.randomElement(using: &rng)!
            let body = Bool.random(using: &rng) ? SandboxFuzzTests.mutate(SandboxFuzzTests.bodies.randomElement(using: &rng)!, &rng) : nil
            let token = [SandboxSeed.ldAdminToken, SandboxSeed.ldReaderToken, "", "api-x"].randomElement(using: &rng)!
            let contentType = Bool.random(using: &rng) ? SandboxClient.semanticPatch : "application/json"
            let r = try await c.send(method, uri, token: token.isEmpty ? nil : token, body: body, contentType: contentType)
            #expect(r.status.code < 500, "\(method) \(uri) \(body ?? "") → \(r.status)")
            if r.status.code >= 400, r.status != .notFound || r.json != nil, r.status != .methodNotAllowed {
                #expect(r.json?["code"]?.string != nil && r.json?["message"]?.string != nil, "\(method) \(uri) → \(r.status) without an LD error body")
            }
        }
        let (owners, badRoles, badCustom) = try await c.store.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ld_member WHERE role = 'owner'") ?? -1,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ld_member WHERE role NOT IN ('reader','writer','admin','owner','no_access')") ?? -1,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ld_member, json_each(ld_member.custom_roles) WHERE json_each.value NOT IN (SELECT key FROM ld_custom_role)") ?? -1)
        }
        #expect(owners == 1)
        #expect(badRoles == 0)
        #expect(badCustom == 0)
    }
}
