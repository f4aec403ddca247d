/// The syntax tree as S-expressions: for parser tests and `roster check --ast`.
public enum ASTPrinter {
    public static func print(_ statements: [Stmt]) -> String {
        statements.map(statement).joined(separator: "\n")
    }

    static func block(_ b: Block) -> String {
        "(block" + b.statements.map { " " + statement($0) }.joined() + ")"
    }

    static func statement(_ s: Stmt) -> String {
        switch s {
        case .expression(let e): return expression(e)
        case .declare(let n, let e, _): return "(let \(n) \(expression(e)))"
        case .assign(let n, let path, let e, _), .append(let n, let path, let e, _):
            let p = path.map { step -> String in
                switch step {
                case .field(let f): return ".\(f)"
                case .index(let i): return "[\(expression(i))]"
                }
            }.joined()
            let op = if case .append = s { "set+" } else { "set" }
            return "(\(op) $\(n)\(p) \(expression(e)))"
        case .ifElse(let branches, let otherwise, _):
            var out = "(if"
            for (c, b) in branches { out += " \(expression(c)) \(block(b))" }
            if let otherwise { out += " else \(block(otherwise))" }
            return out + ")"
        case .forIn(let n, let e, let options, let b, _):
            var o = ""
            if let p = options.parallel { o += " --parallel \(expression(p))" }
            if options.keepGoing { o += " --keep-going" }
            if let k = options.key { o += " --key \(k)" }
            return "(for \(n) \(expression(e))\(o) \(block(b)))"
        case .whileLoop(let c, let b, _): return "(while \(expression(c)) \(block(b)))"
        case .breakLoop: return "(break)"
        case .continueLoop: return "(continue)"
        case .function(let f):
            let params = f.parameters.map { p in p.defaultValue.map { "\(p.name)=\(expression($0))" } ?? p.name }
            return "(def \(f.name) (\(params.joined(separator: " "))) \(block(f.body)))"
        case .returnValue(let e, _): return e.map { "(return \(expression($0)))" } ?? "(return)"
        case .tryCatch(let b, let n, let h, _): return "(try \(block(b)) catch\(n.map { " \($0)" } ?? "") \(block(h)))"
        case .exit(let e, _): return e.map { "(exit \(expression($0)))" } ?? "(exit)"
        case .source(let e, _): return "(source \(expression(e)))"
        }
    }

    static func literal(_ l: Literal) -> String {
        switch l {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .int(let n): String(n)
        case .double(let d): Value.format(d)
        case .string(let s): quoted(s)
        }
    }

    static func quoted(_ s: String) -> String { Value.quotedJSON(s) }

    public static func expression(_ e: Expr) -> String {
        switch e {
        case .literal(let l, _): return literal(l)
        case .word(let w, _): return "(word \(w))"
        case .interpolated(let parts, _):
            return "(interp" + parts.map { p in
                switch p {
                case .text(let t): return " " + quoted(t)
                case .expression(let e): return " " + expression(e)
                }
            }.joined() + ")"
        case .variable(let n, _): return "$\(n)"
        case .itemField(let path, _): return "." + path.joined(separator: ".")
        case .field(let b, let f, _): return "(. \(expression(b)) \(f))"
        case .index(let b, let i, _): return "([] \(expression(b)) \(expression(i)))"
        case .list(let items, _): return "[" + items.map(expression).joined(separator: " ") + "]"
        case .record(let entries, _): return "{" + entries.map { "\($0.key): \(expression($0.value))" }.joined(separator: ", ") + "}"
        case .unary(let op, let o, _): return "(\(op.rawValue) \(expression(o)))"
        case .binary(let op, let l, let r, _): return "(\(op.rawValue) \(expression(l)) \(expression(r)))"
        case .range(let l, let u, let inclusive, _): return "(\(inclusive ? ".." : "..<") \(expression(l)) \(expression(u)))"
        case .call(let n, let args, _): return "(call \(n)" + args.map { " " + expression($0) }.joined() + ")"
        case .command(let c): return command(c)
        case .pipeline(let head, let stages, _):
            return "(pipe \(expression(head))" + stages.map { " " + stage($0) }.joined() + ")"
        case .conditional(let branches, let otherwise, _):
            var out = "(if-value"
            for (c, b) in branches { out += " \(expression(c)) \(block(b))" }
            if let otherwise { out += " else \(block(otherwise))" }
            return out + ")"
        }
    }

    static func command(_ c: Command) -> String {
        "(cmd \(c.name)" + c.arguments.map { a in
            switch a {
            case .positional(let e): return " " + expression(e)
            case .named(let n, let e, _): return " \(n)=\(expression(e))"
            case .flag(let n, _): return " --\(n)"
            }
        }.joined() + ")"
    }

    static func stage(_ s: Stage) -> String {
        func path(_ p: FieldPath) -> String { "." + p.fields.joined(separator: ".") }
        switch s {
        case .filter(let e, _): return "(where \(expression(e)))"
        case .select(let paths, _): return "(select " + paths.map(path).joined(separator: " ") + ")"
        case .sort(let p, let desc, _): return "(sort" + (p.map { " " + path($0) } ?? "") + (desc ? " --desc" : "") + ")"
        case .first(let n, _): return "(first" + (n.map { " " + expression($0) } ?? "") + ")"
        case .count: return "(count)"
        case .each(let b, _): return "(each \(block(b)))"
        case .save(let e, _): return "(save \(expression(e)))"
        case .command(let c): return command(c)
        }
    }
}
