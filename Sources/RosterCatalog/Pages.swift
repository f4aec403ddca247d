import Foundation
import RosterScript

/// A paginated list as the language's lazy stream: the first page is fetched when the command
/// runs (so errors and totals come at once), each later page only as the consumer reaches it,
/// with the next one prefetched while the current one is used.
final class HTTPPages: PageSource, @unchecked Sendable {
    typealias Fetch = @Sendable (String) async throws -> WireReply

    let operation: Operation
    let fetch: Fetch
    let totalCount: Int?
    private var pending: [Value]?
    private var prefetch: Task<Page, Error>?

    struct Page: Sendable {
        let items: [Value]
        let next: String?
        let total: Int?
    }

    /// Fetches the first page (blocking the interpreter's thread) and starts on the second.
    init(operation: Operation, first target: String, fetch: @escaping Fetch) throws {
        self.operation = operation
        self.fetch = fetch
        let page = try Blocking.run { try await HTTPPages.load(operation, target, fetch) }
        if operation.pagination == .boxOffset, let total = page.total, let limit = HTTPPages.queryValue(target, "limit").flatMap(Int.init),
           total > 10_000 + limit {
            throw ErrorValue(code: "offset_limit", message: """
                this list has \(total) entries, but Box pages by offset only up to 10000, so the last \(total - 10_000 - limit) \
                could not be reached; narrow the list (e.g. filter_term=) or, for users, use box users list (marker paging)
                """, operation: operation.name)
        }
        totalCount = page.total
        pending = page.items
        if let next = page.next { prefetch = HTTPPages.start(operation, next, fetch) }
    }

    func nextPage() throws -> [Value]? {
        if let page = pending {
            pending = nil
            return page
        }
        guard let task = prefetch else { return nil }
        prefetch = nil
        let page = try Blocking.run { try await task.value }
        if let next = page.next { prefetch = HTTPPages.start(operation, next, fetch) }
        return page.items
    }

    deinit { prefetch?.cancel() }

    static func start(_ operation: Operation, _ target: String, _ fetch: @escaping Fetch) -> Task<Page, Error> {
        Task { try await load(operation, target, fetch) }
    }

    static func load(_ operation: Operation, _ target: String, _ fetch: Fetch) async throws -> Page {
        let reply = try await fetch(target)
        let body = try Catalog.decode(reply, operation)
        guard case .record(let r) = body, case .list(let items)? = r[operation.itemsKey ?? "items"] else {
            throw ErrorValue(code: "unexpected_response", message: "the \(operation.service.displayName) answer has no \(operation.itemsKey ?? "items") list", operation: operation.name)
        }
        return Page(items: items, next: nextTarget(operation, target, r, count: items.count), total: total(operation, r))
    }

    static func total(_ operation: Operation, _ body: Record) -> Int? {
        switch operation.pagination {
        case .launchDarklyLinks, .losantPages: if case .int(let n)? = body["totalCount"] { return n }
        case .boxOffset: if case .int(let n)? = body["total_count"] { return n }
        case .boxMarker, .none: break
        }
        return nil
    }

    /// The path and query of the page after this one, or nil at the end.
    static func nextTarget(_ operation: Operation, _ target: String, _ body: Record, count: Int) -> String? {
        func int(_ key: String) -> Int? { if case .int(let n)? = body[key] { n } else { nil } }
        switch operation.pagination {
        case .none:
            return nil
        case .launchDarklyLinks:
            guard case .record(let links)? = body["_links"], case .record(let next)? = links["next"], case .string(let href)? = next["href"] else { return nil }
            return href
        case .losantPages:
            guard let page = int("page"), let perPage = int("perPage"), let total = int("totalCount"), (page + 1) * perPage < total, count > 0 else { return nil }
            return replacing(target, "page", with: String(page + 1))
        case .boxOffset:
            guard let offset = int("offset"), let limit = int("limit"), let total = int("total_count"), offset + limit < total, count > 0 else { return nil }
            return replacing(target, "offset", with: String(offset + limit))
        case .boxMarker:
            guard case .string(let marker)? = body["next_marker"], !marker.isEmpty else { return nil }
            return replacing(target, "marker", with: marker)
        }
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
