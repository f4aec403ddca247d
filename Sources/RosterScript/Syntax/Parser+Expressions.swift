extension Parser {
    // MARK: pipelines and commands

    /// `head | stage | stage`, where head is a command or an expression.
    func pipeline() throws(Failure) -> Expr {
        try stages(after: try commandOrExpression())
    }

    /// The stages that follow `head`, if any (`head | stage | stage`).
    func stages(after head: Expr) throws(Failure) -> Expr {
        var stages: [Stage] = []
        var added = 0
        defer { links -= added }
        while true {
            let t = peek(.command)
            guard t.kind == .pipe else { break }
            added += 1
            try link(t)
            advance(t)
            skipNewlines()
            stages.append(try stage())
        }
        guard let last = stages.last else { return head }
        return .pipeline(head, stages, head.range.to(last.range))
    }

    /// A statement or parenthesised value starting with a bare word is a command; anything else
    /// (or `name(` with no space, a call) is an expression.
    func commandOrExpression() throws(Failure) -> Expr {
        let t = peek(.command)
        if case .word("if") = t.kind, !isCall(t) { return try conditional(t) }
        if case .word(let w) = t.kind, startsCommand(w), !isCall(t) {
            return .command(try command())
        }
        return try expression()
    }

    func startsCommand(_ word: String) -> Bool {
        guard let first = word.utf8.first, Lexer.isIdentStart(first) else { return false }
        return !Keyword.values.contains(word)
    }

    /// A command; each is a level of nesting (`print (print (print ...))` nested commands
    /// without passing an expression, so no bound held them, and a million crashed the parser).
    func command() throws(Failure) -> Command {
        try nested { () throws(Failure) -> Command in try commandBody() }
    }

    private func commandBody() throws(Failure) -> Command {
        let nameToken = peek(.command)
        guard case .word(let name) = nameToken.kind else {
            throw fail("expected_command", "expected a command name, found \(Parser.describe(nameToken.kind))", nameToken)
        }
        advance(nameToken)
        var arguments: [Argument] = []
        var last = range(nameToken)
        while true {
            let t = peek(.command)
            switch t.kind {
            case .argName(let n):
                advance(t)
                let v = peek(.command)
                guard !v.spaceBefore, let value = try argumentValue() else {
                    throw fail("expected_value", "expected a value right after '\(n)=' (no spaces), e.g. \(n)=value or \(n)=\"two words\"", v)
                }
                arguments.append(.named(n, value, range(t).to(value.range)))
                last = value.range
            case .option(let n):
                advance(t)
                arguments.append(.flag(n, range(t)))
                last = range(t)
            default:
                guard let value = try argumentValue() else {
                    return Command(name: name, nameRange: range(nameToken), arguments: arguments, range: range(nameToken).to(last))
                }
                arguments.append(.positional(value))
                last = value.range
            }
        }
    }

    /// One argument value: a bare word, number, string, `$var.path`, `(...)`, `[...]` or `{...}`.
    /// Nil at the end of the arguments (nothing consumed).
    func argumentValue() throws(Failure) -> Expr? {
        let t = peek(.command)
        switch t.kind {
        case .word(let w):
            if startsCommand(w), isCall(t) { return try postfix(call(w, t)) }
            advance(t)
            if let fields = Parser.itemPath(w) { return .itemField(fields, range(t)) }
            switch w {
            case "true": return .literal(.bool(true), range(t))
            case "false": return .literal(.bool(false), range(t))
            case "null": return .literal(.null, range(t))
            default: return .word(w, range(t))
            }
        case .int, .double:
            // A bare number is a bare word too: its value is the number, and its text goes with
            // it, so a string parameter gets what was typed (`id=00123`, a 21-digit id).
            let e = try postfix(primary(mode: .command))
            if case .literal(_, let r) = e, r.start == t.start, r.end == t.end { return .word(file.slice(t.start..<t.end), r) }
            return e
        case .string, .variable, .lparen, .lbracket, .lbrace:
            return try postfix(primary(mode: .command))
        case .eof, .newline, .semicolon, .pipe, .rparen, .rbracket, .rbrace, .comma:
            return nil
        case .invalid, .badString:
            throw fail("invalid_token", "", t)
        case .argName, .option, .colon, .assign, .plusAssign, .eq, .ne, .lt, .le, .gt, .ge, .plus, .minus, .star, .slash,
             .slashSlash, .percent, .dotDot, .dotDotLess, .identifier, .dotField:
            throw fail("unexpected_argument", "unexpected \(Parser.describe(t.kind)) among command arguments", t)
        }
    }

    /// `.a.b` written as a command argument is a field path of the current item.
    static func itemPath(_ word: String) -> [String]? {
        guard word.hasPrefix(".") else { return nil }
        let parts = word.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
        for p in parts {
            guard let f = p.utf8.first, Lexer.isIdentStart(f), p.utf8.allSatisfy(Lexer.isIdentChar) else { return nil }
        }
        return parts.map(String.init)
    }

    private func stage() throws(Failure) -> Stage {
        let t = peek(.command)
        guard case .word(let w) = t.kind, startsCommand(w) else {
            throw fail("expected_stage", "expected a pipeline stage (where, select, sort, first, count, each, save or a command) after '|', found \(Parser.describe(t.kind))", t)
        }
        switch w {
        case "where":
            advance(t)
            let condition = try expression()
            return .filter(condition, range(t).to(condition.range))
        case "select":
            advance(t)
            var paths: [FieldPath] = []
            while let p = try fieldPath() { paths.append(p) }
            guard let lastPath = paths.last else {
                throw fail("expected_field", "expected one or more fields after 'select', e.g. select .name .email", peek(.expression))
            }
            return .select(paths, range(t).to(lastPath.range))
        case "sort":
            advance(t)
            let path = try fieldPath()
            var descending = false
            var end = path?.range ?? range(t)
            let o = peek(.expression)
            if case .option(let name) = o.kind {
                guard name == "desc" || name == "descending" else {
                    throw fail("unknown_option", "unknown option '--\(name)' for sort; valid: --desc", o)
                }
                advance(o)
                descending = true
                end = range(o)
            }
            return .sort(path, descending: descending, range(t).to(end))
        case "first":
            advance(t)
            let n = try argumentValue()
            return .first(n, range(t).to(n?.range ?? range(t)))
        case "count":
            advance(t)
            return .count(range(t))
        case "each":
            advance(t)
            let body = try block("'each'")
            return .each(body, range(t).to(body.range))
        case "save":
            advance(t)
            guard let path = try argumentValue() else {
                throw fail("expected_path", "expected a file name after 'save', e.g. save out.csv", peek(.command))
            }
            return .save(path, range(t).to(path.range))
        default:
            return .command(try command())
        }
    }

    /// `.a.b` as one path; nil if the next token is no field.
    private func fieldPath() throws(Failure) -> FieldPath? {
        let t = peek(.expression)
        guard case .dotField(let f) = t.kind else { return nil }
        advance(t)
        var fields = [f]
        var end = range(t)
        while true {
            let n = peek(.expression)
            guard !n.spaceBefore, case .dotField(let g) = n.kind else { break }
            if depth + links + fields.count > Parser.maxTreeDepth { throw tooLong(n) }
            advance(n)
            fields.append(g)
            end = range(n)
        }
        return FieldPath(fields: fields, range: range(t).to(end))
    }

    // MARK: expressions, by precedence

    func expression() throws(Failure) -> Expr {
        try nested { () throws(Failure) -> Expr in try or() }
    }

    /// Bounds recursion so that hostile input (ten thousand '(') is an error, not a crash.
    func nested<T>(_ body: () throws(Failure) -> T) throws(Failure) -> T {
        depth += 1
        defer { depth -= 1 }
        if depth > Parser.maxDepth {
            throw fail("too_deep", "expressions and blocks are nested too deeply (more than \(Parser.maxDepth) levels)", peek(.expression))
        }
        return try body()
    }

    /// One more link of a chain (see `links`); the caller takes its links off when it returns.
    func link(_ t: Token) throws(Failure) {
        links += 1
        if depth + links > Parser.maxTreeDepth { throw tooLong(t) }
    }

    func tooLong(_ t: Token) -> Failure {
        fail("too_deep", "an expression is too long or nested too deeply (more than \(Parser.maxTreeDepth) operators, steps and levels in a row); split it with variables", t)
    }

    private func binaryLevel(_ op: (Token.Kind) -> BinaryOp?, _ next: () throws(Failure) -> Expr) throws(Failure) -> Expr {
        var left = try next()
        var added = 0
        defer { links -= added }
        while true {
            let t = peek(.expression)
            guard let op = op(t.kind) else { return left }
            added += 1
            try link(t)
            advance(t)
            skipNewlines()
            let right = try next()
            left = .binary(op, left, right, left.range.to(right.range))
        }
    }

    private func or() throws(Failure) -> Expr {
        try binaryLevel({ $0 == .identifier("or") ? .or : nil }) { () throws(Failure) -> Expr in try and() }
    }

    private func and() throws(Failure) -> Expr {
        try binaryLevel({ $0 == .identifier("and") ? .and : nil }) { () throws(Failure) -> Expr in try not() }
    }

    private func not() throws(Failure) -> Expr {
        let t = peek(.expression)
        if case .identifier("not") = t.kind {
            advance(t)
            let operand = try nested { () throws(Failure) -> Expr in try not() }
            return .unary(.not, operand, range(t).to(operand.range))
        }
        return try comparison()
    }

    private func comparison() throws(Failure) -> Expr {
        try binaryLevel({
            switch $0 {
            case .eq: .equal
            case .ne: .notEqual
            case .lt: .less
            case .le: .lessEqual
            case .gt: .greater
            case .ge: .greaterEqual
            default: nil
            }
        }) {
            () throws(Failure) -> Expr in try rangeExpression()
        }
    }

    private func rangeExpression() throws(Failure) -> Expr {
        let lower = try additive()
        let t = peek(.expression)
        guard t.kind == .dotDot || t.kind == .dotDotLess else { return lower }
        advance(t)
        let upper = try additive()
        return .range(lower, upper, inclusive: t.kind == .dotDot, lower.range.to(upper.range))
    }

    private func additive() throws(Failure) -> Expr {
        try binaryLevel({ $0 == .plus ? .add : $0 == .minus ? .subtract : nil }) { () throws(Failure) -> Expr in try multiplicative() }
    }

    private func multiplicative() throws(Failure) -> Expr {
        try binaryLevel({
            switch $0 {
            case .star: .multiply
            case .slash: .divide
            case .slashSlash: .floorDivide
            case .percent: .modulo
            default: nil
            }
        }) {
            () throws(Failure) -> Expr in try unary()
        }
    }

    private func unary() throws(Failure) -> Expr {
        let t = peek(.expression)
        if t.kind == .minus {
            advance(t)
            let operand = try nested { () throws(Failure) -> Expr in try unary() }
            if case .literal(.int(let n), let r) = operand { return .literal(.int(-n), range(t).to(r)) }
            if case .literal(.double(let d), let r) = operand { return .literal(.double(-d), range(t).to(r)) }
            return .unary(.negate, operand, range(t).to(operand.range))
        }
        return try postfix(primary())
    }

    /// `.field` and `[index]` written right after a value (no space), and `(args)` right after a
    /// variable: `$f(x)` calls the function `$f` holds, as `f(x)` does (without it, `print $f(2)`
    /// printed the function and then 2).
    func postfix(_ base: Expr) throws(Failure) -> Expr {
        var e = base
        var added = 0
        defer { links -= added }
        while true {
            let t = peek(.expression)
            if t.spaceBefore { return e }
            switch t.kind {
            case .dotField, .lbracket, .lparen:
                added += 1
                try link(t)
            default: break
            }
            switch t.kind {
            case .dotField(let f):
                advance(t)
                e = .field(e, f, e.range.to(range(t)))
            case .lbracket:
                advance(t)
                let index = try withNewlines(blank: true) { () throws(Failure) -> Expr in try expression() }
                let close = try expectClose(.rbracket, .expression, opener: t, what: "index")
                e = .index(e, index, e.range.to(range(close)))
            case .lparen:
                guard case .variable(let name, let start) = e else { return e }
                e = try arguments(of: name, from: start)
            default:
                return e
            }
        }
    }

    func primary(mode: Lexer.Mode = .expression) throws(Failure) -> Expr {
        let t = peek(mode)
        switch t.kind {
        case .int(let n): advance(t); return .literal(.int(n), range(t))
        case .double(let d): advance(t); return .literal(.double(d), range(t))
        case .string(let s): advance(t); return try string(s, range(t))
        case .variable(let v): advance(t); return .variable(v, range(t))
        case .dotField:
            let path = try fieldPathExpression()
            return path
        case .identifier(let w):
            switch w {
            case "true": advance(t); return .literal(.bool(true), range(t))
            case "false": advance(t); return .literal(.bool(false), range(t))
            case "null": advance(t); return .literal(.null, range(t))
            default:
                if isCall(t) { return try call(w, t) }
                if w == "if" { return try conditional(t) }
                if Keyword.statements.contains(w) {
                    throw fail("expected_expression", "expected an expression, found '\(w)'", t)
                }
                throw fail("bare_word", "unexpected bare word '\(w)' in an expression; quote a string (\"\(w)\"), read a variable ($\(w)), call a function (\(w)(...)) or run a command in parentheses ((\(w) ...))", t)
            }
        case .lparen:
            advance(t)
            let inner = try withNewlines(blank: true) { () throws(Failure) -> Expr in try pipeline() }
            _ = try expectClose(.rparen, .expression, opener: t, what: "parenthesis")
            return inner
        case .lbracket:
            return try list(t)
        case .lbrace:
            return try record(t)
        case .eof:
            throw fail("expected_expression", "expected an expression, found end of input", t)
        default:
            throw fail("expected_expression", "expected an expression, found \(Parser.describe(t.kind))", t)
        }
    }

    private func fieldPathExpression() throws(Failure) -> Expr {
        guard let path = try fieldPath() else { throw fail("expected_field", "expected a field", peek(.expression)) }
        return .itemField(path.fields, path.range)
    }

    func call(_ name: String, _ t: Token) throws(Failure) -> Expr {
        advance(t)
        return try arguments(of: name, from: range(t))
    }

    /// A call's parenthesised arguments, the name before them already read (from `start`).
    private func arguments(of name: String, from start: SourceRange) throws(Failure) -> Expr {
        let open = peek(.expression)
        advance(open)
        return try withNewlines(blank: true) { () throws(Failure) -> Expr in
            var arguments: [Expr] = []
            while true {
                if peek(.expression).kind == .rparen { break }
                arguments.append(try pipeline())
                let sep = peek(.expression)
                if sep.kind == .comma { advance(sep); continue }
                break
            }
            let close = try expectClose(.rparen, .expression, opener: open, what: "call of '\(name)'")
            return .call(name, arguments, start.to(range(close)))
        }
    }

    private func list(_ open: Token) throws(Failure) -> Expr {
        advance(open)
        return try withNewlines(blank: true) { () throws(Failure) -> Expr in
            var items: [Expr] = []
            while peek(.expression).kind != .rbracket {
                items.append(try commandOrExpression())
                let sep = peek(.expression)
                if sep.kind == .comma { advance(sep); continue }
                break
            }
            let close = try expectClose(.rbracket, .expression, opener: open, what: "list")
            return .list(items, range(open).to(range(close)))
        }
    }

    private func record(_ open: Token) throws(Failure) -> Expr {
        advance(open)
        return try withNewlines(blank: true) { () throws(Failure) -> Expr in
            var entries: [RecordEntry] = []
            while peek(.expression).kind != .rbrace {
                let k = peek(.expression)
                let key: String
                switch k.kind {
                case .identifier(let name): key = name
                case .string(let s) where !s.pieces.contains(where: { if case .text = $0 { return false } else { return true } }):
                    key = s.pieces.map { if case .text(let t) = $0 { return t } else { return "" } }.joined()
                default:
                    throw fail("expected_key", "expected a record key (a name or a quoted string), found \(Parser.describe(k.kind))", k)
                }
                advance(k)
                let colon = peek(.expression)
                guard colon.kind == .colon else {
                    throw fail("expected_colon", "expected ':' after the key '\(key)', found \(Parser.describe(colon.kind))", colon)
                }
                advance(colon)
                entries.append(RecordEntry(key: key, value: try commandOrExpression()))
                let sep = peek(.expression)
                if sep.kind == .comma { advance(sep); continue }
                break
            }
            let close = try expectClose(.rbrace, .expression, opener: open, what: "record")
            return .record(entries, range(open).to(range(close)))
        }
    }

    // MARK: strings

    private func string(_ literal: StringLiteral, _ r: SourceRange) throws(Failure) -> Expr {
        var parts: [StringPart] = []
        for piece in literal.pieces {
            switch piece {
            case .text(let t):
                parts.append(.text(t))
            case .path(let name, let fields, let start, let end):
                if depth + links + fields.count > Parser.maxTreeDepth {
                    throw Failure(diagnostic: Diagnostic("too_deep", "a field path in the string is too long (more than \(Parser.maxTreeDepth) fields)", at: range(start, end)))
                }
                var e = Expr.variable(name, range(start, start + 1 + name.utf8.count))
                for f in fields { e = .field(e, f, range(start, end)) }
                parts.append(.expression(e))
            case .expression(let start, let end):
                let inner = Parser(file: file, range: start..<end)
                inner.depth = depth + 1
                inner.links = links
                let e = try inner.withNewlines(blank: true) { () throws(Failure) -> Expr in try inner.pipeline() }
                let rest = inner.peek(.expression)
                if rest.kind != .eof {
                    throw inner.fail("expected_close", "expected '}' to close '${' in the string, found \(Parser.describe(rest.kind))", rest)
                }
                parts.append(.expression(e))
            }
        }
        if parts.isEmpty { return .literal(.string(""), r) }
        if parts.count == 1, case .text(let t) = parts[0] { return .literal(.string(t), r) }
        return .interpolated(parts, r)
    }
}

