extension Compiler {
    /// `name(a, b)`: a function in scope, else a builtin.
    func call(_ name: String, _ arguments: [Expr], _ range: SourceRange, _ scope: Scope) -> Eval {
        let args = arguments.map { CompiledEval(run: expression($0, scope)) }
        let builtin = Builtins.table[name]
        let interpreter = self.interpreter
        let resolution = resolve(name, scope)
        if case .global = resolution, let builtin {
            // The interpreter as a plain pointer: handing an unowned reference to a function
            // retains it for the call (a retain and a release a builtin call).
            let owner = Unmanaged.passUnretained(interpreter)
            // A builtin is bound here for good, so a wrong count is known before anything runs.
            if !builtin.arity.contains(args.count) {
                diagnostics.append(Diagnostic("wrong_argument_count", Compiler.arityMessage(builtin, args.count), at: range))
            }
            // The arguments are evaluated onto the stack: a builtin call allocates nothing of its own.
            // One and two arguments (most calls) each have their own closure, holding the
            // argument closures themselves rather than an array of them.
            let lent = arguments.map { lender($0, scope) }
            switch args.count {
            case 1:
                let a0 = args[0]
                if let l0 = lent[0] {
                    return { f in
                        if let p = l0.lendable(f) { return try Compiler.run(builtin, UnsafeBufferPointer(start: p, count: 1), range, owner) }
                        var v = try a0.run(f)
                        return try withUnsafePointer(to: &v) {
                            try Compiler.run(builtin, UnsafeBufferPointer(start: $0, count: 1), range, owner)
                        }
                    }
                }
                return { f in
                    var v = try a0.run(f)
                    return try withUnsafePointer(to: &v) {
                        try Compiler.run(builtin, UnsafeBufferPointer(start: $0, count: 1), range, owner)
                    }
                }
            case 2 where Compiler.mayLend(lent, arguments):
                let a0 = args[0], a1 = args[1], l0 = lent[0], l1 = lent[1]
                return { f in
                    try Lender.call(builtin, 2, range, owner) { b, owned in
                        try Lender.fill(b, 0, l0, a0, f, &owned)
                        try Lender.fill(b, 1, l1, a1, f, &owned)
                    }
                }
            case 3 where Compiler.mayLend(lent, arguments):
                let a0 = args[0], a1 = args[1], a2 = args[2], l0 = lent[0], l1 = lent[1], l2 = lent[2]
                return { f in
                    try Lender.call(builtin, 3, range, owner) { b, owned in
                        try Lender.fill(b, 0, l0, a0, f, &owned)
                        try Lender.fill(b, 1, l1, a1, f, &owned)
                        try Lender.fill(b, 2, l2, a2, f, &owned)
                    }
                }
            case 2:
                let a0 = args[0], a1 = args[1]
                return { f in
                    // A homogeneous tuple's elements lie in memory as an array's would.
                    var pair = (try a0.run(f), try a1.run(f))
                    return try withUnsafePointer(to: &pair) {
                        try $0.withMemoryRebound(to: Value.self, capacity: 2) {
                            try Compiler.run(builtin, UnsafeBufferPointer(start: $0, count: 2), range, owner)
                        }
                    }
                }
            case 3:
                // (`replace`, `range(a, b, step)`: without the fill's closures and the temporary buffer.)
                let a0 = args[0], a1 = args[1], a2 = args[2]
                return { f in
                    var triple = (try a0.run(f), try a1.run(f), try a2.run(f))
                    return try withUnsafePointer(to: &triple) {
                        try $0.withMemoryRebound(to: Value.self, capacity: 3) {
                            try Compiler.run(builtin, UnsafeBufferPointer(start: $0, count: 3), range, owner)
                        }
                    }
                }
            default: break
            }
            let fill = Compiler.fill(args[...], initializing: true), count = args.count
            return { f in
                try withUnsafeTemporaryAllocation(of: Value.self, capacity: count) { buffer in
                    var n = 0
                    defer { buffer.baseAddress!.deinitialize(count: n) }
                    try fill.run(f, buffer.baseAddress!, &n)
                    return try Compiler.run(builtin, UnsafeBufferPointer(buffer), range, owner)
                }
            }
        }
        if case .global = resolution, builtin == nil, interpreter.globalScope.names[name] == nil {
            unresolvedCalls.append((name, { [interpreter] in
                Diagnostic("unknown_function", Compiler.unknownFunctionMessage(name, interpreter), at: range)
            }))
        }
        switch resolution {
        case .global, .known: globalCalls.append((name, args.count, range))
        case .slot: break
        }
        let lookup = functionLookup(name, scope, resolution, range)
        let held = heldValue(name, scope, resolution, range)
        let fallback = { [unowned(unsafe) interpreter] (f: Frame, fn: Function?) throws -> Value in
            var values: [Value] = []
            values.reserveCapacity(args.count)
            for a in args { values.append(try a.run(f)) }
            if let fn { return try interpreter.call(fn, values, at: range) }
            if let builtin { return try values.withUnsafeBufferPointer { try Compiler.run(builtin, $0, range, .passUnretained(interpreter)) } }
            if let value = try held(f) {
                throw RuntimeError(ErrorValue(code: "not_a_function", message: "'$\(name)' holds \(value.typeName), not a function"), at: range)
            }
            throw RuntimeError(ErrorValue(code: "unknown_function", message: Compiler.unknownFunctionMessage(name, interpreter)), at: range)
        }
        // The function is read before its arguments are evaluated, as in Python. A call with
        // one argument for each parameter evaluates them straight into the new frame; one
        // argument (the commonest) has its own closure, holding the argument's closure itself.
        if case .known(let i) = resolution {
            // A top-level function calling itself: held by the call in progress (below).
            let slot = interpreter.globalFrame.slots + i
            if args.count == 1 {
                let a0 = args[0]
                return { f in
                    if let fn = Compiler.recursion(slot, f, arity: 1) {
                        return try fn._withUnsafeGuaranteedRef { try Interpreter.call($0, evaluating: a0, in: f, at: range) }
                    }
                    let fn = try lookup(f)
                    if let fn, fn.arity == 1 { return try Interpreter.call(fn, evaluating: a0, in: f, at: range) }
                    return try fallback(f, fn)
                }
            }
            let fill = Compiler.fill(args[...], initializing: true), count = args.count
            return { f in
                if let fn = Compiler.recursion(slot, f, arity: count) {
                    return try fn._withUnsafeGuaranteedRef { try Interpreter.call($0, evaluating: fill, in: f, at: range) }
                }
                let fn = try lookup(f)
                if let fn, fn.arity == count { return try Interpreter.call(fn, evaluating: fill, in: f, at: range) }
                return try fallback(f, fn)
            }
        }
        if args.count == 1 {
            let a0 = args[0]
            return { f in
                let fn = try lookup(f)
                if let fn, fn.arity == 1 { return try Interpreter.call(fn, evaluating: a0, in: f, at: range) }
                return try fallback(f, fn)
            }
        }
        // The new frame's slots hold null, which needs no destroying: initialized over.
        let fill = Compiler.fill(args[...], initializing: true), count = args.count
        return { f in
            let fn = try lookup(f)
            if let fn, fn.arity == count { return try Interpreter.call(fn, evaluating: fill, in: f, at: range) }
            return try fallback(f, fn)
        }
    }

