import Foundation
import Hummingbird
import NIOCore

/// The request context: Hummingbird's core, the connection (so a `reset` fault can drop it),
/// and the credentials `Authenticate` read.
public struct SandboxContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel
    var credentials = Credentials()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// The three services, told apart by their real path prefixes; each shapes its own errors.
enum Vendor: String, Sendable, CaseIterable {
    case launchDarkly, losant, box

    init?(path: String) {
        if path.hasPrefix("/api/v2/") || path == "/api/v2" { self = .launchDarkly }
        else if path.hasPrefix("/instances/") || path == "/instances" { self = .losant }
        else if path.hasPrefix("/2.0/") || path == "/2.0" { self = .box }
        else { return nil }
    }

    /// What went wrong, in words every vendor maps onto its own codes.
    enum Failure: Sendable {
        case badRequest, unauthorized, forbidden, notFound, methodNotAllowed, conflict, tooLarge, rateLimited, internalError, unavailable
    }

    func error(_ failure: Failure, _ message: String, code: String? = nil, context: JSONValue? = nil) -> VendorError {
        let status: HTTPResponse.Status = switch failure {
        case .badRequest: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .conflict: .conflict
        case .tooLarge: .contentTooLarge
        case .rateLimited: .tooManyRequests
        case .internalError: .internalServerError
        case .unavailable: .serviceUnavailable
        }
        switch self {
        case .launchDarkly:
            let ldCode = code ?? [.badRequest: "invalid_request", .unauthorized: "unauthorized", .forbidden: "forbidden", .notFound: "not_found",
                                  .methodNotAllowed: "method_not_allowed", .conflict: "conflict", .tooLarge: "request_too_large",
                                  .rateLimited: "rate_limited", .internalError: "internal_error", .unavailable: "service_unavailable"][failure]!
            return VendorError(status: status, body: ["code": .string(ldCode), "message": .string(message)])
        case .losant:
            // Losant's body is {type, message}; the types for 401/403/405/429/5xx are not documented.
            let type = code ?? [.badRequest: "Validation", .unauthorized: "Unauthorized", .forbidden: "Forbidden", .notFound: "NotFound",
                                .methodNotAllowed: "MethodNotAllowed", .conflict: "AlreadyExists", .tooLarge: "PayloadTooLarge",
                                .rateLimited: "TooManyRequests", .internalError: "InternalError", .unavailable: "ServiceUnavailable"][failure]!
            return VendorError(status: status, body: ["type": .string(type), "message": .string(message)])
        case .box:
            let boxCode = code ?? [.badRequest: "bad_request", .unauthorized: "unauthorized", .forbidden: "access_denied_insufficient_permissions",
                                   .notFound: "not_found", .methodNotAllowed: "method_not_allowed", .conflict: "conflict",
                                   .tooLarge: "request_entity_too_large", .rateLimited: "rate_limit_exceeded",
                                   .internalError: "internal_server_error", .unavailable: "unavailable"][failure]!
            return VendorError(status: status, body: [
                "type": "error", "status": .int(Int64(status.code)), "code": .string(boxCode), "message": .string(message),
                "context_info": context ?? .null,
                "help_url": "https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/",
                "request_id": .string(Vendor.requestID()),
            ])
        }
    }

    static func requestID() -> String {
        String((0..<12).map { _ in "0123456789abcdef".randomElement()! })
    }
}

/// Registers routes on the router, each vendor's behind its `Authenticate`, and remembers their
/// patterns, so a path that exists under another method answers 405 (with `Allow`) and an
/// unknown path the vendor's 404.
final class RouteTable: @unchecked Sendable {
    let router: Router<SandboxContext>
    private let authenticated: [Vendor: RouterGroup<SandboxContext>]
    private var patterns: [(method: HTTPRequest.Method, segments: [Substring])] = []
    /// Every route, for tests that check a promise of all of them.
    private(set) var registered: [(method: HTTPRequest.Method, path: String, vendor: Vendor, open: Bool)] = []

    init(router: Router<SandboxContext>) {
        self.router = router
        authenticated = Dictionary(uniqueKeysWithValues: Vendor.allCases.map { ($0, router.group().add(middleware: Authenticate(vendor: $0))) })
    }

    typealias Handler = @Sendable (Request, SandboxContext) async throws -> Response

    /// A route whose thrown `VendorError`s become the vendor's error responses. Only a route
    /// that issues credentials (Box's `/oauth2/token`) is `open`.
    func on(_ method: HTTPRequest.Method, _ path: String, _ vendor: Vendor, open: Bool = false, _ handler: @escaping Handler) {
        patterns.append((method, path.split(separator: "/")))
        registered.append((method, path, vendor, open))
        let handle: @Sendable (Request, SandboxContext) async throws -> Response = { request, context in
            do {
                return try await handler(request, context)
            } catch let e as VendorError {
                return JSON.response(e.status, e.body, headers: e.headers)
            } catch {
                // The details (SQL, Swift errors, paths) are for the server's operator, never the body.
                try? FileHandle.standardError.write(contentsOf: Data("roster serve: internal error on \(request.method) \(request.uri.path): \(error)\n".utf8))
                let e = vendor.error(.internalError, "internal error")
                return JSON.response(e.status, e.body)
            }
        }
        if open {
            router.on(RouterPath(path), method: method, use: handle)
        } else {
            authenticated[vendor]!.on(RouterPath(path), method: method, use: handle)
        }
    }

    /// The methods some route answers on this path (empty: the path is unknown).
    func methods(for path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        return patterns.filter { p in
            p.segments.count == segments.count && zip(p.segments, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
        }.map(\.method)
    }
}

/// Turns the router's bare 404 into the vendor's 404 or 405 body.
struct UnknownRoute: RouterMiddleware {
    typealias Context = SandboxContext
    let table: RouteTable
    /// The longest request target answered, as the vendors' front ends refuse longer ones
    /// (and SQLite refuses a LIKE pattern past 50,000 bytes).
    static let longestURI = 8_192

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.string.utf8.count > UnknownRoute.longestURI {
            let vendor: Vendor = Vendor(path: request.uri.path) ?? .launchDarkly
            // The vendor's error body for a request refused as it stands, with 414's status.
            let e = vendor.error(.badRequest, "the request's URI is longer than \(UnknownRoute.longestURI) bytes")
            return JSON.response(HTTPResponse.Status(code: 414, reasonPhrase: "URI Too Long"), e.body)
        }
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            let vendor = Vendor(path: path) ?? .launchDarkly
            let allowed = table.methods(for: path)
            if allowed.isEmpty {
                let e = vendor.error(.notFound, "no route \(request.method) \(path)")
                return JSON.response(e.status, e.body)
            }
            let e = vendor.error(.methodNotAllowed, "\(request.method) is not allowed on \(path); allowed: \(allowed.map(\.rawValue).joined(separator: ", "))")
            var headers: HTTPFields = [:]
            headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
            return JSON.response(e.status, e.body, headers: headers)
        }
    }
}
