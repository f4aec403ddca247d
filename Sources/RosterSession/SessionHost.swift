import Foundation
import RosterCatalog
import RosterScript

/// The host for real sessions: stdout/stderr, files, environment, clock, the session's own
/// commands (help, use), and the catalog's service verbs.
public final class SessionHost: ScriptHost {
    let out: TextOutput
    let err: TextOutput
    public var format: OutputFormat
    let color: Bool
    /// The service verbs (nil: the language alone).
    public let catalog: Catalog?
    /// Progress and the failures loops pass over (set when a run starts).
    var report: BatchReport?
    public var observesLoops = false
    /// The pager's command (nil: none): results on a terminal go through it.
    public var pager: String?
    /// `:wide`: tables of listings show every field, not their declared columns.
    public var wide = false
    /// With a failures file, a loop that stops early hands over its unfinished inputs.
    public var recordsUnfinished: Bool { report?.failuresPath != nil }

    public init(out: TextOutput = .standardOutput, err: TextOutput = .standardError, format: OutputFormat? = nil, catalog: Catalog? = nil) {
        self.catalog = catalog
        self.out = out
        self.err = err
        self.format = format ?? .automatic(terminal: out.isTerminal)
        // NO_COLOR (no-color.org) and a terminal that says it has no attributes (TERM=dumb).
        let environment = ProcessInfo.processInfo.environment
        self.color = out.isTerminal && (environment["NO_COLOR"].map(\.isEmpty) ?? true) && environment["TERM"] != "dumb"
    }

    // MARK: commands

    static let ownCommands = ["help", "use"]

    public var commandNames: [String] { SessionHost.ownCommands + (catalog?.commandNames ?? []) }

    public func resolveCommand(_ words: [String]) -> HostCommand? {
        if let first = words.first, SessionHost.ownCommands.contains(first) { return HostCommand(name: first, wordCount: 1) }
        return catalog?.resolve(words)
    }

    public func parameterNames(of command: HostCommand) -> [String] {
        catalog?.parameterNames(of: command) ?? []
    }

    public func check(_ command: HostCommand, _ arguments: [StaticArgument], at range: SourceRange) -> [RuntimeError] {
        catalog?.check(command, arguments, at: range) ?? []
    }

    /// The words `use` and `help` take, for TAB (they take no `name=` parameters): profiles;
    /// topics, then the next word of a verb (`help ld m` → members).
    func wordCompletions(of command: HostCommand, after words: [String]) -> [String]? {
        switch command.name {
        case "use": return words.count == 1 ? catalog?.profileNames ?? [] : []
        case "help":
            let typed = words.dropFirst().joined(separator: " ")
            let verbs = catalog?.commandNames ?? []
            if typed.isEmpty {
                return Array(Help.topics.keys) + Array(Help.keywordTopics.keys) + Builtins.names + verbs.compactMap { $0.split(separator: " ").first.map(String.init) }
            }
            return verbs.compactMap { name in
                name.hasPrefix(typed + " ") ? name.dropFirst(typed.count + 1).split(separator: " ").first.map(String.init) : nil
            }
        default: return nil
        }
    }

    public func valueCompletions(of command: HostCommand, parameter: String, typed: String) -> [String] {
        guard let catalog else { return [] }
        if let allowed = catalog.operation(named: command.name)?.parameter(parameter)?.allowed { return allowed }
        return catalog.liveValues(of: command, parameter: parameter, typed: typed)
    }

    public func invoke(_ command: HostCommand, _ arguments: [CommandArgument], at site: CallSite) throws -> Value {
        switch command.name {
        case "help":
            var topic: [String] = []
            for a in arguments {
                if case .positional(let v) = a.kind { topic.append(try v.text()) }
            }
            out.write(try Help.text(for: topic.joined(separator: " "), host: self))
            return .null
        case "use":
            // `use NAME`: later commands go to this profile unless they name another.
            guard let catalog else { throw ErrorValue(code: "unknown_command", message: "use: no service verbs in this session") }
            guard arguments.count == 1, case .positional(let v) = arguments[0].kind else {
                throw ErrorValue(code: "invalid_argument", message: "use takes one profile name, e.g. use sandbox")
            }
            try catalog.use(try v.text())
            return .null
        default:
            guard let catalog else { throw ErrorValue(code: "unknown_command", message: "unknown command '\(command.name)'") }
            return try catalog.invoke(command, arguments, at: site)
        }
    }

    public func loopEvent(_ event: LoopEvent) { report?.handle(event) }

    // MARK: world

    /// `print`: exact into a file or a pipe; on a terminal, a server's text (an email, an
    /// error's message) cannot clear the screen, retitle the window or hide characters.
    public func write(_ text: String) {
        // (The progress line, on the same terminal, is cleared first and drawn again later.)
        if out.isTerminal { report?.clearProgress() }
        out.write((out.isTerminal ? Sanitize.visible(text, keepLayout: true) : text) + "\n")
    }

    /// Shows a top-level value; on a terminal through the pager, unless there is none.
    public func display(_ value: Value) throws {
        do {
            guard let pager, out.isTerminal else { return try ValueFormatter(format: format, out: out, color: color, wide: wide).show(value) }
            try Pager.page(through: pager, direct: out) { paged in
                try ValueFormatter(format: format, out: paged, color: color, wide: wide, sizeFD: out.fd).show(value)
            }
        } catch is OutputClosed {}
    }

    public func readSource(_ path: String, from file: String) throws -> (name: String, text: String) {
        var full = DataFiles.expand(path)
        if !full.hasPrefix("/"), FileManager.default.fileExists(atPath: file) {
            let dir = LocalFile.folder(of: file)
            if !dir.isEmpty { full = (dir as NSString).appendingPathComponent(full) }
        }
        let data: Data
        switch LocalFile.read(full) {
        case .success(let d): data = d
        case .failure(let f): throw ErrorValue(code: "file_not_found", message: "cannot read '\(path)': \(f.reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ErrorValue(code: "invalid_utf8", message: "'\(path)' is not UTF-8 text")
        }
        return ((full as NSString).standardizingPath, text)
    }

    public func open(_ path: String) throws -> Value { try DataFiles.open(path) }

    public func save(_ value: Value, to path: String) throws { try DataFiles.save(value, to: path) }

    public func environment(_ name: String) -> String? { ProcessInfo.processInfo.environment[name] }

    public func now() -> Double { Date().timeIntervalSince1970 }

    public func sleep(_ seconds: Double) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if Interrupt.isRequested { throw ControlSignal.interrupted }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return }
            usleep(UInt32(min(left, 0.02) * 1_000_000))
        }
    }
}
