/// Turns syntax into closures. Variables resolve here to (depth, slot); what cannot be resolved
/// is a global looked up by name when it runs (a global declared later, or in another REPL entry).
final class Compiler {
    unowned let interpreter: Interpreter
    var diagnostics: [Diagnostic] = []
    /// Reads of a name no scope declared when they were compiled (a global declared later, one a
    /// sourced file declares, or none): `roster check` reports those never declared.
    var unresolvedReads: [(name: String, scope: Scope, range: SourceRange)] = []
    /// Functions and commands called by a name no scope declared when they were compiled, nor
    /// a builtin or verb has: `roster check` reports those the file never declares.
    var unresolvedCalls: [(name: String, diagnostic: () -> Diagnostic)] = []
    /// Calls `name(a, b)` of a top-level name, and what `roster check` needs to know whether
    /// the name surely holds one `def`'s function when they run: how often each top-level name
    /// is bound, the `def`s among those bindings, and the names any statement assigns.
    var globalCalls: [(name: String, count: Int, range: SourceRange)] = []
    /// The same calls in command form (`f 1 2`, `[1] | f 2`, `f b=1`, `len 1 2`): positional
    /// arguments counted (the piped input among them), named ones and flags by name.
    var globalCommandCalls: [(name: String, count: Int, named: [(String, SourceRange)], range: SourceRange)] = []
    /// Assignments to a name no scope declared when they were compiled (`$zz = 1`): `roster
    /// check` reports those never declared.
    var unresolvedWrites: [(name: String, scope: Scope, range: SourceRange)] = []
    var globalBindings: [String: Int] = [:]
    var globalDefs: [String: [FunctionDecl]] = [:]
    var assignedNames: Set<String> = []
    /// Whether the program sources another file (which may declare globals).
    var sources = false

    init(interpreter: Interpreter) { self.interpreter = interpreter }

    func error(_ id: String, _ message: String, _ range: SourceRange) {
        diagnostics.append(Diagnostic(id, message, at: range))
    }

    /// Each top-level statement as a step that yields the value to display (nil for none).
    func compileTopLevel(_ statements: [Stmt], in scope: Scope) -> [(Frame) throws -> Value?] {
        statements.map { stmt in
            if case .expression(let e) = stmt {
                if case .pipeline(let head, let stages, _) = e, stages.allSatisfy(Compiler.keepsItems) {
                    return shownPipeline(head, stages, scope)
                }
                let eval = expression(e, scope)
                return { f in try eval(f) }
            }
            let exec = statement(stmt, scope)
            return { f in
                switch try exec(f) {
                case .normal: return nil
                case .breakLoop, .continueLoop, .returned: return nil
                }
            }
        }
    }

    func declare(_ name: String, _ scope: Scope, _ range: SourceRange) -> Int {
        if scope.function.isGlobal, scope.function.slotCount >= Interpreter.globalCapacity - 1 {
            error("too_many_globals", "too many top-level variables (the limit is \(Interpreter.globalCapacity))", range)
            return 0
        }
        return scope.declare(name)
    }

    // MARK: variables

    enum Resolution {
        /// A local of some enclosing frame.
        case slot(depth: Int, index: Int)
        /// A top-level variable of the global frame, assigned by the time this code runs.
        case known(Int)
        /// A top-level name that may not be assigned yet, or not yet declared: looked up when run.
        case global
    }

    /// Top-level names this program has declared so far, in order: reading one later cannot
    /// find it unassigned, because top-level statements run in order and stop at a failure.
    var declaredGlobals: Set<String> = []

    func resolve(_ name: String, _ scope: Scope) -> Resolution {
        var depth = 0
        var s: Scope? = scope
        while let cur = s {
            if let slot = cur.names[name] {
                guard cur === interpreter.globalScope else {
                    if depth > 0 { Compiler.markReadsOuter(scope, depth) }
                    return .slot(depth: depth, index: slot)
                }
                return declaredGlobals.contains(name) || interpreter.defined[slot] ? .known(slot) : .global
            }
            if let p = cur.parent { s = p } else { s = cur.function.outer; depth += 1 }
        }
        return .global
    }