    /// A variable read as a builtin's argument that can be lent to the call: a slot of the
    /// frame at hand or a top-level one.
    func lender(_ e: Expr, _ scope: Scope) -> Lender? {
        guard case .variable = e else { return nil }
        switch operand(e, scope) {
        case .local(let i): return Lender(local: i, global: nil)
        case .global(let p): return Lender(local: 0, global: p)
        default: return nil
        }
    }

    /// Whether a builtin call of several arguments lends some: when one is a variable, and
    /// every other has no effects (nothing evaluated while one is lent can assign it).
    static func mayLend(_ lent: [Lender?], _ arguments: [Expr]) -> Bool {
        lent.contains { $0 != nil } && zip(lent, arguments).allSatisfy { l, e in l != nil || isPure(e) }
    }

    /// The function in `slot` when it is the one whose call `caller` is (a recursive call) and
    /// takes `arity` arguments, unretained: the call in progress holds it until it returns, which
    /// is after this one, even if the body assigns another value to the slot meanwhile. A
    /// retain and a release of the function were a quarter of a recursive call's time.
    @inline(__always)
    static func recursion(_ slot: UnsafeMutablePointer<Value>, _ caller: Frame, arity: Int) -> Unmanaged<Function>? {
        guard let running = caller.running, case .function(let fn) = slot.pointee,
              Unmanaged.passUnretained(fn).toOpaque() == running, fn.arity == arity else { return nil }
        return Unmanaged.fromOpaque(running)
    }

