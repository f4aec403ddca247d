import Synchronization

/// Runs roster programs. A program is parsed whole, compiled to closures over frames with
/// variables resolved to slots, then run; top-level values go to the host's display.
/// Sendable because parallel loops run its compiled code on several threads; what they share
/// is read-only, or behind `hostLock`, or per thread (Strand).
public final class Interpreter: @unchecked Sendable {
    public let host: ScriptHost
    let globalScope: Scope
    let globalFrame: Frame
    /// Which global slots hold a value (a name is registered when compiled, defined when run).
    /// Only top-level code sets one, on one thread (a parallel loop's body is a function of its
    /// own), so it skips the run-time exclusivity check a top-level `let` would pay.
    @exclusivity(unchecked) var defined: [Bool]
    static let globalCapacity = 16_384
    static let maxCallDepth = 2_000
    /// `--keep-going`: an outermost loop passes over a failed iteration (reported to the host).
    public var keepGoing = false
    /// Serialises what parallel iterations hand the host: output, loop events.
    private let hostLock = Lock()

    public init(host: ScriptHost) {
        self.host = host
        let context = FunctionContext(outer: nil, isGlobal: true)
        globalScope = Scope(parent: nil, function: context)
        globalFrame = Frame.make(capacity: Interpreter.globalCapacity, parent: nil)
        defined = Array(repeating: false, count: Interpreter.globalCapacity)
    }

    /// Defines (or redefines) a global variable, as `--var k=v` and `$args` do; false (and
    /// nothing defined) when the globals are full.
    @discardableResult
    public func define(_ name: String, _ value: Value) -> Bool {
        if globalScope.names[name] == nil, globalScope.function.slotCount >= Interpreter.globalCapacity - 1 { return false }
        let slot = globalScope.names[name] ?? globalScope.function.newSlot()
        globalScope.names[name] = slot
        globalFrame.slots[slot] = value
        defined[slot] = true
        return true
    }

    /// Lets go of every global's value (a session does at its end).
    public func releaseGlobals() {
        for i in 0..<Interpreter.globalCapacity { globalFrame.slots[i] = .null }
        for i in defined.indices { defined[i] = false }
        globalScope.names.removeAll()
    }

    /// The names of defined global variables (for completion).
    public var globalNames: [String] {
        globalScope.names.filter { defined[$0.value] }.map(\.key).sorted()
    }

    public func global(_ name: String) -> Value? {
        guard let slot = globalScope.names[name], defined[slot] else { return nil }
        return globalFrame.slots[slot]
    }