    /// Marks the `depth` function bodies a read from `scope` reaches out of: their frames need
    /// a parent (Function.closure).
    private static func markReadsOuter(_ scope: Scope, _ depth: Int) {
        var s: Scope? = scope, d = depth
        while let cur = s, d > 0 {
            if let p = cur.parent { s = p } else {
                cur.function.readsOuter = true
                s = cur.function.outer
                d -= 1
            }
        }
    }

    static func undefined(_ name: String, _ scope: Scope, _ range: SourceRange, _ interpreter: Interpreter) -> RuntimeError {
        let candidates = scope.visibleNames.union(interpreter.globalNames)
        return RuntimeError(ErrorValue(code: "undefined_variable", message: "undefined variable '$\(name)'\(Suggest.hint(name, candidates, prefix: "$"))"), at: range)
    }

    func read(_ name: String, _ scope: Scope, _ range: SourceRange) -> Eval {
        switch resolve(name, scope) {
        case .slot(0, let i): return { f in f.slots[i] }
        case .slot(1, let i): return { f in f.parentSlots.unsafelyUnwrapped[i] }
        case .slot(let d, let i): return { f in f.ancestor(d).slots[i] }
        case .known(let i):
            let globals = interpreter.globalFrame
            return { [unowned(unsafe) globals] _ in globals.slots[i] }
        case .global:
            if interpreter.globalScope.names[name] == nil { unresolvedReads.append((name, scope, range)) }
            let interpreter = self.interpreter
            return { [unowned(unsafe) interpreter] _ in
                guard let slot = interpreter.globalScope.names[name], interpreter.defined[slot] else {
                    throw Compiler.undefined(name, scope, range, interpreter)
                }
                return interpreter.globalFrame.slots[slot]
            }
        }
    }

    /// Whether assigning `name` from `scope` would reach past a parallel loop's body.
    func crossesParallelBody(_ name: String, _ scope: Scope) -> Bool {
        var s: Scope? = scope
        while let cur = s {
            if cur.names[name] != nil { return false }
            if let p = cur.parent { s = p } else {
                if cur.function.isParallelBody { return true }
                s = cur.function.outer
            }
        }
        return false
    }

    /// A setter for an existing variable.
    /// The value is consumed: moved into the slot, not copied there and released by the caller.
    func write(_ name: String, _ scope: Scope, _ range: SourceRange) -> (Frame, consuming Value) throws -> Void {
        let interpreter = self.interpreter
        if crossesParallelBody(name, scope) {
            error("assign_in_parallel_loop", "cannot assign '$\(name)' inside a parallel loop: its iterations run at once, so they may not change variables declared outside the loop (declare one inside with 'let', or gather results with a sequential loop or '| each')", range)
        }
        // A frame's own variables (depth 0) are always its activation's; any other may be
        // shared with a parallel loop's other iterations, which is checked when it runs.
        let function = scope.function.name
        switch resolve(name, scope) {
        case .slot(0, let i):
            return { f, v in f.slots[i] = v }
        case .slot(1, let i):
            // A closure's captured variable, through its frame's address of them.
            return { f, v in
                guard Strand.mayWriteParent(of: f) else { throw Compiler.sharedAssignment(name, function, range) }
                f.parentSlots.unsafelyUnwrapped[i] = v
            }
        case .slot(let d, let i):
            return { f, v in
                let target = f.ancestor(d)
                guard Strand.mayWrite(target) else { throw Compiler.sharedAssignment(name, function, range) }
                target.slots[i] = v
            }
        case .known(let i):
            // The slot's address and the frame's epoch, taken now: handing the frame itself to
            // the check, through an unowned reference, cost a retain and a release each time.
            let slot = interpreter.globalFrame.slots + i, epoch = interpreter.globalFrame.epoch
            return { _, v in
                guard Strand.mayWrite(epoch: epoch) else { throw Compiler.sharedAssignment(name, function, range) }
                slot.pointee = v
            }
        case .global:
            if interpreter.globalScope.names[name] == nil { unresolvedWrites.append((name, scope, range)) }
            return { [unowned(unsafe) interpreter] _, v in
                guard let slot = interpreter.globalScope.names[name], interpreter.defined[slot] else {
                    throw Compiler.undefinedAssignment(name, scope, range, interpreter)
                }
                guard Strand.mayWrite(interpreter.globalFrame) else { throw Compiler.sharedAssignment(name, function, range) }
                interpreter.globalFrame.slots[slot] = v
            }
        }
    }