    /// What a name holds, when it is a variable that is set (for the error of calling it).
    private func heldValue(_ name: String, _ scope: Scope, _ resolution: Resolution, _ range: SourceRange) -> (Frame) throws -> Value? {
        let interpreter = self.interpreter
        switch resolution {
        case .slot, .known:
            let readSlot = read(name, scope, range)
            return { f in try? readSlot(f) }
        case .global:
            return { [unowned(unsafe) interpreter] _ in
                guard let slot = interpreter.globalScope.names[name], interpreter.defined[slot] else { return nil }
                return interpreter.globalFrame.slots[slot]
            }
        }
    }

    /// Reads a name as a function value, or nil if it is unset or holds something else.
    private func functionLookup(_ name: String, _ scope: Scope, _ resolution: Resolution, _ range: SourceRange) -> (Frame) throws -> Function? {
        let interpreter = self.interpreter
        let readSlot: Eval
        switch resolution {
        case .known(let i):
            // A top-level function (the commonest call): matched in its slot, one closure call.
            let slot = interpreter.globalFrame.slots + i
            return { _ in
                if case .function(let fn) = slot.pointee { return fn }
                return nil
            }
        case .slot:
            readSlot = read(name, scope, range)
        case .global:
            return { [unowned(unsafe) interpreter] _ in
                guard let slot = interpreter.globalScope.names[name], interpreter.defined[slot],
                      case .function(let fn) = interpreter.globalFrame.slots[slot] else { return nil }
                return fn
            }
        }
        return { f in
            if case .function(let fn) = try readSlot(f) { return fn }
            return nil
        }
    }

    static func run(_ builtin: Builtin, _ values: UnsafeBufferPointer<Value>, _ range: SourceRange, _ interpreter: Unmanaged<Interpreter>) throws -> Value {
        guard builtin.arity.contains(values.count) else {
            throw RuntimeError(ErrorValue(code: "wrong_argument_count", message: arityMessage(builtin, values.count)), at: range)
        }
        do {
            return try builtin.run(BuiltinCall(arguments: values, owner: interpreter))
        } catch let e as ErrorValue {
            throw RuntimeError(e, at: range)
        }
    }

    /// "unknown function 'greeet'; did you mean 'greet'?", from the builtins and the names the
    /// program has declared (`roster check` runs nothing, so none is assigned yet).
    static func unknownFunctionMessage(_ name: String, _ interpreter: Interpreter) -> String {
        "unknown function '\(name)'\(Suggest.hint(name, Set(Builtins.table.keys).union(interpreter.globalScope.names.keys)))"
    }

    /// A builtin given `name=value` or `--name` (no builtin has named parameters: they were
    /// once passed along and ignored, so `len "abc" --foo` printed 3).
    static func builtinParameterMessage(_ builtin: Builtin, _ name: String) -> String {
        "'\(builtin.name)' has no parameter '\(name)'; it takes its arguments in order: \(builtin.signature)"
    }

    static func arityMessage(_ builtin: Builtin, _ count: Int) -> String {
        let expected = builtin.arity.lowerBound == builtin.arity.upperBound ? "\(builtin.arity.lowerBound)"
            : builtin.arity.upperBound == Int.max ? "at least \(builtin.arity.lowerBound)" : "\(builtin.arity.lowerBound) to \(builtin.arity.upperBound)"
        return "\(builtin.name) takes \(expected) argument\(expected == "1" ? "" : "s"), got \(count): \(builtin.signature)"
    }

    // MARK: commands

    enum EvaluatedArgument {
        case positional(Value, SourceRange, bareWord: String?)
        case named(String, Value, SourceRange, bareWord: String?)
        case flag(String, SourceRange)
    }

