/// A value of the language.
public enum Value: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list(List)
    case record(Record)
    /// A lazy integer range, `lower..<upper` (already normalised to exclude the end).
    case range(Int, Int)
    /// A lazy, single-pass sequence: a paginated result or a lazy pipeline over one.
    case stream(ValueStream)
    indirect case error(ErrorValue)
    case function(Function)

    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .int: "int"
        case .double: "double"
        case .string: "string"
        case .list: "list"
        case .record: "record"
        case .range: "range"
        case .stream: "stream"
        case .error: "error"
        case .function: "function"
        }
    }

    public var isTruthy: Bool {
        switch self {
        case .null: false
        case .bool(let b): b
        case .int(let n): n != 0
        case .double(let d): d != 0
        case .string(let s): !s.isEmpty
        case .list(let l): !l.isEmpty
        case .record(let r): !r.isEmpty
        case .range(let a, let b): b > a
        case .stream, .error, .function: true
        }
    }

    public var isNull: Bool { if case .null = self { true } else { false } }

    /// The value, moved out, leaving null where it was: unlike a copy followed by an
    /// assignment of null, no retain and release (`+=` grows a list, a text or a record so).
    /// A path update (`Compiler.update`) still copies and nulls: taking there made the
    /// optimizer compile the whole update worse (4% more instructions a record-key assignment).
    @inline(__always) mutating func take() -> Value {
        withUnsafeMutablePointer(to: &self) { p in
            let v = p.move()
            p.initialize(to: .null)
            return v
        }
    }

    /// A list of an array's items (copied into the list's own storage).
    public static func list(_ items: [Value]) -> Value { .list(List(items)) }

    /// A bare word as the language reads one in argument position: a number if it reads as one,
    /// `true`/`false`/`null` if it is one, and a string otherwise (`--var k=v` uses this too).
    public static func bareWord(_ text: String) -> Value {
        switch text {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null": return .null
        default:
            switch Lexer.number(text) {
            case .int(let n)?: return .int(n)
            case .double(let d)?: return .double(d)
            default: return .string(text)
            }
        }
    }

    /// Field access: a missing field, or any field of null, is null.
    public func field(_ name: String) -> Value? {
        switch self {
        case .record(let r): return r[name] ?? .null
        case .null: return .null
        case .error(let e): return e.field(name)
        case .bool, .int, .double, .string, .list, .range, .stream, .function: return nil
        }
    }
}

/// An error as a value: what `catch e` binds, and what an uncaught failure reports.
public struct ErrorValue: Sendable, Error {
    public var code: String
    public var message: String
    /// The HTTP status for a failed operation; null for the language's own errors.
    public var status: Int?
    public var operation: String?
    public var requestID: String?
    /// The vendor's error body, when there is one.
    public var body: Value?
    /// `file:line:col` of the statement that failed, filled in by the interpreter.
    public var location: String?
    /// What a write that partly failed did do: its answer, with `failed` listing the items it
    /// could not apply (`{id, email or name where known, message}`).
    public var partial: Value?
    /// The text of a stream's row that could not be made a value (a CSV line with the wrong
    /// number of fields, a line of bad JSON), thrown by a reading that goes on after it: a loop
    /// over the stream takes it as a failed input of its own, so the row is reported and kept
    /// in a failures file rather than lost.
    public var unreadableRow: String?

    public init(code: String, message: String, status: Int? = nil, operation: String? = nil,
                requestID: String? = nil, body: Value? = nil, location: String? = nil, partial: Value? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.operation = operation
        self.requestID = requestID
        self.body = body
        self.location = location
        self.partial = partial
    }

    public static let fieldNames = ["status", "code", "message", "operation", "request_id", "location", "body", "partial"]

    func field(_ name: String) -> Value {
        switch name {
        case "status": status.map { .int($0) } ?? .null
        case "code": .string(code)
        case "message": .string(message)
        case "operation": operation.map { .string($0) } ?? .null
        case "request_id": requestID.map { .string($0) } ?? .null
        case "location": location.map { .string($0) } ?? .null
        case "body": body ?? .null
        case "partial": partial ?? .null
        default: .null
        }
    }

