/// Everything the language needs from the world: verbs, output, files, environment, clock.
/// The interpreter does no I/O of its own; RosterSession implements this for real, tests fake it.
public protocol ScriptHost: AnyObject {
    /// Every verb as its full word path ("box memberships add"), for completion and suggestions.
    var commandNames: [String] { get }
    /// Matches the leading words of a command (`["box", "memberships", "add", ...]`) to a verb.
    func resolveCommand(_ words: [String]) -> HostCommand?
    /// Parameter names of a verb, for "did you mean" and completion.
    func parameterNames(of command: HostCommand) -> [String]
    /// Runs a verb. Throws an ErrorValue for a failed operation, or a RuntimeError that points
    /// at one argument (an unknown parameter, say).
    func invoke(_ command: HostCommand, _ arguments: [CommandArgument], at range: SourceRange) throws -> Value

    /// `print`: text as is (the interpreter adds the newline).
    func write(_ text: String)
    /// A top-level statement's value.
    func display(_ value: Value) throws
    /// The text of a script for `source`, relative to the file that sources it.
    func readSource(_ path: String, from file: String) throws -> String
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
    public func invoke(_ command: HostCommand, _ arguments: [CommandArgument], at range: SourceRange) throws -> Value {
        throw ErrorValue(code: "unknown_command", message: "unknown command '\(command.name)'")
    }
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
    public init(kind: Kind, range: SourceRange) {
        self.kind = kind
        self.range = range
    }
}

/// A failure the language reports with a position: `file:line:col: error: message`.
public struct RuntimeError: Error, Sendable {
    public var error: ErrorValue
    public var range: SourceRange
    public var notes: [Diagnostic.Note] = []

    public init(_ error: ErrorValue, at range: SourceRange) {
        self.error = error
        self.range = range
        if self.error.location == nil { self.error.location = range.description }
    }

    public var diagnostic: Diagnostic {
        Diagnostic(error.code, error.summary, at: range, notes: notes)
    }
}

/// Unwinds the interpreter and cannot be caught by `try`.
public enum ControlSignal: Error, Sendable {
    case exit(Int32)
    case interrupted
}

/// Syntax or compile errors in a program (nothing of it ran).
public struct SyntaxErrors: Error, Sendable {
    public let diagnostics: [Diagnostic]
    public var isIncomplete: Bool { !diagnostics.isEmpty && diagnostics.allSatisfy(\.isIncomplete) }
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
}