    /// Parses and compiles without running: the diagnostics `roster check` and the REPL need.
    public func check(_ file: SourceFile) -> [Diagnostic] {
        let (statements, diagnostics) = Parser.parse(file)
        if !diagnostics.isEmpty { return diagnostics }
        let scratch = Interpreter(host: host)
        for (name, slot) in globalScope.names where defined[slot] { _ = scratch.define(name, globalFrame.slots[slot]) }
        let compiler = Compiler(interpreter: scratch)
        _ = compiler.compileTopLevel(statements, in: scratch.globalScope)
        var found = compiler.diagnostics
        var seen: Set<String> = [file.name]
        found += checkSources(statements, of: file, seen: &seen, depth: 1)
        // A name read but declared nowhere in the file (nor by --var, nor a sourced file).
        if !compiler.sources {
            for read in compiler.unresolvedReads where scratch.globalScope.names[read.name] == nil {
                found.append(Compiler.undefined(read.name, read.scope, read.range, scratch).diagnostic)
            }
            for call in compiler.unresolvedCalls where scratch.globalScope.names[call.name] == nil {
                found.append(call.diagnostic())
            }
            for write in compiler.unresolvedWrites where scratch.globalScope.names[write.name] == nil {
                found.append(Compiler.undefinedAssignment(write.name, write.scope, write.range, scratch).diagnostic)
            }
            // Command-form calls: a builtin's count of arguments (when no `def` takes its name),
            // and a function's parameters (when one `def` binds it, as for `f(a, b)` below).
            for call in compiler.globalCommandCalls {
                if compiler.globalBindings[call.name] == nil, scratch.globalScope.names[call.name] == nil, let builtin = Builtins.table[call.name] {
                    if let named = call.named.first {
                        found.append(Diagnostic("unknown_parameter", Compiler.builtinParameterMessage(builtin, named.0), at: named.1))
                    } else if !builtin.arity.contains(call.count) {
                        found.append(Diagnostic("wrong_argument_count", Compiler.arityMessage(builtin, call.count), at: call.range))
                    }
                }
                guard compiler.globalBindings[call.name] == 1, !compiler.assignedNames.contains(call.name),
                      let defs = compiler.globalDefs[call.name], defs.count == 1 else { continue }
                let parameters = defs[0].parameters.map(\.name)
                if let unknown = call.named.first(where: { !parameters.contains($0.0) }) {
                    found.append(Diagnostic("unknown_parameter", "'\(call.name)' has no parameter '\(unknown.0)'\(Suggest.hint(unknown.0, parameters)); its parameters are \(parameters.joined(separator: ", "))", at: unknown.1))
                } else if call.count > parameters.count {
                    found.append(Diagnostic("too_many_arguments", Interpreter.tooManyArguments(call.name, parameters, call.count), at: call.range))
                } else if let missing = defs[0].parameters.enumerated().first(where: { i, p in
                    i >= call.count && p.defaultValue == nil && !call.named.contains { $0.0 == p.name }
                }) {
                    found.append(Diagnostic("missing_argument", Interpreter.missingArgument(call.name, missing.element.name), at: call.range))
                }
            }
            // A call of a name only one `def` binds, with arguments that function cannot take.
            for call in compiler.globalCalls where compiler.globalBindings[call.name] == 1 && !compiler.assignedNames.contains(call.name) {
                guard let defs = compiler.globalDefs[call.name], defs.count == 1 else { continue }
                let parameters = defs[0].parameters
                if call.count > parameters.count {
                    found.append(Diagnostic("too_many_arguments", Interpreter.tooManyArguments(call.name, parameters.map(\.name), call.count), at: call.range))
                } else if let missing = parameters[call.count...].first(where: { $0.defaultValue == nil }) {
                    found.append(Diagnostic("missing_argument", Interpreter.missingArgument(call.name, missing.name), at: call.range))
                }
            }
        }
        return found.sorted { $0.range.start < $1.range.start }
    }

    /// The files a checked file's top level sources by a literal name, read and parsed in turn
    /// (and theirs): a file that cannot be read or does not parse would stop a run after the
    /// statements before its `source` had run.
    private func checkSources(_ statements: [Stmt], of file: SourceFile, seen: inout Set<String>, depth: Int) -> [Diagnostic] {
        var found: [Diagnostic] = []
        for case .source(let e, let range) in statements {
            let path: String
            switch e {
            case .literal(.string(let p), _): path = p
            case .word(let w, _): path = w
            default: continue
            }
            do {
                let (name, text) = try host.readSource(path, from: file.name)
                guard depth <= Interpreter.maxSourceDepth, seen.insert(name).inserted else { continue }
                let sourced = SourceFile(name: name, text: text)
                let (inner, diagnostics) = Parser.parse(sourced)
                found += diagnostics
                if diagnostics.isEmpty {
                    // Compiled on its own, for what binding finds (a verb's arguments): the
                    // run would otherwise stop there, perhaps after writes.
                    let scratch = Interpreter(host: host)
                    for (name, slot) in globalScope.names where defined[slot] { _ = scratch.define(name, globalFrame.slots[slot]) }
                    let compiler = Compiler(interpreter: scratch)
                    _ = compiler.compileTopLevel(inner, in: scratch.globalScope)
                    found += compiler.diagnostics
                    found += checkSources(inner, of: sourced, seen: &seen, depth: depth + 1)
                }
            } catch let e as ErrorValue {
                found.append(Diagnostic(e.code, e.message, at: range))
            } catch {
                found.append(Diagnostic("source_unreadable", "cannot read '\(path)': \(error)", at: range))
            }
        }
        return found
    }