    /// A command: a user function, a builtin, or a host verb, tried in that order when it runs.
    /// `input` is the value piped into it, passed as the first positional argument.
    func command(_ c: Command, _ scope: Scope, input: Eval?) -> Eval {
        let name = c.name
        let evals: [(Frame) throws -> EvaluatedArgument] = c.arguments.map { arg in
            switch arg {
            case .positional(let e):
                let eval = expression(e, scope)
                let bare: String? = if case .word(let w, _) = e { w } else { nil }
                let r = e.range
                return { f in .positional(try eval(f), r, bareWord: bare) }
            case .named(let n, let e, let r):
                let eval = expression(e, scope)
                let bare: String? = if case .word(let w, _) = e { w } else { nil }
                return { f in .named(n, try eval(f), r, bareWord: bare) }
            case .flag(let n, let r):
                return { _ in .flag(n, r) }
            }
        }
        let builtin = Builtins.table[name]
        let resolution = resolve(name, scope)
        if case .global = resolution, builtin == nil, input == nil { checkVerb(c) }
        switch resolution {
        case .global, .known:
            var count = input == nil ? 0 : 1
            var named: [(String, SourceRange)] = []
            for a in c.arguments {
                switch a {
                case .positional: count += 1
                case .named(let n, _, let r), .flag(let n, let r): named.append((n, r))
                }
            }
            globalCommandCalls.append((name, count, named, range: c.range))
        case .slot: break
        }
        let lookup = functionLookup(name, scope, resolution, c.range)
        let interpreter = self.interpreter
        let range = c.range
        return { [unowned(unsafe) interpreter] f in
            var args: [EvaluatedArgument] = []
            args.reserveCapacity(evals.count + 1)
            if let input { args.append(.positional(try input(f), range, bareWord: nil)) }
            for e in evals { args.append(try e(f)) }
            if let fn = try lookup(f) {
                return try Compiler.callFunction(fn, args, range, interpreter)
            }
            if let builtin {
                var values: [Value] = []
                for a in args {
                    switch a {
                    case .positional(let v, _, _): values.append(v)
                    case .named(let n, _, let r, _), .flag(let n, let r):
                        throw RuntimeError(ErrorValue(code: "unknown_parameter", message: Compiler.builtinParameterMessage(builtin, n)), at: r)
                    }
                }
                return try values.withUnsafeBufferPointer { try Compiler.run(builtin, $0, range, .passUnretained(interpreter)) }
            }
            return try Compiler.invokeHost(name, args, c, interpreter)
        }
    }

    /// Binds command-style arguments to a function's parameters: positional in order,
    /// `name=value` by name, `--name` as true (or, for a parameter without a boolean default,
    /// taking the next positional value).
    static func callFunction(_ fn: Function, _ args: [EvaluatedArgument], _ range: SourceRange, _ interpreter: Interpreter) throws -> Value {
        var positional: [Value] = []
        var named: [(String, Value, SourceRange)] = []
        var i = 0
        while i < args.count {
            switch args[i] {
            case .positional(let v, _, _): positional.append(v)
            case .named(let n, let v, let r, _): named.append((n, v, r))
            case .flag(let n, let r):
                if !fn.flagParameters.contains(n), i + 1 < args.count, case .positional(let v, _, _) = args[i + 1] {
                    named.append((n, v, r))
                    i += 1
                } else {
                    named.append((n, .bool(true), r))
                }
            }
            i += 1
        }
        return try interpreter.call(fn, positional, named: named, at: range)
    }

    static func invokeHost(_ name: String, _ args: [EvaluatedArgument], _ c: Command, _ interpreter: Interpreter) throws -> Value {
        let host = interpreter.host
        var words = [name]
        for a in args {
            guard case .positional(_, _, let bare?) = a else { break }
            words.append(bare)
        }
        guard let match = host.resolveCommand(words) else {
            throw RuntimeError(ErrorValue(code: "unknown_command", message: unknownCommandMessage(words, interpreter)), at: c.nameRange)
        }
        var rest: [CommandArgument] = []
        for a in args.dropFirst(match.wordCount - 1) {
            switch a {
            // A bare word keeps its text beside its value: a string parameter takes the text
            // (`id=00123` stays "00123"; a 21-digit id is not turned into a double).
            case .positional(let v, let r, let bare): rest.append(CommandArgument(kind: .positional(v), range: r, bareWord: bare))
            case .named(let n, let v, let r, let bare): rest.append(CommandArgument(kind: .named(n, v), range: r, bareWord: bare))
            case .flag(let n, let r): rest.append(CommandArgument(kind: .flag(n), range: r))
            }
        }
        do {
            return try host.invoke(match, rest, at: CallSite(range: c.range, iterations: Strand.current.iterations))
        } catch var e as ErrorValue {
            if e.operation == nil { e.operation = match.name }
            throw RuntimeError(e, at: c.range)
        }
    }