    /// An assignment, inside a parallel loop's iteration, to a variable every iteration shares.
    static func sharedAssignment(_ name: String, _ function: String?, _ range: SourceRange) -> RuntimeError {
        let place = function.map { "'\($0)' cannot assign '$\(name)'" } ?? "cannot assign '$\(name)'"
        return RuntimeError(ErrorValue(code: "assign_in_parallel_loop", message: "\(place) during a parallel loop: the loop's iterations run at once and share the variables declared outside it, which they may read but not change (keep results in the iteration's own variables, or gather them with '| each' or a sequential loop)"), at: range)
    }

    static func undefinedAssignment(_ name: String, _ scope: Scope, _ range: SourceRange, _ interpreter: Interpreter) -> RuntimeError {
        var e = undefined(name, scope, range, interpreter)
        e.error.message = "cannot assign to undeclared variable '$\(name)'; declare it first with 'let \(name) = ...'" + Suggest.hint(name, scope.visibleNames.union(interpreter.globalNames), prefix: "$")
        return e
    }

    /// A `let`: a new slot in this scope (re-declaring makes a new binding).
    /// The value is consumed, as `write`'s is.
    func bind(_ name: String, _ scope: Scope, _ range: SourceRange) -> (Frame, consuming Value) -> Void {
        if scope === interpreter.globalScope {
            globalBindings[name, default: 0] += 1
            let slot = scope.names[name] ?? declare(name, scope, range)
            scope.names[name] = slot
            declaredGlobals.insert(name)
            let interpreter = self.interpreter
            return { [unowned(unsafe) interpreter] f, v in
                f.slots[slot] = v
                interpreter.defined[slot] = true
            }
        }
        let slot = declare(name, scope, range)
        return { f, v in f.slots[slot] = v }
    }

    // MARK: statements

    func block(_ b: Block, _ scope: Scope) -> Exec {
        let inner = scope.child()
        return Compiler.sequence(b.statements.map { CompiledExec(run: statement($0, inner)) }[...])
    }

    /// Compiled pieces run in order, as a balanced tree of pairs, each pair a closure holding
    /// its two halves: walking an array of closures costs a retain and a release of each per
    /// run. `leaf` makes one piece's closure, `pair` runs two halves in turn.
    static func balanced<Piece, Run>(_ pieces: ArraySlice<Piece>, empty: Run, leaf: (Piece) -> Run, pair: (Run, Run) -> Run) -> Run {
        switch pieces.count {
        case 0: return empty
        case 1: return leaf(pieces.first!)
        default:
            let middle = pieces.startIndex + pieces.count / 2
            return pair(balanced(pieces[..<middle], empty: empty, leaf: leaf, pair: pair),
                        balanced(pieces[middle...], empty: empty, leaf: leaf, pair: pair))
        }
    }

    /// Statements run in order until one ends otherwise than normally.
    static func sequence(_ steps: ArraySlice<CompiledExec>) -> Exec {
        // Built of CompiledExec, not bare closures: a closure passed through a generic
        // function comes back behind a reabstraction thunk, a call more per statement.
        balanced(steps, empty: CompiledExec { _ in .normal }, leaf: { $0 }) { a, c in
            CompiledExec { f in
                let r = try a.run(f)
                guard case .normal = r else { return r }
                return try c.run(f)
            }
        }.run
    }

    /// `evals` run in order into memory from `out`: into uninitialized memory when
    /// `initializing`, else over values already there (a frame's null slots).
    static func fill(_ evals: ArraySlice<CompiledEval>, initializing: Bool) -> CompiledFill {
        balanced(evals, empty: CompiledFill { _, _, _ in }, leaf: { e in
            initializing
                ? CompiledFill { f, out, n in
                    (out + n).initialize(to: try e.run(f))
                    n += 1
                }
                : CompiledFill { f, out, n in
                    out[n] = try e.run(f)
                    n += 1
                }
        }) { a, c in
            CompiledFill { f, out, n in
                try a.run(f, out, &n)
                try c.run(f, out, &n)
            }
        }
    }

