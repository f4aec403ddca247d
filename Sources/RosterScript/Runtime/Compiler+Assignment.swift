/// Assignments that change part of a value (`$d["k"] = v`, `$r.a.b = v`, `$xs[0] = v`) and
/// appends (`$xs += [v]`, `$s += "x"`) work on the variable's value in place: it is taken out
/// of its slot while it changes, so when no other variable shares it, nothing is copied and a
/// loop of N updates costs O(N), not O(N²). Shared values are copied first (copy on write), so
/// `let b = $a; $b.x = 1` leaves `$a` as it was.
extension Compiler {
    /// One step of an assignment's path, its index already evaluated. (Its source range is
    /// kept apart, in the path's compiled `ranges`: a range holds a reference to its file,
    /// which each step made would retain.)
    enum Step {
        case field(String)
        case index(Value)
    }

    struct CompiledStep { let run: (Frame) throws -> Step }

    /// A path's steps evaluated onto the stack, left to right, and handed to `body`: an
    /// update allocates nothing for its path.
    typealias EvaluatedPath = (Frame, (UnsafeBufferPointer<Step>) throws -> Void) throws -> Void

    /// `$x.path = value`. The value and then the indexes are evaluated before the variable is
    /// touched (an index may read the variable itself).
    func assigning(_ name: String, _ path: [PathStep], _ eval: @escaping Eval, _ range: SourceRange, _ scope: Scope) -> Exec {
        let modify = self.modify(name, scope, range)
        let (steps, ranges) = self.steps(path, scope, range)
        // Not through `updating`: its `apply` is a closure `update` cannot see into, and a
        // plain set is the commonest update (the set, written here, is specialized into it).
        return { f in
            // Moved into place, not copied there (a record's copy retains its three buffers).
            var value: Value? = try eval(f)
            try steps(f) { concrete in
                try modify(f) { v in try Compiler.update(&v, concrete, 0, ranges, range: range) { $0 = value.take()! } }
            }
            return .normal
        }
    }

    /// `$x.path += value`: `+` in place (a list grows, a string lengthens, a record takes the
    /// fields, numbers add). The right side is evaluated first.
    func appending(_ name: String, _ path: [PathStep], _ e: Expr, _ opRange: SourceRange, _ range: SourceRange, _ scope: Scope) -> Exec {
        let modify = self.modify(name, scope, range)
        // `$n += 1`, `$total += $x`, `$users[$i].logins += 1`: most often an int, added to in place.
        let add = { (target: inout Value, value: consuming Value) throws in
            if case .int(let x) = target, case .int(let y) = value {
                let (s, o) = x.addingReportingOverflow(y)
                if !o { target = .int(s); return }
            }
            do throws(ErrorValue) { try Value.addInPlace(&target, value) } catch { throw RuntimeError(error, at: opRange) }
        }
        if case .list(let items, _) = e, items.count == 1 {
            // `$xs += [v]`, the commonest append: the item goes straight onto the list, with no
            // list of one made for it and appended. Anything but a list adds `[v]` as `+` would.
            return updating(modify, path, expression(items[0], scope), range, scope) { target, v in
                guard case .list(var list) = target else { return try add(&target, .list([v])) }
                do throws(ErrorValue) { try ValueLimits.checkList(list.count, plus: 1) } catch { throw RuntimeError(error, at: opRange) }
                target = .null
                list.append(consume v)
                target = .list(list)
            }
        }
        let eval = expression(e, scope)
        if path.isEmpty {
            return { f in
                let value = try eval(f)
                try modify(f) { target in
                    // The int case written out here too: through `add` it cost a closure call.
                    if case .int(let x) = target, case .int(let y) = value {
                        let (sum, overflow) = x.addingReportingOverflow(y)
                        if !overflow { target = .int(sum); return }
                    }
                    try add(&target, value)
                }
                return .normal
            }
        }
        return updating(modify, path, eval, range, scope, add)
    }

    /// `$x<path> = v` and its kin: `eval` first, then the path's indexes, then `apply` changes
    /// what the path reaches (the variable itself for an empty path) in place.
    private func updating(_ modify: @escaping (Frame, (inout Value) throws -> Void) throws -> Void, _ path: [PathStep], _ eval: @escaping Eval,
                          _ range: SourceRange, _ scope: Scope, _ apply: @escaping (inout Value, consuming Value) throws -> Void) -> Exec {
        // The value is handed on, not copied: `apply` is reached once, and takes it.
        if path.isEmpty {
            return { f in
                var v: Value? = try eval(f)
                try modify(f) { target in try apply(&target, v.take()!) }
                return .normal
            }
        }
        let (steps, ranges) = self.steps(path, scope, range)
        return { f in
            var v: Value? = try eval(f)
            try steps(f) { concrete in
                try modify(f) { target in try Compiler.update(&target, concrete, 0, ranges, range: range) { try apply(&$0, v.take()!) } }
            }
            return .normal
        }
    }

