import Foundation
import RosterScript

/// The host for real sessions: stdout/stderr, files, environment, clock, and the session's own
/// commands (help). Service verbs are added by the catalog.
public final class SessionHost: ScriptHost {
    let out: TextOutput
    let err: TextOutput
    public var format: OutputFormat
    let color: Bool

    public init(out: TextOutput = .standardOutput, err: TextOutput = .standardError, format: OutputFormat? = nil) {
        self.out = out
        self.err = err
        self.format = format ?? .automatic(terminal: out.isTerminal)
        self.color = out.isTerminal && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
    }

    // MARK: commands

    public var commandNames: [String] { ["help"] }

    public func resolveCommand(_ words: [String]) -> HostCommand? {
        words.first == "help" ? HostCommand(name: "help", wordCount: 1) : nil
    }

    public func invoke(_ command: HostCommand, _ arguments: [CommandArgument], at range: SourceRange) throws -> Value {
        var topic: [String] = []
        for a in arguments {
            if case .positional(let v) = a.kind { topic.append(try v.text()) }
        }
        guard command.name == "help" else {
            throw ErrorValue(code: "unknown_command", message: "unknown command '\(command.name)'")
        }
        out.write(try Help.text(for: topic.joined(separator: " "), host: self))
        return .null
    }

    // MARK: world

    public func write(_ text: String) { out.write(text + "\n") }

    public func display(_ value: Value) throws {
        try ValueFormatter(format: format, out: out, color: color).show(value)
    }

    public func readSource(_ path: String, from file: String) throws -> String {
        var full = DataFiles.expand(path)
        if !full.hasPrefix("/"), FileManager.default.fileExists(atPath: file) {
            let dir = (file as NSString).deletingLastPathComponent
            if !dir.isEmpty { full = (dir as NSString).appendingPathComponent(full) }
        }
        guard let data = FileManager.default.contents(atPath: full) else {
            throw ErrorValue(code: "file_not_found", message: "cannot read '\(path)': no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ErrorValue(code: "invalid_utf8", message: "'\(path)' is not UTF-8 text")
        }
        return text
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