    /// `evals` run in order, each value appended to the list, which has room for them all and
    /// is the caller's own (a list literal's, just made).
    static func appendAll(_ evals: ArraySlice<CompiledEval>) -> CompiledAppend {
        balanced(evals, empty: CompiledAppend { _, _ in }, leaf: { e in CompiledAppend { f, out in out.appendInRoom(try e.run(f)) } }) { a, c in
            CompiledAppend { f, out in
                try a.run(f, &out)
                try c.run(f, &out)
            }
        }
    }

    func statement(_ stmt: Stmt, _ scope: Scope) -> Exec {
        switch stmt {
        case .expression(let e):
            let eval = expression(e, scope)
            return { f in _ = try eval(f); return .normal }

        case .declare(let name, let e, let range):
            let eval = expression(e, scope)   // before binding: `let x = $x + 1` reads the outer x
            let set = bind(name, scope, range)
            return { f in set(f, try eval(f)); return .normal }

        case .assign(let name, let path, let e, let range):
            assignedNames.insert(name)
            // `$x = $x + e` (e pure) is `$x += e`: an append in place, not a copy.
            if case .binary(.add, let left, let right, let opRange) = e, Compiler.isPure(right), Compiler.names(left, name, path) {
                return appending(name, path, right, opRange, range, scope)
            }
            let eval = expression(e, scope)
            if path.isEmpty {
                let set = write(name, scope, range)
                return { f in try set(f, try eval(f)); return .normal }
            }
            return assigning(name, path, eval, range, scope)

        case .append(let name, let path, let e, let range):
            assignedNames.insert(name)
            return appending(name, path, e, range, range, scope)

        case .ifElse(let branches, let elseBlock, _):
            if branches.count == 1 {
                let c = condition(branches[0].0, scope), b = block(branches[0].1, scope)
                let otherwise: Exec? = if let elseBlock { block(elseBlock, scope) } else { nil }
                return { f in
                    if try c(f) { return try b(f) }
                    return try otherwise?(f) ?? .normal
                }
            }
            let compiled = branches.map { (condition: CompiledTest(run: condition($0.0, scope)), body: CompiledExec(run: block($0.1, scope))) }
            let otherwise: Exec? = if let elseBlock { block(elseBlock, scope) } else { nil }
            return { f in
                for branch in compiled where try branch.condition.run(f) { return try branch.body.run(f) }
                return try otherwise?(f) ?? .normal
            }

        case .forIn(let name, let sequence, let options, let body, let range):
            return forLoop(name, sequence, options, body, range, scope)

        case .whileLoop(let test, let body, _):
            let c = self.condition(test, scope)
            let (b, fresh, _) = loopBody(body, scope, variable: nil)
            return { f in
                while try c(f) {
                    try Interrupt.check()
                    // (Not `fresh.map { ... } ?? f`: that copies `f`, a retain and a release each time.)
                    let flow = if let fresh { try b(Frame.make(capacity: fresh.slotCount, parent: f)) } else { try b(f) }
                    switch flow {
                    case .normal, .continueLoop: continue
                    case .breakLoop: return .normal
                    case .returned(let v): return .returned(v)
                    }
                }
                return .normal
            }

        case .breakLoop(let range):
            if scope.function.loopDepth == 0 { error("break_outside_loop", "'break' outside a loop", range) }
            return { _ in .breakLoop }

        case .continueLoop(let range):
            if scope.function.loopDepth == 0 { error("continue_outside_loop", "'continue' outside a loop", range) }
            return { _ in .continueLoop }

        case .function(let decl):
            return function(decl, scope)

        case .returnValue(let e, let range):
            checkReturn(scope, range)
            guard let e else { return { _ in .returned(.null) } }
            let eval = expression(e, scope)
            return { f in .returned(try eval(f)) }

        case .tryCatch(let body, let name, let handler, _):
            let b = block(body, scope)
            let handlerScope = scope.child()
            let set = name.map { bind($0, handlerScope, handler.range) }
            let h = block(handler, handlerScope)
            return { f in
                do {
                    return try b(f)
                } catch let e as RuntimeError {
                    set?(f, .error(e.error))
                    return try h(f)
                }
            }

        case .exit(let e, let range):
            guard let e else { return { _ in throw ControlSignal.exit(0) } }
            let eval = expression(e, scope)
            return { f in
                let v = try eval(f)
                guard case .int(let n) = v, (0...255).contains(n) else {
                    throw RuntimeError(ErrorValue(code: "invalid_exit_code", message: "exit needs an integer from 0 to 255, got \(try v.json())"), at: range)
                }
                throw ControlSignal.exit(Int32(n))
            }

        case .source(let e, let range):
            sources = true
            if inParallelBody(scope) {
                error("source_in_parallel_loop", "'source' cannot run inside a parallel loop: it defines top-level names, and the loop's iterations run at once; source the file before the loop", range)
            }
            let eval = expression(e, scope)
            let interpreter = self.interpreter
            return { [unowned(unsafe) interpreter] f in
                let path = try eval(f)
                guard case .string(let p) = path else {
                    throw RuntimeError(ErrorValue(code: "invalid_argument", message: "source needs a file name, got \(path.typeName)"), at: range)
                }
                try interpreter.source(p, at: range)
                return .normal
            }
        }
    }

