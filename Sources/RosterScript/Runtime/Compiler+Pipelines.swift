/// Pipeline stages. `where`, `select` and `each` stay lazy over streams and ranges; `sort` and
/// `count` consume; `first N` pulls at most N items. The current item lives in a hidden `it` slot.
extension Compiler {
    /// `limit`: a `sort` followed by `first N` (N a literal) needs only its first N items.
    func stage(_ stage: Stage, input: @escaping Eval, _ scope: Scope, limit: Int? = nil) -> Eval {
        switch stage {
        case .filter(let condition, let range):
            let stageScope = scope.child()
            let it = declare("it", stageScope, range)
            let test = self.condition(condition, stageScope)
            // A kept item is moved on from its slot, not copied.
            return mapping("where", input, range, item: it) { f in try test(f) ? Compiler.take(f.slots + it) : nil }

        case .select(let paths, let range):
            // A column is named by its path's last field, or by the whole path where two last
            // fields are the same (`.user.name .group.name` are `user.name` and `group.name`).
            let lasts = paths.map { $0.fields.last! }
            let fields = paths.map { p in
                (lasts.count { $0 == p.fields.last! } > 1 ? p.fields.joined(separator: ".") : p.fields.last!, p.fields, p.range)
            }
            let project: (Value) throws -> Value = { item in
                var out = Record(minimumCapacity: fields.count)
                for (name, path, r) in fields {
                    var v = item
                    for p in path {
                        guard let next = v.field(p) else {
                            throw RuntimeError(ErrorValue(code: "not_a_record", message: "cannot select '.\(path.joined(separator: "."))' from \(v.typeName)"), at: r)
                        }
                        v = next
                    }
                    out[name] = v
                }
                return .record(out)
            }
            let slot = declare(" item", scope.child(), range)
            return { f in
                let v = try input(f)
                if case .record = v { return try project(v) }
                return try Compiler.map(v, "select", range, item: slot) { f in try project(Compiler.take(f.slots + slot)) }(f)
            }

        case .sort(let path, let descending, let range):
            let fields = path?.fields ?? []
            func notARecord(_ v: Value) -> RuntimeError {
                RuntimeError(ErrorValue(code: "not_a_record", message: "cannot sort by '.\(fields.joined(separator: "."))' of \(v.typeName)"), at: path!.range)
            }
            // The first field read from the item where it lies (not from a copy of it).
            func key(_ item: Value) throws -> Value {
                guard let first = fields.first else { return item }
                guard var key = item.field(first) else { throw notARecord(item) }
                for p in fields.dropFirst() {
                    guard let next = key.field(p) else { throw notARecord(key) }
                    key = next
                }
                return key
            }
            return { f in
                // The items as they come (a list is not copied item by item), and their keys; a
                // stream's key is read as each item arrives, so a bad one stops the reading there.
                var items = List(), keys: [Value] = []
                let v = try input(f)
                if case .list(let list) = v {
                    items = list
                    keys.reserveCapacity(items.count)
                    for i in items.indices { keys.append(try key(items[i])) }
                } else {
                    try Compiler.consumeAll(v, "sort", range) { item in
                        keys.append(try key(item))
                        items.append(item)
                        if items.count > ValueLimits.listItems {
                            do throws(ErrorValue) { try ValueLimits.checkList(items.count) } catch { throw RuntimeError(error, at: range) }
                        }
                    }
                }
                if fields.isEmpty, let sorted = Compiler.sortedInts(keys, descending: descending, limit: limit) {
                    return .list(sorted)
                }
                if let order = Compiler.sortedByPlainKeys(keys, descending: descending, limit: limit) {
                    return .list(List(order.lazy.map { items[$0] }))
                }
                var failure: RuntimeError?
                // Stable, nulls last; mixed types are an error rather than an arbitrary order.
                let order = zip(keys, items).enumerated().sorted { a, b in
                    let (x, y) = (a.element.0, b.element.0)
                    if x.isNull || y.isNull { return x.isNull == y.isNull ? a.offset < b.offset : y.isNull }
                    guard let c = Value.compare(x, y) else {
                        failure = failure ?? RuntimeError(ErrorValue(code: "type_mismatch", message: "cannot sort: compares \(x.typeName) with \(y.typeName)"), at: range)
                        return a.offset < b.offset
                    }
                    if c == 0 { return a.offset < b.offset }
                    return descending ? c > 0 : c < 0
                }
                if let failure { throw failure }
                return .list(List(order.lazy.map(\.element.1)))
            }

        case .first(let count, let range):
            let n: Eval? = if let count { expression(count, scope) } else { nil }
            return { f in
                let v = try input(f)
                var limit = 1
                if let n {
                    let c = try n(f)
                    guard case .int(let k) = c, k >= 0 else {
                        throw RuntimeError(ErrorValue(code: "invalid_argument", message: "first needs a count of 0 or more, got \(try c.json())"), at: count!.range)
                    }
                    limit = k
                }
                var out = List()
                if limit > 0 {
                    try Compiler.consume(v, "first", range) { item in
                        out.append(item)
                        if out.count > ValueLimits.listItems {
                            do throws(ErrorValue) { try ValueLimits.checkList(out.count) } catch { throw RuntimeError(error, at: range) }
                        }
                        return out.count < limit
                    }
                }
                if n == nil { return out.first ?? .null }
                return .list(out)
            }

        case .count(let range):
            return { f in
                let v = try input(f)
                switch v {
                case .list(let l): return .int(l.count)
                case .range(let a, let b): return .int(b - a)
                case .record(let r): return .int(r.count)
                default:
                    var n = 0
                    try Compiler.consumeAll(v, "count", range) { _ in n += 1 }
                    return .int(n)
                }
            }

        case .each(let body, let range) where Compiler.definesFunction(body.statements):
            // A function made for one item keeps that item's variables: the block runs in a
            // frame of its own per item (as a loop body that defines one does).
            let context = FunctionContext(outer: scope, isGlobal: false)
            context.isLoopBody = true
            let stageScope = Scope(parent: nil, function: context)
            stageScope.isEachBody = true
            let it = stageScope.declare("it")
            let blockScope = stageScope.child()
            let (statements, result) = Compiler.valueTail(body.statements)
            let steps = Compiler.sequence(statements.map { CompiledExec(run: statement($0, blockScope)) }[...])
            let last: Eval? = if let result { expression(result, blockScope) } else { nil }
            // The item comes in a slot of the stage's own frame, and moves on to the new one.
            let carrier = declare(" item", scope.child(), range)
            return mapping("each", input, range, item: carrier) { f in
                let frame = Frame.make(capacity: context.slotCount, parent: f)
                frame.slots[it] = Compiler.take(f.slots + carrier)
                _ = try steps(frame)
                guard let last else { return nil }
                let v = try last(frame)
                return v.isNull ? nil : v
            }

        case .each(let body, let range):
            let stageScope = scope.child()
            stageScope.isEachBody = true
            let it = declare("it", stageScope, range)
            let savedLoops = scope.function.loopDepth
            scope.function.loopDepth = 0
            defer { scope.function.loopDepth = savedLoops }
            let blockScope = stageScope.child()
            let (statements, result) = Compiler.valueTail(body.statements)
            // The statements first: a `let` among them is declared before the value reads it.
            let steps = Compiler.sequence(statements.map { CompiledExec(run: statement($0, blockScope)) }[...])
            let last: Eval? = if let result { expression(result, blockScope) } else { nil }
            return mapping("each", input, range, item: it) { f in
                _ = try steps(f)
                guard let last else { return nil }
                let v = try last(f)
                return v.isNull ? nil : v
            }

        case .save(let path, let range):
            let p = expression(path, scope)
            let interpreter = self.interpreter
            return { [unowned(unsafe) interpreter] f in
                let v = try input(f)
                let target = try p(f)
                guard case .string(let file) = target else {
                    throw RuntimeError(ErrorValue(code: "invalid_argument", message: "save needs a file name, got \(target.typeName)"), at: path.range)
                }
                do { try interpreter.host.save(v, to: file) } catch let e as ErrorValue { throw RuntimeError(e, at: range) }
                return .null
            }

        case .command(let c):
            return command(c, scope, input: input)
        }
    }