    /// Runs a program at the top level. Throws SyntaxErrors (nothing ran), RuntimeError or ControlSignal.
    public func run(_ file: SourceFile, display: Bool = true) throws {
        let (statements, diagnostics) = Parser.parse(file)
        if !diagnostics.isEmpty { throw SyntaxErrors(diagnostics: diagnostics) }
        try run(statements, display: display)
    }

    func run(_ statements: [Stmt], display: Bool) throws {
        let registeredBefore = Set(globalScope.names.keys)
        let compiler = Compiler(interpreter: self)
        let compiled = compiler.compileTopLevel(statements, in: globalScope)
        if !compiler.diagnostics.isEmpty {
            forgetUndefined(since: registeredBefore)
            throw SyntaxErrors(diagnostics: compiler.diagnostics)
        }
        do {
            for step in compiled {
                guard let value = try step(globalFrame) else { continue }
                if display { try show(value) }
            }
        } catch {
            forgetUndefined(since: registeredBefore)
            throw error
        }
    }

    /// A top-level value is shown unless it is null or an empty list.
    private func show(_ value: Value) throws {
        switch value {
        case .null: return
        case .list(let l) where l.isEmpty: return
        default: try host.display(value)
        }
    }

    /// After a failed REPL entry, names it declared but never assigned become unknown again.
    private func forgetUndefined(since before: Set<String>) {
        for (name, slot) in globalScope.names where !before.contains(name) && !defined[slot] {
            globalScope.names[name] = nil
        }
    }

    /// Runs `body` with the host, one thread at a time.
    func withHost(_ body: (ScriptHost) -> Void) {
        hostLock.withLock { body(host) }
    }

    /// `print`: held back inside a parallel iteration (written whole when it ends), else written.
    /// The host's own lines about a call (a dry run's planned writes) go this way too.
    public func emit(_ text: String) {
        let strand = Strand.current
        if strand.heldOutput != nil {
            strand.heldOutput!.append(text)
        } else {
            withHost { $0.write(text) }
        }
    }

    // MARK: source

    /// The files `source` is running, the first being the one that began it. Only the main
    /// strand sources (a parallel loop's iterations may not), so this needs no lock.
    private var sourcing: [String] = []
    static let maxSourceDepth = 64

    /// `source FILE`: runs a file's top-level statements here. A file that is already being
    /// sourced (a cycle) or a chain deeper than maxSourceDepth is an error naming the chain.
    func source(_ path: String, at range: SourceRange) throws {
        if Strand.current.parallelEpoch != nil {
            throw RuntimeError(ErrorValue(code: "source_in_parallel_loop", message: "'source' cannot run inside a parallel loop's iteration: it defines top-level names, and iterations run at once; source the file before the loop"), at: range)
        }
        let file: SourceFile
        do {
            let (name, text) = try host.readSource(path, from: range.file.name)
            file = SourceFile(name: name, text: text)
        } catch let e as ErrorValue {
            throw RuntimeError(e, at: range)
        }
        let chain = sourcing.isEmpty ? [range.file.name] : sourcing
        if chain.contains(file.name) {
            throw RuntimeError(ErrorValue(code: "source_cycle", message: "source cycle: \((chain + [file.name]).joined(separator: " -> "))"), at: range)
        }
        if chain.count > Interpreter.maxSourceDepth {
            throw RuntimeError(ErrorValue(code: "source_too_deep", message: "sourced files nest more than \(Interpreter.maxSourceDepth) deep: \(chain.prefix(3).joined(separator: " -> ")) -> ... -> \(file.name)"), at: range)
        }
        let saved = sourcing
        sourcing = chain + [file.name]
        defer { sourcing = saved }
        let (statements, diagnostics) = Parser.parse(file)
        do {
            if !diagnostics.isEmpty { throw SyntaxErrors(diagnostics: diagnostics) }
            try run(statements, display: false)
        } catch var e as SyntaxErrors {
            e.afterRunning = true
            throw e
        }
    }

