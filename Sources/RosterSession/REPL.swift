import Foundation
import LineEditor
import RosterCatalog
import RosterScript

extension Session {
    /// The interactive loop: read (with continuation lines while something is open), run,
    /// show. Ctrl-C drops the line or stops the running command; Ctrl-D leaves.
    public func repl(historyPath: String? = Paths.historyFile()) -> Int32 {
        Signals.installInterruptHandler()
        return Signals.runOnLargeStack { [self] in
            // The batch flags hold at the prompt too: `roster --dry-run` must not send writes.
            if let failed = startBatch() { return failed }
            // A delete answers with nothing: at the prompt, say it was done.
            let out = host.out
            host.catalog?.confirmEmptyWrites = { line in out.write(line + "\n") }
            let completer = ReplCompleter(interpreter: interpreter, host: host)
            let reader = EditLineReader(programName: "roster", historyPath: historyPath, completer: completer)
            defer { interpreter.releaseGlobals() }
            return finishBatch(loop(reader))
        }
    }

    func loop(_ reader: LineReader) -> Int32 {
        var entry = ""
        var recorder: Recorder?
        var historyProblemSaid = false
        var entryNumber = 0
        host.write("roster \(Session.version): type help for the language, Ctrl-D to leave.")
        if let catalog = host.catalog { host.write("verbs go to \(catalog.targetSummary)") }
        if batch.dryRun {
            host.write("dry run: reads go out; writes are shown as the requests they would send, and none is sent.")
        }
        while true {
            host.out.flush()
            // The prompt names a profile other than the sandbox (`use` may change it).
            var name = "roster"
            if let profile = host.catalog?.currentProfile, profile != "sandbox" { name += " " + profile }
            if batch.dryRun { name += " (dry run)" }
            let prompt = entry.isEmpty ? name + "> " : String(repeating: " ", count: max(0, name.count - 3)) + "...> "
            switch reader.readLine(prompt: prompt) {
            case .end:
                host.out.write("\n")
                host.out.flush()
                // Ctrl-D in the middle of a statement: it is not run, and that is said.
                if !entry.isEmpty { err.write("roster: the unfinished statement was not run\n") }
                return ExitCode.success
            case .interrupted:
                entry = ""
                continue
            case .line(let line):
                if !History.isSecret(line), let problem = reader.addHistory(SecretValues.scrub(line)), !historyProblemSaid {
                    historyProblemSaid = true
                    err.write("roster: history is not kept: \(Sanitize.visible(problem))\n")
                }
                if entry.isEmpty, line.hasPrefix(":") {
                    if let code = meta(line, &recorder) { return code }
                    continue
                }
                entry += entry.isEmpty ? line : "\n" + line
            }
            entryNumber += 1
            let file = SourceFile(name: "<repl:\(entryNumber)>", text: entry)
            Interrupt.clear()
            do {
                try interpreter.run(file)
                if let said = recorder?.append(entry) { err.write("note: \(said)\n") }
                entry = ""
            } catch let e as SyntaxErrors where e.isIncomplete {
                entryNumber -= 1
                continue   // ask for another line
            } catch ControlSignal.exit(let code) {
                host.out.flush()
                return code
            } catch {
                _ = report(error)
                entry = ""
            }
        }
    }

    private func meta(_ line: String, _ recorder: inout Recorder?) -> Int32? {
        let words = line.split(separator: " ").map(String.init)
        switch words[0] {
        case ":quit", ":q", ":exit":
            return ExitCode.success
        case ":record":
            // The file is the rest of the line (a name may hold spaces), quoted or not.
            var name = line.dropFirst(":record".count).trimmingCharacters(in: .whitespaces)
            if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") { name = String(name.dropFirst().dropLast()) }
            guard !name.isEmpty else {
                err.write("usage: :record FILE (or :record off)\n")
                return nil
            }
            if name == "off" {
                host.write(recorder == nil ? "not recording" : "recording stopped")
                recorder = nil
            } else {
                do {
                    let opened = try Recorder(path: DataFiles.expand(name))
                    recorder = opened
                    host.write("recording statements that succeed into \(name)" + (opened.appending ? " (after what it holds)" : ""))
                } catch let e as ErrorValue {
                    err.write("error: cannot record into '\(Sanitize.visible(name))': \(e.message)\n")
                } catch {
                    err.write("error: cannot record into '\(Sanitize.visible(name))': \(error)\n")
                }
            }
        case ":output":
            // `:output json`: how results show from now on (`:output` alone says which).
            guard words.count == 2 else {
                host.write("results show as \(host.format.rawValue); :output table|json|ndjson|csv changes it")
                return nil
            }
            guard let format = OutputFormat(rawValue: words[1]) else {
                err.write("error: unknown output format '\(words[1])'\(Suggest.hint(words[1], OutputFormat.allCases.map(\.rawValue))); valid: table, json, ndjson, csv\n")
                return nil
            }
            host.format = format
        case ":wide":
            // `:wide` shows every field of listings from now on; `:wide off` their columns again.
            guard words.count < 2 || ["on", "off"].contains(words[1]), words.count <= 2 else {
                err.write("usage: :wide (or :wide on) shows every field of listings; :wide off their columns\n")
                return nil
            }
            host.wide = words.count < 2 || words[1] != "off"
            host.write(host.wide ? "listings show every field; :wide off for their columns" : "listings show their columns")
        case ":help":
            host.write(Help.topics["repl"]!)
        default:
            err.write("error: unknown meta-command '\(words[0])'\(Suggest.hint(words[0], [":record", ":output", ":wide", ":help", ":quit"])); try :help\n")
        }
        return nil
    }