    /// Whether code here runs in a parallel loop's iterations (directly, or in a function
    /// defined inside the body).
    func inParallelBody(_ scope: Scope) -> Bool {
        var context: FunctionContext? = scope.function
        while let c = context {
            if c.isParallelBody { return true }
            context = c.outer?.function
        }
        return false
    }

    func isInsideEach(_ scope: Scope) -> Bool {
        var s: Scope? = scope
        while let cur = s {
            if cur.isEachBody { return true }
            // A loop body run in a frame of its own is still inside what encloses the loop.
            s = cur.parent ?? (cur.function.isLoopBody ? cur.function.outer : nil)
        }
        return false
    }

    private func function(_ decl: FunctionDecl, _ scope: Scope) -> Exec {
        if scope === interpreter.globalScope { globalDefs[decl.name, default: []].append(decl) }
        let set = bind(decl.name, scope, decl.range)
        let context = FunctionContext(outer: scope, isGlobal: false)
        context.name = decl.name
        let top = Scope(parent: nil, function: context)
        for p in decl.parameters { _ = top.declare(p.name) }
        let defaults = decl.parameters.map { p in p.defaultValue.map { expression($0, top) } }
        let body = functionBody(decl.body, top)
        let frameSize = context.slotCount
        let names = decl.parameters.map(\.name)
        let flags = Set(decl.parameters.compactMap { p -> String? in
            if case .literal(.bool, _)? = p.defaultValue { return p.name }
            return nil
        })
        return { f in
            set(f, .function(Function(name: decl.name, parameterNames: names, flagParameters: flags, defaults: defaults, body: body,
                                      frameSize: frameSize, closure: context.readsOuter ? f : nil, range: decl.range)))
            return .normal
        }
    }

