/// A problem found in a script, as data. `id` is stable (tests assert it); `message` is for people.
public struct Diagnostic: Error, Sendable {
    public enum Severity: String, Sendable { case error, note }

    public struct Note: Sendable {
        public let message: String
        public let range: SourceRange
    }

    public let id: String
    public let message: String
    public let range: SourceRange
    public var notes: [Note]
    /// Notes about places outside the script, written as they are (`hires.csv:4: note: the row: ...`).
    public var trailer: [String] = []
    /// True when the only problem is that the input stopped too early (an open brace, bracket,
    /// string): the REPL answers with a continuation prompt instead of an error.
    public let isIncomplete: Bool

    public init(_ id: String, _ message: String, at range: SourceRange, notes: [Note] = [], incomplete: Bool = false) {
        self.id = id
        self.message = message
        self.range = range
        self.notes = notes
        self.isIncomplete = incomplete
    }

    /// `file:line:col: error: message`, the source line and a caret; then each note the same way.
    public func rendered() -> String {
        var out = Diagnostic.render(.error, message, range)
        for note in notes { out += Diagnostic.render(.note, note.message, note.range) }
        for line in trailer { out += Sanitize.visible(line) + "\n" }
        return out
    }

    /// The most characters of a source line a diagnostic shows.
    static let excerpt = 160

    static func render(_ severity: Severity, _ message: String, _ range: SourceRange) -> String {
        let (line, column) = range.location
        // A message may quote a server's reply: shown, it must not drive the terminal.
        var out = "\(range.file.name):\(line):\(column): \(severity.rawValue): \(Sanitize.visible(message, keepNewlines: true))\n"
        let whole = Array(range.file.line(line))
        if !whole.isEmpty || range.file.text.isEmpty == false {
            // A long line (a generated script's) is shown as the part around the column.
            let start = whole.count > Diagnostic.excerpt ? max(0, min(column - 1 - Diagnostic.excerpt / 2, whole.count - Diagnostic.excerpt)) : 0
            let end = min(whole.count, start + Diagnostic.excerpt)
            let text = (start > 0 ? "…" : "") + String(whole[start..<end]) + (end < whole.count ? "…" : "")
            out += text + "\n"
            // Keep tabs so the caret lines up under the source as the terminal shows it.
            let pad = (start > 0 ? " " : "") + whole[start..<min(max(column - 1, start), end)].map { $0 == "\t" ? "\t" : " " }.joined()
            let (endLine, endColumn) = range.file.lineColumn(of: range.end)
            let width = endLine == line ? max(1, min(endColumn, end + 1) - column) : 1
            out += pad + "^" + String(repeating: "~", count: width - 1) + "\n"
        }
        return out
    }
}

/// Levenshtein-based "did you mean" over a set of candidate names.
public enum Suggest {
    public static func closest(to name: String, in candidates: some Sequence<String>) -> String? {
        let target = Array(name.lowercased())
        var best: (String, Int)?
        for candidate in candidates where candidate != name {
            let d = distance(target, Array(candidate.lowercased()))
            let limit = max(1, min(3, target.count / 3 + 1))
            if d <= limit, best == nil || d < best!.1 { best = (candidate, d) }
        }
        return best?.0
    }

    /// Up to `limit` candidates near `name`, nearest first: within a few edits, or holding it
    /// (or held by it) ignoring case. For "close: ..." lists where one guess is too few.
    public static func close(to name: String, in candidates: some Sequence<String>, limit: Int) -> [String] {
        let target = Array(name.lowercased())
        let lowered = name.lowercased()
        var scored: [(String, Int)] = []
        for candidate in Set(candidates) where candidate != name {
            let c = candidate.lowercased()
            let d = distance(target, Array(c))
            if d <= max(2, target.count / 3) || (!lowered.isEmpty && !c.isEmpty && (c.contains(lowered) || lowered.contains(c))) {
                scored.append((candidate, d))
            }
        }
        return scored.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(limit).map(\.0)
    }

    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// " (did you mean 'x'?)" or "".
    public static func hint(_ name: String, _ candidates: some Sequence<String>, prefix: String = "") -> String {
        guard let s = closest(to: name, in: candidates) else { return "" }
        return "; did you mean '\(prefix)\(s)'?"
    }
}
