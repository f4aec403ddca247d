/// Assignments that change part of a value (`$d["k"] = v`, `$r.a.b = v`, `$xs[0] = v`) and
/// appends (`$xs += [v]`, `$s += "x"`) work on the variable's value in place: it is taken out
/// of its slot while it changes, so when no other variable shares it, nothing is copied and a
/// loop of N updates costs O(N), not O(N²). Shared values are copied first (copy on write), so
/// `let b = $a; $b.x = 1` leaves `$a` as it was.
extension Compiler {
    /// One step of an assignment's path, its index already evaluated.
    enum Step {
        case field(String)
        case index(Value, SourceRange)
    }

    /// `$x.path = value`. The value and then the indexes are evaluated before the variable is
    /// touched (an index may read the variable itself).
    func assigning(_ name: String, _ path: [PathStep], _ eval: @escaping Eval, _ range: SourceRange, _ scope: Scope) -> Exec {
        let modify = self.modify(name, scope, range)
        let steps = self.steps(path, scope)
        return { f in
            let value = try eval(f)
            let concrete = try steps(f)
            try modify(f) { v in try Compiler.assign(&v, concrete[...], value, range: range) }
            return .normal
        }
    }

    /// `$x.path += value`: `+` in place (a list grows, a string lengthens, a record takes the
    /// fields, numbers add). The right side is evaluated first.
    func appending(_ name: String, _ path: [PathStep], _ e: Expr, _ opRange: SourceRange, _ range: SourceRange, _ scope: Scope) -> Exec {
        let modify = self.modify(name, scope, range)
        let eval = expression(e, scope)
        if path.isEmpty {
            // `$n += 1`, `$total += $x`: a variable itself, most often an int, added to in its slot.
            return { f in
                let value = try eval(f)
                try modify(f) { target in
                    if case .int(let x) = target, case .int(let y) = value {
                        let (s, o) = x.addingReportingOverflow(y)
                        if !o { target = .int(s); return }
                    }
                    do throws(ErrorValue) { try Value.addInPlace(&target, value) } catch { throw RuntimeError(error, at: opRange) }
                }
                return .normal
            }
        }
        let steps = self.steps(path, scope)
        return { f in
            let value = try eval(f)
            let concrete = try steps(f)
            try modify(f) { v in
                try Compiler.update(&v, concrete[...], range: range) { target in
                    do throws(ErrorValue) { try Value.addInPlace(&target, value) } catch { throw RuntimeError(error, at: opRange) }
                }
            }
            return .normal
        }
    }

    func steps(_ path: [PathStep], _ scope: Scope) -> (Frame) throws -> [Step] {
        let compiled = path.map { step -> (Frame) throws -> Step in
            switch step {
            case .field(let n): return { _ in .field(n) }
            case .index(let ie):
                let e = expression(ie, scope)
                return { f in .index(try e(f), ie.range) }
            }
        }
        return { f in try compiled.map { try $0(f) } }
    }

    /// Runs `body` on an existing variable's value in its slot, with the checks `write` makes.
    func modify(_ name: String, _ scope: Scope, _ range: SourceRange) -> (Frame, (inout Value) throws -> Void) throws -> Void {
        let interpreter = self.interpreter
        if crossesParallelBody(name, scope) {
            error("assign_in_parallel_loop", "cannot assign '$\(name)' inside a parallel loop: its iterations run at once, so they may not change variables declared outside the loop (declare one inside with 'let', or gather results with a sequential loop or '| each')", range)
        }
        let function = scope.function.name
        switch resolve(name, scope) {
        case .slot(0, let i):
            return { f, body in try body(&f.slots[i]) }
        case .slot(let d, let i):
            return { f, body in
                let target = f.ancestor(d)
                guard Strand.mayWrite(target) else { throw Compiler.sharedAssignment(name, function, range) }
                try body(&target.slots[i])
            }
        case .known(let i):
            let globals = interpreter.globalFrame
            return { [unowned(unsafe) globals] _, body in
                guard Strand.mayWrite(globals) else { throw Compiler.sharedAssignment(name, function, range) }
                try body(&globals.slots[i])
            }
        case .global:
            return { [unowned(unsafe) interpreter] _, body in
                guard let slot = interpreter.globalScope.names[name], interpreter.defined[slot] else {
                    throw Compiler.undefinedAssignment(name, scope, range, interpreter)
                }
                guard Strand.mayWrite(interpreter.globalFrame) else { throw Compiler.sharedAssignment(name, function, range) }
                try body(&interpreter.globalFrame.slots[slot])
            }
        }
    }

    /// Sets the value at `path` inside `base`; a missing field or a null on the way becomes a
    /// record. On failure `base` is as it was.
    static func assign(_ base: inout Value, _ path: ArraySlice<Step>, _ value: Value, range: SourceRange) throws {
        try update(&base, path, range: range) { $0 = value }
    }

