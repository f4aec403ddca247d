import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import RosterSandbox

/// Drives the sandbox in router mode (no sockets) and hands back status and parsed JSON.
struct SandboxClient {
    struct Reply {
        let status: HTTPResponse.Status
        let json: JSONValue?
        let headers: HTTPFields
    }

    let store: SandboxStore
    /// One router for the client's life, so rate buckets and the fault generator carry over between requests.
    let router: Router<SandboxContext>

    init(options: SandboxOptions = SandboxOptions()) throws {
        store = try SandboxStore(path: ":memory:")
        try SandboxSeed.seed(store)
        router = Sandbox.router(store: store, options: options)
    }

    /// `token` is the whole Authorization header (LaunchDarkly's is the bare token; see `bearer`).
    func send(_ method: HTTPRequest.Method, _ uri: String, token: String? = SandboxSeed.ldAdminToken,
              body: String? = nil, contentType: String = "application/json", headers extra: HTTPFields = [:]) async throws -> Reply {
        let app = Application(router: router)
        var fields = extra
        if let token { fields[.authorization] = token }
        if body != nil { fields[.contentType] = contentType }
        let headers = fields
        return try await app.test(.router) { client in
            try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
                let data = Data(response.body.readableBytesView)
                return Reply(status: response.status, json: data.isEmpty ? nil : JSONValue.parse(data), headers: response.headers)
            }
        }
    }

    static func bearer(_ token: String) -> String { "Bearer " + token }

    /// The semantic-patch media type, as a correct client sends it.
    static let semanticPatch = "application/json; domain-model=launchdarkly.semanticpatch"
}

extension JSONValue {
    var ids: [String] { (self["items"]?.array ?? []).compactMap { $0["_id"]?.string } }
    var emails: [String] { (self["items"]?.array ?? []).compactMap { $0["email"]?.string } }
}
