import Foundation
import Hummingbird
import Testing
@testable import RosterSandbox

/// Every Losant instance-token route and error path, in router mode.
struct LosantTests {
    static let tokens = "/instances/5f0000000000000000000001/tokens"
    static let all = SandboxClient.bearer("losant-sandbox-all")
    static let read = SandboxClient.bearer("losant-sandbox-read")
    static let ciDeploy = SandboxClient.bearer("losant-seed-ci-deploy")

    func names(_ r: SandboxClient.Reply) -> [String] { (r.json?["items"]?.array ?? []).compactMap { $0["name"]?.string } }

    @Test func listDefaultsEchoAndEnvelope() async throws {
        let c = try SandboxClient()
        let r = try await c.send(.get, LosantTests.tokens + "?_actions=false&_links=true&_embedded=true", token: LosantTests.read)
        #expect(r.status == .ok)
        #expect(names(r) == ["ci-deploy", "legacy-export", "old-integration", "sandbox-all", "sandbox-read"])
        #expect(r.json?["count"] == 5 && r.json?["totalCount"] == 5 && r.json?["perPage"] == 100 && r.json?["page"] == 0)
        #expect(r.json?["sortField"] == "name" && r.json?["sortDirection"] == "asc" && r.json?["ownerId"] == "5f0000000000000000000001")
        let first = try #require(r.json?["items"]?.array?.first)
        #expect(first["token"] == nil, "a token's value is shown only when it is created")
        #expect(first["id"] == first["apiTokenId"])
        #expect(first["creationDate"]?.string?.hasSuffix(".000Z") == true)
    }

    @Test func pagesAreZeroBasedAndComplete() async throws {
        let c = try SandboxClient()
        var seen: [String] = []
        for page in 0..<3 {
            let r = try await c.send(.get, LosantTests.tokens + "?perPage=2&page=\(page)", token: LosantTests.all)
            #expect(r.json?["page"] == .int(Int64(page)) && r.json?["totalCount"] == 5)
            seen += names(r)
        }
        #expect(seen.count == 5 && Set(seen).count == 5)
        #expect(try await c.send(.get, LosantTests.tokens + "?perPage=2&page=3", token: LosantTests.all).json?["count"] == 0)
    }

    @Test func sortsOnEveryFieldBothWays() async throws {
        let c = try SandboxClient()
        for field in ["name", "status", "id", "creationDate", "lastUpdated", "expirationDate"] {
            for direction in ["asc", "desc", "DESC"] {
                let r = try await c.send(.get, LosantTests.tokens + "?sortField=\(field)&sortDirection=\(direction)", token: LosantTests.all)
                let items = try #require(r.json?["items"]?.array, "\(field) \(direction)")
                // Tokens without an expiry sort first ascending (SQLite puts NULL lowest).
                #expect(items.count == 5, "\(field) \(direction): every token")
                let keys = items.map { $0[field]?.string ?? "" }
                let expected = direction == "asc" ? keys.sorted() : keys.sorted(by: >)
                #expect(keys == expected, "\(field) \(direction): \(keys)")
            }
        }
        for bad in ["?sortField=owner", "?sortDirection=up", "?page=-1", "?perPage=0", "?perPage=1001", "?page=x", "?filterField=scope&filter=a"] {
            let r = try await c.send(.get, LosantTests.tokens + bad, token: LosantTests.all)
            #expect(r.status == .badRequest && r.json?["type"] == "Validation", "\(bad)")
        }
    }

    @Test func filtersWithGlobs() async throws {
        let c = try SandboxClient()
        func filtered(_ query: String) async throws -> [String] { names(try await c.send(.get, LosantTests.tokens + query, token: LosantTests.all)) }
        #expect(try await filtered("?filterField=name&filter=sandbox-*") == ["sandbox-all", "sandbox-read"])
        #expect(try await filtered("?filterField=name&filter=*-EXPORT") == ["legacy-export"])
        #expect(try await filtered("?filterField=name&filter=*i*o*") == ["ci-deploy", "old-integration"])
        #expect(try await filtered("?filterField=status&filter=inactive") == ["legacy-export"])
        #expect(try await filtered("?filterField=name&filter=sandbox") == [])
        #expect(try await filtered("?filterField=name&filter=%25") == [], "% is literal, not a wildcard")
        #expect(try await filtered("?filter=ci-*").count == 5, "a filter without filterField does not filter")
        let echo = try await c.send(.get, LosantTests.tokens + "?filterField=name&filter=ci-*", token: LosantTests.all)
        #expect(echo.json?["filter"] == "ci-*" && echo.json?["filterField"] == "name" && echo.json?["totalCount"] == 1)
    }

