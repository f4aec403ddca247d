import OrderedCollections

/// Records keep their keys in insertion order.
public typealias Record = OrderedDictionary<String, Value>

/// A value of the language.
public enum Value: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([Value])
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

    public init(code: String, message: String, status: Int? = nil, operation: String? = nil,
                requestID: String? = nil, body: Value? = nil, location: String? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.operation = operation
        self.requestID = requestID
        self.body = body
        self.location = location
    }

    public static let fieldNames = ["status", "code", "message", "operation", "request_id", "location", "body"]

    func field(_ name: String) -> Value {
        switch name {
        case "status": status.map { .int($0) } ?? .null
        case "code": .string(code)
        case "message": .string(message)
        case "operation": operation.map { .string($0) } ?? .null
        case "request_id": requestID.map { .string($0) } ?? .null
        case "location": location.map { .string($0) } ?? .null
        case "body": body ?? .null
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

/// A host-provided source of pages, pulled only when the consumer needs more items.
public protocol PageSource: AnyObject, Sendable {
    /// The next page, or nil when there is none.
    func nextPage() throws -> [Value]?
    /// The total number of items, when the service says.
    var totalCount: Int? { get }
}

/// A lazy, single-pass sequence of values holding at most one page in memory.
public final class ValueStream: @unchecked Sendable {
    public let label: String
    private var pull: () throws -> Value?
    private var page: [Value] = []
    private var index = 0
    private var source: PageSource?
    private(set) public var started = false
    private(set) public var finished = false
    public let totalCount: Int?
    /// For a stream that can be read again (a file): a fresh reader, made each time it is read.
    private let reopen: (() throws -> () throws -> Value?)?

    /// A stream over a host's pages.
    public init(label: String, source: PageSource) {
        self.label = label
        self.source = source
        self.totalCount = source.totalCount
        self.pull = { nil }
        self.reopen = nil
    }

    /// A stream computed item by item (lazy pipeline stages).
    public init(label: String, totalCount: Int? = nil, next: @escaping () throws -> Value?) {
        self.label = label
        self.totalCount = totalCount
        self.pull = next
        self.reopen = nil
    }

    /// A stream that each consumer reads from the start (rows of a file): `reader` makes a
    /// fresh reader, and fails (say, the file is gone) with an ErrorValue.
    public init(label: String, rereadable reader: @escaping () throws -> () throws -> Value?) {
        self.label = label
        self.totalCount = nil
        self.pull = { nil }
        self.reopen = reader
    }

    /// Marks the stream as taken by a consumer; a second consumer is an error, unless the
    /// stream can be read again, which then starts over.
    func begin() throws(ErrorValue) {
        if let reopen {
            do { pull = try reopen() } catch let e as ErrorValue { throw e } catch {
                throw ErrorValue(code: "read_failed", message: "\(label): \(error)")
            }
            started = true
            finished = false
            return
        }
        guard !started else {
            throw ErrorValue(code: "stream_consumed", message: "the result of '\(label)' was already iterated; a stream is read once: run the command again, or keep it with 'first N'")
        }
        started = true
    }

    public func next() throws -> Value? {
        if finished { return nil }
        if let source {
            while index >= page.count {
                guard let next = try source.nextPage() else {
                    finished = true
                    page = []
                    return nil
                }
                page = next
                index = 0
            }
            let v = page[index]
            index += 1
            return v
        }
        guard let v = try pull() else {
            finished = true
            return nil
        }
        return v
    }
}

/// A user-defined function: a closure over the frame it was defined in.
public final class Function: @unchecked Sendable {
    public let name: String
    public let parameterNames: [String]
    /// Parameters whose default is `true` or `false`: `--name` alone sets them.
    let flagParameters: Set<String>
    let defaults: [Eval?]
    let body: Exec
    let frameSize: Int
    let closure: Frame
    let range: SourceRange

    init(name: String, parameterNames: [String], flagParameters: Set<String>, defaults: [Eval?], body: @escaping Exec, frameSize: Int, closure: Frame, range: SourceRange) {
        self.name = name
        self.parameterNames = parameterNames
        self.flagParameters = flagParameters
        self.defaults = defaults
        self.body = body
        self.frameSize = frameSize
        self.closure = closure
        self.range = range
    }
}

extension Value {
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
