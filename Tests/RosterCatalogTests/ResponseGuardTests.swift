import Foundation
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP1
import NIOHTTP2
@testable import RosterCatalog
import Testing

/// A server's reply, however it breaks HTTP, ends in an answer or an error: never in a trap.
/// (AsyncHTTPClient 1.37 traps on a status under 100 that has a body; a test that meets the
/// trap takes the test process down with it, so these fail loudly.)
@Suite(.serialized) struct ResponseGuardTests {
    /// Every status line from 000 to 999, each with a body, over a real connection.
    @Test func everyStatusCodeWithABodyIsAnAnswerOrAnError() async throws {
        let replies = (0...999).map { code in
            String(format: "HTTP/1.1 %03d X\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}", code)
        }
        let server = try RawServer(replies: replies)
        defer { server.stop() }
        let sender = AsyncHTTPSender(timeout: 5)
        for code in 0...999 {
            let request = WireRequest(method: "GET", url: server.url + "/\(code)", headers: [], body: nil)
            do {
                let reply = try await sender.send(request)
                #expect(code >= 200 || code == 101, "status \(code) was taken as an answer")
                #expect(reply.status == code)
            } catch {
                #expect(code < 200, "status \(code): \(error.message)")
                if code < 100 { #expect(error.message.contains("not an HTTP status"), "\(code): \(error.message)") }
            }
        }
    }

    /// Replies that break the order of a response's parts, on one connection each.
    @Test func partsOutOfOrderAreAnError() async throws {
        let replies = [
            // An informational head, then a body with no final head.
            "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n{\"x\":1}",
            // A status under 100 with a chunked body.
            "HTTP/1.1 000 X\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            // A status under 100 and nothing after it.
            "HTTP/1.1 099 X\r\n\r\n",
        ]
        let server = try RawServer(replies: replies)
        defer { server.stop() }
        let sender = AsyncHTTPSender(timeout: 5)
        for (i, _) in replies.enumerated() {
            let request = WireRequest(method: "GET", url: server.url + "/\(i)", headers: [], body: nil)
            await #expect(throws: SendFailure.self, "reply \(i)") { _ = try await sender.send(request) }
        }
    }

    /// An informational head before the final one is allowed, and the answer is the final one's.
    @Test func informationalHeadsBeforeTheAnswerAreSkipped() async throws {
        let server = try RawServer(replies: ["HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"])
        defer { server.stop() }
        let reply = try await AsyncHTTPSender(timeout: 5).send(WireRequest(method: "GET", url: server.url + "/", headers: [], body: nil))
        #expect(reply.status == 200)
        #expect(reply.body == Array("{}".utf8))
    }

    /// HTTP/2: the translation to HTTP/1 parts makes a UInt of `:status`, so "-1" would trap
    /// there; the stream's guards refuse it, and a status under 100, before it gets that far.
    @Test func anHTTP2StreamRefusesStatusesThatAreNotThreeDigits() throws {
        for (status, good) in [("200", true), ("404", true), ("999", true), ("-1", false), ("050", false), ("+50", false),
                               ("1000", false), ("20", false), ("", false), ("2x0", false), ("0200", false)] {
            let channel = EmbeddedChannel()
            let parts = PartsCollector()
            try channel.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTP1ClientCodec(httpProtocol: .https))
            try channel.pipeline.syncOperations.addHandler(parts)
            try ResponseGuard.guardStream(channel.pipeline.syncOperations)
            try channel.writeOutbound(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: ["host": "x"])))
            try channel.writeOutbound(HTTPClientRequestPart.end(nil))
            let headers = HPACKHeaders([(":status", status), ("content-length", "2")])
            var caught: Error?
            do {
                try channel.writeInbound(HTTP2Frame.FramePayload.headers(.init(headers: headers)))
                try channel.writeInbound(HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(ByteBuffer(string: "{}")), endStream: true)))
            } catch { caught = error }
            if good {
                #expect(caught == nil, "\(status): \(String(describing: caught))")
                #expect(parts.heads == [Int(status)!], "\(status)")
                #expect(parts.ends == 1)
            } else {
                #expect(caught is ResponseGuard.Violation, "\(status): \(String(describing: caught))")
                #expect(parts.heads.isEmpty && parts.bodies == 0 && parts.ends == 0, "\(status)")
            }
            _ = try? channel.finish()
        }
    }

    /// The order of parts, checked on their own: what passes, what is stopped and where.
    @Test func theGuardPassesOneResponseAtATime() throws {
        func run(_ parts: [HTTPClientResponsePart]) throws -> (PartsCollector, Error?) {
            let channel = EmbeddedChannel()
            let collector = PartsCollector()
            try channel.pipeline.syncOperations.addHandler(ResponseGuard())
            try channel.pipeline.syncOperations.addHandler(collector)
            // Every part is offered, even after a fault, to see that none gets past.
            var caught: Error?
            for part in parts {
                do { try channel.writeInbound(part) } catch { caught = caught ?? error }
            }
            _ = try? channel.finish()
            return (collector, caught)
        }
        func head(_ code: Int) -> HTTPClientResponsePart { .head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: code))) }
        let body = HTTPClientResponsePart.body(ByteBuffer(string: "{}"))

        var (c, e) = try run([head(100), head(103), head(200), body, body, .end(nil), head(204), .end(nil)])
        #expect(e == nil && c.heads == [100, 103, 200, 204] && c.bodies == 2 && c.ends == 2)
        (c, e) = try run([head(101), .end(nil)])
        #expect(e == nil && c.heads == [101] && c.ends == 1)
        for bad: [HTTPClientResponsePart] in [[head(50), body], [head(0)], [head(103), body], [head(100), .end(nil)], [body], [.end(nil)],
                                              [head(200), body, head(200)], [head(1000)]] {
            (c, e) = try run(bad + [head(200), body, .end(nil)])
            #expect(e is ResponseGuard.Violation, "\(bad)")
            // Nothing after the fault reaches the client.
            #expect(c.bodies + c.ends <= 1 && c.heads.filter { $0 >= 200 }.count <= 1, "\(bad): \(c.heads)")
            #expect(!c.heads.contains { $0 < 100 || $0 > 999 })
        }
    }
}

/// Counts the parts that got past the guard.
final class PartsCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    var heads: [Int] = []
    var bodies = 0
    var ends = 0
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): heads.append(Int(h.status.code))
        case .body: bodies += 1
        case .end: ends += 1
        }
    }
}

/// A loopback server that answers each connection with the next of its canned replies, byte for
/// byte, whatever HTTP would allow, then closes.
final class RawServer: @unchecked Sendable {
    let url: String
    private let fd: Int32
    private let thread: Thread

    init(replies: [String]) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(fd, 64) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        self.fd = fd
        self.url = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        thread = Thread {
            for reply in replies {
                let client = accept(fd, nil, nil)
                guard client >= 0 else { return }
                // Read the request's head, then answer.
                var seen: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                while !seen.suffix(4).elementsEqual(Array("\r\n\r\n".utf8)) {
                    let n = read(client, &buffer, buffer.count)
                    if n <= 0 { break }
                    seen += buffer[..<n]
                }
                let bytes = Array(reply.utf8)
                _ = bytes.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                shutdown(client, Int32(SHUT_WR))
                var wait = timeval(tv_sec: 2, tv_usec: 0)
                setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
                // Let the client read it all before the connection goes.
                while read(client, &buffer, buffer.count) > 0 {}
                close(client)
            }
        }
        thread.start()
    }

    func stop() { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
}