    @Test func createShowsTheTokenOnceAndItWorks() async throws {
        let c = try SandboxClient()
        let r = try await c.send(.post, LosantTests.tokens, token: LosantTests.all,
                                 body: #"{"name": "ci-reader", "description": "for CI", "scope": ["all.Instance.read"], "expirationDate": "2030-01-01T00:00:00.000Z"}"#)
        #expect(r.status == .created)
        let id = try #require(r.json?["id"]?.string)
        let value = try #require(r.json?["token"]?.string)
        #expect(r.json?["status"] == "active" && r.json?["expirationDate"] == "2030-01-01T00:00:00.000Z")
        #expect(r.json?["creatorName"] == "sandbox-all" && r.json?["creatorType"] == "apiToken")
        let again = try await c.send(.get, LosantTests.tokens + "/\(id)", token: LosantTests.all)
        #expect(again.status == .ok && again.json?["token"] == nil && again.json?["description"] == "for CI")
        // The new token authenticates with its own scope: it may read, not write.
        #expect(try await c.send(.get, LosantTests.tokens, token: SandboxClient.bearer(value)).status == .ok)
        let denied = try await c.send(.post, LosantTests.tokens, token: SandboxClient.bearer(value), body: #"{"name": "x"}"#)
        #expect(denied.status == .forbidden && denied.json?["type"] == "Forbidden")
        let defaulted = try await c.send(.post, LosantTests.tokens, token: LosantTests.all, body: #"{"name": "plain"}"#)
        #expect(defaulted.json?["scope"] == ["all.Instance"])
    }

    @Test func createRefusesBadBodies() async throws {
        let c = try SandboxClient()
        let cases: [(String, String)] = [
            (#"{"description": "no name"}"#, "name is required"),
            (#"{"name": ""}"#, "name must be"),
            (#"{"name": "x", "owner": "me"}"#, "additional property \"owner\""),
            (#"{"name": "x", "scope": ["all.Everything"]}"#, "scope[0] must be one of the allowed values"),
            (#"{"name": "x", "scope": ["all.Instance", "all.Instance"]}"#, "duplicate"),
            (#"{"name": "x", "scope": "all.Instance"}"#, "scope must be an array"),
            (#"{"name": "x", "expirationDate": "tomorrow"}"#, "expirationDate must be an ISO-8601"),
            (#"{"name": "x", "status": "paused"}"#, "status must be active or inactive"),
            (#"{"name": 5}"#, "name must be"),
            (#"{"name": "x", "orgRoles": [{"orgId": "nope", "role": "view"}]}"#, "orgRoles[0]"),
            (#"["name"]"#, "must be a JSON object"),
            ("{", "must be a JSON object"),
        ]
        for (body, message) in cases {
            let r = try await c.send(.post, LosantTests.tokens, token: LosantTests.all, body: body)
            #expect(r.status == .badRequest && r.json?["type"] == "Validation", "\(body)")
            #expect(r.json?["message"]?.string?.contains(message) == true, "\(body): \(r.json?["message"] ?? nil)")
        }
        #expect(try await c.send(.get, LosantTests.tokens + "?filterField=name&filter=x", token: LosantTests.all).json?["totalCount"] == 0, "nothing was created")
        let big = #"{"name": "x", "description": ""# + String(repeating: "a", count: 1 << 20) + #""}"#
        #expect(try await c.send(.post, LosantTests.tokens, token: LosantTests.all, body: big).status == .contentTooLarge)
    }

    @Test func patchChangesWhatMayChangeAndDeactivates() async throws {
        let c = try SandboxClient()
        let created = try await c.send(.post, LosantTests.tokens, token: LosantTests.all, body: #"{"name": "rotate-me", "scope": ["all.Instance.read"]}"#)
        let id = try #require(created.json?["id"]?.string), value = try #require(created.json?["token"]?.string)
        for (body, message) in [(#"{"scope": ["all.Instance"]}"#, "scope cannot be changed"),
                                (#"{"expirationDate": "2031-01-01T00:00:00Z"}"#, "expirationDate cannot be changed"),
                                (#"{"color": "red"}"#, "additional property"), (#"{"status": "off"}"#, "status must be")] {
            let r = try await c.send(.patch, LosantTests.tokens + "/\(id)", token: LosantTests.all, body: body)
            #expect(r.status == .badRequest && r.json?["message"]?.string?.contains(message) == true, "\(body)")
        }
        let r = try await c.send(.patch, LosantTests.tokens + "/\(id)", token: LosantTests.all, body: #"{"status": "inactive", "description": "rotated"}"#)
        #expect(r.status == .ok && r.json?["status"] == "inactive" && r.json?["description"] == "rotated" && r.json?["scope"] == ["all.Instance.read"])
        let refused = try await c.send(.get, LosantTests.tokens, token: SandboxClient.bearer(value))
        #expect(refused.status == .unauthorized && refused.json?["message"] == "Token is inactive")
        #expect(try await c.send(.patch, LosantTests.tokens + "/66a0000000000000000000ff", token: LosantTests.all, body: #"{"name": "x"}"#).status == .notFound)
        #expect(try await c.send(.patch, LosantTests.tokens + "/\(id)", token: LosantTests.read, body: #"{"name": "x"}"#).status == .forbidden)
    }

    @Test func deleteAnswers200WithSuccess() async throws {
        let c = try SandboxClient()
        let id = "66a000000000000000000004"
        #expect(try await c.send(.delete, LosantTests.tokens + "/\(id)", token: LosantTests.read).status == .forbidden)
        let r = try await c.send(.delete, LosantTests.tokens + "/\(id)", token: LosantTests.all)
        #expect(r.status == .ok && r.json == ["success": true])
        let gone = try await c.send(.get, LosantTests.tokens + "/\(id)", token: LosantTests.all)
        #expect(gone.status == .notFound && gone.json == ["type": "NotFound", "message": "API Token was not found"])
        #expect(try await c.send(.delete, LosantTests.tokens + "/\(id)", token: LosantTests.all).status == .notFound)
        let malformed = try await c.send(.get, LosantTests.tokens + "/xyz", token: LosantTests.all)
        #expect(malformed.status == .badRequest && malformed.json?["type"] == "Validation")
    }

    @Test func authenticationAndScopes() async throws {
        let c = try SandboxClient()
        let cases: [(String?, String)] = [(nil, "Authorization header"), ("losant-sandbox-all", "Authorization header"),
                                          (SandboxClient.bearer("nope"), "Invalid token"), (SandboxClient.bearer("losant-seed-legacy-export"), "Token is inactive"),
                                          (SandboxClient.bearer("losant-seed-old-integration"), "Token has expired")]
        for (header, message) in cases {
            let r = try await c.send(.get, LosantTests.tokens, token: header)
            #expect(r.status == .unauthorized && r.json?["type"] == "Unauthorized" && r.json?["message"]?.string?.contains(message) == true, "\(header ?? "none")")
        }
        // ci-deploy holds instanceApiTokens.get and instanceApiToken.get: plural for the collection, singular for one.
        #expect(try await c.send(.get, LosantTests.tokens, token: LosantTests.ciDeploy).status == .ok)
        #expect(try await c.send(.get, LosantTests.tokens + "/66a000000000000000000001", token: LosantTests.ciDeploy).status == .ok)
        #expect(try await c.send(.post, LosantTests.tokens, token: LosantTests.ciDeploy, body: #"{"name": "x"}"#).status == .forbidden)
        #expect(try await c.send(.get, "/instances/5f00000000000000000000ff/tokens", token: LosantTests.all).status == .notFound)
        #expect(try await c.send(.get, "/instances/not-an-id/tokens", token: LosantTests.all).status == .badRequest)
        let wrongMethod = try await c.send(.put, LosantTests.tokens, token: LosantTests.all)
        #expect(wrongMethod.status == .methodNotAllowed && wrongMethod.json?["type"] != nil && wrongMethod.headers[.allow] == "GET, POST")
    }

    /// A deleted token's id is never given to a new one: a retried DELETE or a stale PATCH of
    /// the old id must find nothing, not another token.
    @Test func aDeletedTokensIdIsNeverGivenAgain() async throws {
        let c = try SandboxClient()
        let first = try await c.send(.post, LosantTests.tokens, token: LosantTests.all, body: #"{"name": "first"}"#)
        let id = try #require(first.json?["id"]?.string)
        #expect(try await c.send(.delete, LosantTests.tokens + "/\(id)", token: LosantTests.all).status == .ok)
        let second = try await c.send(.post, LosantTests.tokens, token: LosantTests.all, body: #"{"name": "second"}"#)
        #expect(second.json?["id"]?.string != id)
        #expect(try await c.send(.delete, LosantTests.tokens + "/\(id)", token: LosantTests.all).status == .notFound)
    }
}