    // MARK: calls

    func call(_ function: Function, _ arguments: [Value], named: [(String, Value, SourceRange)] = [], at range: SourceRange) throws -> Value {
        let strand = Strand.current
        let frame = strand.takeFrame(capacity: function.frameSize, parent: function.closure)
        let parameters = function.parameterNames
        if named.isEmpty, arguments.count == parameters.count {
            for (i, a) in arguments.enumerated() { frame.slots[i] = a }
            let value = try Interpreter.run(function, in: frame, strand: strand, given: nil, at: range)
            strand.recycle(consume frame)
            return value
        }
        guard arguments.count <= parameters.count else {
            throw RuntimeError(ErrorValue(code: "too_many_arguments", message: Interpreter.tooManyArguments(function.name, parameters, arguments.count)), at: range)
        }
        var given = Array(repeating: false, count: parameters.count)
        for (i, a) in arguments.enumerated() {
            frame.slots[i] = a
            given[i] = true
        }
        for (name, value, r) in named {
            guard let i = parameters.firstIndex(of: name) else {
                throw RuntimeError(ErrorValue(code: "unknown_parameter",
                                              message: "'\(function.name)' has no parameter '\(name)'\(Suggest.hint(name, parameters)); its parameters are \(parameters.joined(separator: ", "))"), at: r)
            }
            if given[i] {
                throw RuntimeError(ErrorValue(code: "duplicate_argument", message: "parameter '\(name)' of '\(function.name)' is given twice"), at: r)
            }
            frame.slots[i] = value
            given[i] = true
        }
        let value = try Interpreter.run(function, in: frame, strand: strand, given: given, at: range)
        strand.recycle(consume frame)
        return value
    }

    /// The common call, `name(a, b)` with one argument for each parameter: each is evaluated
    /// in the caller's frame straight into the new frame's slot.
    /// (Static, as `run` is: a call needs nothing of the interpreter, and a method called
    /// through the compiled closure's unowned reference would retain it.)
    @inline(__always)
    static func call(_ function: Function, evaluating arguments: CompiledFill, in caller: Frame, at range: SourceRange) throws -> Value {
        try Strand.withCurrent { strand in
            let frame = strand.takeFrame(capacity: function.frameSize, parent: function.closure)
            var n = 0
            // Into null slots (a frame's are), so initialized over rather than assigned.
            try arguments.run(caller, frame.slots, &n)
            let value = try Interpreter.run(function, in: frame, strand: strand, given: nil, at: range)
            // A call that throws lets its frame go (rare, and a frame on an error's way is no spare).
            strand.recycle(consume frame)
            return value
        }
    }

    /// `call(_:evaluating:in:at:)` with one argument.
    @inline(__always)
    static func call(_ function: Function, evaluating argument: CompiledEval, in caller: Frame, at range: SourceRange) throws -> Value {
        try Strand.withCurrent { strand in
            let frame = strand.takeFrame(capacity: function.frameSize, parent: function.closure)
            // Slot 0 holds null (a frame's slots all do): initialized over, not assigned, which
            // would first destroy the null.
            frame.slots.initialize(to: try argument.run(caller))
            let value = try Interpreter.run(function, in: frame, strand: strand, given: nil, at: range)
            strand.recycle(consume frame)
            return value
        }
    }

    static func tooManyArguments(_ name: String, _ parameters: [String], _ count: Int) -> String {
        "'\(name)' takes \(parameters.count) argument\(parameters.count == 1 ? "" : "s") (\(parameters.joined(separator: ", "))), got \(count)"
    }

    static func missingArgument(_ name: String, _ parameter: String) -> String {
        "'\(name)' needs a value for '\(parameter)'"
    }