    static let version = "0.1.0"
}

/// `:record FILE`: each statement that succeeded, appended as it ran, so the file replays the session.
final class Recorder {
    private let fd: Int32
    /// Whether the file held something already (the recording goes after it).
    let appending: Bool

    /// Opened with open(2), so that the reason it cannot be is the system's own words (a
    /// missing folder read "You don't have permission"; a folder, "error 512").
    init(path: String) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ErrorValue(code: "cannot_record", message: errno == ENOENT ? "its folder does not exist" : String(cString: strerror(errno)))
        }
        var st = stat()
        appending = fstat(fd, &st) == 0 && st.st_size > 0
        if !appending, let failure = write("# recorded by roster\n") {
            close(fd)
            throw ErrorValue(code: "cannot_record", message: failure)
        }
    }

    deinit { close(fd) }

    /// One write(2) of the whole text, or why it could not be made.
    private func write(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return String(cString: strerror(n < 0 ? errno : EIO)) }
            done += n
        }
        return nil
    }

    /// Appends the statement; what it could not write (a full disk), and what it left out,
    /// it says (nil: written whole).
    func append(_ entry: String) -> String? {
        // What history leaves out (a line with a secret), a recording leaves out too, and says
        // where: the recording no longer replays alone.
        let text = History.isSecret(entry)
            ? "# (left out: a statement that may hold a secret; write it again here for the recording to replay)\n"
            : SecretValues.scrub(entry) + "\n"
        if let failure = write(text) { return "cannot write to the recording: \(failure)" }
        return History.isSecret(entry) ? "the recording leaves this statement out (it may hold a secret), and says so in a comment" : nil
    }
}

/// Which lines history must not keep: those carrying a secret.
enum History {
    /// A value given to a secret-sounding name, in any of the ways a script gives one
    /// (`token=x`, `let token = "x"`, `{token: "x"}`, `{"api_key": "x"}`, `--password=x`), a
    /// bearer or authorization text anywhere, and reads of secret-looking environment
    /// variables, e.g. env("LD_API_TOKEN").
    static func isSecret(_ line: String) -> Bool {
        let lower = line.lowercased()
        if lower.contains("bearer") || lower.contains("authorization") { return true }
        let words = ["token", "password", "passwd", "passphrase", "secret", "api_key", "apikey", "api-key", "private_key", "credential"]
        for w in words {
            var search = lower[...]
            while let r = search.range(of: w) {
                let rest = search[r.upperBound...]
                    .drop(while: { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
                    .drop(while: { $0 == " " || $0 == "\t" || $0 == "\"" || $0 == "'" })
                if rest.first == "=" || rest.first == ":" { return true }
                search = search[r.upperBound...]
            }
        }
        if lower.contains("env(") || lower.contains("env ") {
            return words.contains { lower.contains($0) } || lower.contains("key")
        }
        return false
    }
}

/// XDG directories.
public enum Paths {
    static func base(_ variable: String, _ fallback: String) -> String {
        if let v = ProcessInfo.processInfo.environment[variable], v.hasPrefix("/") { return v }
        return (LocalFile.home as NSString).appendingPathComponent(fallback)
    }

    /// `$XDG_STATE_HOME/roster/history`, made on first use.
    public static func historyFile() -> String? {
        let dir = (base("XDG_STATE_HOME", ".local/state") as NSString).appendingPathComponent("roster")
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            return nil
        }
        return (dir as NSString).appendingPathComponent("history")
    }
}
