import Foundation
import Testing
import RosterCatalog
import RosterSandbox
@testable import RosterScript

/// A Box app by Client Credentials Grant against the sandbox: the token requested once, used,
/// renewed on expiry and on a 401, one renewal shared by every worker, and clear errors when
/// the app's credentials are wrong.
@Suite(.serialized) struct OAuthTests {
    let sandbox: LiveSandbox
    let recorder = Recorder()

    init() async throws {
        sandbox = try await LiveSandbox.start()
    }

    func catalog(secret: String? = "sandbox-client-secret", subject: String = #"enterprise_id = "sandbox-enterprise""#, on live: LiveSandbox? = nil) throws -> Catalog {
        let sandbox = live ?? self.sandbox
        let profiles = try Profiles.parse("""
            [profiles.app]
            box = { url = "\(sandbox.url)", client_id = "sandbox-client-id", client_secret_env = "BOX_CLIENT_SECRET", \(subject) }
            """, path: "config.toml")
        let environment = secret.map { ["BOX_CLIENT_SECRET": $0] } ?? [:]
        let url = sandbox.url
        let targets = try SessionTargets(profiles: profiles, environment: environment, defaultProfile: "app") { url }
        return Catalog(targets: targets, transport: Transport(sender: recorder))
    }

    var tokenRequests: [WireRequest] { recorder.requests.filter { $0.path == "/oauth2/token" } }
    var apiRequests: [WireRequest] { recorder.requests.filter { $0.path != "/oauth2/token" } }

    @Test func anAppTokenIsRequestedOnceAndUsed() async throws {
        let c = try catalog()
        let r = await run("print (box users me).login\nprint (box groups list | count)", catalog: c)
        #expect(r.error == nil && r.output == ["ada@example.com", "2"], "\(r.error ?? "") \(r.output)")
        #expect(tokenRequests.count == 1)
        let form = tokenRequests.first?.bodyText ?? ""
        #expect(form == "grant_type=client_credentials&client_id=sandbox-client-id&client_secret=sandbox-client-secret&box_subject_type=enterprise&box_subject_id=sandbox-enterprise", "\(form)")
        #expect(tokenRequests.first?.header("Content-Type") == "application/x-www-form-urlencoded")
        #expect(apiRequests.allSatisfy { $0.header("Authorization")?.hasPrefix("Bearer box-oauth-") == true })
        // Neither the secret nor the access token can reach an output.
        let token = String(apiRequests[0].header("Authorization")!.dropFirst(7))
        #expect(SecretValues.scrub("a \(token) b sandbox-client-secret") == "a (redacted) b (redacted)")
        // A token long since renewed is forgotten, so frequent renewals do not grow the list.
        SecretValues.register("box-oauth-old-and-renewed")
        SecretValues.forget("box-oauth-old-and-renewed")
        #expect(SecretValues.scrub("box-oauth-old-and-renewed") == "box-oauth-old-and-renewed")
    }

