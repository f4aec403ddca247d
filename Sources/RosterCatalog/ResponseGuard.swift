import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOHTTP2

/// Stands between the HTTP decoder and AsyncHTTPClient's request handler on every connection
/// (HTTP/1.1) and stream (HTTP/2), and turns a reply that breaks the protocol into an error.
///
/// AsyncHTTPClient 1.37 traps (the process dies) when a server sends a status under 100 with a
/// body: it takes any head under 200 for an informational one, waits for the real head, and
/// then meets body bytes it has no state for. A server's reply must never end the run, so the
/// order of parts is checked here, before the client's state machine sees them: informational
/// heads (100-199 but 101), then one final head, then body parts and one end.
final class ResponseGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias InboundOut = HTTPClientResponsePart

    private enum State { case awaitingHead, inBody, failed }
    private var state = State.awaitingHead

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard state != .failed else { return }
        let part = unwrapInboundIn(data)
        switch (state, part) {
        case (.awaitingHead, .head(let head)):
            let code = head.status.code
            if code < 100 || code > 999 { return fail(context, "a status of \(code), which is not an HTTP status (100-999)") }
            if code >= 200 || code == 101 { state = .inBody }
        case (.awaitingHead, .body), (.awaitingHead, .end):
            return fail(context, "content after an informational status, before the response's own status")
        case (.inBody, .head):
            return fail(context, "a second status line inside one response")
        case (.inBody, .body):
            break
        case (.inBody, .end):
            state = .awaitingHead
        case (.failed, _):
            return
        }
        context.fireChannelRead(data)
    }

    private func fail(_ context: ChannelHandlerContext, _ what: String) {
        state = .failed
        context.fireErrorCaught(ResponseGuard.Violation(what: what))
        context.close(promise: nil)
    }

    /// The server broke HTTP; the request may have been acted on.
    struct Violation: Error, CustomStringConvertible {
        let what: String
        var description: String { "the server's reply broke HTTP: \(what)" }
    }

    /// Puts a guard after the HTTP/1.1 decoder of a new connection.
    @Sendable static func guardConnection(_ channel: Channel) -> EventLoopFuture<Void> {
        onLoop(channel) { pipeline in
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPResponseDecoder>.self)
            try pipeline.addHandler(ResponseGuard(), position: .after(decoder))
        }
    }

    /// Guards a new HTTP/2 stream on both sides of its translation to HTTP/1 parts: the
    /// translation itself traps on a `:status` of "-1" (it makes a UInt of it).
    @Sendable static func guardStream(_ channel: Channel) -> EventLoopFuture<Void> {
        onLoop(channel, guardStream)
    }

    static func guardStream(_ pipeline: ChannelPipeline.SynchronousOperations) throws {
        let translation = try pipeline.handler(type: HTTP2FramePayloadToHTTP1ClientCodec.self)
        try pipeline.addHandler(StatusTextGuard(), position: .before(translation))
        try pipeline.addHandler(ResponseGuard(), position: .after(translation))
    }

    /// The client calls its initializers on the channel's event loop; were it ever not to, the
    /// pipeline is still changed only there.
    private static func onLoop(_ channel: Channel, _ body: @escaping @Sendable (ChannelPipeline.SynchronousOperations) throws -> Void) -> EventLoopFuture<Void> {
        if channel.eventLoop.inEventLoop { return channel.eventLoop.makeCompletedFuture { try body(channel.pipeline.syncOperations) } }
        return channel.eventLoop.submit { try body(channel.pipeline.syncOperations) }
    }
}

/// An HTTP/2 response's `:status` must be three digits, 100 to 999 (RFC 9113 8.3.2, RFC 9110
/// 15); anything else is refused before it is made a number.
final class StatusTextGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = HTTP2Frame.FramePayload

    private var failed = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        if case .headers(let headers) = unwrapInboundIn(data) {
            for status in headers.headers[":status"] where !StatusTextGuard.valid(status) {
                failed = true
                context.fireErrorCaught(ResponseGuard.Violation(what: "a :status that is not three digits from 100 to 999"))
                context.close(promise: nil)
                return
            }
        }
        context.fireChannelRead(data)
    }

    static func valid(_ status: String) -> Bool {
        let digits = Array(status.utf8)
        return digits.count == 3 && (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(digits[0])
            && digits.dropFirst().allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}

extension HTTPClient.Configuration {
    /// Every connection and stream gets a `ResponseGuard`.
    mutating func guardResponses() {
        http1_1ConnectionDebugInitializer = ResponseGuard.guardConnection
        http2StreamChannelDebugInitializer = ResponseGuard.guardStream
    }
}
