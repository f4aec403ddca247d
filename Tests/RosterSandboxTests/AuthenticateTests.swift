import Foundation
import Hummingbird
import Testing
@testable import RosterSandbox

/// Authentication is the vendor routes' middleware: every route but the one that issues tokens
/// answers its vendor's 401 when the request presents no credentials, or malformed ones,
/// before the route reads anything (even a body or a query it would refuse).
struct AuthenticateTests {
    /// A route's pattern with its parameters filled by ids the seed holds.
    static func path(_ pattern: String) -> String {
        pattern.split(separator: "/").map { part -> String in
            switch part {
            case ":instanceId": LosantTestIDs.instance
            case ":apiTokenId": "66a000000000000000000003"
            case ":id": "me"
            default: String(part)
            }
        }.reduce("") { $0 + "/" + $1 }
    }

    @Test func everyRouteAnswersItsVendorsUnauthorizedWithoutCredentials() async throws {
        let client = try SandboxClient()
        let table = Sandbox.routeTable(store: client.store)
        #expect(table.registered.count >= 25, "\(table.registered.count) routes")
        for route in table.registered {
            let path = AuthenticateTests.path(route.path) + "?limit=-1"
            let malformed: [String?] = switch route.vendor {
            case .launchDarkly: [nil, ""]
            case .box, .losant: [nil, "", "Bearer ", SandboxSeed.ldAdminToken, "Basic Ym94OnNhbmRib3g="]
            }
            for header in malformed {
                let r = try await client.send(route.method, path, token: header, body: "{not json")
                if route.open {
                    #expect(r.status != .unauthorized, "\(route.method) \(route.path) issues tokens: it needs none")
                    continue
                }
                #expect(r.status == .unauthorized, "\(route.method) \(path) with \(header.map { "'\($0)'" } ?? "no header"): \(r.status)")
                let shape: Bool = switch route.vendor {
                case .launchDarkly: r.json?["code"]?.string == "unauthorized" && r.json?["message"]?.string == "Invalid access token"
                case .losant: r.json?["type"]?.string == "Unauthorized"
                case .box: r.json?["type"]?.string == "error" && r.json?["code"]?.string == "unauthorized" && r.json?["status"] == .int(401)
                }
                #expect(shape, "\(route.method) \(route.path): the vendor's 401 body, got \(String(describing: r.json))")
            }
        }
    }

    /// The middleware runs once a route matched: an unknown path is still the vendor's 404, and
    /// a known path under another method its 405, with or without credentials.
    @Test func unknownRoutesStayNotFoundWithoutCredentials() async throws {
        let client = try SandboxClient()
        #expect(try await client.send(.get, "/2.0/nothing", token: nil).status == .notFound)
        #expect(try await client.send(.get, "/api/v2/nothing", token: nil).status == .notFound)
        #expect(try await client.send(.put, "/api/v2/members", token: nil).status == .methodNotAllowed)
    }

    /// A database seeded before answers to this start's tokens only: served off loopback with
    /// fresh tokens, the fixed ones (public knowledge) no longer open it, and the printed ones do;
    /// opened again with the fixed ones (the embedded sandbox, loopback) it is refused, since a
    /// public server may still be serving it.
    @Test func loopbackIsAnAddressNotASpelling() {
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "::1"] { #expect(SandboxServer.isLoopback(host), "\(host)") }
        for host in ["127.example.com", "127.0.0.1.example.com", "0.0.0.0", "10.0.0.1", "127.0.0.256"] { #expect(!SandboxServer.isLoopback(host), "\(host)") }
    }

    @Test func aReusedDatabaseAnswersToThisStartsTokens() async throws {
        let c = try SandboxClient()
        let fresh = SandboxTokens.random()
        try SandboxSeed.seed(c.store, tokens: fresh)
        #expect(try await c.send(.get, "/api/v2/members", token: SandboxTokens.fixed.ldAdmin).status == .unauthorized)
        #expect(try await c.send(.get, "/api/v2/members", token: fresh.ldAdmin).status == .ok)
        #expect(try await c.send(.get, "/2.0/users/me", token: "Bearer " + SandboxTokens.fixed.boxAdmin).status == .unauthorized)
        #expect(try await c.send(.get, "/2.0/users/me", token: "Bearer " + fresh.boxAdmin).status == .ok)
        let losant = "/instances/5f0000000000000000000001/tokens"
        #expect(try await c.send(.get, losant, token: "Bearer " + SandboxTokens.fixed.losantAll).status == .unauthorized)
        #expect(try await c.send(.get, losant, token: "Bearer " + fresh.losantRead).status == .ok)
        #expect(throws: SandboxOptionError.self) { try SandboxSeed.seed(c.store) }
        #expect(try await c.send(.get, "/api/v2/members", token: fresh.ldAdmin).status == .ok)
        #expect(try await c.send(.get, "/api/v2/members", token: SandboxTokens.fixed.ldAdmin).status == .unauthorized)
    }
}

enum LosantTestIDs {
    static let instance = "5f0000000000000000000001"
}
