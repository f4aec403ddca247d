/// Everything the language needs from the world: verbs, output, files, environment, clock.
/// The interpreter does no I/O of its own; RosterSession implements this for real, tests fake it.
public protocol ScriptHost: AnyObject {
    /// Every verb as its full word path ("box memberships add"), for completion and suggestions.
    var commandNames: [String] { get }
    /// Matches the leading words of a command (`["box", "memberships", "add", ...]`) to a verb.
    func resolveCommand(_ words: [String]) -> HostCommand?
    /// Parameter names of a verb, for "did you mean" and completion.
    func parameterNames(of command: HostCommand) -> [String]
    /// Values for completing a verb's parameter after `name=`, given what is typed so far:
    /// the values it allows, or live names and ids from the service (empty: any value).
    func valueCompletions(of command: HostCommand, parameter: String, typed: String) -> [String]
    /// Runs a verb. Throws an ErrorValue for a failed operation, or a RuntimeError that points
    /// at one argument (an unknown parameter, say). May be called from several threads at once
    /// (parallel loops).
    func invoke(_ command: HostCommand, _ arguments: [CommandArgument], at site: CallSite) throws -> Value

    /// What is wrong with a verb call whatever its variables will hold (an unknown or missing
    /// parameter, a literal of the wrong type or outside the allowed set), found before anything
    /// runs: the compiler reports these as diagnostics, so `run`, the REPL and `roster check` say
    /// the same at the same places.
    func check(_ command: HostCommand, _ arguments: [StaticArgument], at range: SourceRange) -> [RuntimeError]

    /// Whether the host wants `.iterationEnded` for every iteration of an outermost loop (progress).
    var observesLoops: Bool { get }
    /// Whether an outermost loop that stops early reports its unfinished inputs (.unfinished).
    var recordsUnfinished: Bool { get }
    /// How outermost loops advance, and the failures a loop passes over (--keep-going).
    /// Called one at a time, never concurrently.
    func loopEvent(_ event: LoopEvent)

    /// `print`: text as is (the interpreter adds the newline).
    func write(_ text: String)
    /// A top-level statement's value.
    func display(_ value: Value) throws
    /// A script for `source`, relative to the file that sources it: its name as resolved (what
    /// diagnostics show, what its own `source`s are relative to, what a cycle is found by) and text.
    func readSource(_ path: String, from file: String) throws -> (name: String, text: String)
    /// `open`: a CSV, JSON or NDJSON file as values.
    func open(_ path: String) throws -> Value
    /// `save`: writes a value in the format the extension names.
    func save(_ value: Value, to path: String) throws
    func environment(_ name: String) -> String?
    /// Seconds since 1970.
    func now() -> Double
    /// Sleeps, waking early (with ControlSignal.interrupted) when interrupted.
    func sleep(_ seconds: Double) throws
}

extension ScriptHost {
    public var commandNames: [String] { [] }
    public func resolveCommand(_ words: [String]) -> HostCommand? { nil }
    public func parameterNames(of command: HostCommand) -> [String] { [] }
    public func valueCompletions(of command: HostCommand, parameter: String, typed: String) -> [String] { [] }
    public func invoke(_ command: HostCommand, _ arguments: [CommandArgument], at site: CallSite) throws -> Value {
        throw ErrorValue(code: "unknown_command", message: "unknown command '\(command.name)'")
    }
    public func check(_ command: HostCommand, _ arguments: [StaticArgument], at range: SourceRange) -> [RuntimeError] { [] }
    public var observesLoops: Bool { false }
    public var recordsUnfinished: Bool { false }
    public func loopEvent(_ event: LoopEvent) {}
}

/// Where a verb was called: the statement's place in the source and the index of each
/// enclosing `for` iteration (outermost first). Together they name a call the same way on
/// every run of the same script over the same input, which is what a journal keys on.
public struct CallSite: Sendable {
    public let range: SourceRange
    public let iterations: [Int]
    public init(range: SourceRange, iterations: [Int] = []) {
        self.range = range
        self.iterations = iterations
    }
}

/// What loops tell the host.
public enum LoopEvent: Sendable {
    /// An outermost `for` loop began; `total` is its length when known.
    case started(total: Int?, at: SourceRange)
    /// One of its iterations finished (sent only when the host observes loops).
    case iterationEnded
    /// An iteration failed and the loop goes on (--keep-going): the error, the loop variable's
    /// value and the iteration's place.
    /// `origin` is where the input came from (`hires.csv:4`), when it is a file's row; `key`
    /// the field the loop names its inputs by (`--key`). `unreadable`: the input is the text of
    /// a row the loop's stream could not read (`ErrorValue.unreadableRow`), and the error why.
    case failed(RuntimeError, input: Value, iterations: [Int], origin: String?, key: String?, unreadable: Bool = false)
    /// The outermost loop stopped early (a failure it did not pass over, `exit`, an interrupt):
    /// the input of an iteration that did not finish, or of one never begun (sent only when the
    /// host records unfinished inputs, so that a failures file holds every input not known to
    /// have succeeded).
    /// `error` is the failure that stopped the loop, on the input it failed on (its code,
    /// status and place belong in the record, as a passed-over failure's do).
    /// `origin` and `unreadable` as for `.failed`.
    case unfinished(input: Value, reason: String, error: RuntimeError? = nil, origin: String? = nil, unreadable: Bool = false)
    /// The inputs not begun could not all be listed (why): the host must say so.
    case unfinishedCut(reason: String)
    /// The outermost loop ended, however it ended.
    case ended
}

