import Foundation
import RosterScript

/// A paginated list as the language's lazy stream: the first page is fetched when the command
/// runs (so errors and totals come at once), each later page only as the consumer reaches it,
/// with the next one prefetched while the current one is used.
final class HTTPPages: PageSource, @unchecked Sendable {
    typealias Fetch = @Sendable (String) async throws -> WireReply
    typealias Learn = @Sendable (List) -> Void

    let operation: Operation
    /// The service's base URL: a next-page link must stay on it.
    let origin: String
    let fetch: Fetch
    /// Sees every page's items (the catalog learns who each id is).
    let learn: Learn
    let totalCount: Int?
    private var pending: List?
    private var prefetch: Task<Page, Error>?
    /// Every page asked for so far (hashes of the path and query): a server whose next page is
    /// one already read (the same link, marker, offset or page number again) would make the
    /// listing go round for ever; it ends in an error once the pages before are read.
    private var requested: Set<Int> = []
    private var loopsBack: ErrorValue?
    /// Empty pages in a row that still named a next one: Box's offset pages may have holes
    /// (its total is "one greater than the offset of the last entry"), so an empty page does
    /// not end a listing; a server that keeps sending them does, with an error.
    private var emptyInARow = 0
    static let mostEmptyInARow = 10

    struct Page: Sendable {
        let items: List
        let next: String?
        let total: Int?
    }

    /// Fetches the first page (blocking the interpreter's thread) and starts on the second.
    init(operation: Operation, origin: String, first: String, fetch: @escaping Fetch, learn: @escaping Learn = { _ in }) throws {
        let target = first
        self.operation = operation
        self.origin = origin
        self.fetch = fetch
        self.learn = learn
        let page = try Blocking.run { try await HTTPPages.load(operation, origin, target, fetch) }
        learn(page.items)
        if operation.pagination == .boxOffset, let total = page.total, let limit = HTTPPages.queryValue(target, "limit").flatMap(Int.init),
           limit > 0, limit <= 1000, total > 10_000 + limit {
            throw ErrorValue(code: "offset_limit", message: """
                this list has \(total) entries, but Box pages by offset only up to 10000, so the last \(total - 10_000 - limit) \
                could not be reached; narrow the list (e.g. filter_term=) or, for users, use box users list (marker paging)
                """, operation: operation.name)
        }
        totalCount = page.total
        pending = page.items
        requested.insert(first.hashValue)
        follow(page.next, after: page.items)
    }

    /// Starts on the page after this one, unless it was read already.
    private func follow(_ next: String?, after items: List) {
        guard let next else { return }
        emptyInARow = items.isEmpty ? emptyInARow + 1 : 0
        guard emptyInARow < HTTPPages.mostEmptyInARow else {
            loopsBack = ErrorValue(code: "empty_pages", message: "the server sent \(emptyInARow) empty pages in a row while saying more remain; the listing stopped there",
                                   operation: operation.name)
            return
        }
        guard requested.insert(next.hashValue).inserted else {
            loopsBack = ErrorValue(code: "pages_loop", message: "the server's next page (\(Sanitize.quoted(next, limit: 200))) is one already read; the listing stopped there rather than going round for ever",
                                   operation: operation.name)
            return
        }
        prefetch = HTTPPages.start(operation, origin, next, fetch)
    }

    func nextPage() throws -> List? {
        if let page = pending {
            pending = nil
            return page
        }
        guard let task = prefetch else {
            if let loopsBack {
                self.loopsBack = nil
                throw loopsBack
            }
            return nil
        }
        prefetch = nil
        let page = try Blocking.run { try await task.value }
        learn(page.items)
        follow(page.next, after: page.items)
        return page.items
    }

    deinit { prefetch?.cancel() }

    static func start(_ operation: Operation, _ origin: String, _ target: String, _ fetch: @escaping Fetch) -> Task<Page, Error> {
        Task { try await load(operation, origin, target, fetch) }
    }

    static func load(_ operation: Operation, _ origin: String, _ target: String, _ fetch: Fetch) async throws -> Page {
        let reply = try await fetch(target)
        let body = try Catalog.decode(reply, operation)
        guard case .record(let r) = body, case .list(let items)? = r[operation.itemsKey ?? "items"] else {
            throw ErrorValue(code: "unexpected_response", message: "the \(operation.service.displayName) answer has no \(operation.itemsKey ?? "items") list", operation: operation.name)
        }
        let next = try nextTarget(operation, target, r, count: items.count).map { try onOrigin($0, origin, operation) }
        return Page(items: items, next: next, total: total(operation, r))
    }