    /// A call that will reach a verb (no function or variable of its name exists when it is
    /// compiled): its words must name one, and the host checks its arguments. Problems become
    /// compile diagnostics, so nothing of the script runs.
    func checkVerb(_ c: Command) {
        guard interpreter.globalScope.names[c.name] == nil else { return }
        var words = [c.name]
        for a in c.arguments {
            guard case .positional(.word(let w, _)) = a else { break }
            words.append(w)
        }
        let host = interpreter.host
        guard let match = host.resolveCommand(words) else {
            // Only a service's own first word is surely a verb; any other name may yet be
            // defined, which `roster check` knows once the whole file is compiled.
            if host.commandNames.contains(where: { $0.hasPrefix(c.name + " ") }) {
                diagnostics.append(Diagnostic("unknown_command", Compiler.unknownCommandMessage(words, interpreter), at: c.nameRange))
            } else {
                let interpreter = self.interpreter
                unresolvedCalls.append((c.name, { [interpreter] in
                    Diagnostic("unknown_command", Compiler.unknownCommandMessage(words, interpreter), at: c.nameRange)
                }))
            }
            return
        }
        let arguments = c.arguments.dropFirst(match.wordCount - 1).map { a -> StaticArgument in
            switch a {
            case .positional(let e):
                let bare: String? = if case .word(let w, _) = e { w } else { nil }
                return StaticArgument(kind: .positional(Compiler.staticValue(e)), range: e.range, bareWord: bare)
            case .named(let n, let e, let r):
                let bare: String? = if case .word(let w, _) = e { w } else { nil }
                return StaticArgument(kind: .named(n, Compiler.staticValue(e)), range: r, bareWord: bare)
            case .flag(let n, let r):
                return StaticArgument(kind: .flag(n), range: r)
            }
        }
        for problem in host.check(match, arguments, at: c.range) {
            diagnostics.append(problem.diagnostic)
        }
    }

    /// The value of an expression that needs nothing of the running script: a literal, a bare
    /// word, or a list of them.
    static func staticValue(_ e: Expr) -> Value? {
        switch e {
        case .literal(let l, _): return value(of: l)
        case .word(let w, _): return .bareWord(w)
        case .list(let items, _):
            var values: [Value] = []
            for item in items {
                guard let v = staticValue(item) else { return nil }
                values.append(v)
            }
            return .list(values)
        default: return nil
        }
    }

    /// "unknown command 'ld membrs list'; did you mean 'ld members list'?", comparing each known
    /// verb with as many typed words as it has.
    static func isSubsequence(_ s: String, of t: String) -> Bool {
        var rest = t[...]
        for c in s {
            guard let i = rest.firstIndex(of: c) else { return false }
            rest = rest[rest.index(after: i)...]
        }
        return true
    }

    static func unknownCommandMessage(_ words: [String], _ interpreter: Interpreter) -> String {
        var best: (String, Int)?
        let single = Set(Builtins.table.keys).union(interpreter.globalScope.names.keys)
        // Under a service's own first word, only its verbs are candidates, and a typo in a
        // longer word may cost more (`box membrs list`).
        let known = interpreter.host.commandNames.filter { $0.hasPrefix(words[0] + " ") }
        for candidate in known.isEmpty ? interpreter.host.commandNames + single.sorted() : known {
            let k = candidate.split(separator: " ").count
            guard words.count >= k else { continue }
            let typed = words.prefix(k).joined(separator: " ")
            if typed == candidate { continue }
            var d = Suggest.distance(Array(typed.lowercased()), Array(candidate.lowercased()))
            let limit = known.isEmpty ? max(1, min(3, typed.count / 3 + 1)) : max(2, typed.count / 3)
            guard d <= limit else { continue }
            // Letters left out (`membrs`) are likelier than letters changed: a verb whose every
            // word holds the typed one's letters in order comes first.
            let abbreviates = zip(words.prefix(k), candidate.split(separator: " ")).allSatisfy { Compiler.isSubsequence($0.lowercased(), of: $1.lowercased()) }
            if !abbreviates { d += 100 }
            if best == nil || d < best!.1 { best = (candidate, d) }
        }
        var message = "unknown command '\(words.prefix(max(1, known.isEmpty ? 1 : known.map { $0.split(separator: " ").count }.max()!)).joined(separator: " "))'"
        if let best { message += "; did you mean '\(best.0)'?" }
        else if !known.isEmpty { message += "; '\(words[0])' has: \(known.prefix(12).joined(separator: ", "))" }
        return message
    }
}