    public var record: Record {
        var r = Record()
        for name in ErrorValue.fieldNames {
            let v = field(name)
            if !v.isNull { r[name] = v }
        }
        return r
    }

    /// How an uncaught error reads: `box memberships add: 409 conflict: message`.
    public var summary: String {
        var parts: [String] = []
        if let operation { parts.append(operation) }
        if let status { parts.append("\(status) \(code)") }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}

/// A host-provided reading of a listing, page by page, pulled only when the consumer needs more.
public protocol PageSource: AnyObject, Sendable {
    /// The next page, or nil when there is none.
    func nextPage() throws -> List?
}

/// A lazy sequence of values, held as a recipe: each use (a loop, a pipeline stage, `list`, the
/// output) opens a cursor of its own that reads from the start and holds at most one page. A
/// file is read again; a listing is fetched again (its first page, fetched when the command ran,
/// serves the first reading). Immutable once made, so parallel iterations may share one.
public final class ValueStream: @unchecked Sendable {
    public let label: String
    /// The number of items, when the source says (a listing's total).
    public let totalCount: Int?
    /// Opens a cursor; fails with an ErrorValue (a file is gone, a fetch failed).
    private let open: () throws -> StreamCursor
    /// How a table shows it, when its source says (a listing's default columns, as dotted
    /// paths, and the noun its footer counts): display only, the items stay whole.
    public let display: TableHint?

    /// A stream each of whose readings `open` starts.
    public init(label: String, totalCount: Int? = nil, display: TableHint? = nil, open: @escaping () throws -> StreamCursor) {
        self.label = label
        self.totalCount = totalCount
        self.display = display
        self.open = open
    }


    /// A stream over a host's pages: `first` (made when the command ran, its first page already
    /// fetched, so errors and the total come at once) serves the first reading; each later one
    /// starts a new listing with `again`.
    public convenience init(label: String, totalCount: Int?, display: TableHint? = nil, first: PageSource, again: @escaping () throws -> PageSource) {
        let unread = Locked<PageSource?>(first)
        self.init(label: label, totalCount: totalCount, display: display) {
            let pages = try unread.withLock { p -> PageSource? in
                defer { p = nil }
                return p
            } ?? again()
            return StreamCursor(pages: pages)
        }
    }

    /// A new reading from the start.
    public func cursor() throws(ErrorValue) -> StreamCursor {
        do { return try open() } catch let e as ErrorValue { throw e } catch {
            throw ErrorValue(code: "read_failed", message: "\(label): \(error)")
        }
    }
}

/// A listing's table: the columns shown by default (dotted paths) and what its rows are
/// (`members`), for the footer.
public struct TableHint: Sendable {
    public let columns: [String]
    public let noun: String
    /// What a table shows of an item in place of its value (a Losant token past its expiry
    /// reads `active (expired)`): for the eye only; the value itself stays the API's.
    public let shown: (@Sendable (Value) -> Value)?
    /// The user named the columns (`--columns`): one no row has is said, as a likely typo.
    public let chosen: Bool
    public init(columns: [String], noun: String, shown: (@Sendable (Value) -> Value)? = nil, chosen: Bool = false) {
        self.columns = columns
        self.noun = noun
        self.shown = shown
        self.chosen = chosen
    }
}

/// One reading of a stream: not shared, so it needs no lock.
public final class StreamCursor {
    private let pull: () throws -> Value?
    private var finished = false
    /// Whether reading it runs script code (a lazy pipeline stage): a loop that stops early
    /// does not read on to list its unfinished inputs.
    public let runsScript: Bool
    private let originOf: (() -> String?)?
    /// Where the item `next` gave last came from (`hires.csv:4` for a file's row): failures
    /// name the row by it.
    public var origin: String? { originOf?() }

    public init(runsScript: Bool = false, origin: (() -> String?)? = nil, _ pull: @escaping () throws -> Value?) {
        self.runsScript = runsScript
        self.originOf = origin
        self.pull = pull
    }

    /// Items of the pages in order, holding one page at a time.
    public convenience init(pages: PageSource) {
        var page = List()
        var index = 0
        self.init {
            while index >= page.count {
                guard let next = try pages.nextPage() else { return nil }
                page = next
                index = 0
            }
            index += 1
            return page[index - 1]
        }
    }

