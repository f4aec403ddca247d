import Foundation
import Testing
import RosterCatalog
import RosterSandbox
@testable import RosterScript

/// Each pagination style to its last page, pages fetched only as they are used, and the Box
/// offset wall reported up front.
@Suite(.serialized) struct PaginationTests {
    let sandbox: LiveSandbox
    let recorder = Recorder()
    let catalog: Catalog

    init() async throws {
        sandbox = try await LiveSandbox.start(synthetic: 250)
        catalog = Catalog(targets: sandbox.targets, transport: Transport(sender: recorder))
    }

    func pages(_ pathPrefix: String) -> [WireRequest] { recorder.requests.filter { $0.path.hasPrefix(pathPrefix) } }

    @Test func launchDarklyFollowsLinksToTheEnd() async {
        let r = await run("""
            print (to_json(ld members list limit=7 | each { $it._id }))
            """, catalog: catalog)
        #expect(r.error == nil, "\(r.error ?? "")")
        let ids = try? JSONDecoder().decode([String].self, from: Data((r.output.first ?? "").utf8))
        #expect(ids?.count == 256 && Set(ids ?? []).count == 256, "every member once")
        #expect(pages("/api/v2/members").count == 37, "ceil(256 / 7) pages, each once")
    }

    @Test func losantPagesByNumber() async {
        let r = await run("print (losant tokens list per_page=2 | count)", catalog: catalog)
        #expect(r.output == ["5"], "\(r.error ?? "")")
        let pageNumbers = pages("/instances/").compactMap { URLComponents(string: $0.url)?.queryItems?.first { $0.name == "page" }?.value }
        #expect(pageNumbers == ["1", "2"], "the first page is the default page 0")
    }

    @Test func boxOffsetsAndMarkers() async {
        let r = await run("""
            print (box memberships list group=57001 limit=1 | count)
            print (to_json(box users list limit=40 | each { $it.id }))
            """, catalog: catalog)
        #expect(r.output.first == "3", "\(r.error ?? "")")
        let users = try? JSONDecoder().decode([String].self, from: Data((r.output.last ?? "").utf8))
        #expect(users?.count == 256 && Set(users ?? []).count == 256, "every user once")
        let offsets = pages("/2.0/groups/57001/memberships").compactMap { URLComponents(string: $0.url)?.queryItems?.first { $0.name == "offset" }?.value }
        #expect(offsets == ["1", "2"], "the first page has no offset; then 1 and 2")
        let userPages = pages("/2.0/users")
        #expect(userPages.count == 7 && userPages.allSatisfy { $0.url.contains("usemarker=true") })
        #expect(userPages.dropFirst().allSatisfy { $0.url.contains("marker=") })
    }

    @Test func pagesAreFetchedOnlyAsUsed() async {
        let r = await run("print (len(ld members list limit=5 | first 3))", catalog: catalog)
        #expect(r.output == ["3"])
        // The first page, and at most the one prefetched behind it.
        #expect(pages("/api/v2/members").count <= 2)
    }