/// A builtin's argument lent where a variable holds it rather than copied: the value's bits are
/// placed among the call's arguments without a retain, and left without a release. Safe
/// because the call's other arguments have no effects (`Compiler.mayLend`), and a builtin given
/// only texts and scalars runs no script code, so nothing assigns the variable during the
/// call. A stream runs its stages' code when read (a `where` may call a function that assigns
/// the variable), and a list or a record may hold one: such a value is never lent, and when
/// another argument is one, the lent ones are copied after all (`settle`).
struct Lender {
    let local: Int
    let global: UnsafeMutablePointer<Value>?

    /// Where the variable's value lies, if it may be lent.
    @inline(__always) func lendable(_ f: Frame) -> UnsafeMutablePointer<Value>? {
        let p = global ?? f.slots + local
        return Lender.isInert(p) ? p : nil
    }

    /// A text or a scalar: nothing that runs script code when a builtin reads it.
    @inline(__always) static func isInert(_ p: UnsafeMutablePointer<Value>) -> Bool {
        switch p.pointee {
        case .string, .int, .double, .bool, .null, .range: true
        case .list, .record, .stream, .error, .function: false
        }
    }

    /// Calls `builtin` with `n` arguments that `fill` puts in place (lent or evaluated, marked
    /// in `owned`), then lets go of the evaluated ones. Inlined into each call's closure, with
    /// `n` a constant there.
    @inline(__always)
    static func call(_ builtin: Builtin, _ n: Int, _ range: SourceRange, _ owner: Unmanaged<Interpreter>,
                     _ fill: (UnsafeMutablePointer<Value>, inout UInt8) throws -> Void) throws -> Value {
        try withUnsafeTemporaryAllocation(of: Value.self, capacity: n) { buffer in
            let b = buffer.baseAddress!
            var owned: UInt8 = 0
            defer { release(b, owned) }
            try fill(b, &owned)
            settle(b, n, &owned)
            return try Compiler.run(builtin, UnsafeBufferPointer(start: b, count: n), range, owner)
        }
    }

    /// Puts argument `k` at `b + k`, in the arguments' order: the lent value's bits, or its
    /// value evaluated, marked in `owned` (bit `k`).
    @inline(__always)
    static func fill(_ b: UnsafeMutablePointer<Value>, _ k: Int, _ lender: Lender?, _ a: CompiledEval, _ f: Frame, _ owned: inout UInt8) throws {
        if let lent = lender?.lendable(f) {
            UnsafeMutableRawPointer(b + k).copyMemory(from: lent, byteCount: MemoryLayout<Value>.size)
        } else {
            (b + k).initialize(to: try a.run(f))
            owned |= 1 << k
        }
    }

    /// When an evaluated argument is not inert (reading it may run script code), the lent
    /// ones among the first `n` become copies of their own (retained), owned like the others.
    @inline(__always)
    static func settle(_ b: UnsafeMutablePointer<Value>, _ n: Int, _ owned: inout UInt8) {
        guard owned != 0 else { return }
        for k in 0..<n where owned & (1 << k) != 0 && !isInert(b + k) {
            // Reading the lent bits as a value copies it: the retain a lent value went without.
            for j in 0..<n where owned & (1 << j) == 0 {
                (b + j).initialize(to: b[j])
                owned |= 1 << j
            }
            return
        }
    }

    /// Destroys the evaluated arguments (`owned`'s bits), and leaves the lent ones be.
    @inline(__always)
    static func release(_ b: UnsafeMutablePointer<Value>, _ owned: UInt8) {
        if owned & 1 != 0 { b.deinitialize(count: 1) }
        if owned & 2 != 0 { (b + 1).deinitialize(count: 1) }
        if owned & 4 != 0 { (b + 2).deinitialize(count: 1) }
    }
}