    /// Stages whose output items are some of their input's, unchanged.
    static func keepsItems(_ stage: Stage) -> Bool {
        switch stage {
        case .filter, .sort: true
        case .first(let count, _): count != nil
        default: false
        }
    }

    /// A top-level pipeline from a listing through `where`, `sort` and `first N`, as shown: the
    /// listing's table columns and noun survive the stages (the items are the listing's), and
    /// when only `sort` and `first` came between, the footer can say how many the listing had
    /// (`5 of 120 members`). For the eye only: the value is not kept anywhere.
    func shownPipeline(_ head: Expr, _ stages: [Stage], _ scope: Scope) -> (Frame) throws -> Value? {
        final class Seen { var listing: ValueStream? }
        let seen = Seen()
        let source = expression(head, scope)
        var current: Eval = { f in
            let v = try source(f)
            if case .stream(let s) = v { seen.listing = s }
            return v
        }
        for stage in stages { current = self.stage(stage, input: current, scope) }
        let cutOnly = stages.allSatisfy { if case .filter = $0 { false } else { true } }
        return { [current] f in
            seen.listing = nil
            let v = try current(f)
            guard let listing = seen.listing, let hint = listing.display else { return v }
            seen.listing = nil
            switch v {
            case .list(let items):
                return .stream(ValueStream(label: listing.label, totalCount: cutOnly ? listing.totalCount : nil, display: hint) {
                    var rest = items[...]
                    return StreamCursor { rest.popFirst() }
                })
            case .stream(let s):
                return .stream(ValueStream(label: s.label, display: hint) { try s.cursor() })
            default:
                return v
            }
        }
    }