    /// The next item. Ctrl-C stops every reading here (a builtin counting a stepped range to
    /// Int.max, `len(open("big.csv"))`, ran on past it), as it stops loops.
    public func next() throws -> Value? {
        if finished { return nil }
        try Interrupt.checkReading()
        guard let v = try pull() else {
            finished = true
            return nil
        }
        return v
    }
}

/// A user-defined function: a closure over the frame it was defined in (nil when its body
/// reads no variable of that frame or beyond: a top-level function's globals are found directly).
public final class Function: @unchecked Sendable {
    public let name: String
    public let parameterNames: [String]
    /// parameterNames.count, kept apart: a call compares it without touching the array.
    let arity: Int
    /// Parameters whose default is `true` or `false`: `--name` alone sets them.
    let flagParameters: Set<String>
    let defaults: [Eval?]
    /// Runs the body in a call's frame, giving the call's value.
    let body: Eval
    let frameSize: Int
    let closure: Frame?
    let range: SourceRange

    init(name: String, parameterNames: [String], flagParameters: Set<String>, defaults: [Eval?], body: @escaping Eval, frameSize: Int, closure: Frame?, range: SourceRange) {
        self.name = name
        self.parameterNames = parameterNames
        self.arity = parameterNames.count
        self.flagParameters = flagParameters
        self.defaults = defaults
        self.body = body
        self.frameSize = frameSize
        self.closure = closure
        self.range = range
    }
}

extension Value {
    var isRecord: Bool { if case .record = self { true } else { false } }
    /// A record's keys as strings (empty for anything else).
    var recordKeys: [Value] { if case .record(let r) = self { r.keys.map { .string($0) } } else { [] } }
    /// A string's characters as strings (empty for anything else).
    var characters: [Value] { if case .string(let s) = self { s.map { .string(String($0)) } } else { [] } }

    /// `lower..<upper` (empty when upper <= lower). Every range's length fits in an Int, so
    /// counting, indexing and looping over one never overflow: a longer one is refused here.
    static func range(from lower: Int, upTo upper: Int) throws(ErrorValue) -> Value {
        guard upper > lower else { return .range(lower, lower) }
        guard !upper.subtractingReportingOverflow(lower).overflow else {
            throw ErrorValue(code: "range_too_large", message: "a range from \(lower) to \(upper) would hold more than \(Int.max) integers")
        }
        return .range(lower, upper)
    }

    /// `start`, `start + step`, ... while short of `end` (above it, for a negative step): a plain
    /// range for step 1, else a lazy stream of them, read again by each use as any stream is.
    static func range(from start: Int, to end: Int, step: Int) throws(ErrorValue) -> Value {
        guard step != 0 else { throw ErrorValue(code: "invalid_argument", message: "range needs a step other than 0") }
        if step == 1 { return try range(from: start, upTo: end) }
        guard step > 0 ? end > start : start > end else { return .range(start, start) }
        // The span as an unsigned distance: it fits even when end - start does not.
        let span = step > 0 ? UInt(bitPattern: end) &- UInt(bitPattern: start) : UInt(bitPattern: start) &- UInt(bitPattern: end)
        let (count, overflow) = ((span - 1) / step.magnitude).addingReportingOverflow(1)
        guard !overflow, count <= UInt(Int.max) else {
            throw ErrorValue(code: "range_too_large", message: "a range from \(start) to \(end) by \(step) would hold more than \(Int.max) integers")
        }
        let n = Int(count)
        return .stream(ValueStream(label: "range(\(start), \(end), \(step))", totalCount: n) {
            var taken = 0, next = start
            return StreamCursor {
                guard taken < n else { return nil }
                defer { taken += 1; next = next &+ step }   // past the last item the sum may wrap; it is never read
                return .int(next)
            }
        })
    }

    /// How many items a `for` loop over this value takes, when that is known before it starts.
    var knownCount: Int? {
        switch self {
        case .range(let lo, let hi): max(0, hi - lo)
        case .list(let l): l.count
        case .stream(let s): s.totalCount
        case .record(let r): r.count
        case .string(let s): s.count
        case .null, .bool, .int, .double, .error, .function: nil
        }
    }
}
