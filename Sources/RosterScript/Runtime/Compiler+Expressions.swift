extension Compiler {
    func expression(_ e: Expr, _ scope: Scope) -> Eval {
        switch e {
        case .literal(let l, _):
            let v = Compiler.value(of: l)
            return { _ in v }
        case .word(let w, _):
            let v = Value.bareWord(w)   // a number typed as an argument is a word that reads as one
            return { _ in v }
        case .interpolated(let parts, let range):
            return interpolation(parts, scope, range)
        case .variable(let name, let range):
            return read(name, scope, range)
        case .itemField(let fields, let range):
            guard case .slot = resolve("it", scope) else {
                error("item_outside_pipeline", "'.\(fields.joined(separator: "."))' names a field of the current item, which exists only in a pipeline stage (where, select, sort, each); use $var.\(fields.joined(separator: ".")) elsewhere", range)
                return { _ in .null }
            }
            var eval = read("it", scope, range)
            for f in fields { eval = fieldAccess(eval, f, range) }
            if fields.count == 1 { return fieldInPlace(operand(.variable("it", range), scope), fields[0], otherwise: eval) }
            return eval
        case .field(let base, let name, let range):
            let general = fieldAccess(expression(base, scope), name, range)
            if case .variable = base { return fieldInPlace(operand(base, scope), name, otherwise: general) }
            if case .index(let list, let index, _) = base, case .variable = list, Compiler.isPure(index) {
                return fieldOfItemInPlace(operand(list, scope), expression(index, scope), name, otherwise: general)
            }
            return general
        case .index(let base, let index, let range):
            let b = expression(base, scope), i = expression(index, scope)
            let general: Eval = { f in try Compiler.index(try b(f), try i(f), range, index.range) }
            if case .variable = base, Compiler.isPure(index) {
                return itemInPlace(operand(base, scope), i, range, index.range, otherwise: general)
            }
            return general
        case .list(let items, _):
            let count = items.count
            guard count > 0 else { return { _ in .list(List()) } }
            let append = Compiler.appendAll(items.map { CompiledEval(run: expression($0, scope)) }[...])
            return { f in
                var out = List(minimumCapacity: count)
                try append.run(f, &out)
                return .list(out)
            }
        case .record(let entries, _):
            let keys = entries.map(\.key)
            guard Set(keys).count == keys.count else {
                // A key given twice keeps its first place and its last value.
                let evals = entries.map { ($0.key, expression($0.value, scope)) }
                return { f in
                    var out = Record(minimumCapacity: evals.count)
                    for (k, e) in evals { out[k] = try e(f) }
                    return .record(out)
                }
            }
            // The literal's keys are made once: each record made from it shares them (and their
            // hash table) until one of them gains a key; only the values are new.
            guard !keys.isEmpty else { return { _ in .record(Record()) } }
            let shape = Record(uniqueKeys: keys, values: keys.map { _ in Value.null }).keys
            let fill = Compiler.fill(entries.map { CompiledEval(run: expression($0.value, scope)) }[...], initializing: true)
            return { f in .record(try Record(keys: shape, initializingWith: { try fill.run(f, $0, &$1) })) }
        case .unary(.not, let operand, _):
            let o = expression(operand, scope)
            return { f in .bool(!(try o(f).isTruthy)) }
        case .unary(.negate, let operand, let range):
            let o = expression(operand, scope)
            return { f in
                switch try o(f) {
                case .int(let n) where n != Int.min: return .int(-n)
                case .int: throw RuntimeError(Value.overflow("-"), at: range)
                case .double(let d): return .double(-d)
                case let v: throw RuntimeError(ErrorValue(code: "type_mismatch", message: "cannot negate \(v.typeName)"), at: range)
                }
            }
        case .binary(let op, let l, let r, let range):
            return binary(op, operand(l, scope), operand(r, scope), range)
        case .range(let lower, let upper, let inclusive, let range):
            let lo = expression(lower, scope), hi = expression(upper, scope)
            return { f in
                let a = try lo(f), b = try hi(f)
                guard case .int(let x) = a, case .int(let y) = b else {
                    throw RuntimeError(ErrorValue(code: "type_mismatch", message: "a range needs integer bounds, got \(a.typeName) and \(b.typeName)"), at: range)
                }
                do throws(ErrorValue) {
                    if inclusive, y == Int.max {
                        throw ErrorValue(code: "range_too_large", message: "a..b cannot include \(Int.max), the largest integer; write a..<\(Int.max)")
                    }
                    return try .range(from: x, upTo: inclusive ? y + 1 : y)
                } catch { throw RuntimeError(error, at: range) }
            }
        case .call(let name, let arguments, let range):
            return call(name, arguments, range, scope)
        case .command(let c):
            return command(c, scope, input: nil)
        case .pipeline(let head, let stages, _):
            var current = expression(head, scope)
            for (i, stage) in stages.enumerated() {
                // `sort | first N`: the sort needs to order only the first N.
                var limit: Int?
                if case .sort = stage, i + 1 < stages.count, case .first(let count, _) = stages[i + 1] {
                    switch count {
                    case nil: limit = 1
                    case .literal(.int(let n), _)? where n >= 0: limit = n
                    default: break
                    }
                }
                current = self.stage(stage, input: current, scope, limit: limit)
            }
            return current
        case .conditional(let branches, let otherwise, let range):
            let compiled = branches.map { (condition: CompiledEval(run: expression($0.0, scope)), value: CompiledEval(run: blockValue($0.1, scope, range))) }
            let other: Eval? = if let otherwise { blockValue(otherwise, scope, range) } else { nil }
            return { f in
                for branch in compiled where try branch.condition.run(f).isTruthy { return try branch.value.run(f) }
                return try other?(f) ?? .null
            }
        }
    }

    /// A block as a value: its statements run in a scope of their own, and its last one, when it
    /// is an expression, gives the value (else null). `break`, `continue` and `return` cannot
    /// leave a value behind: they are errors here (an `if` statement takes them).
    private func blockValue(_ b: Block, _ scope: Scope, _ range: SourceRange) -> Eval {
        let inner = scope.child()
        let (statements, result) = Compiler.valueTail(b.statements)
        // Known before anything runs (the run used to stop there, after what came before).
        if let leaving = Compiler.leavingStatement(statements, inLoop: false) {
            diagnostics.append(Diagnostic("flow_in_value", Compiler.flowInValue(range).error.message, at: leaving))
        }
        let steps = Compiler.sequence(statements.map { CompiledExec(run: statement($0, inner)) }[...])
        let value: Eval? = if let result { expression(result, inner) } else { nil }
        return { f in
            guard case .normal = try steps(f) else { throw Compiler.flowInValue(range) }
            return try value?(f) ?? .null
        }
    }

    /// A block that gives a value: the statements before its last, and the last as the value
    /// when it is an expression or an `if` (which then gives its chosen block's value).
    static func valueTail(_ statements: [Stmt]) -> ([Stmt], Expr?) {
        switch statements.last {
        case .expression(let e)?: return (statements.dropLast(), e)
        case .ifElse(let branches, let otherwise, let range)?: return (statements.dropLast(), .conditional(branches, otherwise, range))
        default: return (statements, nil)
        }
    }

    /// The first `break`, `continue` or `return` that would leave these statements (one inside
    /// a loop of theirs leaves only that loop; a function's own is its own).
    static func leavingStatement(_ statements: [Stmt], inLoop: Bool) -> SourceRange? {
        for stmt in statements {
            switch stmt {
            case .breakLoop(let r), .continueLoop(let r): if !inLoop { return r }
            case .returnValue(_, let r): return r
            case .ifElse(let branches, let otherwise, _):
                for (_, block) in branches { if let r = leavingStatement(block.statements, inLoop: inLoop) { return r } }
                if let otherwise, let r = leavingStatement(otherwise.statements, inLoop: inLoop) { return r }
            case .forIn(_, _, _, let body, _), .whileLoop(_, let body, _):
                if let r = leavingStatement(body.statements, inLoop: true) { return r }
            case .tryCatch(let body, _, let handler, _):
                if let r = leavingStatement(body.statements, inLoop: inLoop) ?? leavingStatement(handler.statements, inLoop: inLoop) { return r }
            default: break
            }
        }
        return nil
    }

    static func flowInValue(_ range: SourceRange) -> RuntimeError {
        RuntimeError(ErrorValue(code: "flow_in_value", message: "break, continue and return cannot leave an if that gives a value; use an if statement"), at: range)
    }

    static func value(of literal: Literal) -> Value {
        switch literal {
        case .null: .null
        case .bool(let b): .bool(b)
        case .int(let n): .int(n)
        case .double(let d): .double(d)
        case .string(let s): .string(s)
        }
    }

    /// Interpolation folds its parts into one chain of appends (no per-run array walk).
    /// `"${g.id}"` as bash would have it: a bare name inside `${ }` that is no builtin or verb
    /// but names a variable reads the variable, as `${$g.id}` does (a function is called, as
    /// the command it was). A dotted name that names nothing is an error saying how to read a
    /// variable; nil: an ordinary expression.
    private func bareNameInInterpolation(_ e: Expr, _ scope: Scope) -> Eval? {
        guard case .command(let c) = e, c.arguments.isEmpty, Builtins.table[c.name] == nil else { return nil }
        let path = c.name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let first = path.first, path.allSatisfy({ !$0.isEmpty }),
              !interpreter.host.commandNames.contains(where: { $0.hasPrefix(first + " ") }) else { return nil }
        let declared: Bool = switch resolve(first, scope) {
        case .slot, .known: true
        case .global: interpreter.globalScope.names[first] != nil
        }
        guard declared else {
            if path.count > 1 {
                diagnostics.append(Diagnostic("bare_name_in_interpolation", "'${\(c.name)}' would run a command named '\(c.name)'; to read a variable write ${$\(c.name)}", at: c.range))
            }
            return nil
        }
        var read = Expr.variable(first, c.range)
        for field in path.dropFirst() { read = .field(read, field, c.range) }
        let eval = expression(read, scope)
        let interpreter = self.interpreter
        let range = c.range
        guard path.count == 1 else { return eval }
        return { [unowned(unsafe) interpreter] f in
            let v = try eval(f)
            if case .function(let fn) = v { return try interpreter.call(fn, [], at: range) }
            return v
        }
    }

    private func interpolation(_ parts: [StringPart], _ scope: Scope, _ whole: SourceRange) -> Eval {
        // A chain of closures, each appending its part after the ones before: no array of
        // parts to walk (each element read out of one costs retains).
        typealias Append = (Frame, inout TextBuilder) throws -> Void
        var chain: Append = { _, _ in }
        for part in parts {
            let previous = chain
            switch part {
            case .text(let t):
                let literal = LiteralText(t)
                chain = { f, out in try previous(f, &out); try out.append(literal) }
            case .expression(let e):
                // Not `??`: a closure passed through a generic function comes back behind a thunk.
                let eval: Eval = if let bare = bareNameInInterpolation(e, scope) { bare } else { expression(e, scope) }
                let range = e.range
                chain = { f, out in
                    try previous(f, &out)
                    switch try eval(f) {
                    case .string(let s): try out.append(s)
                    case .int(let n): try out.append(n)
                    case let v:
                        do { try out.append(try v.text()) } catch let error as ErrorValue { throw RuntimeError(error, at: range) }
                    }
                }
            }
        }
        let build = chain
        return { f in
            try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: TextBuilder.stackCapacity) { buffer in
                var out = TextBuilder(buffer)
                do { try build(f, &out) } catch let error as ErrorValue { throw RuntimeError(error, at: whole) }
                return .string(out.finish())
            }
        }
    }

    func fieldAccess(_ base: @escaping Eval, _ name: String, _ range: SourceRange) -> Eval {
        let site = FieldSite()
        return { f in
            let v = try base(f)
            if case .record(let r) = v { return site.read(r, name) }
            guard let result = v.field(name) else {
                throw RuntimeError(ErrorValue(code: "not_a_record", message: "cannot read field '\(name)' of \(v.typeName)\(v.typeName == "list" ? "; index it first ($x[0].\(name)) or use a pipeline (| select .\(name))" : "")"), at: range)
            }
            return result
        }
    }

    /// `$u.team`, or `.team` in a stage: a record's field read where the variable holds it, not
    /// from a copy (copying a record retains its key and value storage, and releases them after).
    /// Anything but a record goes the general way, for its errors.
    private func fieldInPlace(_ variable: Operand, _ name: String, otherwise general: @escaping Eval) -> Eval {
        switch variable {
        case .local(let i): return fieldInPlace(LocalSlot(index: i), name, general)
        case .global(let p): return fieldInPlace(GlobalSlot(pointer: p), name, general)
        default: return general
        }
    }

    private func fieldInPlace<S: SlotAccess>(_ slot: S, _ name: String, _ general: @escaping Eval) -> Eval {
        let site = FieldSite()
        return { f in
            if let v = site.read(in: slot.pointer(f), name) { return v }
            return try general(f)
        }
    }

    /// `$xs[i]` and `$r[k]`, read where the variable holds the list or record rather than from
    /// a copy of it (a retain and a release of it). Only for an index without effects, which
    /// may then be evaluated before the variable is read.
    private func itemInPlace(_ variable: Operand, _ index: @escaping Eval, _ range: SourceRange, _ indexRange: SourceRange,
                             otherwise general: @escaping Eval) -> Eval {
        switch variable {
        case .local(let i): return itemInPlace(LocalSlot(index: i), index, range, indexRange)
        case .global(let p): return itemInPlace(GlobalSlot(pointer: p), index, range, indexRange)
        default: return general
        }
    }

    private func itemInPlace<S: SlotAccess>(_ slot: S, _ index: @escaping Eval, _ range: SourceRange, _ indexRange: SourceRange) -> Eval {
        { f in
            let i = try index(f)
            if let item = Compiler.item(in: slot.pointer(f), i) { return item.pointee }
            if case .string = i, slot.pointer(f).pointee.isRecord { return .null }
            return try Compiler.index(slot.pointer(f).pointee, i, range, indexRange)
        }
    }

    /// `$xs[i].name`, as `itemInPlace` and `fieldInPlace` together: neither the list nor its
    /// item (a record) is copied to read the field.
    private func fieldOfItemInPlace(_ variable: Operand, _ index: @escaping Eval, _ name: String, otherwise general: @escaping Eval) -> Eval {
        switch variable {
        case .local(let i): return fieldOfItemInPlace(LocalSlot(index: i), index, name, general)
        case .global(let p): return fieldOfItemInPlace(GlobalSlot(pointer: p), index, name, general)
        default: return general
        }
    }

    private func fieldOfItemInPlace<S: SlotAccess>(_ slot: S, _ index: @escaping Eval, _ name: String, _ general: @escaping Eval) -> Eval {
        let site = FieldSite()
        return { f in
            if let item = Compiler.item(in: slot.pointer(f), try index(f)), let v = site.read(in: item, name) { return v }
            return try general(f)
        }
    }

    /// Where the item `index` names of the list or record in `value` lies, valid until that
    /// changes: an int's place in a list (from its end if negative), a text's key in a record.
    /// Nil for anything else, an index out of the list's range, or a key the record lacks.
    @inline(__always)
    static func item(in value: UnsafeMutablePointer<Value>, _ index: Value) -> UnsafeMutablePointer<Value>? {
        // Not a switch over a tuple of the two: the tuple would hold a copy of the container.
        switch value.pointee {
        case .list(let l):
            guard case .int(let i) = index else { return nil }
            let n = l.storage.count
            let j = i < 0 ? n &+ i : i
            guard j >= 0, j < n else { return nil }
            return l.storage.items + j
        case .record(let r):
            guard case .string(let k) = index, let j = r.index(forKey: k) else { return nil }
            return r.storage.values + j
        default:
            return nil
        }
    }

    static func index(_ base: Value, _ index: Value, _ range: SourceRange, _ indexRange: SourceRange) throws -> Value {
        func position(_ i: Int, _ count: Int) throws -> Int {
            let j = i < 0 ? count + i : i
            guard j >= 0, j < count else {
                throw RuntimeError(ErrorValue(code: "index_out_of_range", message: "index \(i) is out of range for a \(base.typeName) of length \(count)"), at: indexRange)
            }
            return j
        }
        switch (base, index) {
        case (.list(let l), .int(let i)): return l[try position(i, l.count)]
        case (.range(let a, let b), .int(let i)): return .int(a + (try position(i, b - a)))
        case (.string(let s), .int(let i)):
            // ASCII text (without CR) is indexed by its bytes: making an array of its
            // characters for each index made a loop over a text's indexes quadratic.
            let byte = try s.utf8.withContiguousStorageIfAvailable { b throws -> UInt8? in
                guard ASCIIText.isSimple(b) else { return nil }
                return b[try position(i, b.count)]
            } ?? nil
            if let byte { return .string(String(Character(Unicode.Scalar(byte)))) }
            let chars = Array(s)
            return .string(String(chars[try position(i, chars.count)]))
        case (.record(let r), .string(let k)): return r[k] ?? .null
        case (.null, _): return .null
        case (.error, .string(let k)): return base.field(k) ?? .null
        case (.stream, _):
            throw RuntimeError(ErrorValue(code: "invalid_index", message: "a command's paged result cannot be indexed; take items with '| first N' and index that"), at: range)
        default:
            throw RuntimeError(ErrorValue(code: "invalid_index", message: "cannot index \(base.typeName) with \(index.typeName)"), at: indexRange)
        }
    }

    /// An operand read without a call of its own where it can be: most are a constant or a
    /// variable of the frame at hand.
    enum Operand {
        case constant(Value)
        case local(Int)
        /// A top-level variable assigned by the time this runs: its slot in the global frame,
        /// which lives as long as the interpreter (and so its compiled code).
        case global(UnsafeMutablePointer<Value>)
        case computed(Eval)

        @inline(__always) func value(_ f: Frame) throws -> Value {
            switch self {
            case .constant(let v): return v
            case .local(let i): return f.slots[i]
            case .global(let p): return p.pointee
            case .computed(let eval): return try eval(f)
            }
        }
    }

    typealias Test = (Frame) throws -> Bool

    /// An expression read as true or false (`if`, `while`, `where`). A comparison of a variable
    /// with an integer, or of any value with a text (`.role == "admin"`), is decided without
    /// making a bool value and reading it back; anything else is its value's truth.
    func condition(_ e: Expr, _ scope: Scope) -> Test {
        if case .binary(let op, let l, let r, _) = e {
            if case .literal(.int(let k), _) = r, Compiler.comparisons.contains(op), let slot = variableSlot(l, scope) {
                let general = expression(e, scope)
                switch slot {
                case .local(let i): return slotTest(op, LocalSlot(index: i), k, general)
                case .global(let p): return slotTest(op, GlobalSlot(pointer: p), k, general)
                default: break
                }
            }
            if op == .equal || op == .notEqual, case .literal(.string(let k), _) = r {
                let left = expression(l, scope)
                let equal = op == .equal
                let constant = Value.string(k)
                return { f in
                    let v = try left(f)
                    if case .string(let s) = v { return (s == k) == equal }
                    return Value.equal(v, constant) == equal
                }
            }
        }
        let general = expression(e, scope)
        return { f in try general(f).isTruthy }
    }

    static let comparisons: Set<BinaryOp> = [.less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual]

    /// A variable read in place (a local of this frame, or a top-level one known to be set);
    /// nil for anything else, which is left uncompiled.
    private func variableSlot(_ e: Expr, _ scope: Scope) -> Operand? {
        guard case .variable(let name, _) = e else { return nil }
        switch resolve(name, scope) {
        case .slot(0, let i): return .local(i)
        case .known(let i): return .global(interpreter.globalFrame.slots + i)
        default: return nil
        }
    }

    /// `$n < 2` as a test: an int in the slot is compared there; anything else (a double, a
    /// text, an error for a type that does not compare) goes the general way.
    private func slotTest<S: SlotAccess>(_ op: BinaryOp, _ slot: S, _ k: Int, _ general: @escaping Eval) -> Test {
        switch op {
        case .less: return { f in if case .int(let x) = slot.pointer(f).pointee { return x < k }; return try general(f).isTruthy }
        case .lessEqual: return { f in if case .int(let x) = slot.pointer(f).pointee { return x <= k }; return try general(f).isTruthy }
        case .greater: return { f in if case .int(let x) = slot.pointer(f).pointee { return x > k }; return try general(f).isTruthy }
        case .greaterEqual: return { f in if case .int(let x) = slot.pointer(f).pointee { return x >= k }; return try general(f).isTruthy }
        case .equal: return { f in if case .int(let x) = slot.pointer(f).pointee { return x == k }; return try general(f).isTruthy }
        default: return { f in if case .int(let x) = slot.pointer(f).pointee { return x != k }; return try general(f).isTruthy }
        }
    }

    /// Where a variable operand's value lives, for the fast paths to read it in place.
    protocol SlotAccess { func pointer(_ f: Frame) -> UnsafeMutablePointer<Value> }
    struct LocalSlot: SlotAccess {
        let index: Int
        @inline(__always) func pointer(_ f: Frame) -> UnsafeMutablePointer<Value> { f.slots + index }
    }
    struct GlobalSlot: SlotAccess {
        let pointer: UnsafeMutablePointer<Value>
        @inline(__always) func pointer(_ f: Frame) -> UnsafeMutablePointer<Value> { pointer }
    }

    func operand(_ e: Expr, _ scope: Scope) -> Operand {
        switch e {
        case .literal(let l, _): return .constant(Compiler.value(of: l))
        case .variable(let name, _):
            switch resolve(name, scope) {
            case .slot(0, let i): return .local(i)
            case .known(let i): return .global(interpreter.globalFrame.slots + i)
            default: break
            }
        default: break
        }
        return .computed(expression(e, scope))
    }

    private func binary(_ op: BinaryOp, _ l: Operand, _ r: Operand, _ range: SourceRange) -> Eval {
        let general = anyBinary(op, l, r, range)
        return localAndInteger(op, l, r, otherwise: general)
    }

    /// `$n - 1`, `$i % 3`, `$n < 2`: a variable and an integer constant, the commonest operands
    /// of loops and recursion. The variable is matched in its slot (no copy of the value);
    /// anything but an int there, or an overflow, goes the general way. (It returns `general`
    /// itself rather than nil: a closure passed through an Optional is called behind a thunk.)
    private func localAndInteger(_ op: BinaryOp, _ l: Operand, _ r: Operand, otherwise general: @escaping Eval) -> Eval {
        guard case .constant(.int(let k)) = r else { return general }
        switch l {
        case .local(let i): return slotAndInteger(op, LocalSlot(index: i), k, general)
        case .global(let p): return slotAndInteger(op, GlobalSlot(pointer: p), k, general)
        default: return general
        }
    }

    private func slotAndInteger<S: SlotAccess>(_ op: BinaryOp, _ slot: S, _ k: Int, _ general: @escaping Eval) -> Eval {
        switch op {
        case .add:
            return { f in
                if case .int(let x) = slot.pointer(f).pointee { let (s, o) = x.addingReportingOverflow(k); if !o { return .int(s) } }
                return try general(f)
            }
        case .subtract:
            return { f in
                if case .int(let x) = slot.pointer(f).pointee { let (s, o) = x.subtractingReportingOverflow(k); if !o { return .int(s) } }
                return try general(f)
            }
        case .multiply:
            return { f in
                if case .int(let x) = slot.pointer(f).pointee { let (s, o) = x.multipliedReportingOverflow(by: k); if !o { return .int(s) } }
                return try general(f)
            }
        case .modulo where k > 0:
            return { f in
                if case .int(let x) = slot.pointer(f).pointee { let m = x % k; return .int(m < 0 ? m + k : m) }
                return try general(f)
            }
        case .floorDivide where k > 0:
            return { f in
                if case .int(let x) = slot.pointer(f).pointee { let q = x / k; return .int(x % k != 0 && x < 0 ? q - 1 : q) }
                return try general(f)
            }
        case .less: return { f in if case .int(let x) = slot.pointer(f).pointee { return .bool(x < k) }; return try general(f) }
        case .lessEqual: return { f in if case .int(let x) = slot.pointer(f).pointee { return .bool(x <= k) }; return try general(f) }
        case .greater: return { f in if case .int(let x) = slot.pointer(f).pointee { return .bool(x > k) }; return try general(f) }
        case .greaterEqual: return { f in if case .int(let x) = slot.pointer(f).pointee { return .bool(x >= k) }; return try general(f) }
        case .equal: return { f in if case .int(let x) = slot.pointer(f).pointee { return .bool(x == k) }; return try general(f) }
        case .notEqual: return { f in if case .int(let x) = slot.pointer(f).pointee { return .bool(x != k) }; return try general(f) }
        default: return general
        }
    }

    private func anyBinary(_ op: BinaryOp, _ l: Operand, _ r: Operand, _ range: SourceRange) -> Eval {
        switch op {
        case .and: return { f in let a = try l.value(f); return a.isTruthy ? try r.value(f) : a }
        case .or: return { f in let a = try l.value(f); return a.isTruthy ? a : try r.value(f) }
        default: break
        }
        // The commonest operand kinds each get their own closure, so that what runs fetches
        // the operands without a switch over their kinds (nor a copy of a constant).
        switch (l, r) {
        case (.computed(let a), .constant(let b)): return { f in try Compiler.combine(op, try a(f), b, range) }
        case (.computed(let a), .computed(let b)): return { f in try Compiler.combine(op, try a(f), try b(f), range) }
        case (.local(let i), .computed(let b)): return { f in try Compiler.combine(op, f.slots[i], try b(f), range) }
        default: return { f in try Compiler.combine(op, try l.value(f), try r.value(f), range) }
        }
    }

    /// An arithmetic or comparison operator applied: two ints directly, anything else through
    /// the value operations.
    @inline(__always)
    static func combine(_ op: BinaryOp, _ a: Value, _ b: Value, _ range: SourceRange) throws -> Value {
        if case .int(let x) = a, case .int(let y) = b {
            switch op {
            case .add: let (s, o) = x.addingReportingOverflow(y); if !o { return .int(s) }
            case .subtract: let (s, o) = x.subtractingReportingOverflow(y); if !o { return .int(s) }
            case .multiply: let (s, o) = x.multipliedReportingOverflow(by: y); if !o { return .int(s) }
            case .modulo where y > 0: let m = x % y; return .int(m < 0 ? m + y : m)
            case .floorDivide where y > 0: let q = x / y; return .int(x % y != 0 && x < 0 ? q - 1 : q)
            case .less: return .bool(x < y)
            case .lessEqual: return .bool(x <= y)
            case .greater: return .bool(x > y)
            case .greaterEqual: return .bool(x >= y)
            case .equal: return .bool(x == y)
            case .notEqual: return .bool(x != y)
            default: break
            }
        }
        switch op {
        case .equal: return .bool(Value.equal(a, b))
        case .notEqual: return .bool(!Value.equal(a, b))
        case .less, .lessEqual, .greater, .greaterEqual:
            guard let truth = Value.ordered(op, a, b) else {
                throw RuntimeError(ErrorValue(code: "type_mismatch", message: "cannot compare \(a.typeName) with \(b.typeName) using '\(op.rawValue)'"), at: range)
            }
            return .bool(truth)
        case .add:
            do throws(ErrorValue) { return try Value.add(a, b) } catch { throw RuntimeError(error, at: range) }
        default:
            do throws(ErrorValue) { return try Value.arithmetic(op, a, b) } catch { throw RuntimeError(error, at: range) }
        }
    }
}