    static func total(_ operation: Operation, _ body: Record) -> Int? {
        switch operation.pagination {
        case .launchDarklyLinks, .losantPages: if case .int(let n)? = body["totalCount"] { return n }
        case .boxOffset: if case .int(let n)? = body["total_count"] { return n }
        case .boxMarker, .none: break
        }
        return nil
    }

    /// The path and query of the page after this one, or nil at the end. Paging fields that
    /// cannot be read, or that cannot move forward, are an error, never the end: a listing
    /// that stopped there passed for whole (`limit: "1"` listed 1 of 3 members, exit 0).
    static func nextTarget(_ operation: Operation, _ target: String, _ body: Record, count: Int) throws -> String? {
        func int(_ key: String) -> Int? { if case .int(let n)? = body[key] { n } else { nil } }
        func unreadable(_ why: String) -> ErrorValue {
            ErrorValue(code: "unexpected_response", message: "the \(operation.service.displayName) answer's paging cannot be followed (\(why)), so the listing stopped here rather than pass for whole", operation: operation.name)
        }
        func shown(_ key: String) -> String { Sanitize.quoted((try? body[key]?.json()) ?? "missing", limit: 40) }
        switch operation.pagination {
        case .none:
            return nil
        case .launchDarklyLinks:
            guard case .record(let links)? = body["_links"], let next = links["next"], !next.isNull else { return nil }
            guard case .record(let link) = next, case .string(let href)? = link["href"] else { throw unreadable("_links.next has no href text") }
            return href
        // The numbers are the server's: a page is followed only if it moves forward and the
        // arithmetic fits (a hostile or broken reply never traps or loops).
        case .losantPages:
            guard let page = int("page"), let perPage = int("perPage"), let total = int("totalCount"), page >= 0, perPage > 0 else {
                throw unreadable("page \(shown("page")), perPage \(shown("perPage")), totalCount \(shown("totalCount"))")
            }
            let (next, o1) = page.addingReportingOverflow(1)
            let (seen, o2) = next.multipliedReportingOverflow(by: perPage)
            guard !o1, !o2, seen < total else { return nil }
            guard count > 0 else { throw unreadable("an empty page \(page) while totalCount \(total) says more remain") }
            return replacing(target, "page", with: String(next))
        case .boxOffset:
            // Followed while the total says more remain, even past an empty page.
            guard let offset = int("offset"), let limit = int("limit"), let total = int("total_count"), offset >= 0, limit > 0 else {
                throw unreadable("offset \(shown("offset")), limit \(shown("limit")), total_count \(shown("total_count"))")
            }
            let (next, overflow) = offset.addingReportingOverflow(limit)
            guard !overflow, next < total else { return nil }
            return replacing(target, "offset", with: String(next))
        case .boxMarker:
            guard case .string(let marker)? = body["next_marker"], !marker.isEmpty else { return nil }
            return replacing(target, "marker", with: marker)
        }
    }

    /// A server-given next page as a path on `origin`: a path of its own, or a URL on the same
    /// origin. A link elsewhere is refused, never followed: the token would go with it.
    /// (An `@` in the query is a value, e.g. an email in a filter; before it, it could be read as
    /// a user name ahead of another host.)
    static func onOrigin(_ link: String, _ origin: String, _ operation: Operation) throws -> String {
        func path(_ s: Substring) -> Bool { !s.prefix { $0 != "?" }.contains("@") && !s.contains("\\") }
        if link.hasPrefix("/"), !link.hasPrefix("//"), path(link[...]) { return link }
        if link.hasPrefix(origin + "/"), path(link.dropFirst(origin.count)) { return String(link.dropFirst(origin.count)) }
        throw ErrorValue(code: "foreign_link", message: "the server's next-page link \(Sanitize.quoted(link, limit: 200)) leads away from \(origin); roster does not follow it (the token would go with it)",
                         operation: operation.name)
    }

    static func queryValue(_ target: String, _ key: String) -> String? {
        guard let q = target.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in q.split(separator: "&") where pair.hasPrefix(key + "=") {
            return String(pair.dropFirst(key.count + 1)).removingPercentEncoding
        }
        return nil
    }

    /// `target` with `key` set to `value` (appended if absent).
    static func replacing(_ target: String, _ key: String, with value: String) -> String {
        let parts = target.split(separator: "?", maxSplits: 1)
        var pairs = parts.count > 1 ? parts[1].split(separator: "&").map(String.init) : []
        let item = PreparedRequest.escape(key) + "=" + PreparedRequest.escape(value)
        if let i = pairs.firstIndex(where: { $0.hasPrefix(key + "=") }) { pairs[i] = item } else { pairs.append(item) }
        return String(parts[0]) + "?" + pairs.joined(separator: "&")
    }
}
