extension Parser {
    func statement() throws(Failure) -> Stmt {
        try nested { () throws(Failure) -> Stmt in try statementBody() }
    }

    private func statementBody() throws(Failure) -> Stmt {
        let t = peek(.command)
        if case .word(let w) = t.kind, Keyword.statements.contains(w), !isCall(t) {
            switch w {
            case "let": return try declaration(t)
            case "if": return try ifStatement(t)
            case "for": return try forStatement(t)
            case "while": return try whileStatement(t)
            case "break": advance(t); return .breakLoop(range(t))
            case "continue": advance(t); return .continueLoop(range(t))
            case "def": return try functionDeclaration(t)
            case "return": return try returnStatement(t)
            case "try": return try tryStatement(t)
            case "exit": return try exitStatement(t)
            case "source": return try sourceStatement(t)
            default:
                throw fail("misplaced_keyword", "'\(w)' cannot start a statement", t)
            }
        }
        if case .variable = t.kind, let assignment = try assignment() { return assignment }
        return .expression(try pipeline())
    }

    /// `name(` with no space: a function call, even when the name is a keyword-like word.
    func isCall(_ t: Token) -> Bool {
        let next = peek(after: t, .expression)
        return next.kind == .lparen && !next.spaceBefore
    }

    /// Looks at the token after `t` without consuming anything.
    func peek(after t: Token, _ mode: Lexer.Mode) -> Token {
        let saved = position
        advance(t)
        let next = peek(mode)
        position = saved
        cacheReset()
        return next
    }

    func identifier(_ what: String) throws(Failure) -> (String, Token) {
        let t = peek(.expression)
        guard case .identifier(let name) = t.kind else {
            throw fail("expected_name", "expected \(what), found \(Parser.describe(t.kind))", t)
        }
        if Keyword.all.contains(name) {
            throw fail("keyword_as_name", "'\(name)' is a keyword and cannot be used as \(what)", t)
        }
        advance(t)
        return (name, t)
    }

    private func declaration(_ keyword: Token) throws(Failure) -> Stmt {
        advance(keyword)
        var nameToken = peek(.expression)
        if case .variable(let v) = nameToken.kind {
            throw fail("let_dollar", "write 'let \(v) = ...' without '$': the '$' is for reading a variable", nameToken)
        }
        let (name, t) = try identifier("a variable name after 'let'")
        nameToken = t
        let eq = peek(.expression)
        guard eq.kind == .assign else {
            throw fail("expected_assign", "expected '=' after 'let \(name)', found \(Parser.describe(eq.kind))", eq)
        }
        advance(eq)
        let value = try pipeline()
        return .declare(name, value, range(keyword).to(value.range))
    }

    /// `$x = v`, `$x.a[0] = v`, `$x += v`; nil (having consumed nothing) when the statement is no assignment.
    private func assignment() throws(Failure) -> Stmt? {
        let saved = position
        let v = peek(.expression)
        guard case .variable(let name) = v.kind else { return nil }
        advance(v)
        var path: [PathStep] = []
        while true {
            let t = peek(.expression)
            if t.spaceBefore { break }
            // The same bound as a path that is read: a million steps overflowed the stack.
            if depth + path.count >= Parser.maxTreeDepth { throw tooLong(t) }
            if case .dotField(let f) = t.kind { advance(t); path.append(.field(f)); continue }
            if t.kind == .lbracket {
                advance(t)
                let index = try withNewlines(blank: true) { () throws(Failure) -> Expr in try expression() }
                _ = try expectClose(.rbracket, .expression, opener: t, what: "index")
                path.append(.index(index))
                continue
            }
            break
        }
        let eq = peek(.expression)
        guard eq.kind == .assign || eq.kind == .plusAssign else {
            position = saved
            cacheReset()
            return nil
        }
        advance(eq)
        let value = try pipeline()
        if eq.kind == .plusAssign { return .append(name, path, value, range(v).to(value.range)) }
        return .assign(name, path, value, range(v).to(value.range))
    }

    func block(_ what: String) throws(Failure) -> Block {
        let open = peek(.command)
        guard open.kind == .lbrace else {
            throw fail("expected_block", "expected '{' to start the body of \(what), found \(Parser.describe(open.kind))", open)
        }
        advance(open)
        return try withNewlines(blank: false) { () throws(Failure) -> Block in
            var statements: [Stmt] = []
            while true {
                skipSeparators()
                let t = peek(.command)
                if t.kind == .rbrace { advance(t); return Block(statements: statements, range: range(open).to(range(t))) }
                if t.kind == .eof {
                    _ = try expectClose(.rbrace, .command, opener: open, what: "block of \(what)")
                }
                if let s = statementRecovering() { statements.append(s) }
            }
        }
    }

    /// `if` where a value is wanted: the statement's branches, as an expression.
    func conditional(_ keyword: Token) throws(Failure) -> Expr {
        guard case .ifElse(let branches, let otherwise, let r) = try ifStatement(keyword) else {
            throw fail("expected_expression", "expected an if expression", keyword)
        }
        return .conditional(branches, otherwise, r)
    }

