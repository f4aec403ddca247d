import Foundation
import RosterScript
import TOMLKit

/// One service in a profile: its base URL and where its token comes from (never the token itself).
public struct ServiceConfig: Sendable, Equatable {
    public var url: String
    public var tokenEnv: String?
    public var tokenFile: String?
    public var instance: String?
    /// `allow_http = true`: plain http to a host other than this machine (tokens in clear text).
    public var allowHTTP = false
    /// Box: an app's client credentials instead of a token.
    public var app: OAuthApp?
}

/// The profiles of `config.toml`:
///
///     default = "acme"
///     [profiles.acme]
///     launchdarkly = { url = "https://app.launchdarkly.com", token_env = "LD_API_TOKEN" }
///     losant = { url = "https://api.losant.com", token_file = "~/.config/roster/losant.token", instance = "..." }
///     box = { url = "https://api.box.com", token_env = "BOX_TOKEN" }
///
/// or for Box, an app by Client Credentials Grant (access tokens requested and renewed):
///
///     box = { url = "https://api.box.com", client_id = "...", client_secret_env = "BOX_CLIENT_SECRET", enterprise_id = "..." }
public struct Profiles: Sendable {
    public var defaultProfile: String?
    public var profiles: [String: [Service: ServiceConfig]] = [:]
    /// Where they were read from, for messages.
    public var path: String?

    public init() {}

    static let serviceKeys: [String: Service] = ["launchdarkly": .launchDarkly, "losant": .losant, "box": .box]

    /// `--config FILE`, else `ROSTER_CONFIG`, else `$XDG_CONFIG_HOME/roster/config.toml` (or
    /// `~/.config/...`); `named` when the user named it (then it must be readable).
    public static func configPath(option: String?, environment: [String: String]) -> (path: String, named: String?) {
        if let option { return (option, "--config") }
        if let path = environment["ROSTER_CONFIG"], !path.isEmpty { return (path, "ROSTER_CONFIG") }
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (LocalFile.home + "/.config")
        return (base + "/roster/config.toml", nil)
    }

    /// Reads a config file, a malformed one being an error that says where. A missing default
    /// file is no profiles; a file the user named (`namedBy`) that cannot be read is an error,
    /// never a silent fall back to the sandbox.
    public static func load(path: String, namedBy: String? = nil) throws -> Profiles {
        let data: Data
        switch LocalFile.read(path) {
        case .success(let d): data = d
        case .failure(let f):
            if let namedBy { throw ConfigError("cannot read the config file '\(path)' (named by \(namedBy)): \(f.reason)") }
            // The default file: missing is no profiles; there but unreadable is still an error.
            guard f.reason == "no such file" else { throw ConfigError("cannot read the config file '\(path)': \(f.reason)") }
            return Profiles()
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ConfigError("\(path): not UTF-8 text") }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> Profiles {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw ConfigError("\(path):\(e.source.begin.line):\(e.source.begin.column): \(e.description)")
        }
        var result = Profiles()
        result.path = path
        for key in table.keys where key != "default" && key != "profiles" {
            throw ConfigError("\(path): unknown key '\(key)'; the file holds default = \"NAME\" and [profiles.NAME] tables")
        }
        if let d = table["default"] {
            guard let name = d.string else { throw ConfigError("\(path): default must be a profile name (a string)") }
            result.defaultProfile = name
        }
        if let profiles = table["profiles"] {
            try readProfiles(profiles, into: &result, path: path)
        }
        if let d = result.defaultProfile, result.profiles[d] == nil, d != "sandbox" {
            throw ConfigError("\(path): default profile '\(d)' is not defined; profiles: \((["sandbox"] + result.profiles.keys.sorted()).joined(separator: ", "))")
        }
        return result
    }

