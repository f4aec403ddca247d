import LineEditor
import RosterScript

/// TAB completion from what the session knows: keywords, builtins, functions and globals,
/// host verbs word by word, the parameters of the verb being typed and the values they allow,
/// `$variables` and the fields of `$var.`.
final class ReplCompleter: LineCompleter {
    unowned let interpreter: Interpreter
    unowned let host: ScriptHost

    init(interpreter: Interpreter, host: ScriptHost) {
        self.interpreter = interpreter
        self.host = host
    }

    static let keywords = ["let", "if", "else", "for", "in", "while", "break", "continue", "def", "return",
                           "try", "catch", "exit", "source", "true", "false", "null", "and", "or", "not"]
    static let stages = ["where", "select", "sort", "first", "count", "each", "save"]

    func completions(for text: String) -> (candidates: [String], replacing: Int) {
        let chars = Array(text)
        var start = chars.count
        while start > 0, !" \t(|;{[,=".contains(chars[start - 1]) { start -= 1 }
        let word = String(chars[start...])
        let before = String(chars[..<start])

        if word.hasPrefix("$") { return (variables(word), word.count) }

        // The current command: the words since the last separator.
        let segment = before.split(omittingEmptySubsequences: false, whereSeparator: { "|;({".contains($0) }).last.map(String.init) ?? ""
        var previous = segment.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        // `let x = ...` and `$x = ...`: the command starts after the assignment's `=`.
        if let eq = previous.lastIndex(of: "=") { previous = Array(previous[(eq + 1)...]) }
        let afterPipe = before.trimmedRight().hasSuffix("|")

        if previous.isEmpty {
            let commands = Builtins.names + interpreter.globalNames.filter(isFunction) + firstWords()
            let names = afterPipe ? ReplCompleter.stages + commands : ReplCompleter.keywords + commands
            return (match(word, names), word.count)
        }
        if case .function(let fn)? = interpreter.global(previous[0]) {
            return (match(word, fn.parameterNames.map { $0 + "=" }), word.count)
        }
        let bare = previous.filter { !$0.contains("=") && !$0.hasPrefix("-") && !$0.hasPrefix("$") && !$0.hasPrefix("\"") }
        // `role=wr`: the values the parameter allows; `group=Eng`: live names and ids, quoted
        // where the language needs it (`"Resume Group"`).
        if start > 0, chars[start - 1] == "=", let last = previous.last, last.count > 1, last.hasSuffix("="),
           let verb = host.resolveCommand(bare), verb.wordCount <= bare.count {
            let typed = word.hasPrefix("\"") ? String(word.dropFirst()) : word
            let values = host.valueCompletions(of: verb, parameter: String(last.dropLast()), typed: typed).filter { $0.hasPrefix(typed) }
            let shown = values.map { word.hasPrefix("\"") || !ReplCompleter.isBareWord($0) ? ReplCompleter.quoted($0) : $0 }
            return (Array(Set(shown)).sorted(), word.count)
        }
        if let verb = host.resolveCommand(bare), let session = host as? SessionHost, let words = session.wordCompletions(of: verb, after: bare) {
            return (match(word, words), word.count)
        }
        if let verb = host.resolveCommand(bare), verb.wordCount <= bare.count {
            let params = host.parameterNames(of: verb)
            return (match(word, params.map { $0 + "=" }), word.count)
        }
        // Next word of a verb: the verbs that continue what has been typed.
        let typed = bare.joined(separator: " ") + " "
        var next = Set<String>()
        for name in host.commandNames where name.hasPrefix(typed) {
            let rest = name.dropFirst(typed.count).split(separator: " ")
            if let w = rest.first { next.insert(String(w)) }
        }
        if !next.isEmpty { return (match(word, next.sorted()), word.count) }
        return ([], 0)
    }

    /// Whether a value can be typed as it is after `name=`: letters, digits and `@._-+:/`.
    static func isBareWord(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || "@._-+:/".unicodeScalars.contains($0) }
    }

    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "$", with: "\\$") + "\""
    }

    private func isFunction(_ name: String) -> Bool {
        if case .function? = interpreter.global(name) { return true }
        return false
    }

    private func firstWords() -> [String] {
        Array(Set(host.commandNames.compactMap { $0.split(separator: " ").first.map(String.init) }))
    }

    /// `$na` → `$name`; `$user.lo` → `$user.login` (fields of the variable's current value, or
    /// of the first item of a list).
    private func variables(_ word: String) -> [String] {
        let path = word.dropFirst().split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if path.count == 1 { return match(word, interpreter.globalNames.map { "$" + $0 }) }
        guard var value = interpreter.global(path[0]) else { return [] }
        for field in path.dropFirst().dropLast() {
            guard let next = value.field(field) else { return [] }
            value = next
        }
        if case .list(let items) = value, let first = items.first { value = first }
        let prefix = "$" + path.dropLast().joined(separator: ".") + "."
        switch value {
        case .record(let r): return match(word, r.keys.map { prefix + $0 })
        case .error: return match(word, ErrorValue.fieldNames.map { prefix + $0 })
        default: return []
        }
    }

    private func match(_ word: String, _ names: [String]) -> [String] {
        Array(Set(names.filter { $0.hasPrefix(word) })).sorted()
    }
}