    /// Runs `function`'s body in `frame`, whose parameters are set where `given` says (all of
    /// them when it is nil); the others take their defaults.
    /// Inlined into each call: what a call must do besides running the body is here, and what
    /// only a failing or defaulted call needs is in functions of its own.
    @inline(__always)
    private static func run(_ function: Function, in frame: Frame, strand: Strand, given: [Bool]?, at range: SourceRange) throws -> Value {
        strand.callDepth += 1
        frame.running = Unmanaged.passUnretained(function).toOpaque()
        defer {
            // Cleared also when the call throws: a frame a closure or a lazy stage keeps may
            // run code after its call has ended, when nothing holds the function any more.
            frame.running = nil
            strand.callDepth -= 1
        }
        if strand.callDepth > Interpreter.maxCallDepth { throw tooDeep(function, at: range) }
        do {
            if let given { try setDefaults(function, in: frame, given: given, at: range) }
            try Interrupt.check()
            return try function.body(frame)
        } catch {
            throw noted(error, function, at: range)
        }
    }

    @inline(never)
    private static func tooDeep(_ function: Function, at range: SourceRange) -> RuntimeError {
        RuntimeError(ErrorValue(code: "stack_overflow", message: "too many nested calls (more than \(Interpreter.maxCallDepth)); is '\(function.name)' recursing without end?"), at: range)
    }

    /// The parameters `given` says no argument set take their defaults.
    @inline(never)
    private static func setDefaults(_ function: Function, in frame: Frame, given: [Bool], at range: SourceRange) throws {
        for i in given.indices where !given[i] {
            guard let d = function.defaults[i] else {
                throw RuntimeError(ErrorValue(code: "missing_argument", message: Interpreter.missingArgument(function.name, function.parameterNames[i])), at: range)
            }
            frame.slots[i] = try d(frame)
        }
    }

    /// A run-time error leaving a call names the call, unless the call is where it happened.
    @inline(never)
    private static func noted(_ error: any Error, _ function: Function, at range: SourceRange) -> any Error {
        guard var error = error as? RuntimeError else { return error }
        if error.range.start != range.start || error.range.file !== range.file {
            error.notes.append(.init(message: "in '\(function.name)', called from here", range: range))
        }
        return error
    }
}

/// Compile-time: a block's names, mapped to slots of its function's frame.
final class Scope {
    var names: [String: Int] = [:]
    let parent: Scope?
    let function: FunctionContext
    /// True for the body of `each`: break, continue and return may not leave it.
    var isEachBody = false

    init(parent: Scope?, function: FunctionContext) {
        self.parent = parent
        self.function = function
    }

    func child() -> Scope { Scope(parent: self, function: function) }

    func declare(_ name: String) -> Int {
        let slot = function.newSlot()
        names[name] = slot
        return slot
    }

    /// Every name visible from here, for "did you mean".
    var visibleNames: Set<String> {
        var out = Set<String>()
        var s: Scope? = self
        while let cur = s {
            out.formUnion(cur.names.keys)
            s = cur.parent ?? cur.function.outer
        }
        return out
    }
}

final class FunctionContext {
    var slotCount = 0
    let outer: Scope?
    let isGlobal: Bool
    var loopDepth = 0
    /// The body of a parallel loop: its iterations run at once, so it may not assign variables
    /// declared outside it, nor `return` out of it.
    var isParallelBody = false
    /// The body of a sequential loop run in a frame per iteration: `return` in it leaves the
    /// function around it (see `enclosingFunction`).
    var isLoopBody = false
    /// Whether code inside reads a variable of an enclosing function's frame (or of a
    /// top-level block's, which live in the global frame): only then does its frame need a
    /// parent, whose retain and release a call would otherwise pay for nothing.
    var readsOuter = false
    /// The function's name, for messages (nil for the top level and loop bodies).
    var name: String?

    init(outer: Scope?, isGlobal: Bool) {
        self.outer = outer
        self.isGlobal = isGlobal
    }

    /// The function (or the top level) a `return` here leaves.
    var enclosingFunction: FunctionContext {
        var c = self
        while c.isLoopBody, let outer = c.outer?.function { c = outer }
        return c
    }

    func newSlot() -> Int {
        slotCount += 1
        return slotCount - 1
    }
}
