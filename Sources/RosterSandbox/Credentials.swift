import Hummingbird
import HTTPTypes

/// What a request presents: its token, and for Box whom it acts as (`As-User`). Read from the
/// headers by `Authenticate` before a vendor route runs; the route checks it inside the one read
/// or write it makes anyway (a separate read for the token cost as much as a page). The empty
/// default names no one, so a route reached without the middleware answers 401.
struct Credentials: Sendable {
    var token = ""
    var asUser: String?
}

extension Vendor {
    /// The vendor's own scheme: LaunchDarkly's bare `Authorization: <token>`, Box's and Losant's
    /// `Bearer <token>`. Nil when the header is missing or malformed.
    func credentials(_ headers: HTTPFields) -> Credentials? {
        guard let header = headers[.authorization] else { return nil }
        switch self {
        case .launchDarkly:
            return header.isEmpty ? nil : Credentials(token: header)
        case .losant, .box:
            guard header.hasPrefix("Bearer "), header.count > 7 else { return nil }
            return Credentials(token: String(header.dropFirst(7)), asUser: self == .box ? headers[HTTPField.Name("As-User")!] : nil)
        }
    }

    /// The vendor's 401 for a request that presents no credentials.
    var unauthenticated: VendorError {
        switch self {
        case .launchDarkly: error(.unauthorized, "Invalid access token", code: "unauthorized")
        case .losant: error(.unauthorized, "Authorization header with a Bearer token is required")
        case .box: error(.unauthorized, "Unauthorized", code: "unauthorized")
        }
    }
}

/// Authentication in front of a vendor's routes (a router group's middleware, so it runs only
/// once a route matched: an unknown path stays a 404): fills the context's credentials, or
/// answers the vendor's 401 before the route runs.
struct Authenticate: RouterMiddleware {
    typealias Context = SandboxContext
    let vendor: Vendor

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let credentials = vendor.credentials(request.headers) else {
            let e = vendor.unauthenticated
            return JSON.response(e.status, e.body, headers: e.headers)
        }
        var context = context
        context.credentials = credentials
        return try await next(request, context)
    }
}