    /// A later page that fails after its retries stops the reading with the error: a list is
    /// never silently shorter than the server's.
    @Test func aLaterPageThatFailsIsAnErrorNotAShorterList() async throws {
        final class FailsPageTwo: HTTPSender, @unchecked Sendable {
            let inner = Recorder()
            func send(_ request: WireRequest) async throws(SendFailure) -> WireReply {
                if request.url.contains("offset=5") {
                    return WireReply(status: 500, headers: [], body: Array(#"{"code": "internal", "message": "page two is down"}"#.utf8))
                }
                return try await inner.send(request)
            }
        }
        var policy = RetryPolicy()
        policy.baseDelay = 0.001
        let c = Catalog(targets: sandbox.targets, transport: Transport(sender: FailsPageTwo(), policy: policy))
        let r = await run("let n = 0\nfor m in (ld members list limit=5) { $n = $n + 1 }\nprint $n", catalog: c)
        #expect(r.output.isEmpty, "nothing printed: the loop did not end as if the list were complete")
        #expect(r.error?.contains("500") == true && r.error?.contains("page two is down") == true, "\(r.error ?? "no error")")
    }

    /// The first page of each listing asks for the documented default page size.
    @Test func defaultPageSizes() async {
        let r = await run("""
            ld members list | first 1
            box memberships list group=57001 | first 1
            box users list | first 1
            losant tokens list | first 1
            """, catalog: catalog)
        #expect(r.error == nil, "\(r.error ?? "")")
        func query(_ prefix: String, _ name: String) -> String? {
            pages(prefix).first.flatMap { URLComponents(string: $0.url)?.queryItems?.first { $0.name == name }?.value }
        }
        #expect(query("/api/v2/members", "limit") == "100")
        #expect(query("/2.0/groups/57001/memberships", "limit") == "1000")
        #expect(query("/2.0/users", "limit") == "1000")
        #expect(query("/instances/", "perPage") == "100")
    }

    /// A next-page link that leads to another origin is refused, not followed: the token would
    /// go with it.
    @Test func aNextPageLinkToAnotherOriginIsRefused() async throws {
        final class Foreign: HTTPSender, @unchecked Sendable {
            let lock = NSLock()
            var urls: [String] = []
            func send(_ request: WireRequest) async throws(SendFailure) -> WireReply {
                lock.withLock { urls.append(request.url) }
                // The collector's own page ends the list, so a roster that followed the link stops.
                let next = request.url.contains("collector.example") ? "" : #", "_links": {"next": {"href": "https://collector.example/api/v2/members?offset=1"}}"#
                let page = #"{"totalCount": 10, "items": [{"_id": "a", "email": "a@example.com"}]"# + next + "}"
                return WireReply(status: 200, headers: [], body: Array(page.utf8))
            }
        }
        let sender = Foreign()
        let c = Catalog(targets: sandbox.targets, transport: Transport(sender: sender))
        let r = await run("for m in (ld members list) { print $m.email }", catalog: c)
        #expect(r.error?.contains("next-page link \"https://collector.example/api/v2/members?offset=1\" leads away from") == true, "\(r.error ?? "no error")")
        #expect(sender.lock.withLock { sender.urls }.allSatisfy { $0.hasPrefix(sandbox.url) }, "\(sender.urls)")
    }

    /// Box's offset pages may have holes: its total is "one greater than the offset of the last
    /// entry", so an empty page does not end the listing (it stopped there, short, with no
    /// error); a server that keeps sending empty pages while saying more remain is stopped.
    @Test func anEmptyBoxPageDoesNotEndTheListing() async throws {
        struct Holes: HTTPSender {
            let total: Int
            func send(_ request: WireRequest) async throws(SendFailure) -> WireReply {
                let offset = request.url.split(separator: "offset=").last.flatMap { Int($0.prefix { $0.isNumber }) } ?? 0
                // Entries at offsets 0, 1, 4, 5 and 6; the page at offset 2 is empty.
                let ids = [0, 1, 4, 5, 6].filter { $0 >= offset && $0 < offset + 2 && $0 < total }.map { #"{"id": "\#($0)"}"# }
                let page = #"{"total_count": \#(total), "limit": 2, "offset": \#(offset), "entries": [\#(ids.joined(separator: ","))]}"#
                return WireReply(status: 200, headers: [], body: Array(page.utf8))
            }
        }
        let holes = Catalog(targets: sandbox.targets, transport: Transport(sender: Holes(total: 7)))
        let r = await run("print (list(box memberships list group=57001 limit=2) | each { .id } | join(\",\"))", catalog: holes)
        #expect(r.error == nil && r.output == ["0,1,4,5,6"], "\(r.error ?? "") \(r.output)")
        let endless = Catalog(targets: sandbox.targets, transport: Transport(sender: Holes(total: 9_000)))
        let e = await run("print (len(list(box memberships list group=57001 limit=2)))", catalog: endless)
        #expect(e.error?.contains("empty pages in a row while saying more remain") == true, "\(e.error ?? "") \(e.output)")
    }

    @Test func theBoxOffsetWallIsReportedBeforeIteration() async throws {
        struct Huge: HTTPSender {
            func send(_ request: WireRequest) async throws(SendFailure) -> WireReply {
                WireReply(status: 200, headers: [], body: Array(#"{"total_count": 25000, "limit": 1000, "offset": 0, "entries": [{"id": "1"}]}"#.utf8))
            }
        }
        let catalog = Catalog(targets: sandbox.targets, transport: Transport(sender: Huge()))
        let r = await run("for m in (box memberships list group=57001) { print $m.id }", catalog: catalog)
        #expect(r.output.isEmpty)
        #expect(r.error?.contains("box memberships list: 200 offset_limit") == false)
        #expect(r.error?.contains("this list has 25000 entries, but Box pages by offset only up to 10000") == true, "\(r.error ?? "")")
    }
}