    static func readProfiles(_ profiles: TOMLValueConvertible, into result: inout Profiles, path: String) throws {
        guard let profileTable = profiles.table else { throw ConfigError("\(path): profiles must be a table of [profiles.NAME]") }
        for name in profileTable.keys {
            guard let services = profileTable[name]?.table else { throw ConfigError("\(path): profiles.\(name) must be a table") }
            var configs: [Service: ServiceConfig] = [:]
            for key in services.keys {
                guard let service = serviceKeys[key] else {
                    throw ConfigError("\(path): profiles.\(name).\(key) is not a service; services are launchdarkly, losant, box")
                }
                guard let fields = services[key]?.table else { throw ConfigError("\(path): profiles.\(name).\(key) must be a table { url = ..., token_env = ... }") }
                func string(_ field: String) throws -> String? {
                    guard let v = fields[field] else { return nil }
                    guard let s = v.string else { throw ConfigError("\(path): profiles.\(name).\(key).\(field) must be a string") }
                    return s
                }
                let settings = ["url", "token_env", "token_file", "instance", "allow_http"] + (service == .box ? ["client_id", "client_secret_env", "enterprise_id", "user_id", "jwt_config_file", "passphrase_env"] : [])
                for field in fields.keys where !settings.contains(field) {
                    if field == "token" || field == "client_secret" {
                        throw ConfigError("\(path): profiles.\(name).\(key) holds a secret inline; name where it comes from instead, with \(field == "token" ? "token_env or token_file" : "client_secret_env")")
                    }
                    throw ConfigError("\(path): profiles.\(name).\(key).\(field) is not a setting; settings are \(settings.joined(separator: ", "))")
                }
                guard let url = try string("url") else {
                    throw ConfigError("\(path): profiles.\(name).\(key) needs url = \"https://...\"")
                }
                if let problem = Profiles.urlProblem(url) { throw ConfigError("\(path): profiles.\(name).\(key) url \(url) \(problem)") }
                var config = ServiceConfig(url: url, tokenEnv: try string("token_env"), tokenFile: try string("token_file"), instance: try string("instance"))
                if let allow = fields["allow_http"] {
                    guard let b = allow.bool else { throw ConfigError("\(path): profiles.\(name).\(key).allow_http must be true or false") }
                    config.allowHTTP = b
                }
                if url.lowercased().hasPrefix("http://"), !config.allowHTTP, !isLoopback(url) {
                    throw ConfigError("\(path): profiles.\(name).\(key) url \(url) is plain http to another host: its token would travel in clear text; use https, or add allow_http = true if you mean it")
                }
                let context = "\(path): profiles.\(name).\(key)"
                if let file = try string("jwt_config_file") {
                    guard config.tokenEnv == nil, config.tokenFile == nil, fields["client_id"] == nil else {
                        throw ConfigError("\(context) has a JWT app (jwt_config_file) and also a token or client_id; keep one")
                    }
                    for field in ["client_secret_env", "enterprise_id"] where fields[field] != nil {
                        throw ConfigError("\(context).\(field) does not go with jwt_config_file (the config holds the app's secret and enterprise)")
                    }
                    config.app = .jwt(configFile: file, passphraseEnv: try string("passphrase_env"), userID: try string("user_id"))
                } else if let clientID = try string("client_id") {
                    guard config.tokenEnv == nil, config.tokenFile == nil else {
                        throw ConfigError("\(context) has both an app (client_id) and a token; keep one")
                    }
                    if fields["passphrase_env"] != nil { throw ConfigError("\(context).passphrase_env goes with jwt_config_file") }
                    guard let secretEnv = try string("client_secret_env"), !secretEnv.isEmpty else {
                        throw ConfigError("\(context) needs client_secret_env = \"VARIABLE\" (the environment variable holding the app's client secret)")
                    }
                    let enterprise = try string("enterprise_id"), user = try string("user_id")
                    guard (enterprise == nil) != (user == nil), let subject = enterprise ?? user, !subject.isEmpty else {
                        throw ConfigError("\(context) needs exactly one of enterprise_id (act as the app's service account) or user_id (act as that user)")
                    }
                    config.app = .clientCredentials(clientID: clientID, secretEnv: secretEnv, subjectType: enterprise != nil ? "enterprise" : "user", subjectID: subject)
                } else {
                    for field in ["client_secret_env", "enterprise_id", "user_id", "passphrase_env"] where fields[field] != nil {
                        throw ConfigError("\(context).\(field) goes with client_id or jwt_config_file (a Box app)")
                    }
                    guard (config.tokenEnv == nil) != (config.tokenFile == nil) else {
                        throw ConfigError("\(context) needs exactly one of token_env or token_file\(service == .box ? ", or an app (client_id, or jwt_config_file)" : "")")
                    }
                }
                configs[service] = config
            }
            result.profiles[name] = configs
        }
    }

