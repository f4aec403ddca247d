#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What reading one line gave.
public enum LineResult: Equatable, Sendable {
    case line(String)
    /// Ctrl-C at the prompt: the partial line is discarded.
    case interrupted
    /// Ctrl-D on an empty line, or the end of input.
    case end
}

/// One seam for line input: libedit on a terminal, plain stdin otherwise.
public protocol LineReader: AnyObject {
    func readLine(prompt: String) -> LineResult
    /// Records a line in history (the caller decides which lines may be kept); returns why
    /// history could not be kept, when it could not.
    @discardableResult func addHistory(_ line: String) -> String?
}

/// Completion, independent of libedit: given the text before the cursor, the candidates for
/// the word being typed.
public protocol LineCompleter: AnyObject {
    /// `replacing` is the length (in characters) of the word before the cursor that the
    /// candidates complete; each candidate is the whole new word.
    func completions(for textBeforeCursor: String) -> (candidates: [String], replacing: Int)
}

/// Reads lines from standard input without any editing: pipes and files.
public final class PlainLineReader: LineReader {
    public init() {}

    public func readLine(prompt: String) -> LineResult {
        guard let line = Swift.readLine(strippingNewline: true) else { return .end }
        return .line(line)
    }

    public func addHistory(_ line: String) -> String? { nil }
}

/// Whether standard input is a terminal (only then is libedit created).
public func standardInputIsTerminal() -> Bool { isatty(0) == 1 }
public func standardOutputIsTerminal() -> Bool { isatty(1) == 1 }
public func standardErrorIsTerminal() -> Bool { isatty(2) == 1 }