/// A verb the host recognised, and how many words of the command line name it.
public struct HostCommand: Sendable {
    public let name: String
    public let wordCount: Int
    public init(name: String, wordCount: Int) {
        self.name = name
        self.wordCount = wordCount
    }
}

/// One evaluated argument of a command, with where it was written.
public struct CommandArgument: Sendable {
    public enum Kind: Sendable {
        case positional(Value)
        case named(String, Value)
        case flag(String)
    }
    public let kind: Kind
    public let range: SourceRange
    /// The text of a bare word the value was read from (`00123` read as 123), else nil.
    public let bareWord: String?
    public init(kind: Kind, range: SourceRange, bareWord: String? = nil) {
        self.kind = kind
        self.range = range
        self.bareWord = bareWord
    }
}

/// A verb's argument as the compiler sees it: its value when it is a literal (a bare word, a
/// number, a string, a list of them), nil when only running the script can tell.
public struct StaticArgument: Sendable {
    public enum Kind: Sendable {
        case positional(Value?)
        case named(String, Value?)
        case flag(String)
    }
    public let kind: Kind
    public let range: SourceRange
    /// The text of a bare word, as typed.
    public let bareWord: String?
    public init(kind: Kind, range: SourceRange, bareWord: String? = nil) {
        self.kind = kind
        self.range = range
        self.bareWord = bareWord
    }
}

/// A failure the language reports with a position: `file:line:col: error: message`.
public struct RuntimeError: Error, Sendable {
    public var error: ErrorValue
    public var range: SourceRange
    public var notes: [Diagnostic.Note] = []
    /// The input row an enclosing loop was on when it failed (`hires.csv:4: note: the row: email=...`).
    public var row: String?

    public init(_ error: ErrorValue, at range: SourceRange) {
        self.error = error
        self.range = range
        if self.error.location == nil { self.error.location = range.description }
    }

    public var diagnostic: Diagnostic {
        var d = Diagnostic(error.code, error.summary, at: range, notes: notes)
        // A caught error raised again (`fail($e)`) keeps the place it was first raised.
        if let first = error.location, first != range.description { d.trailer.append("\(first): note: raised here first") }
        if let row { d.trailer.append(row) }
        return d
    }
}

/// Unwinds the interpreter and cannot be caught by `try`.
public enum ControlSignal: Error, Sendable {
    case exit(Int32)
    case interrupted
}

/// Syntax or compile errors in a program: nothing of it ran, though statements before a
/// `source` of it may have (`afterRunning`, an exit code of 70 rather than 65).
public struct SyntaxErrors: Error, Sendable {
    public let diagnostics: [Diagnostic]
    public var afterRunning = false

    public init(diagnostics: [Diagnostic], afterRunning: Bool = false) {
        self.diagnostics = diagnostics
        self.afterRunning = afterRunning
    }

    /// An entry that needs more lines (the REPL reads on); never a sourced file's errors.
    public var isIncomplete: Bool { !afterRunning && !diagnostics.isEmpty && diagnostics.allSatisfy(\.isIncomplete) }
}

import Synchronization

/// Ctrl-C: the session's signal handler sets it; loops, calls and sleeps check it.
public enum Interrupt {
    static let flag = Atomic<Bool>(false)

    public static func request() { flag.store(true, ordering: .relaxed) }
    public static func clear() { flag.store(false, ordering: .relaxed) }
    public static var isRequested: Bool { flag.load(ordering: .relaxed) }

    @inline(__always) static func check() throws(ControlSignal) {
        if flag.load(ordering: .relaxed) { throw ControlSignal.interrupted }
    }

    /// Readings that must go on after Ctrl-C: a stopped loop lists the inputs it never began
    /// (for the failures file), which reading its stream to the end would otherwise refuse.
    static let collecting = Atomic<Int>(0)

    /// `check` for reading a stream: not while a stopped loop collects its unbegun inputs.
    @inline(__always) static func checkReading() throws(ControlSignal) {
        if flag.load(ordering: .relaxed), collecting.load(ordering: .relaxed) == 0 { throw ControlSignal.interrupted }
    }

    static func collectingUnfinished<T>(_ body: () throws -> T) rethrows -> T {
        collecting.add(1, ordering: .relaxed)
        defer { collecting.subtract(1, ordering: .relaxed) }
        return try body()
    }
}
