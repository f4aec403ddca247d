import Foundation
import RosterScript

/// A Box app, as a profile names it: by Client Credentials Grant, `box = { url = "...",
/// client_id = "...", client_secret_env = "BOX_CLIENT_SECRET", enterprise_id = "..." }` (or
/// `user_id = "..."` to act as one user); or by JWT, `box = { url = "...", jwt_config_file =
/// "~/.config/roster/box.json" }`, the config Box's developer console downloads (with
/// `passphrase_env` when its key's passphrase is kept apart from it).
public enum OAuthApp: Sendable, Equatable {
    /// `subjectType`: `enterprise` (the app's service account) or `user`.
    case clientCredentials(clientID: String, secretEnv: String, subjectType: String, subjectID: String)
    case jwt(configFile: String, passphraseEnv: String?, userID: String?)

    /// For `roster profiles`.
    var summary: String {
        switch self {
        case .clientCredentials(let id, let env, let type, let subject): "app \(id) (client credentials, \(type) \(subject)), secret from $\(env)"
        case .jwt(let file, let env, let user): "app from the JWT config \(file)\(env.map { ", passphrase from $\($0)" } ?? "")\(user.map { ", as user \($0)" } ?? "")"
        }
    }
}

/// How an app asks for a token: what goes in the form, and what to check when it is refused.
enum Grant: Sendable {
    case clientCredentials(clientID: String, secret: String, secretEnv: String, subjectType: String, subjectID: String)
    case jwt(BoxJWTConfig, subjectType: String, subjectID: String)

    func form(now: Double) throws -> [(String, String)] {
        switch self {
        case .clientCredentials(let id, let secret, _, let type, let subject):
            return [("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret),
                    ("box_subject_type", type), ("box_subject_id", subject)]
        case .jwt(let config, let type, let subject):
            return [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                    ("assertion", try config.assertion(subjectType: type, subjectID: subject, now: now)),
                    ("client_id", config.clientID), ("client_secret", config.clientSecret)]
        }
    }

    var hint: String {
        switch self {
        case .clientCredentials(_, _, let env, let type, _): "check client_id, the secret in $\(env) and \(type)_id"
        case .jwt(let config, _, _): "check the app's JWT config \(config.path) (its key must be the one Box has for publicKeyID \(config.publicKeyID))"
        }
    }
}

/// The access token of one profile's Box app. Requested when first needed, kept in memory only
/// (never written anywhere, and scrubbed from every output), renewed shortly before it expires
/// and once when the service answers 401. One renewal at a time: the workers of a parallel
/// loop that need a token while it is being renewed all wait for that one request.
public final class AccessTokens: @unchecked Sendable {
    let url: String
    let grant: Grant
    let profile: String
    private let lock = NSLock()
    private var current: (token: String, renewAt: Double)?
    private var renewal: Task<String, Error>?
    private var requests = 0
    /// The tokens issued, newest last: the last few stay scrubbed (a slow answer may still echo
    /// one), older ones are forgotten.
    private var issued: [String] = []

    init(url: String, grant: Grant, profile: String) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.grant = grant
        self.profile = profile
    }

    /// How many tokens have been requested (one per renewal, however many workers wait).
    public var requested: Int { lock.withLock { requests } }

    /// A token good for now: the current one, or the one being requested.
    func token(_ sender: any HTTPSender, _ clock: any RetryClock) async throws -> String {
        enum Next { case ready(String), wait(Task<String, Error>) }
        let next: Next = lock.withLock {
            if let c = current, clock.now() < c.renewAt { return .ready(c.token) }
            if let r = renewal { return .wait(r) }
            let r = Task { try await self.request(sender, clock) }
            renewal = r
            return .wait(r)
        }
        switch next {
        case .ready(let token): return token
        case .wait(let task): return try await task.value
        }
    }

    /// After a 401 with `rejected`: a new token, unless another worker has renewed it already.
    func renew(replacing rejected: String, _ sender: any HTTPSender, _ clock: any RetryClock) async throws -> String {
        lock.withLock { if current?.token == rejected { current = nil } }
        return try await token(sender, clock)
    }