    /// What is wrong with a service's URL, checked where it is read (config.toml,
    /// --sandbox-url), not on the wire: nil when it is an http(s) URL with a host and a port
    /// that exists (NIO traps on a port above 65535 given an address, and wraps it given a
    /// name, sending the token to another port).
    public static func urlProblem(_ url: String) -> String? {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return "must begin with https:// (or http://)" }
        guard !url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }), let parts = URLComponents(string: url) else {
            return "is not a URL"
        }
        guard let host = parts.host, !host.isEmpty else { return "names no host" }
        // `https://host:` (a colon and no port) parses with no port: refused as the typo it is.
        if parts.port == nil, let authority = url.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false).dropFirst(2).first,
           authority.hasSuffix(":") { return "has an empty port" }
        if let port = parts.port, !(1...65535).contains(port) { return "has port \(port); a port is from 1 to 65535" }
        if parts.query != nil || parts.fragment != nil || parts.user != nil || parts.password != nil {
            return "holds a query, a fragment or a user; give the service's base URL only"
        }
        return nil
    }

    /// Whether a URL's host is this machine (localhost, 127.0.0.0/8, ::1).
    static func isLoopback(_ url: String) -> Bool {
        guard let host = URLComponents(string: url)?.host?.lowercased() else { return false }
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        // 127.0.0.0/8 as an address, not a name that starts with "127." (127.example.com).
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { p in UInt8(p) != nil }
    }

    /// The token a service config points at, read now (so a rotated token is picked up).
    static func token(_ config: ServiceConfig, environment: [String: String], profile: String, service: Service) throws -> String {
        let raw: String, source: String
        if let name = config.tokenEnv {
            guard let token = environment[name], !token.isEmpty else {
                throw ConfigError("profile '\(profile)': \(service.displayName) token variable \(name) is not set")
            }
            (raw, source) = (token, "variable \(name)")
        } else {
            let path = LocalFile.expand(config.tokenFile!)
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw ConfigError("profile '\(profile)': cannot read the \(service.displayName) token file \(path)")
            }
            (raw, source) = (text, "file \(path)")
        }
        return try oneWord(raw, "profile '\(profile)': the \(service.displayName) token \(source)")
    }

    /// A token or secret as it goes on the wire. A file saved with Windows line endings leaves
    /// a CR after `$(cat f)`: secrets are one word, so what surrounds it goes; what is inside it
    /// would never reach the wire whole. `what` names it (never its value).
    static func oneWord(_ raw: String, _ what: String) throws -> String {
        let word = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !word.isEmpty else { throw ConfigError("\(what) is empty") }
        guard word.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else {
            throw ConfigError("\(what) holds a space or a control character; a token is one word")
        }
        return word
    }
}

