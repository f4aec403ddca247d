/// One token. The lexer is driven by the parser with a mode, because the same characters mean
/// different things in an expression (`10-2` is arithmetic) and as a command argument
/// (`2024-01-02` is a bare word).
public struct Token: Sendable {
    public enum Kind: Sendable, Equatable {
        case eof, newline, semicolon, pipe
        case lparen, rparen, lbracket, rbracket, lbrace, rbrace, comma, colon
        case assign                         // =
        case plusAssign                     // +=
        case eq, ne, lt, le, gt, ge         // == != < <= > >=
        case plus, minus, star, slash, slashSlash, percent
        case dotDot, dotDotLess             // .. ..<
        case identifier(String)             // expression mode: name, keyword, function
        case word(String)                   // command mode: a bare word
        case argName(String)                // command mode: `name=` (the value follows at once)
        case option(String)                 // `--name`
        case variable(String)               // `$name`
        case dotField(String)               // `.name`
        case int(Int)
        case double(Double)
        case string(StringLiteral)
        case invalid(String)                // a character that cannot start a token; message
        /// A string with a bad escape or no closing quote; the range is the part to point at.
        case badString(message: String, start: Int, end: Int, incomplete: Bool)
    }

    public let kind: Kind
    public let start: Int
    public let end: Int
    /// Whitespace (or a line start) directly before the token: `f(x)` is a call, `f (x)` is not.
    public let spaceBefore: Bool
}

/// A string literal as lexed: raw pieces and interpolation spans, still to be parsed.
public struct StringLiteral: Sendable, Equatable {
    public enum Piece: Sendable, Equatable {
        case text(String)
        /// `$name.path`: the variable and its field names.
        case path(name: String, fields: [String], start: Int, end: Int)
        /// `${ ... }`: the byte range of the expression inside the braces.
        case expression(start: Int, end: Int)
    }
    public let pieces: [Piece]
    public let interpolates: Bool
}

enum Keyword {
    static let statements: Set<String> = [
        "let", "if", "else", "for", "in", "while", "break", "continue", "def", "return",
        "try", "catch", "exit", "source",
    ]
    static let values: Set<String> = ["true", "false", "null", "not", "and", "or"]
    static let all = statements.union(values)
}