    /// Runs `body` on the value at `path` inside `base`, each container on the way taken out
    /// of its parent while it changes (so it is not shared with it, and is changed in place).
    /// (No `switch` over a tuple holding `base`: the tuple would be a second reference.)
    static func update(_ base: inout Value, _ path: ArraySlice<Step>, range: SourceRange, _ body: (inout Value) throws -> Void) throws {
        guard let step = path.first else { return try body(&base) }
        let rest = path.dropFirst()
        switch step {
        case .field(let key):
            guard base.isNull || base.isRecord else {
                throw RuntimeError(ErrorValue(code: "not_a_record", message: "cannot set field '\(key)' of \(base.typeName)"), at: range)
            }
            try updateField(&base, key, rest, range: range, body)
        case .index(.string(let key), _) where base.isRecord:
            try updateField(&base, key, rest, range: range, body)
        case .index(.int(let i), let indexRange) where base.isList:
            guard case .list(var list) = base else { return }
            base = .null
            let j = i < 0 ? list.count + i : i
            guard j >= 0, j < list.count else {
                let count = list.count
                base = .list(list)
                throw RuntimeError(ErrorValue(code: "index_out_of_range", message: "index \(i) is out of range for a list of \(count)"), at: indexRange)
            }
            var child = list[j]
            list[j] = .null
            do {
                try update(&child, rest, range: range, body)
            } catch {
                list[j] = child
                base = .list(list)
                throw error
            }
            list[j] = child
            base = .list(list)
        case .index(let index, let indexRange):
            throw RuntimeError(ErrorValue(code: "invalid_index", message: "cannot index \(base.typeName) with \(index.typeName)"), at: indexRange)
        }
    }

    /// A record's field (a null becomes a record), changed in place.
    private static func updateField(_ base: inout Value, _ key: String, _ rest: ArraySlice<Step>, range: SourceRange, _ body: (inout Value) throws -> Void) throws {
        var record: Record = [:]
        let wasNull = base.isNull
        if case .record(let r) = base { record = r }
        base = .null
        // An existing field is changed through its index: assigning through the key
        // subscript copied the record's values every time (O(n) per update).
        guard let index = record.index(forKey: key) else {
            var child = Value.null
            do {
                try update(&child, rest, range: range, body)
            } catch {
                base = wasNull ? .null : .record(record)
                throw error
            }
            // Not `record[key] = child`: the optional subscript's setter made 1,000,000 new
            // keys take 1.17 s against 0.90 s for this.
            record.updateValue(child, forKey: key, insertingAt: record.count)
            base = .record(record)
            return
        }
        var child = record.values[index]
        record.values[index] = .null
        do {
            try update(&child, rest, range: range, body)
        } catch {
            record.values[index] = child
            base = .record(record)
            throw error
        }
        record.values[index] = child
        base = .record(record)
    }

    /// Whether evaluating `e` can run code that changes variables (a call or a command can).
    static func isPure(_ e: Expr) -> Bool {
        switch e {
        case .literal, .word, .variable, .itemField: return true
        case .interpolated(let parts, _):
            return parts.allSatisfy { if case .expression(let x) = $0 { isPure(x) } else { true } }
        case .field(let x, _, _), .unary(_, let x, _): return isPure(x)
        case .index(let a, let b, _), .binary(_, let a, let b, _), .range(let a, let b, _, _): return isPure(a) && isPure(b)
        case .list(let items, _): return items.allSatisfy(isPure)
        case .record(let entries, _): return entries.allSatisfy { isPure($0.value) }
        case .call, .command, .pipeline, .conditional: return false
        }
    }

    /// Whether `e` reads exactly `$name` followed by `path` (fields only: an index would be
    /// evaluated twice).
    static func names(_ e: Expr, _ name: String, _ path: [PathStep]) -> Bool {
        var fields: [String] = []
        var cur = e
        while case .field(let inner, let f, _) = cur {
            fields.insert(f, at: 0)
            cur = inner
        }
        guard case .variable(let n, _) = cur, n == name, fields.count == path.count else { return false }
        return zip(fields, path).allSatisfy { f, step in if case .field(let p) = step { p == f } else { false } }
    }
}

extension Value {
    var isList: Bool { if case .list = self { true } else { false } }

    /// `a + b` into `a`: lists and strings grow in place when `a` holds the only reference.
    static func addInPlace(_ a: inout Value, _ b: Value) throws(ErrorValue) {
        if case .list(var x) = a, case .list(let y) = b {
            try ValueLimits.checkList(x.count, plus: y.count)
            a = .null
            x.append(contentsOf: y)
            a = .list(x)
        } else if case .string(var x) = a, case .string(let y) = b {
            try ValueLimits.checkText(x.utf8.count, plus: y.utf8.count)
            a = .null
            x += y
            a = .string(x)
        } else if case .record(var x) = a, case .record(let y) = b {
            a = .null
            for (k, v) in y { x[k] = v }
            a = .record(x)
        } else {
            a = try add(a, b)
        }
    }
}
