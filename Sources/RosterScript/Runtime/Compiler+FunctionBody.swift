extension Compiler {
    /// A function's body as the expression of its value. Where every `return` is the last
    /// statement of the body, or of an `if` branch every path of which returns, the value comes
    /// straight from the returned expression's closure: no statement closure wraps it in a
    /// `Flow` for the call to take apart again (`fib`'s body: one closure, not five).
    /// Any other body (a `return` inside a loop or a `try`) runs as statements, as before.
    func functionBody(_ body: Block, _ scope: Scope) -> Eval {
        guard Compiler.runsAsValue(body.statements) else {
            let exec = block(body, scope)
            return { f in
                if case .returned(let v) = try exec(f) { return v }
                return .null
            }
        }
        return valued(body.statements[...], scope.child())
    }

    /// Statements in `scope` (a block's own) whose shape `returnsAtEnds` accepted, as their
    /// value: what their `return` gives, or null when they end without one.
    private func valued(_ statements: ArraySlice<Stmt>, _ scope: Scope) -> Eval {
        // The statements before the first that returns run as statements: none of them can end
        // otherwise than normally (`break` and `continue` outside a loop do not compile).
        let k = statements.firstIndex(where: Compiler.returns) ?? statements.endIndex
        let before = Compiler.sequence(statements[..<k].map { CompiledExec(run: statement($0, scope)) }[...])
        guard k < statements.endIndex else {
            if k == statements.startIndex { return { _ in .null } }
            return { f in _ = try before(f); return .null }
        }
        let value: Eval
        switch statements[k] {
        case .returnValue(let e, let range):
            checkReturn(scope, range)
            // (Not `e.map { ... }`: a closure that passes through a generic comes back behind a
            // reabstraction thunk, two calls more each time it runs.)
            if let e { value = expression(e, scope) } else { value = { _ in .null } }
        case .ifElse(let branches, let otherwise, _):
            value = valuedIf(branches, otherwise, then: statements[(k + 1)...], scope)
        default:
            preconditionFailure("returnsAtEnds accepts only a return or an if as a statement that returns")
        }
        if k == statements.startIndex { return value }
        return { f in _ = try before(f); return try value(f) }
    }

    /// An `if` some of whose branches return (each of those on every path), followed by `rest`,
    /// which the other branches (and no branch taken) go on to.
    private func valuedIf(_ branches: [(Expr, Block)], _ otherwise: Block?, then rest: ArraySlice<Stmt>, _ scope: Scope) -> Eval {
        // A branch either returns on every path (its value is the call's) or never returns (it
        // runs, then `rest` gives the value); `returnsAtEnds` allows nothing in between.
        func branch(_ b: Block) -> (value: Eval, returns: Bool) {
            if Compiler.returns(in: b.statements[...]) { return (valued(b.statements[...], scope.child()), true) }
            let run = block(b, scope)
            return ({ f in _ = try run(f); return .null }, false)
        }
        // Compiled in the order `statement` compiles an `if`, then what follows it.
        var compiled: [(test: CompiledTest, value: CompiledEval, returns: Bool)] = []
        for (test, body) in branches {
            let c = condition(test, scope)
            let (value, returns) = branch(body)
            compiled.append((CompiledTest(run: c), CompiledEval(run: value), returns))
        }
        var other: (value: Eval, returns: Bool)?
        if let otherwise { other = branch(otherwise) }
        let next = valued(rest, scope)
        if compiled.count == 1, other == nil {
            let (c, v, returns) = compiled[0]
            // `if $n < 2 { return $n }` then the rest: the commonest shape, one closure.
            if returns {
                return { f in try c.run(f) ? try v.run(f) : try next(f) }
            }
            return { f in
                if try c.run(f) { _ = try v.run(f) }
                return try next(f)
            }
        }
        return { f in
            for b in compiled where try b.test.run(f) {
                let v = try b.value.run(f)
                return b.returns ? v : try next(f)
            }
            if let other {
                let v = try other.value(f)
                if other.returns { return v }
            }
            return try next(f)
        }
    }

    /// Whether a function body runs as its value: its returns are at its ends, and there are
    /// few of them. Each `if` that returns hands on to what follows it, one call inside the
    /// other, where statements run as a balanced tree: a generated body of thousands of
    /// `if $n == k { return v }` keeps to the statements' way and to a shallow stack.
    static func runsAsValue(_ statements: [Stmt]) -> Bool {
        returnCount(statements) <= maxValuedReturns && returnsAtEnds(statements[...])
    }

    static let maxValuedReturns = 64

    /// How many `return`s the statements and their `if`s hold: all of them, for a body
    /// `returnsAtEnds` accepts (it refuses one with a return inside a loop or a `try`).
    static func returnCount(_ statements: [Stmt]) -> Int {
        statements.reduce(0) { n, stmt in
            switch stmt {
            case .returnValue: n + 1
            case .ifElse(let branches, let otherwise, _):
                n + branches.reduce(0) { $0 + returnCount($1.1.statements) } + (otherwise.map { returnCount($0.statements) } ?? 0)
            default: n
            }
        }
    }

    /// Whether every `return` among `statements` is where `valued` can take its value from:
    /// the last statement, or in an `if` whose branches each return on every path or never.
    static func returnsAtEnds(_ statements: ArraySlice<Stmt>) -> Bool {
        for (i, stmt) in zip(statements.indices, statements) where returns(stmt) {
            switch stmt {
            case .returnValue:
                if i != statements.index(before: statements.endIndex) { return false }
            case .ifElse(let branches, let otherwise, _):
                for b in branches.map(\.1) + (otherwise.map { [$0] } ?? []) where returns(b.statements[...]) {
                    guard returnsAtEnds(b.statements[...]), returns(in: b.statements[...]) else { return false }
                }
            default:
                return false   // a return inside a loop or a try
            }
        }
        return true
    }

    /// Whether `statements` (accepted by `returnsAtEnds`) return on every path.
    static func returns(in statements: ArraySlice<Stmt>) -> Bool {
        guard let k = statements.firstIndex(where: returns) else { return false }
        switch statements[k] {
        case .returnValue: return true
        case .ifElse(let branches, let otherwise, _):
            if let otherwise, branches.allSatisfy({ returns(in: $0.1.statements[...]) }), returns(in: otherwise.statements[...]) { return true }
            return returns(in: statements[(k + 1)...])
        default: return false
        }
    }

    /// Whether a statement holds a `return` (of its own function: a nested `def`'s are its own).
    static func returns(_ stmt: Stmt) -> Bool { leavingStatement([stmt], inLoop: true) != nil }

    /// Whether `statements` hold a `return`.
    static func returns(_ statements: ArraySlice<Stmt>) -> Bool { statements.contains(where: returns) }

    /// The errors of a `return` where none may be.
    func checkReturn(_ scope: Scope, _ range: SourceRange) {
        if scope.function.enclosingFunction.isGlobal {
            error("return_outside_function", "'return' outside a function", range)
        } else if scope.function.enclosingFunction.isParallelBody {
            error("return_in_parallel_loop", "'return' cannot leave a parallel loop (its iterations run at once); use 'break' to stop it", range)
        } else if isInsideEach(scope) {
            error("return_in_each", "'return' cannot leave an 'each' block; its last expression is its value", range)
        }
    }
}
