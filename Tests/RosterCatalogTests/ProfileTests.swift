import Foundation
import Testing
import RosterCatalog
import RosterScript

/// config.toml: profiles, token sources (never inline), and clear errors for every mistake.
struct ProfileTests {
    static let config = """
        default = "acme"
        [profiles.acme]
        launchdarkly = { url = "https://app.launchdarkly.com", token_env = "LD_API_TOKEN" }
        losant = { url = "https://api.losant.com", token_file = "/tmp/roster-profile-test.token", instance = "575ec7417ae143cd83dc4a96" }
        box = { url = "https://api.box.com", token_env = "BOX_TOKEN" }
        [profiles.staging]
        box = { url = "http://127.0.0.1:8080/", token_env = "STAGING_BOX" }
        """

    @Test func profilesGiveEachServiceAURLAndAToken() throws {
        try "losant-secret\n".write(toFile: "/tmp/roster-profile-test.token", atomically: true, encoding: .utf8)
        let profiles = try Profiles.parse(ProfileTests.config, path: "config.toml")
        let targets = try SessionTargets(profiles: profiles, environment: ["LD_API_TOKEN": "ld-secret", "BOX_TOKEN": "box-secret"]) { "http://sandbox" }
        #expect(targets.defaultProfile == "acme")
        let ld = try targets.target(for: .launchDarkly, profile: nil)
        #expect(ld.url == "https://app.launchdarkly.com" && ld.token == "ld-secret")
        let losant = try targets.target(for: .losant, profile: nil)
        #expect(losant.token == "losant-secret" && losant.instance == "575ec7417ae143cd83dc4a96")
        #expect(try targets.target(for: .box, profile: "sandbox").url == "http://sandbox")
        #expect(throws: ErrorValue.self) { try targets.target(for: .box, profile: "staging") }
        #expect(throws: ErrorValue.self) { try targets.target(for: .launchDarkly, profile: "staging") }
        let listing = targets.describe()
        #expect(listing.contains("acme (default):") && listing.contains("token from $LD_API_TOKEN"))
        #expect(!listing.contains("secret"), "tokens are never shown")
    }

    @Test func mistakesAreExplained() {
        let cases: [(String, String)] = [
            (#"[profiles.a]\#nbox = { url = "https://api.box.com", token = "abc" }"#, "holds a secret inline; name where it comes from instead, with token_env or token_file"),
            (#"[profiles.a]\#ndropbox = { url = "https://x", token_env = "T" }"#, "not a service"),
            (#"[profiles.a]\#nbox = { url = "ftp://x", token_env = "T" }"#, "needs url ="),
            (#"[profiles.a]\#nbox = { url = "https://x" }"#, "exactly one of token_env or token_file"),
            (#"default = "b""#, "default profile 'b' is not defined"),
            ("[profiles.a\n", "config.toml:"),
        ]
        for (text, message) in cases {
            do {
                _ = try Profiles.parse(text, path: "config.toml")
                Issue.record("\(text) was accepted")
            } catch {
                #expect("\(error)".contains(message), "\(text): \(error)")
            }
        }
    }

    @Test func aMissingTokenVariableNamesIt() throws {
        let profiles = try Profiles.parse(ProfileTests.config, path: "config.toml")
        let targets = try SessionTargets(profiles: profiles, environment: [:]) { "http://sandbox" }
        do {
            _ = try targets.target(for: .box, profile: "acme")
            Issue.record("no error")
        } catch let e as ErrorValue {
            #expect(e.message.contains("BOX_TOKEN is not set"))
        }
        #expect(throws: ConfigError.self) { try SessionTargets(profiles: profiles, environment: [:], defaultProfile: "prod") { "" } }
    }
}
