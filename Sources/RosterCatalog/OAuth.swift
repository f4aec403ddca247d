import Foundation
import RosterScript

/// A Box app that authenticates by OAuth 2.0 Client Credentials Grant, as a profile names it:
/// `box = { url = "https://api.box.com", client_id = "...", client_secret_env = "BOX_CLIENT_SECRET",
/// enterprise_id = "..." }` (or `user_id = "..."` to act as one user).
public struct OAuthApp: Sendable, Equatable {
    public var clientID: String
    public var clientSecretEnv: String
    /// `enterprise` (the app's service account) or `user`.
    public var subjectType: String
    public var subjectID: String
}

/// The access token of one profile's Box app. Requested when first needed, kept in memory only
/// (never written anywhere, and scrubbed from every output), renewed shortly before it expires
/// and once when the service answers 401. One renewal at a time: the workers of a parallel
/// loop that need a token while it is being renewed all wait for that one request.
public final class AccessTokens: @unchecked Sendable {
    let url: String
    let app: OAuthApp
    let secret: String
    let profile: String
    private let lock = NSLock()
    private var current: (token: String, renewAt: Double)?
    private var renewal: Task<String, Error>?
    private var requests = 0

    public init(url: String, app: OAuthApp, secret: String, profile: String) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.app = app
        self.secret = secret
        self.profile = profile
        SecretValues.register(secret)
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

    /// `POST {url}/oauth2/token`, tried again on a lost connection, a 429 or a 5xx.
    private func request(_ sender: any HTTPSender, _ clock: any RetryClock) async throws -> String {
        defer { lock.withLock { renewal = nil } }
        lock.withLock { requests += 1 }
        let form = [("grant_type", "client_credentials"), ("client_id", app.clientID), ("client_secret", secret),
                    ("box_subject_type", app.subjectType), ("box_subject_id", app.subjectID)]
        let wire = WireRequest(method: "POST", url: url + "/oauth2/token",
                               headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json"), ("User-Agent", "roster/0.1.0")],
                               body: Array(PreparedRequest.encode(form).utf8))
        var problem = ""
        for attempt in 1...4 {
            if attempt > 1 { try await clock.sleep(0.5 * Double(1 << (attempt - 2))) }
            let reply: WireReply
            do {
                var r = try await sender.send(wire)
                r.body = SecretValues.scrub(r.body)
                reply = r
            } catch {
                problem = error.message
                if error.permanent { break }
                continue
            }
            let body = try? JSONReader.parse(bytes: reply.body)
            if reply.status == 429 || reply.status >= 500 {
                problem = "\(reply.status) \(HTTPStatus.reason(reply.status))"
                continue
            }
            guard reply.status == 200, case .record(let r)? = body, case .string(let token)? = r["access_token"], !token.isEmpty else {
                var code = "oauth_failed", detail = "\(reply.status) \(HTTPStatus.reason(reply.status))"
                if case .record(let r)? = body, case .string(let e)? = r["error"] {
                    code = e
                    if case .string(let d)? = r["error_description"] { detail = "\(d) (\(e))" } else { detail = e }
                }
                throw ErrorValue(code: code, message: "profile '\(profile)': Box refused the app's token request: \(Sanitize.visible(detail)); check client_id, the secret in $\(app.clientSecretEnv) and \(app.subjectType)_id",
                                 status: reply.status)
            }
            SecretValues.register(token)
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
