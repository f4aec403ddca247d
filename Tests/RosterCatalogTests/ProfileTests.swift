import Foundation
import Testing
import RosterCatalog
import RosterScript
import TestSupport

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
            (#"[profiles.a]\#nbox = { url = "ftp://x", token_env = "T" }"#, "must begin with https://"),
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

    /// A token read with the line ending of the file it came from (`$(cat f)` keeps a CR) is
    /// the word inside it; a token with a space or a control character inside is refused by
    /// where it comes from, never quoted.
    @Test func aTokenIsOneWord() throws {
        let profiles = try Profiles.parse(ProfileTests.config, path: "config.toml")
        let crlf = try SessionTargets(profiles: profiles, environment: ["BOX_TOKEN": "box-secret-0123456789\r"]) { "http://sandbox" }
        #expect(try crlf.target(for: .box, profile: "acme").token == "box-secret-0123456789")
        for bad in ["box-secret\r\n0123456789", "box secret 0123456789", "box-secret\u{1}0123456789"] {
            let targets = try SessionTargets(profiles: profiles, environment: ["BOX_TOKEN": bad]) { "http://sandbox" }
            do {
                _ = try targets.target(for: .box, profile: "acme")
                Issue.record("\(bad.debugDescription) was taken")
            } catch let e as ErrorValue {
                #expect(e.message.contains("variable BOX_TOKEN holds a space or a control character") && !e.message.contains("secret"), "\(e.message)")
            }
        }
    }

    /// A service's URL is checked where it is read: a port beyond 65535 trapped in NIO (given
    /// an address) or wrapped round to another port (given a name), taking the token there.
    @Test func aURLWithAPortThatCannotExistIsRefused() {
        let cases: [(String, String)] = [
            ("https://127.0.0.1:99999", "has port 99999"),
            ("http://localhost:70000", "has port 70000"),
            ("https://api.box.com:0", "has port 0"),
            ("https://exa mple.com", "is not a URL"),
            ("https://", "names no host"),
            ("https://api.box.com/?token=x", "holds a query"),
            ("https://api.box.com:", "has an empty port"),
        ]
        for (url, message) in cases {
            #expect(Profiles.urlProblem(url)?.contains(message) == true, "\(url): \(Profiles.urlProblem(url) ?? "accepted")")
            do {
                _ = try Profiles.parse("[profiles.a]\nbox = { url = \"\(url)\", token_env = \"T\" }", path: "config.toml")
                Issue.record("\(url) was accepted")
            } catch {
                #expect("\(error)".contains(message), "\(url): \(error)")
            }
        }
        for url in ["https://api.box.com", "http://127.0.0.1:8080", "https://app.launchdarkly.com/", "http://[::1]:65535", "HTTPS://API.box.com"] {
            #expect(Profiles.urlProblem(url) == nil, "\(url): \(Profiles.urlProblem(url) ?? "")")
        }
    }

    /// Scrubbing finds a secret wherever it is, and in time proportional to the text: a long
    /// token in a large reply of its own first byte took a search per byte times the token.
    @Test func scrubbingFindsEverySecretInLinearTime() {
        var rng = SplitMix64(state: 99)
        for _ in 0..<300 {
            let secret = String((0..<Int.random(in: 8...14, using: &rng)).map { _ in Bool.random(using: &rng) ? "a" : "b" })
            let text = String((0..<Int.random(in: 0...60, using: &rng)).map { _ in Bool.random(using: &rng) ? "a" : "b" })
            SecretValues.register(secret)
            #expect(SecretValues.scrub(text) == text.replacingOccurrences(of: secret, with: SecretValues.replacement), "\(secret) in \(text)")
            SecretValues.forget(secret)
        }
        let long = String(repeating: "a", count: 20_000) + "b"
        SecretValues.register(long)
        defer { SecretValues.forget(long) }
        let reply = String(repeating: "a", count: 500_000)
        #expect(SecretValues.scrub(reply) == reply)
        #expect(SecretValues.scrub(reply + long) == reply + SecretValues.replacement)
    }

    /// A secret is scrubbed as the wire and error texts spell it too: percent-encoded (a form
    /// body, a Location), escaped as a quoted Swift or JSON text, in base64.
    @Test func aSecretIsScrubbedInTheFormsItTravelsIn() {
        let secret = "CLIENT+/=& x%\"98765\r"
        SecretValues.register(secret)
        defer { SecretValues.forget(secret) }
        for form in SecretValues.variants(of: secret) {
            #expect(SecretValues.scrub("seen: \(form).") == "seen: (redacted).", "\(form)")
        }
        #expect(SecretValues.variants(of: secret).contains("CLIENT%2B%2F%3D%26%20x%25%2298765%0D"))
        #expect(SecretValues.variants(of: secret).contains(#"CLIENT+/=& x%\"98765\r"#))
        #expect(SecretValues.variants(of: secret).contains("CLIENT%2b%2f%3d%26%20x%25%2298765%0d"))
        #expect(SecretValues.variants(of: secret).contains("CLIENT%252B%252F%253D%2526%2520x%2525%252298765%250D"))
    }

    /// A secret inside base64, at any offset and with anything around it (a Basic credential
    /// echoed back, a value inside a token), is scrubbed: no character that depends on the
    /// secret alone is left. Random texts without it are left alone.
    @Test func aSecretInsideBase64IsScrubbedAtEveryOffset() {
        var rng = SplitMix64(state: 14)
        for _ in 0..<60 {
            let secret = String((0..<Int.random(in: 8...40, using: &rng)).map { _ in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~+/="
                .randomElement(using: &rng)! })
            SecretValues.register(secret)
            defer { SecretValues.forget(secret) }
            for before in 0..<7 {
                for after in [0, 1, 2, 5] {
                    let around = (0..<before + after).map { _ in UInt8.random(in: 0...255, using: &rng) }
                    let whole = Data(around[..<before]) + Data(secret.utf8) + Data(around[before...])
                    for urlSafe in [false, true] {
                        var encoded = whole.base64EncodedString()
                        if urlSafe { encoded = encoded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_") }
                        let scrubbed = SecretValues.scrub("Authorization: Basic \(encoded)")
                        #expect(scrubbed.contains(SecretValues.replacement), "\(secret) at \(before)")
                        // What is left decodes to at most the secret's first and last two bytes.
                        let shift = before % 3
                        let first = (shift * 8 + 5) / 6, end = (shift + secret.utf8.count) * 8 / 6
                        let core = String(Array(encoded.utf8)[(before / 3 * 4 + first)..<(before / 3 * 4 + end)].map { Character(UnicodeScalar($0)) })
                        #expect(!scrubbed.contains(core), "\(secret) at \(before), \(urlSafe ? "url-safe" : "standard")")
                    }
                }
            }
            let unrelated = Data((0..<64).map { _ in UInt8.random(in: 0...255, using: &rng) }).base64EncodedString()
            #expect(SecretValues.scrub(unrelated) == unrelated)
        }
    }
}