    /// Evaluates a path's indexes, onto the stack; `ranges` are the steps' source ranges.
    func steps(_ path: [PathStep], _ scope: Scope, _ range: SourceRange) -> (EvaluatedPath, ranges: [SourceRange]) {
        let compiled = path.map { step -> CompiledStep in
            switch step {
            case .field(let n): return CompiledStep { _ in .field(n) }
            case .index(let ie):
                let e = expression(ie, scope)
                return CompiledStep { f in .index(try e(f)) }
            }
        }
        let ranges = path.map { step -> SourceRange in
            switch step {
            // A field step has no index to blame: its failures name the whole assignment.
            case .field: range
            case .index(let ie): ie.range
            }
        }
        switch compiled.count {
        case 1:
            let s0 = compiled[0]
            return ({ f, body in
                var step = try s0.run(f)
                try withUnsafePointer(to: &step) { try body(UnsafeBufferPointer(start: $0, count: 1)) }
            }, ranges)
        case 2:
            let s0 = compiled[0], s1 = compiled[1]
            return ({ f, body in
                // A homogeneous tuple's elements lie in memory as an array's would.
                var pair = (try s0.run(f), try s1.run(f))
                try withUnsafePointer(to: &pair) {
                    try $0.withMemoryRebound(to: Step.self, capacity: 2) { try body(UnsafeBufferPointer(start: $0, count: 2)) }
                }
            }, ranges)
        default:
            return ({ f, body in
                try withUnsafeTemporaryAllocation(of: Step.self, capacity: compiled.count) { buffer in
                    var n = 0
                    defer { for i in 0..<n { _ = buffer.moveElement(from: i) } }
                    for c in compiled {
                        buffer.initializeElement(at: n, to: try c.run(f))
                        n += 1
                    }
                    try body(UnsafeBufferPointer(buffer))
                }
            }, ranges)
        }
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
        case .slot(1, let i):
            return { f, body in
                guard Strand.mayWriteParent(of: f) else { throw Compiler.sharedAssignment(name, function, range) }
                try body(&f.parentSlots.unsafelyUnwrapped[i])
            }
        case .slot(let d, let i):
            return { f, body in
                let target = f.ancestor(d)
                guard Strand.mayWrite(target) else { throw Compiler.sharedAssignment(name, function, range) }
                try body(&target.slots[i])
            }
        case .known(let i):
            // As `write` does: the slot's address and the frame's epoch, taken now.
            let slot = interpreter.globalFrame.slots + i, epoch = interpreter.globalFrame.epoch
            return { _, body in
                guard Strand.mayWrite(epoch: epoch) else { throw Compiler.sharedAssignment(name, function, range) }
                try body(&slot.pointee)
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

    /// Runs `body` on the value at `path[k...]` inside `base`, each container on the way
    /// taken out of its parent while it changes (so it is not shared with it, and is changed
    /// in place: a list's item or a record's value is updated where it lies, never copied
    /// out). On failure `base` is as it was. A missing field or a null on the way becomes a
    /// record. (No `switch` over a tuple holding `base`: the tuple would be a second reference.)
    static func update(_ base: inout Value, _ path: UnsafeBufferPointer<Step>, _ k: Int, _ ranges: [SourceRange], range: SourceRange, _ body: (inout Value) throws -> Void) throws {
        guard k < path.count else { return try body(&base) }
        switch path[k] {
        case .field(let key):
            guard base.isNull || base.isRecord else {
                throw RuntimeError(ErrorValue(code: "not_a_record", message: "cannot set field '\(key)' of \(base.typeName)"), at: range)
            }
            try updateField(&base, key, path, k, ranges, range: range, body)
        case .index(.string(let key)) where base.isRecord:
            try updateField(&base, key, path, k, ranges, range: range, body)
        case .index(.int(let i)) where base.isList:
            guard case .list(var list) = base else { return }
            base = .null
            defer { base = .list(list) }
            let j = i < 0 ? list.count + i : i
            guard j >= 0, j < list.count else {
                throw RuntimeError(ErrorValue(code: "index_out_of_range", message: "index \(i) is out of range for a list of \(list.count)"), at: ranges[k])
            }
            try list.withUnsafeMutableBufferPointer { try update(&$0[j], path, k + 1, ranges, range: range, body) }
        case .index(let index):
            throw RuntimeError(ErrorValue(code: "invalid_index", message: "cannot index \(base.typeName) with \(index.typeName)"), at: ranges[k])
        }
    }

    /// A record's field (a null becomes a record), changed in place.
    private static func updateField(_ base: inout Value, _ key: String, _ path: UnsafeBufferPointer<Step>, _ k: Int, _ ranges: [SourceRange], range: SourceRange, _ body: (inout Value) throws -> Void) throws {
        var record: Record = [:]
        let wasNull = base.isNull
        if case .record(let r) = base { record = r }
        base = .null
        // An existing field is changed through its index: assigning through the key
        // subscript copied the record's values every time (O(n) per update).
        guard let index = record.index(forKey: key) else {
            var child = Value.null
            do {
                try update(&child, path, k + 1, ranges, range: range, body)
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
        defer { base = .record(record) }
        try record.withUnsafeMutableValues { try update(&$0[index], path, k + 1, ranges, range: range, body) }
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
        // Each is moved out of `a` while it grows (Value.take), so `a` does not share it.
        if a.isList, case .list(let y) = b {
            guard case .list(var x) = a.take() else { return }
            do { try ValueLimits.checkList(x.count, plus: y.count) } catch { a = .list(x); throw error }
            x.append(contentsOf: y)
            a = .list(x)
        } else if case .string = a, case .string(let y) = b {
            guard case .string(var x) = a.take() else { return }
            do { try ValueLimits.checkText(x.utf8.count, plus: y.utf8.count) } catch { a = .string(x); throw error }
            x += y
            a = .string(x)
        } else if a.isRecord, case .record(let y) = b {
            guard case .record(var x) = a.take() else { return }
            for (k, v) in y { x[k] = v }
            a = .record(x)
        } else {
            a = try add(a, b)
        }
    }
}
