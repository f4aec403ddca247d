/// The syntax tree: enums and structs, handled by exhaustive switches. Every node has its range.

public enum Literal: Sendable, Equatable {
    case null, bool(Bool), int(Int), double(Double), string(String)
}

public enum UnaryOp: String, Sendable { case negate = "-", not = "not" }

public enum BinaryOp: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", floorDivide = "//", modulo = "%"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case and, or
}

public enum StringPart: Sendable {
    case text(String)
    case expression(Expr)
}

public struct RecordEntry: Sendable {
    public let key: String
    public let value: Expr
}

public indirect enum Expr: Sendable {
    case literal(Literal, SourceRange)
    /// A bare word in argument position: a string to the language, a possible verb word to the host.
    case word(String, SourceRange)
    case interpolated([StringPart], SourceRange)
    case variable(String, SourceRange)
    /// `.a.b`: a field path of the current pipeline item (`$it`); empty path is the item itself.
    case itemField([String], SourceRange)
    case field(Expr, String, SourceRange)
    case index(Expr, Expr, SourceRange)
    case list([Expr], SourceRange)
    case record([RecordEntry], SourceRange)
    case unary(UnaryOp, Expr, SourceRange)
    case binary(BinaryOp, Expr, Expr, SourceRange)
    case range(Expr, Expr, inclusive: Bool, SourceRange)
    case call(String, [Expr], SourceRange)
    case command(Command)
    case pipeline(Expr, [Stage], SourceRange)
    /// `if c { a } else { b }` as a value: the chosen block's last expression (null if it ends
    /// otherwise, or no branch is taken).
    case conditional([(Expr, Block)], Block?, SourceRange)

    public var range: SourceRange {
        switch self {
        case .literal(_, let r), .word(_, let r), .interpolated(_, let r), .variable(_, let r),
             .itemField(_, let r), .field(_, _, let r), .index(_, _, let r), .list(_, let r),
             .record(_, let r), .unary(_, _, let r), .binary(_, _, _, let r), .range(_, _, _, let r),
             .call(_, _, let r), .pipeline(_, _, let r), .conditional(_, _, let r):
            return r
        case .command(let c):
            return c.range
        }
    }
}

public enum Argument: Sendable {
    case positional(Expr)
    case named(String, Expr, SourceRange)
    /// `--name`: a flag, or an option whose value is the next positional (the binder decides).
    case flag(String, SourceRange)
}

public struct Command: Sendable {
    public let name: String
    public let nameRange: SourceRange
    public let arguments: [Argument]
    public let range: SourceRange
}

public struct FieldPath: Sendable {
    public let fields: [String]
    public let range: SourceRange
}

public enum Stage: Sendable {
    case filter(Expr, SourceRange)                      // where
    case select([FieldPath], SourceRange)
    case sort(FieldPath?, descending: Bool, SourceRange)
    case first(Expr?, SourceRange)
    case count(SourceRange)
    case each(Block, SourceRange)
    case save(Expr, SourceRange)
    /// Any other command: the piped value becomes its first positional argument.
    case command(Command)

    public var range: SourceRange {
        switch self {
        case .filter(_, let r), .select(_, let r), .sort(_, _, let r), .first(_, let r), .count(let r),
             .each(_, let r), .save(_, let r):
            return r
        case .command(let c):
            return c.range
        }
    }
}

public struct Block: Sendable {
    public let statements: [Stmt]
    public let range: SourceRange
}

public struct Parameter: Sendable {
    public let name: String
    public let defaultValue: Expr?
    public let range: SourceRange
}

public struct FunctionDecl: Sendable {
    public let name: String
    public let parameters: [Parameter]
    public let body: Block
    public let range: SourceRange
}

public enum PathStep: Sendable {
    case field(String)
    case index(Expr)
}

public struct LoopOptions: Sendable {
    public var parallel: Expr?
    public var keepGoing = false
    /// `--key FIELD`: the input's field that names it when its iteration fails.
    public var key: String?
}

public indirect enum Stmt: Sendable {
    case expression(Expr)
    case declare(String, Expr, SourceRange)                         // let
    case assign(String, [PathStep], Expr, SourceRange)              // $x.a[0] = v
    case append(String, [PathStep], Expr, SourceRange)              // $x.a += v (in place)
    case ifElse([(Expr, Block)], Block?, SourceRange)
    case forIn(String, Expr, LoopOptions, Block, SourceRange)
    case whileLoop(Expr, Block, SourceRange)
    case breakLoop(SourceRange)
    case continueLoop(SourceRange)
    case function(FunctionDecl)
    case returnValue(Expr?, SourceRange)
    case tryCatch(Block, String?, Block, SourceRange)
    case exit(Expr?, SourceRange)
    case source(Expr, SourceRange)

    public var range: SourceRange {
        switch self {
        case .expression(let e): return e.range
        case .declare(_, _, let r), .assign(_, _, _, let r), .append(_, _, _, let r), .ifElse(_, _, let r), .forIn(_, _, _, _, let r),
             .whileLoop(_, _, let r), .breakLoop(let r), .continueLoop(let r), .returnValue(_, let r),
             .tryCatch(_, _, _, let r), .exit(_, let r), .source(_, let r):
            return r
        case .function(let f): return f.range
        }
    }
}