    private func forLoop(_ name: String, _ sequence: Expr, _ options: LoopOptions, _ body: Block, _ range: SourceRange, _ scope: Scope) -> Exec {
        if let parallel = options.parallel { return parallelLoop(name, sequence, parallel, options, body, range, scope) }
        let seq = expression(sequence, scope)
        let (b, fresh, slot) = loopBody(body, scope, variable: (name, range))
        let interpreter = self.interpreter
        let keepGoing = options.keepGoing, key = options.key
        return { [unowned(unsafe) interpreter] f in
            let v = try seq(f)
            let loop = LoopTracker(interpreter, keepGoing: keepGoing, key: key, total: v.knownCount, range: range)
            defer { loop.end() }
            var index = 0
            @inline(__always) func run(_ item: Value, from origin: @autoclosure () -> String? = nil) throws -> Flow? {
                // The loop's own frame only when its body defines a function (a closure may keep
                // the iteration's variables); else the body runs in `f`, used as it is (a copy of
                // the reference would be a retain and a release each iteration).
                guard let fresh else { return try run(item, in: f, from: origin()) }
                return try run(item, in: Frame.make(capacity: fresh.slotCount, parent: f), from: origin())
            }
            @inline(__always) func run(_ item: Value, in frame: Frame, from origin: @autoclosure () -> String?) throws -> Flow? {
                frame.slots[slot] = item
                loop.begin(index)
                index += 1
                do {
                    switch try b(frame) {
                    case .normal, .continueLoop: break
                    case .breakLoop: return .normal
                    case .returned(let r): return .returned(r)
                    }
                } catch {
                    let origin = origin()
                    guard loop.passOver(error, input: item, origin: origin, iterations: loop.strand.iterations) else {
                        throw loop.stopping(error, input: item, origin: origin)
                    }
                    return nil
                }
                loop.iterationEnded()
                return nil
            }
            // A loop stopping early hands its unfinished inputs to the host (a failures file keeps
            // them): the one whose iteration failed or was interrupted, then those not begun.
            switch v {
            case .range(let lo, let hi):
                var i = lo
                do {
                    while i < hi {
                        try Interrupt.check()
                        if let done = try run(.int(i)) { return done }
                        i += 1
                    }
                } catch {
                    loop.unfinished(error, current: .int(i)) { i += 1; return i < hi ? .int(i) : nil }
                    throw error
                }
            case .list, .record, .string:
                // A record's keys and a string's characters are looped over as a list.
                let items: List = if case .list(let l) = v { l } else if v.isRecord { List(v.recordKeys) } else { List(v.characters) }
                var i = 0
                do {
                    while i < items.count {
                        try Interrupt.check()
                        if let done = try run(items[i]) { return done }
                        i += 1
                    }
                } catch {
                    loop.unfinished(error, current: items[i]) { i += 1; return i < items.count ? items[i] : nil }
                    throw error
                }
            case .stream(let s):
                let c = try Compiler.cursor(s, sequence.range)
                var current: Value?
                var unreadable = false
                do {
                    while true {
                        let item: Value
                        do {
                            guard let next = try Compiler.pull(c, sequence.range) else { break }
                            item = next
                        } catch let e as RuntimeError where e.error.unreadableRow != nil {
                            // A row the stream could not read is a failed input of its own (its
                            // text), so that it is reported and recorded, never lost.
                            let row = Value.string(e.error.unreadableRow!)
                            (current, unreadable) = (row, true)
                            loop.begin(index)
                            index += 1
                            guard loop.passOver(e, input: row, origin: c.origin, iterations: loop.strand.iterations, unreadable: true) else {
                                throw loop.stopping(e, input: row, origin: c.origin)
                            }
                            (current, unreadable) = (nil, false)
                            continue
                        }
                        current = item
                        try Interrupt.check()
                        if let done = try run(item, from: c.origin) { return done }
                        current = nil
                    }
                } catch {
                    loop.unfinished(error, current: current, origin: current == nil ? nil : c.origin, unreadable: unreadable,
                                    rest: c.runsScript ? nil : { try Compiler.pull(c, sequence.range) }, restOrigin: { c.origin })
                    throw error
                }
            case .null, .bool, .int, .double, .error, .function:
                throw Compiler.notIterable(v, sequence.range)
            }
            return .normal
        }
    }

    /// A loop's body, and its variable's slot. A body that defines a function runs each
    /// iteration in a frame of its own (returned as `fresh`, whose slot count is known once the
    /// body is compiled), so that a function made in one iteration keeps that iteration's
    /// variables: with the body's `let` in the enclosing frame, every such function read the
    /// last iteration's. Other bodies use the enclosing frame (no allocation per iteration).
    private func loopBody(_ body: Block, _ scope: Scope, variable: (String, SourceRange)?) -> (Exec, FunctionContext?, Int) {
        guard Compiler.definesFunction(body.statements) else {
            let loopScope = scope.child()
            let slot = variable.map { declare($0.0, loopScope, $0.1) } ?? 0
            scope.function.loopDepth += 1
            defer { scope.function.loopDepth -= 1 }
            return (block(body, loopScope), nil, slot)
        }
        let context = FunctionContext(outer: scope, isGlobal: false)
        context.isLoopBody = true
        context.loopDepth = 1
        let top = Scope(parent: nil, function: context)
        let slot = variable.map { top.declare($0.0) } ?? 0
        return (block(body, top), context, slot)
    }

    /// Whether statements define a function, here or in a block nested in them.
    static func definesFunction(_ statements: [Stmt]) -> Bool {
        statements.contains { stmt in
            switch stmt {
            case .function: true
            case .ifElse(let branches, let otherwise, _): branches.contains { definesFunction($0.1.statements) } || otherwise.map { definesFunction($0.statements) } == true
            case .forIn(_, _, _, let body, _), .whileLoop(_, let body, _): definesFunction(body.statements)
            case .tryCatch(let body, _, let handler, _): definesFunction(body.statements) || definesFunction(handler.statements)
            default: false
            }
        }
    }