    private func ifStatement(_ keyword: Token) throws(Failure) -> Stmt {
        advance(keyword)
        var branches: [(Expr, Block)] = []
        let condition = try expression()
        branches.append((condition, try block("'if'")))
        var elseBlock: Block?
        var last = branches[0].1.range
        while true {
            let saved = position
            skipNewlines()
            let t = peek(.command)
            guard case .word("else") = t.kind else { position = saved; cacheReset(); break }
            advance(t)
            let next = peek(.command)
            if case .word("if") = next.kind {
                advance(next)
                let c = try expression()
                let b = try block("'else if'")
                branches.append((c, b))
                last = b.range
                continue
            }
            let b = try block("'else'")
            elseBlock = b
            last = b.range
            break
        }
        return .ifElse(branches, elseBlock, range(keyword).to(last))
    }

    private func forStatement(_ keyword: Token) throws(Failure) -> Stmt {
        advance(keyword)
        let nameToken = peek(.expression)
        if case .variable(let v) = nameToken.kind {
            throw fail("for_dollar", "write 'for \(v) in ...' without '$'", nameToken)
        }
        let (name, _) = try identifier("a loop variable name after 'for'")
        let inToken = peek(.expression)
        guard case .identifier("in") = inToken.kind else {
            throw fail("expected_in", "expected 'in' after 'for \(name)', found \(Parser.describe(inToken.kind))", inToken)
        }
        advance(inToken)
        // `for k in keys($r) | sort { }`: an expression may be piped on. A command still needs
        // parentheses (`for m in (ld members list) { }`): its arguments would take the body's `{`.
        let sequence = try stages(after: try expression())
        var options = LoopOptions()
        while true {
            let t = peek(.expression)
            guard case .option(let o) = t.kind else { break }
            advance(t)
            switch o {
            case "parallel", "concurrency":
                options.parallel = try postfix(primary())
            case "keep-going":
                options.keepGoing = true
            case "key":
                options.key = try identifier("a field name after '--key' (the field that names a failed input, e.g. --key email)").0
            default:
                throw fail("unknown_loop_option", "unknown loop option '--\(o)'\(Suggest.hint(o, ["parallel", "keep-going", "key"], prefix: "--")); valid: --parallel N, --keep-going, --key FIELD", t)
            }
        }
        let body = try block("'for'")
        return .forIn(name, sequence, options, body, range(keyword).to(body.range))
    }

    private func whileStatement(_ keyword: Token) throws(Failure) -> Stmt {
        advance(keyword)
        let condition = try expression()
        let body = try block("'while'")
        return .whileLoop(condition, body, range(keyword).to(body.range))
    }

    private func functionDeclaration(_ keyword: Token) throws(Failure) -> Stmt {
        advance(keyword)
        let (name, _) = try identifier("a function name after 'def'")
        let open = peek(.expression)
        guard open.kind == .lparen else {
            throw fail("expected_params", "expected '(' to start the parameters of '\(name)', found \(Parser.describe(open.kind))", open)
        }
        advance(open)
        let parameters = try withNewlines(blank: true) { () throws(Failure) -> [Parameter] in
            var parameters: [Parameter] = []
            var seen: Set<String> = []
            while peek(.expression).kind != .rparen {
                let (p, t) = try identifier("a parameter name")
                if !seen.insert(p).inserted { throw fail("duplicate_parameter", "parameter '\(p)' is declared twice", t) }
                var defaultValue: Expr?
                if peek(.expression).kind == .assign {
                    advance(peek(.expression))
                    defaultValue = try expression()
                } else if parameters.last?.defaultValue != nil {
                    throw fail("default_order", "parameter '\(p)' needs a default value: it follows one that has one", t)
                }
                parameters.append(Parameter(name: p, defaultValue: defaultValue, range: range(t)))
                let sep = peek(.expression)
                if sep.kind == .comma { advance(sep); continue }
                if sep.kind != .rparen {
                    _ = try expectClose(.rparen, .expression, opener: open, what: "parameter list")
                }
            }
            advance(peek(.expression))
            return parameters
        }
        let body = try block("'\(name)'")
        return .function(FunctionDecl(name: name, parameters: parameters, body: body, range: range(keyword).to(body.range)))
    }

    private func atStatementEnd() -> Bool {
        switch peek(.command).kind {
        case .eof, .newline, .semicolon, .rbrace: return true
        default: return false
        }
    }

    private func returnStatement(_ keyword: Token) throws(Failure) -> Stmt {
        advance(keyword)
        if atStatementEnd() { return .returnValue(nil, range(keyword)) }
        let value = try pipeline()
        return .returnValue(value, range(keyword).to(value.range))
    }

    private func exitStatement(_ keyword: Token) throws(Failure) -> Stmt {
        advance(keyword)
        if atStatementEnd() { return .exit(nil, range(keyword)) }
        let value = try expression()
        return .exit(value, range(keyword).to(value.range))
    }

    private func sourceStatement(_ keyword: Token) throws(Failure) -> Stmt {
        advance(keyword)
        guard let path = try argumentValue() else {
            throw fail("expected_path", "expected a file name after 'source'", peek(.command))
        }
        return .source(path, range(keyword).to(path.range))
    }

    private func tryStatement(_ keyword: Token) throws(Failure) -> Stmt {
        advance(keyword)
        let body = try block("'try'")
        let saved = position
        skipNewlines()
        let c = peek(.command)
        guard case .word("catch") = c.kind else {
            position = saved
            cacheReset()
            throw fail("expected_catch", "expected 'catch' after the 'try' block, found \(Parser.describe(c.kind))", peek(.command))
        }
        advance(c)
        var name: String?
        if case .identifier = peek(.expression).kind {
            name = try identifier("a name for the caught error").0
        }
        let handler = try block("'catch'")
        return .tryCatch(body, name, handler, range(keyword).to(handler.range))
    }
}
