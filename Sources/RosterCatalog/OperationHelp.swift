import RosterScript

/// `help ld members list` and `roster verbs`, written from the operation entries themselves.
extension Catalog {
    /// One line per verb, grouped by service.
    public func verbList() -> String {
        var out = ""
        for service in Service.allCases {
            out += "\(service.displayName):\n"
            let ops = operations.filter { $0.service == service }
            let width = ops.map(\.name.count).max() ?? 0
            for op in ops {
                out += "  " + op.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + op.summary + "\n"
            }
        }
        return out
    }

    /// The help page of a verb (or of a service or resource: the verbs under it); nil if the
    /// words name none.
    public func help(for words: [String]) -> String? {
        if words.count >= 3, let command = resolve(words), let op = byName[command.name] {
            return Catalog.page(op)
        }
        let prefix = words.joined(separator: " ")
        let matching = operations.filter { $0.name.hasPrefix(prefix + " ") }
        guard !prefix.isEmpty, !matching.isEmpty else { return nil }
        let width = matching.map(\.name.count).max() ?? 0
        return matching.map { "  " + $0.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.summary }.joined(separator: "\n") + "\n"
    }

    static func page(_ op: Operation) -> String {
        var out = "\(op.name)  (SDK: \(op.alias))\n    \(op.summary)\n\n"
        out += "    \(op.method) \(op.paths.joined(separator: "  or  "))  -> \(op.success)\n"
        if op.pagination != .none { out += "    paged: \(op.pagination.rawValue); the result is a stream fetched as it is used\n" }
        switch op.body {
        case .invites: out += "    body: a JSON array of members, sent 50 per request\n"
        case .semanticPatch: out += "    body: a semantic patch (Content-Type: \(Binder.semanticPatchType))\n"
        case .jsonPatch: out += "    body: JSON Patch operations\n"
        case .object, .none: break
        }
        if !op.parameters.isEmpty {
            out += "\nParameters:\n"
            let width = op.parameters.map(\.name.count).max()!
            for p in op.parameters {
                var line = "  " + p.name.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                line += p.kind.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)
                // (Losant's instance is required by the API, and the profile gives it.)
                line += p.required && p.name != "instance" ? "required  " : "          "
                line += p.summary
                if let allowed = p.allowed { line += "; one of: " + allowed.joined(separator: ", ") }
                if let d = p.defaultValue, let text = try? d.text() { line += " (default \(text))" }
                out += line + "\n"
            }
        }
        out += "  --profile NAME  use this profile for this call only\n"
        if op.isWrite { out += "  --dry-run       show the request it would send (and whom it touches), send nothing\n" }
        if let hint = op.tableHint {
            out += "  --wide          a table of every field, not the listing's columns (\(hint.columns.joined(separator: ", ")))\n"
            out += "  --columns A,B   a table of these fields (dotted paths: user.login)\n"
        }
        out += "\nExample:\n  \(op.example)\n"
        return out
    }
}