    static func notIterable(_ v: Value, _ range: SourceRange) -> RuntimeError {
        RuntimeError(ErrorValue(code: "not_iterable", message: "cannot loop over \(v.typeName); 'for' takes a list, range, record, string or a command's result"), at: range)
    }

    /// The body runs as a function of its own (one frame per iteration, under the loop's frame),
    /// so iterations on different threads share nothing they could both write.
    private func parallelLoop(_ name: String, _ sequence: Expr, _ width: Expr, _ options: LoopOptions, _ body: Block, _ range: SourceRange, _ scope: Scope) -> Exec {
        let keepGoing = options.keepGoing, key = options.key
        let seq = expression(sequence, scope)
        let workers = expression(width, scope)
        let context = FunctionContext(outer: scope, isGlobal: false)
        context.isParallelBody = true
        context.loopDepth = 1
        let top = Scope(parent: nil, function: context)
        let slot = top.declare(name)
        let b = block(body, top)
        let interpreter = self.interpreter
        return { [unowned(unsafe) interpreter] f in
            let n = try workers(f)
            guard case .int(let k) = n, (1...256).contains(k) else {
                throw RuntimeError(ErrorValue(code: "invalid_argument", message: "--parallel needs an integer from 1 to 256, got \(try n.json())"), at: width.range)
            }
            let sequenceValue = try seq(f)
            // The loop's epoch begins before its items are opened: the workers read them (under
            // the loop's lock), so a lazy stage among them must work on a frame of its own, as
            // it does when an iteration reads one (every frame that exists now is shared).
            let epoch = Frame.newEpoch()
            Strand.parallelLoops.add(1, ordering: .relaxed)
            defer { Strand.parallelLoops.subtract(1, ordering: .relaxed) }
            let strand = Strand.current
            let outer = strand.parallelEpoch
            strand.parallelEpoch = epoch
            let opened = Result { try Compiler.cursor(over: sequenceValue, sequence.range) }
            strand.parallelEpoch = outer
            let items = try opened.get()
            let loop = LoopTracker(interpreter, keepGoing: keepGoing, key: key, total: items.total, range: range)
            defer { loop.end() }
            try ParallelLoop(interpreter: interpreter, items: items.next, origin: items.origin, itemsRunScript: items.runsScript, body: b, parent: f,
                             frameSize: context.slotCount, slot: slot, tracker: loop).run(workers: k, epoch: epoch)
            return .normal
        }
    }

    /// The items of a loop's sequence one at a time (for parallel loops, which pull them under a lock).
    static func cursor(over v: Value, _ range: SourceRange) throws -> (total: Int?, next: () throws -> Value?, origin: () -> String?, runsScript: Bool) {
        switch v {
        case .range(let lo, let hi):
            var i = lo
            return (v.knownCount, { () -> Value? in
                guard i < hi else { return nil }
                i += 1
                return .int(i - 1)
            }, { nil }, false)
        case .list(let items):
            var i = 0
            return (items.count, { () -> Value? in
                guard i < items.count else { return nil }
                i += 1
                return items[i - 1]
            }, { nil }, false)
        case .stream(let s):
            let c = try Compiler.cursor(s, range)
            return (s.totalCount, { try Compiler.pull(c, range) }, { c.origin }, c.runsScript)
        case .record(let r):
            return try cursor(over: .list(r.keys.map { .string($0) }), range)
        case .string(let s):
            return try cursor(over: .list(s.map { .string(String($0)) }), range)
        case .null, .bool, .int, .double, .error, .function:
            throw notIterable(v, range)
        }
    }

    /// A new reading of a stream; a failure to start it points at the stream's source.
    static func cursor(_ s: ValueStream, _ range: SourceRange) throws -> StreamCursor {
        do throws(ErrorValue) { return try s.cursor() } catch { throw RuntimeError(error, at: range) }
    }

    /// The next item of a stream; a host failure while fetching points at the stream's source.
    static func pull(_ s: StreamCursor, _ range: SourceRange) throws -> Value? {
        do {
            return try s.next()
        } catch let e as ErrorValue {
            throw RuntimeError(e, at: range)
        }
    }
}