public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The targets of a session: the profiles of config.toml, plus `sandbox` (a running
/// `roster serve` given by URL, or the embedded one started on first use).
public final class SessionTargets: TargetResolver, @unchecked Sendable {
    /// DESIGN's sandbox contract: its admin tokens and Losant instance (the catalog meets the
    /// sandbox only over HTTP, so it knows them as any client would).
    public static let sandboxTokens: [Service: String] = [.launchDarkly: "api-sandbox-admin", .losant: "losant-sandbox-all", .box: "box-sandbox-admin"]
    public static let sandboxInstance = "5f0000000000000000000001"

    let profiles: Profiles
    let environment: [String: String]
    /// The profile used when a command names none.
    public let defaultProfile: String
    private let sandboxURL: @Sendable () throws -> String
    /// Where the sandbox's writes land (its database, or the URL of a running one).
    let sandboxPlace: String
    private let lock = NSLock()
    private var resolvedSandboxURL: String?
    /// Each profile's Box app tokens: one per profile, shared by every request to it.
    private var appTokens: [String: AccessTokens] = [:]

    public init(profiles: Profiles, environment: [String: String], defaultProfile: String? = nil, sandboxPlace: String = "the sandbox",
                sandboxURL: @escaping @Sendable () throws -> String) throws {
        self.profiles = profiles
        self.environment = environment
        self.sandboxURL = sandboxURL
        self.sandboxPlace = sandboxPlace
        let name = defaultProfile ?? profiles.defaultProfile ?? "sandbox"
        guard name == "sandbox" || profiles.profiles[name] != nil else {
            throw ConfigError("no profile '\(name)'\(SessionTargets.list(profiles))")
        }
        self.defaultProfile = name
        // Every secret the config names is scrubbed from the start, not from the first verb
        // that reads it: a script may read one itself (env("LD_TOKEN")) and print it first.
        for services in profiles.profiles.values {
            for (service, config) in services {
                switch config.app {
                case .clientCredentials(_, let env, _, _)?: environment[env].map { SecretValues.register($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                case .jwt(_, let env?, _)?: environment[env].map(SecretValues.register)
                case .jwt?: break
                case nil: (try? Profiles.token(config, environment: environment, profile: "", service: service)).map(SecretValues.register)
                }
            }
        }
    }

    static func list(_ profiles: Profiles) -> String {
        let names = (["sandbox"] + profiles.profiles.keys.sorted()).joined(separator: ", ")
        return "; profiles: \(names)" + (profiles.path.map { " (from \($0))" } ?? "")
    }

    public var profileNames: [String] { ["sandbox"] + profiles.profiles.keys.sorted() }

    public func target(for service: Service, profile: String?) throws -> ServiceTarget {
        let name = profile ?? defaultProfile
        if name == "sandbox" {
            let url = try sandbox()
            return ServiceTarget(url: url, token: SessionTargets.sandboxTokens[service]!, instance: service == .losant ? SessionTargets.sandboxInstance : nil,
                                 place: sandboxPlace)
        }
        guard let services = profiles.profiles[name] else {
            throw ErrorValue(code: "unknown_profile", message: "no profile '\(name)'\(SessionTargets.list(profiles))")
        }
        guard let config = services[service] else {
            throw ErrorValue(code: "unknown_profile", message: "profile '\(name)' does not configure \(service.displayName) (add [profiles.\(name)] \(Profiles.serviceKeys.first { $0.value == service }!.key) = { url = ..., token_env = ... })")
        }
        do {
            if let app = config.app {
                return ServiceTarget(url: config.url, token: "", instance: config.instance, profile: name, tokens: try tokens(app, config, profile: name))
            }
            let token = try Profiles.token(config, environment: environment, profile: name, service: service)
            SecretValues.register(token)
            if let file = config.tokenFile { warnIfShared(file) }
            return ServiceTarget(url: config.url, token: token, instance: config.instance, profile: name)
        } catch let e as ConfigError {
            throw ErrorValue(code: "missing_token", message: e.description)
        }
    }

    /// Where a profile's writes to a service land (nil: no such profile or service), known
    /// without a token or the sandbox started.
    public func place(of profile: String, _ service: Service) -> String? {
        if profile == "sandbox" { return sandboxPlace }
        // As ServiceTarget spells it.
        return profiles.profiles[profile]?[service].map { ServiceTarget(url: $0.url, token: "", instance: $0.instance).place }
    }

    /// The profile's app tokens, made when first needed (the secret is read then).
    func tokens(_ app: OAuthApp, _ config: ServiceConfig, profile: String) throws -> AccessTokens {
        if let t = lock.withLock({ appTokens[profile] }) { return t }
        let grant: Grant
        switch app {
        case .clientCredentials(let id, let env, let type, let subject):
            guard let raw = environment[env], !raw.isEmpty else {
                throw ConfigError("profile '\(profile)': the Box app's client secret variable \(env) is not set")
            }
            let secret = try Profiles.oneWord(raw, "profile '\(profile)': the Box app's client secret variable \(env)")
            SecretValues.register(secret)
            grant = .clientCredentials(clientID: id, secret: secret, secretEnv: env, subjectType: type, subjectID: subject)
        case .jwt(let file, let env, let user):
            var passphrase: String?
            if let env {
                guard let p = environment[env], !p.isEmpty else {
                    throw ConfigError("profile '\(profile)': the Box JWT key's passphrase variable \(env) is not set")
                }
                passphrase = p
            }
            let jwt = try BoxJWTConfig.load(path: file, passphrase: passphrase, profile: profile)
            warnIfShared(file)
            guard let (type, subject) = user.map({ ("user", $0) }) ?? jwt.enterpriseID.map({ ("enterprise", $0) }) ?? jwt.userID.map({ ("user", $0) }) else {
                throw ConfigError("profile '\(profile)': \(file) names no enterpriseID or userID; give user_id in the profile")
            }
            grant = .jwt(jwt, subjectType: type, subjectID: subject)
        }
        return lock.withLock {
            if let t = appTokens[profile] { return t }
            let t = AccessTokens(url: config.url, grant: grant, profile: profile)
            appTokens[profile] = t
            return t
        }
    }

    /// Warnings for stderr (a token file others may read).
    public var warn: @Sendable (String) -> Void = { try? FileHandle.standardError.write(contentsOf: Data(($0 + "\n").utf8)) }
    private var warned: Set<String> = []

    /// A token file that group or others may read is warned about once, as ssh does.
    func warnIfShared(_ file: String) {
        let path = LocalFile.expand(file)
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & 0o077 != 0 else { return }
        guard lock.withLock({ warned.insert(path).inserted }) else { return }
        warn("roster: warning: the \(file.hasSuffix(".json") ? "app config" : "token file") \(file) may be read by others (mode \(String(st.st_mode & 0o777, radix: 8))); chmod 600 \(file)")
    }

    /// The sandbox's URL, starting it the first time it is needed.
    func sandbox() throws -> String {
        lock.lock(); defer { lock.unlock() }
        if let url = resolvedSandboxURL { return url }
        let url = try sandboxURL()
        resolvedSandboxURL = url
        return url
    }

    /// Where a profile's verbs go, in a line: the REPL's banner says it, so a write to
    /// production is never a surprise.
    public func summary(of profile: String) -> String {
        guard profile != "sandbox" else { return "the sandbox (no real service is touched)" }
        guard let services = profiles.profiles[profile] else { return "profile \(profile)" }
        let hosts = Profiles.serviceKeys.sorted(by: { $0.key < $1.key }).compactMap { key, service in
            services[service].map { "\(key) \($0.url)" }
        }
        return "profile \(profile): " + hosts.joined(separator: ", ")
    }

    /// `roster profiles`: each profile's services, URLs and token sources; never a token.
    public func describe() -> String {
        var out = "sandbox\(defaultProfile == "sandbox" ? " (default)" : ""): the embedded sandbox, or --sandbox-url\n"
        for name in profiles.profiles.keys.sorted() {
            out += "\(name)\(defaultProfile == name ? " (default)" : ""):\n"
            for (key, service) in Profiles.serviceKeys.sorted(by: { $0.key < $1.key }) {
                guard let c = profiles.profiles[name]?[service] else { continue }
                let source = c.app.map(\.summary) ?? c.tokenEnv.map { "token from $\($0)" } ?? "token from \(c.tokenFile!)"
                out += "  \(key): \(c.url), \(source)\(c.instance.map { ", instance \($0)" } ?? "")\n"
            }
        }
        return out
    }
}
