/// Recursive-descent parser. It reports every syntax error it can find: on an error it skips
/// to the end of the statement and goes on. Errors at the end of input caused by something
/// still open are marked incomplete, which the REPL turns into a continuation prompt.
public final class Parser {
    struct Failure: Error { let diagnostic: Diagnostic }

    let file: SourceFile
    let lexer: Lexer
    var position: Int
    private let end: Int
    private(set) var diagnostics: [Diagnostic] = []
    /// Inside ( ) [ ] and record braces newlines are blanks; blocks make them separators again.
    var newlinesAreBlank = false
    private var cache: (position: Int, mode: Lexer.Mode, token: Token)?
    var depth = 0
    static let maxDepth = 200
    /// Links of the chains being built around the current position (`a + b + c`, `.a.b`,
    /// `x[0][1]`, `| s | s`): a loop builds each, but the tree it makes is as deep as nesting,
    /// and everything after the parser (check, compile, run) walks it recursively. Nesting and
    /// links together stay under maxTreeDepth.
    var links = 0
    static let maxTreeDepth = 1000

    public init(file: SourceFile) {
        self.file = file
        self.lexer = Lexer(file: file)
        self.position = 0
        self.end = file.bytes.count
    }

    /// A parser over part of a file (an interpolated `${...}`), with offsets kept absolute.
    init(file: SourceFile, range: Range<Int>) {
        self.file = file
        self.lexer = Lexer(file: file, end: range.upperBound)
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    /// Parses a whole program. The result holds every statement that parsed; `diagnostics`
    /// every error (a program with errors must not run).
    public static func parse(_ file: SourceFile) -> (statements: [Stmt], diagnostics: [Diagnostic]) {
        let parser = Parser(file: file)
        let statements = parser.parseProgram()
        return (statements, parser.diagnostics)
    }

    func parseProgram() -> [Stmt] {
        var statements: [Stmt] = []
        while true {
            skipSeparators()
            let t = peek(.command)
            if t.kind == .eof { break }
            if t.kind == .rbrace {
                report("unexpected_close", "unexpected '}' with no open block", t)
                advance(t)
                continue
            }
            if let s = statementRecovering() { statements.append(s) }
        }
        return statements
    }

    // MARK: tokens

    func peek(_ mode: Lexer.Mode) -> Token {
        if let c = cache, c.position == position, c.mode == mode { return c.token }
        var token: Token
        do {
            token = try lexer.next(at: position, mode: mode)
        } catch {
            let resume = error.incomplete ? end : max(error.resume, error.end)
            token = Token(kind: .badString(message: error.message, start: error.start, end: error.end, incomplete: error.incomplete),
                          start: lexer.skipTrivia(position), end: resume, spaceBefore: true)
        }
        if newlinesAreBlank, token.kind == .newline {
            position = token.end
            return peek(mode)
        }
        cache = (position, mode, token)
        return token
    }

    func cacheReset() { cache = nil }

    func advance(_ token: Token) {
        position = token.end
        cache = nil
    }

    func range(_ start: Int, _ end: Int) -> SourceRange { SourceRange(file: file, start: start, end: end) }
    func range(_ t: Token) -> SourceRange { range(t.start, t.end) }

    func fail(_ id: String, _ message: String, _ t: Token, notes: [Diagnostic.Note] = []) -> Failure {
        switch t.kind {
        case .invalid(let m):
            return Failure(diagnostic: Diagnostic("invalid_token", m, at: range(t)))
        case .badString(let m, let s, let e, let incomplete):
            return Failure(diagnostic: Diagnostic(incomplete ? "unterminated_string" : "bad_escape", m, at: range(s, e), incomplete: incomplete))
        default:
            break
        }
        return Failure(diagnostic: Diagnostic(id, message, at: range(t), notes: notes, incomplete: t.kind == .eof))
    }

    func report(_ id: String, _ message: String, _ t: Token) {
        diagnostics.append(fail(id, message, t).diagnostic)
    }

    func skipNewlines() {
        while true {
            let t = peek(.command)
            guard t.kind == .newline else { return }
            advance(t)
        }
    }

    func skipSeparators() {
        while true {
            let t = peek(.command)
            guard t.kind == .newline || t.kind == .semicolon else { return }
            advance(t)
        }
    }

    static func describe(_ kind: Token.Kind) -> String {
        switch kind {
        case .eof: return "end of input"
        case .newline: return "end of line"
        case .semicolon: return "';'"
        case .pipe: return "'|'"
        case .lparen: return "'('"
        case .rparen: return "')'"
        case .lbracket: return "'['"
        case .rbracket: return "']'"
        case .lbrace: return "'{'"
        case .rbrace: return "'}'"
        case .comma: return "','"
        case .colon: return "':'"
        case .assign: return "'='"
        case .plusAssign: return "'+='"
        case .eq: return "'=='"
        case .ne: return "'!='"
        case .lt: return "'<'"
        case .le: return "'<='"
        case .gt: return "'>'"
        case .ge: return "'>='"
        case .plus: return "'+'"
        case .minus: return "'-'"
        case .star: return "'*'"
        case .slash: return "'/'"
        case .slashSlash: return "'//'"
        case .percent: return "'%'"
        case .dotDot: return "'..'"
        case .dotDotLess: return "'..<'"
        case .identifier(let s), .word(let s): return "'\(s)'"
        case .argName(let s): return "'\(s)='"
        case .option(let s): return "'--\(s)'"
        case .variable(let s): return "'$\(s)'"
        case .dotField(let s): return "'.\(s)'"
        case .int(let n): return "'\(n)'"
        case .double(let d): return "'\(d)'"
        case .string: return "a string"
        case .invalid, .badString: return "an invalid token"
        }
    }

    /// Expects a closing token; the error names the opener and where it was.
    func expectClose(_ kind: Token.Kind, _ mode: Lexer.Mode, opener: Token, what: String) throws(Failure) -> Token {
        let t = peek(mode)
        guard t.kind == kind else {
            let (line, column) = range(opener).location
            let close = Parser.describe(kind)
            throw fail("expected_close", "expected \(close) to close the \(what) opened at \(line):\(column), found \(Parser.describe(t.kind))", t,
                       notes: [.init(message: "\(what) opened here", range: range(opener))])
        }
        advance(t)
        return t
    }

    // MARK: recovery

    func statementRecovering() -> Stmt? {
        do {
            let s = try statement()
            try endOfStatement()
            return s
        } catch {
            diagnostics.append(error.diagnostic)
            synchronize()
            return nil
        }
    }

    private func endOfStatement() throws(Failure) {
        let t = peek(.command)
        switch t.kind {
        case .newline, .semicolon: advance(t)
        case .eof, .rbrace: break
        default:
            throw fail("expected_end", "expected a new line or ';' after the statement, found \(Parser.describe(t.kind))", t)
        }
    }

    /// Skips to the end of the current statement: a newline or ';' outside brackets, or a '}'
    /// that closes the enclosing block (left for the block to take).
    private func synchronize() {
        let saved = newlinesAreBlank
        newlinesAreBlank = false
        defer { newlinesAreBlank = saved }
        var depth = 0
        while true {
            let t = peek(.command)
            switch t.kind {
            case .eof: return
            case .newline, .semicolon:
                if depth == 0 { advance(t); return }
            case .lparen, .lbracket, .lbrace: depth += 1
            case .rparen, .rbracket: depth = max(0, depth - 1)
            case .rbrace:
                if depth == 0 { return }
                depth -= 1
            default: break
            }
            advance(t)
        }
    }

    func withNewlines<T>(blank: Bool, _ body: () throws(Failure) -> T) throws(Failure) -> T {
        let saved = newlinesAreBlank
        newlinesAreBlank = blank
        cache = nil
        defer { newlinesAreBlank = saved; cache = nil }
        return try body()
    }
}