    /// A stage that maps each item to zero or one output: eager over lists, lazy over streams and ranges.
    private func mapping(_ name: String, _ input: @escaping Eval, _ range: SourceRange, item: Int,
                         _ transform: @escaping (Frame) throws -> Value?) -> Eval {
        { f in try Compiler.map(try input(f), name, range, item: item, transform)(f) }
    }

    /// Each item of `v` put in the slot `item` of the frame, then `transform` run on that frame:
    /// its output, or nil for none. The transform may move the item out of its slot (`take`).
    /// An item is copied once, into its slot: handed to the transform as an argument it was
    /// copied there and again into the slot (a record's three buffers retained each time).
    static func map(_ v: Value, _ name: String, _ range: SourceRange, item: Int,
                    _ transform: @escaping (Frame) throws -> Value?) -> Eval {
        { f in
            switch v {
            case .list(let items):
                var out = List(minimumCapacity: items.count)
                let slot = f.slots + item
                try items.withUnsafeBufferPointer { items in
                    for i in items.indices {
                        try Interrupt.check()
                        slot.pointee = items[i]
                        if let r = try transform(f) { out.appendInRoom(r) }
                    }
                }
                return .list(out)
            // A lazy stage is a recipe too: each reading pulls its own cursor of the input. Its
            // item slot is in `f`; read from a parallel iteration that only shares `f`, the
            // reading works in a private copy of it.
            case .stream(let s):
                return .stream(ValueStream(label: s.label) {
                    let input = try Compiler.cursor(s, range)
                    let frame = Strand.mayWrite(f) ? f : f.copy()
                    // A row that passes a stage keeps the place it came from.
                    return StreamCursor(runsScript: true, origin: { input.origin }) {
                        while let next = try Compiler.pull(input, range) {
                            try Interrupt.check()
                            frame.slots[item] = next
                            do {
                                if let r = try transform(frame) { return r }
                            } catch var e as RuntimeError where e.error.unreadableRow != nil {
                                // Another file's unreadable row, met by the stage's own code: not
                                // a row of this stream (the loop over it would take it for one).
                                e.error.unreadableRow = nil
                                throw e
                            } catch var e as ErrorValue where e.unreadableRow != nil {
                                e.unreadableRow = nil
                                throw e
                            }
                        }
                        return nil
                    }
                })
            case .range(let a, let b):
                return .stream(ValueStream(label: "range") {
                    var i = a
                    let frame = Strand.mayWrite(f) ? f : f.copy()
                    return StreamCursor(runsScript: true) {
                        while i < b {
                            frame.slots[item] = .int(i)
                            i += 1
                            try Interrupt.check()
                            if let r = try transform(frame) { return r }
                        }
                        return nil
                    }
                })
            default:
                throw RuntimeError(ErrorValue(code: "not_iterable", message: "'\(name)' needs a list or a command's result, got \(v.typeName)"), at: range)
            }
        }
    }

    /// The value in `slot`, moved out, leaving null.
    @inline(__always) static func take(_ slot: UnsafeMutablePointer<Value>) -> Value {
        let v = slot.move()
        slot.initialize(to: .null)
        return v
    }

