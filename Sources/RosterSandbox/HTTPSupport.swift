import Foundation
import Hummingbird
import NIOCore

/// A vendor-shaped failure: each service renders its own error body.
struct VendorError: Error {
    let status: HTTPResponse.Status
    let body: JSONValue
    var headers: HTTPFields = [:]
}

enum JSON {
    /// Why a body holding U+0000 is refused (the store would cut the text there).
    static let nulRefused = "request body holds the character U+0000 (\\u0000), which a text field may not contain"
    static func response(_ status: HTTPResponse.Status, _ value: JSONValue, headers: HTTPFields = [:]) -> Response {
        response(status, bytes: value.bytes, headers: headers)
    }

    /// A body already written as JSON.
    static func response(_ status: HTTPResponse.Status, bytes data: [UInt8], headers: HTTPFields = [:]) -> Response {
        var h = headers
        h[.contentType] = "application/json"
        return Response(status: status, headers: h, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func empty(_ status: HTTPResponse.Status) -> Response {
        Response(status: status)
    }

    /// The request body, at most 1 MiB; nil when empty.
    static func body(_ request: Request, tooLarge: () -> VendorError) async throws -> Data? {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: 1 << 20)
        } catch {
            throw tooLarge()
        }
        guard buffer.readableBytes > 0 else { return nil }
        return Data(buffer.readableBytesView)
    }

}

/// A request's query as forms and most HTTP clients write it (Python's requests among them):
/// `+` is a space, then percent-decoding. Hummingbird's queryParameters keeps `+` as it is, so
/// `filter_term=Resume+Group` found nothing. The first of repeated keys counts.
struct FormQuery {
    private var values: [String: Substring] = [:]

    init(_ raw: String?) {
        for pair in (raw ?? "").split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = FormQuery.decode(kv[0])
            guard values[key] == nil else { continue }
            values[key] = Substring(kv.count > 1 ? FormQuery.decode(kv[1]) : "")
        }
    }

    static func decode(_ s: Substring) -> String {
        // Most values have nothing to decode: skip Foundation's string search for them.
        guard s.utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else { return String(s) }
        let spaced = s.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    subscript(_ key: String) -> Substring? { values[key] }
}

extension Request {
    var formQuery: FormQuery { FormQuery(uri.query) }
}

extension URLComponents {
    /// `?a=1&b=2`, percent-encoding values the way a query wants.
    static func query(_ items: [(String, String)]) -> String {
        var c = URLComponents()
        c.queryItems = items.map { URLQueryItem(name: $0.0, value: $0.1) }
        // URLComponents leaves '+' and ',' unencoded; encode '+' so it survives form decoding.
        return (c.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
    }
}

extension Int {
    /// `self + other`, held at Int.max or Int.min instead of trapping: paging arithmetic over
    /// numbers a client chose.
    func addingSaturated(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