    /// `POST {url}/oauth2/token`, tried again on a lost connection, a 429 or a 5xx, as the
    /// retry policy says for a read (asking again gets another token, harmless): a 429 waits
    /// as long as its Retry-After asks, and counts against its own allowance.
    private func request(_ sender: any HTTPSender, _ clock: any RetryClock) async throws -> String {
        defer { lock.withLock { renewal = nil } }
        lock.withLock { requests += 1 }
        var problem = ""
        let policy = RetryPolicy()
        var attempt = 0, rateLimited = 0
        while true {
            // Made afresh each time: a JWT assertion is good for one request, within 30 seconds.
            let form = try grant.form(now: Date().timeIntervalSince1970)
            // A JWT assertion is a credential for its 30 seconds: an endpoint that echoes the
            // request must not get it shown.
            let assertion = form.first { $0.0 == "assertion" }?.1
            if let assertion { SecretValues.register(assertion) }
            defer { if let assertion { SecretValues.forget(assertion) } }
            let wire = WireRequest(method: "POST", url: url + "/oauth2/token",
                                   headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json"), ("User-Agent", "roster/0.1.0")],
                                   body: Array(PreparedRequest.encode(form).utf8))
            let reply: WireReply
            do {
                // Not scrubbed here: the answer's token may be one already known (a renewal that
                // hands back the same one), and scrubbing would send "(redacted)" as the token.
                // The texts shown from it are scrubbed where they become a message.
                reply = try await sender.send(wire)
            } catch {
                problem = error.message
                if error.permanent { break }
                attempt += 1
                guard case .retry(let after) = policy.decide(.notSent, attempt: attempt, isWrite: false, random: Double.random(in: 0..<1)) else { break }
                try await clock.sleep(after)
                continue
            }
            let body = try? JSONReader.parse(bytes: reply.body)
            if reply.status == 429 || reply.status >= 500 {
                problem = "\(reply.status) \(HTTPStatus.reason(reply.status))"
                let asked = reply.header("Retry-After").flatMap { HTTPDate.retryAfter($0, now: clock.now()) }
                let outcome = AttemptOutcome.answered(status: reply.status, retryAfter: reply.status == 429 || reply.status == 503 ? asked : nil)
                if outcome.isRateLimited { rateLimited += 1 } else { attempt += 1 }
                guard case .retry(let after) = policy.decide(outcome, attempt: attempt, rateLimited: rateLimited, isWrite: false, random: Double.random(in: 0..<1)) else {
                    // (A server's number: Int(_:) of one past Int.max traps.)
                    if let asked, asked > policy.maxRetryAfter {
                        problem += ", asking to wait \(asked < 1e9 ? String(Int(asked)) : "more than 10^9") s (more than roster waits)"
                    }
                    break
                }
                try await clock.sleep(after)
                continue
            }
            guard reply.status == 200, case .record(let r)? = body, case .string(let token)? = r["access_token"], !token.isEmpty else {
                var code = "oauth_failed", detail = "\(reply.status) \(HTTPStatus.reason(reply.status))"
                // A 200 that is not what it should be says so, not "refused ... 200 ok".
                if reply.status == 200 {
                    detail = body == nil ? "its answer is not JSON" : "its answer holds no access_token"
                } else if (300..<400).contains(reply.status), let location = reply.header("Location") {
                    detail += ", to \(Sanitize.quoted(location, limit: 200)) (not followed)"
                }
                if case .record(let r)? = body, case .string(let e)? = r["error"] {
                    code = e
                    if case .string(let d)? = r["error_description"] { detail = "\(d) (\(e))" } else { detail = e }
                }
                throw ErrorValue(code: Sanitize.visible(SecretValues.scrub(code)), message: "profile '\(profile)': Box refused the app's token request: \(Sanitize.visible(SecretValues.scrub(detail))); \(grant.hint)",
                                 status: reply.status)
            }
            // A bearer token is token68 text (RFC 6750), and one this short or plain would be
            // scrubbed out of every text roster writes (`@example.com` turned the failures
            // file's logins into `ada(redacted)`, and a retry sent them): refused, unsent.
            guard AccessTokens.isBearerToken(token) else {
                throw ErrorValue(code: "oauth_failed", message: "profile '\(profile)': Box's token endpoint answered an access_token that is not a bearer token (\(token.utf8.count) characters; one is at least \(AccessTokens.minimumTokenLength) of letters, digits and -._~+/, then any =); it was not used; \(grant.hint)",
                                 status: reply.status)
            }
            SecretValues.register(token)
            // The last 8 tokens issued stay scrubbed; one handed back again is not added twice,
            // and the token in use is never forgotten (it would then be shown).
            let stale: [String] = lock.withLock {
                if issued.last != token { issued.removeAll { $0 == token }; issued.append(token) }
                guard issued.count > 8 else { return [] }
                defer { issued.removeFirst(issued.count - 8) }
                return Array(issued.prefix(issued.count - 8)).filter { $0 != token }
            }
            for old in stale { SecretValues.forget(old) }
            var lifetime = 3600.0
            if case .int(let n)? = r["expires_in"], n > 0 { lifetime = Double(min(n, 86_400 * 366)) }
            // Renewed a little before it expires: a minute early, or a tenth of a short life.
            let renewAt = clock.now() + lifetime - min(60, lifetime / 10)
            lock.withLock { current = (token, renewAt) }
            return token
        }
        throw ErrorValue(code: "connection_failed", message: "profile '\(profile)': POST \(url)/oauth2/token for a Box access token: \(problem)")
    }
}

extension AccessTokens {
    /// Box's access tokens are 32 characters; shorter ones are refused (see `isBearerToken`).
    static let minimumTokenLength = 16

    /// RFC 6750's token68: letters, digits, `-._~+/`, then `=` padding, at least
    /// `minimumTokenLength` long.
    static func isBearerToken(_ token: String) -> Bool {
        let bytes = Array(token.utf8)
        guard bytes.count >= minimumTokenLength else { return false }
        var i = 0
        while i < bytes.count, isToken68(bytes[i]) { i += 1 }
        guard i > 0 else { return false }
        while i < bytes.count, bytes[i] == UInt8(ascii: "=") { i += 1 }
        return i == bytes.count
    }

    private static func isToken68(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"): true
        default: false
        }
    }
}