    /// Feeds every item to `body` until it returns false.
    static func consume(_ v: Value, _ name: String, _ range: SourceRange, _ body: (Value) throws -> Bool) throws {
        switch v {
        case .list(let items):
            for item in items where try !body(item) { return }
        case .range(let a, let b):
            var i = a
            while i < b {
                try Interrupt.check()
                if try !body(.int(i)) { return }
                i += 1
            }
        case .stream(let s):
            let c = try cursor(s, range)
            while let item = try pull(c, range) {
                try Interrupt.check()
                if try !body(item) { return }
            }
        default:
            throw RuntimeError(ErrorValue(code: "not_iterable", message: "'\(name)' needs a list or a command's result, got \(v.typeName)"), at: range)
        }
    }

    static func consumeAll(_ v: Value, _ name: String, _ range: SourceRange, _ body: (Value) throws -> Void) throws {
        try consume(v, name, range) { (item: Value) throws -> Bool in try body(item); return true }
    }
}

extension Compiler {
    /// Items that are all ints, sorted as themselves (the first `limit` of them): equal ints
    /// cannot be told apart, so no order among them needs keeping, and the plain integers sort
    /// several times faster than indexes compared through their keys. Nil for anything else.
    static func sortedInts(_ items: [Value], descending: Bool, limit: Int?) -> List? {
        var ints: [Int] = []
        ints.reserveCapacity(items.count)
        for item in items {
            guard case .int(let n) = item else { return nil }
            ints.append(n)
        }
        if descending { ints.sort(by: >) } else { ints.sort() }
        return List(ints.prefix(limit ?? ints.count).lazy.map { .int($0) })
    }

    /// The order `sort` gives when every key is an int, or every key a string (nulls last, ties
    /// in input order): indexes sorted over a plain array of keys, where sorting the
    /// (offset, key, item) entries themselves spent most of its time counting references.
    /// Nil for any other mix of keys (the general comparison handles and reports those).
    ///
    /// With a `limit`, only the order's first `limit` indexes: when that is a small part of the
    /// keys they are selected through a heap (n log limit, not n log n).
    static func sortedByPlainKeys(_ keys: [Value], descending: Bool, limit: Int? = nil) -> [Int]? {
        // The keys as `K`s (nil: a key of another type), then indexes sorted over them.
        func order<K: Comparable>(_ plain: (Value) -> K?) -> [Int]? {
            var present: [Int] = [], nulls: [Int] = [], ks: [K] = []
            present.reserveCapacity(keys.count)
            ks.reserveCapacity(keys.count)
            for (i, k) in keys.enumerated() {
                if k.isNull { nulls.append(i); continue }
                guard let key = plain(k) else { return nil }
                present.append(i)
                ks.append(key)
            }
            // Whether a comes before b: by key, ties in their first order.
            func before(_ a: Int, _ b: Int) -> Bool {
                let (x, y) = (ks[a], ks[b])
                if x == y { return a < b }
                return descending ? x > y : x < y
            }
            var indexes: [Int]
            if let limit, limit < ks.count / 8 {
                indexes = Heap.first(limit, of: ks.count, by: before)
            } else {
                indexes = Array(0..<ks.count)
                indexes.sort(by: before)
            }
            let ordered = indexes.map { present[$0] } + nulls
            guard let limit, limit < ordered.count else { return ordered }
            return Array(ordered.prefix(limit))
        }
        switch keys.first(where: { !$0.isNull }) {
        case .int?: return order { if case .int(let n) = $0 { n } else { nil } }
        case .string?: return order { if case .string(let s) = $0 { s } else { nil } }
        default: return nil
        }
    }
}

/// Selecting the first few of many in an order.
enum Heap {
    /// The first `k` of `0..<n` in the order `before` (a strict total order), in that order.
    static func first(_ k: Int, of n: Int, by before: (Int, Int) -> Bool) -> [Int] {
        guard k > 0 else { return [] }
        // A heap of the k best so far, the one that comes last at its root.
        var heap: [Int] = []
        heap.reserveCapacity(k)
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1, r = l + 1
                var last = i
                if l < heap.count, before(heap[last], heap[l]) { last = l }
                if r < heap.count, before(heap[last], heap[r]) { last = r }
                if last == i { return }
                heap.swapAt(i, last)
                i = last
            }
        }
        for i in 0..<n {
            if heap.count < k {
                heap.append(i)
                var c = heap.count - 1
                while c > 0 {
                    let p = (c - 1) / 2
                    guard before(heap[p], heap[c]) else { break }
                    heap.swapAt(p, c)
                    c = p
                }
            } else if before(i, heap[0]) {
                heap[0] = i
                siftDown(0)
            }
        }
        return heap.sorted(by: before)
    }
}