    @Test func aUserSubjectActsAsThatUser() async throws {
        let c = try catalog(subject: #"user_id = "20000003""#)
        let r = await run("print (box users me).login", catalog: c)
        #expect(r.output == ["alan@example.com"], "\(r.error ?? "")")
        #expect(tokenRequests.first?.bodyText?.hasSuffix("box_subject_type=user&box_subject_id=20000003") == true)
    }

    /// The token lives three seconds here: a request after that gets a new one first, without a 401.
    @Test func anExpiringTokenIsRenewedBeforeItIsRefused() async throws {
        var options = SandboxOptions()
        options.boxTokenTTL = 3
        let live = try await LiveSandbox.start(options: options)
        defer { withExtendedLifetime(live) {} }
        let c = try catalog(on: live)
        _ = await run("print (box users me).login", catalog: c)
        try await Task.sleep(for: .milliseconds(3200))
        let r = await run("print (box users me).login", catalog: c)
        #expect(r.error == nil && r.output == ["ada@example.com"], "\(r.error ?? "")")
        #expect(tokenRequests.count == 2 && apiRequests.count == 2, "renewed ahead, no 401: \(recorder.requests.map(\.path))")
    }

    /// A token the service stops taking (revoked, or expired early) is renewed once on the 401,
    /// and 16 workers that all meet the 401 share one renewal.
    @Test func aRefusedTokenIsRenewedOnceForEveryWorker() async throws {
        let live = try await LiveSandbox.start()
        let profiles = try Profiles.parse("""
            [profiles.app]
            box = { url = "\(live.url)", client_id = "sandbox-client-id", client_secret_env = "S", enterprise_id = "sandbox-enterprise" }
            """, path: "config.toml")
        let url = live.url
        let c = Catalog(targets: try SessionTargets(profiles: profiles, environment: ["S": "sandbox-client-secret"], defaultProfile: "app") { url },
                        transport: Transport(sender: recorder))
        _ = await run("print (box users me).login", catalog: c)
        try await live.store.revokeBoxAppTokens()
        let r = await run("""
            let logins = []
            for i in range(64) --parallel 16 { let me = box users me }
            print (box users me).login
            """, catalog: c)
        #expect(r.error == nil && r.output == ["ada@example.com"], "\(r.error ?? "")")
        #expect(tokenRequests.count == 2, "one renewal for all 16 workers: \(tokenRequests.count)")
        let refused = apiRequests.count - 66
        #expect(refused >= 1 && refused <= 16, "each worker met the 401 at most once: \(refused)")
    }

    @Test func wrongCredentialsAreClearErrors() async throws {
        let wrong = await run("box users me", catalog: try catalog(secret: "not-the-secret"))
        #expect(wrong.error?.contains("profile 'app': Box refused the app's token request: The client credentials are invalid (invalid_client)") == true, "\(wrong.error ?? "")")
        #expect(apiRequests.isEmpty, "nothing is sent without a token")
        let subject = await run("box users me", catalog: try catalog(subject: #"enterprise_id = "someone-else""#))
        #expect(subject.error?.contains("(invalid_grant)") == true, "\(subject.error ?? "")")
        let unset = await run("box users me", catalog: try catalog(secret: nil))
        #expect(unset.error?.contains("profile 'app': the Box app's client secret variable BOX_CLIENT_SECRET is not set") == true, "\(unset.error ?? "")")
    }

    /// A JWT app from the config the sandbox writes as Box's console would: the encrypted key
    /// opened with its passphrase, an RS256 assertion per token request, the token used.
    @Test func aJWTAppSignsItsAssertionAndGetsAToken() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("roster-jwt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let configPath = dir.appendingPathComponent("box.json").path
        var options = SandboxOptions()
        options.boxJWTKeys = [try BoxJWTApp.writeConfig(to: configPath)]
        let live = try await LiveSandbox.start(options: options)
        let url = live.url
        func catalog(_ extra: String = "", environment: [String: String] = [:]) throws -> Catalog {
            let profiles = try Profiles.parse("[profiles.jwt]\nbox = { url = \"\(url)\", jwt_config_file = \"\(configPath)\"\(extra) }\n", path: "config.toml")
            return Catalog(targets: try SessionTargets(profiles: profiles, environment: environment, defaultProfile: "jwt") { url },
                           transport: Transport(sender: recorder))
        }
        let r = await run("print (box users me).login", catalog: try catalog())
        #expect(r.error == nil && r.output == ["ada@example.com"], "\(r.error ?? "")")
        let form = tokenRequests.first?.bodyText ?? ""
        #expect(form.hasPrefix("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion="), "\(form)")
        let assertion = form.split(separator: "&").first { $0.hasPrefix("assertion=") }.map { String($0.dropFirst(10)) } ?? ""
        let parts = assertion.split(separator: ".")
        #expect(parts.count == 3)
        func decode(_ part: Substring) -> [String: Any] {
            var b = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while b.count % 4 != 0 { b += "=" }
            return (Data(base64Encoded: b).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }) ?? [:]
        }
        let header = decode(parts[0]), claims = decode(parts[1])
        #expect(header["alg"] as? String == "RS256" && (header["kid"] as? String)?.hasPrefix("sandbox-key-") == true, "\(header)")
        #expect(claims["iss"] as? String == "sandbox-client-id" && claims["sub"] as? String == "sandbox-enterprise" && claims["box_sub_type"] as? String == "enterprise")
        #expect(claims["aud"] as? String == "https://api.box.com/oauth2/token" && (claims["jti"] as? String)?.count ?? 0 >= 16, "\(claims)")
        // A user subject from the profile; a wrong passphrase; a key Box does not have.
        let alan = await run("print (box users me).login", catalog: try catalog(", user_id = \"20000003\""))
        #expect(alan.output == ["alan@example.com"], "\(alan.error ?? "")")
        let wrong = await run("box users me", catalog: try catalog(", passphrase_env = \"P\"", environment: ["P": "not-it"]))
        #expect(wrong.error?.contains("profile 'jwt': the private key in \(configPath) does not open with its passphrase") == true, "\(wrong.error ?? "")")
        let otherPath = dir.appendingPathComponent("other.json").path
        _ = try BoxJWTApp.writeConfig(to: otherPath)
        let profiles = try Profiles.parse("[profiles.jwt]\nbox = { url = \"\(url)\", jwt_config_file = \"\(otherPath)\" }\n", path: "config.toml")
        let stranger = Catalog(targets: try SessionTargets(profiles: profiles, environment: [:], defaultProfile: "jwt") { url })
        let refused = await run("box users me", catalog: stranger)
        #expect(refused.error?.contains("Box refused the app's token request: Please check the 'kid' value (invalid_grant)") == true, "\(refused.error ?? "")")
    }

    @Test func appProfilesAreCheckedWhenRead() {
        let cases: [(String, String)] = [
            (#"box = { url = "https://api.box.com", client_id = "c", enterprise_id = "e" }"#, "needs client_secret_env"),
            (#"box = { url = "https://api.box.com", client_id = "c", client_secret_env = "S" }"#, "needs exactly one of enterprise_id"),
            (#"box = { url = "https://api.box.com", client_id = "c", client_secret_env = "S", enterprise_id = "e", user_id = "u" }"#, "needs exactly one of enterprise_id"),
            (#"box = { url = "https://api.box.com", client_id = "c", client_secret_env = "S", enterprise_id = "e", token_env = "T" }"#, "both an app (client_id) and a token"),
            (#"box = { url = "https://api.box.com", client_id = "c", client_secret = "s", enterprise_id = "e" }"#, "holds a secret inline"),
            (#"box = { url = "https://api.box.com", token_env = "T", enterprise_id = "e" }"#, "enterprise_id goes with client_id"),
            (#"losant = { url = "https://api.losant.com", client_id = "c", token_env = "T" }"#, "client_id is not a setting"),
            (#"box = { url = "https://api.box.com", jwt_config_file = "b.json", token_env = "T" }"#, "a JWT app (jwt_config_file) and also a token"),
            (#"box = { url = "https://api.box.com", jwt_config_file = "b.json", enterprise_id = "e" }"#, "does not go with jwt_config_file"),
            (#"box = { url = "https://api.box.com", client_id = "c", client_secret_env = "S", enterprise_id = "e", passphrase_env = "P" }"#, "passphrase_env goes with jwt_config_file"),
        ]
        for (line, message) in cases {
            #expect(throws: ConfigError.self, "\(line)") { try Profiles.parse("[profiles.p]\n\(line)\n", path: "c.toml") }
            do { _ = try Profiles.parse("[profiles.p]\n\(line)\n", path: "c.toml") } catch {
                #expect("\(error)".contains(message), "\(line): \(error)")
            }
        }
    }
}
