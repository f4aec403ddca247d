import Foundation
import LineEditor
import RosterCatalog
import RosterScript

/// Exit codes are a contract (sysexits for the errors).
public enum ExitCode {
    public static let success: Int32 = 0
    public static let someFailed: Int32 = 1
    public static let usage: Int32 = 64
    public static let syntax: Int32 = 65
    public static let runtime: Int32 = 70
    /// The journal is in use by another run (EX_TEMPFAIL): try again when it ends.
    public static let busy: Int32 = 75
    /// The results could not be written (EX_IOERR): a full disk, a closed output.
    public static let ioError: Int32 = 74
    public static let interrupted: Int32 = 130

    /// For an error that stops a run before it starts, or a `roster journal` command: a file
    /// another process holds is busy, one that cannot be written is an I/O error, the rest are
    /// usage.
    public static func refusing(_ e: ErrorValue) -> Int32 {
        switch e.code {
        case "journal_locked", "failures_busy": busy
        case "journal_write_failed": ioError
        default: usage
        }
    }
}

public struct SessionOptions: Sendable {
    public var output: OutputFormat?
    /// `--var k=v`, in order.
    public var variables: [(String, String)] = []
    /// How many `--var`s a run takes (each is a top-level variable).
    public static let maxVariables = 1_000
    /// `$args`.
    public var arguments: [String] = []
    /// The service verbs (nil: the language and its builtins only).
    public var catalog: Catalog?
    /// --dry-run, --journal, --keep-going and their files.
    public var batch = BatchOptions()
    /// The pager for results on a terminal (nil: none; --no-pager).
    public var pager: String?

    public init(output: OutputFormat? = nil, variables: [(String, String)] = [], arguments: [String] = []) {
        self.output = output
        self.variables = variables
        self.arguments = arguments
    }
}

/// One run of roster: the interpreter, its host and where diagnostics go.
public final class Session {
    /// A --var value: a number, true, false or null only when it reads back as the text typed
    /// ("00123" and "9223372036854775808" stay text: an id must reach the service as given).
    static func commandLineValue(_ text: String) -> Value {
        let v = Value.bareWord(text)
        switch v {
        case .int(let n): return String(n) == text ? v : .string(text)
        case .double(let d): return Value.format(d) == text ? v : .string(text)
        default: return v
        }
    }

    public let host: SessionHost
    public let interpreter: Interpreter
    let err: TextOutput
    let batch: BatchOptions

    public init(options: SessionOptions, out: TextOutput = .standardOutput, err: TextOutput = .standardError) {
        host = SessionHost(out: out, err: err, format: options.output, catalog: options.catalog)
        host.pager = options.pager
        interpreter = Interpreter(host: host)
        interpreter.keepGoing = options.batch.keepGoing
        batch = options.batch
        self.err = err
        // Warnings and notices quote servers (a next link, a token's name): one line each,
        // nothing that drives the terminal.
        options.catalog?.warn = { line in err.write(Sanitize.visible(line) + "\n") }
        let interpreter = self.interpreter
        options.catalog?.showPlan = { line in interpreter.emit(line) }
        for (k, v) in options.variables { interpreter.define(k, Session.commandLineValue(v)) }
        interpreter.define("args", .list(options.arguments.map { .string($0) }))
    }

    /// Runs a whole program non-interactively and returns the exit code. When the process ends
    /// right after (`leavingValuesToExit`), the script's values are left for the exit to
    /// reclaim: freeing a large heap value by value took a tenth of some scripts' time.
    public func run(_ file: SourceFile, leavingValuesToExit: Bool = false) -> Int32 {
        Signals.installInterruptHandler(terminating: true)
        return Signals.runOnLargeStack { [self] in
            defer {
                host.out.flush()
                err.flush()
                if leavingValuesToExit {
                    _ = Unmanaged.passRetained(interpreter)   // never freed: the process is ending
                } else {
                    interpreter.releaseGlobals()
                }
            }
            if let failed = startBatch() { return failed }
            let code = execute(file)
            return finishBatch(code)
        }
    }

    /// Opens what the batch flags name: the journal, the plan, the failures file. A usage
    /// error (exit 64) when one cannot be opened; nil when all is ready.
    func startBatch() -> Int32? {
        // Into a file or a pipe, what a run printed goes out within a second, even while it
        // then waits (a sleep, a slow request): a kill loses at most that second.
        if !host.out.isTerminal {
            let out = host.out
            Thread.detachNewThread {
                while true {
                    Thread.sleep(forTimeInterval: 1)
                    out.flush()
                }
            }
        }
        do {
            // The journal first: a run refused because another holds it touches nothing else.
            if let catalog = host.catalog {
                if batch.dryRun {
                    let interpreter = self.interpreter
                    catalog.plan = Plan { line in interpreter.emit(line) }
                } else if let path = batch.journal {
                    let journal = try Journal(path: path)
                    let out = host.out
                    journal.beforeIntent = { out.flush() }
                    catalog.journal = journal
                    try journal.checkPlaces(of: catalog.currentProfile) { catalog.place(of: $0, $1) }
                }
            }
            host.report = try BatchReport(err: err, failures: batch.failures)
            host.observesLoops = err.isTerminal
            return nil
        } catch let e as ErrorValue {
            host.catalog?.journal?.withdraw()
            err.write("roster: \(e.message)\n")
            return ExitCode.refusing(e)
        } catch {
            host.catalog?.journal?.withdraw()
            err.write("roster: \(error)\n")
            return ExitCode.usage
        }
    }

    /// The closing summary on stderr (failures passed over, the journal's and the plan's counts),
    /// the plan file, and the exit code: 1 when the run went on past failures.
    func finishBatch(_ code: Int32) -> Int32 {
        host.out.flush()
        var code = code
        if let report = host.report {
            report.close(stoppedByError: code != ExitCode.success && code != ExitCode.someFailed)
            if report.failed > 0 {
                var line = "\(report.failed) failed in all"
                if let path = report.failuresWrittenTo {
                    // Without a journal a retry sends again what a failed row had done before it
                    // failed (a user made, then 409 at every retry).
                    line += " (written to \(path); run again with it as the input to retry just those"
                        + (batch.journal == nil ? ", with a --journal from the start next time: a row that failed partway is then not done twice)" : ", with the same --journal)")
                }
                err.write(line + "\n")
                if code == ExitCode.success { code = ExitCode.someFailed }
            }
            if report.unfinished > 0, let path = report.failuresWrittenTo {
                err.write("\(report.unfinished) input\(report.unfinished == 1 ? "" : "s") the run stopped before finishing written to \(path); run again with it as the input to finish them\n")
            }
            let unreadable = report.unreadableRows
            if !unreadable.isEmpty {
                // Such a row fails again on every retry until someone mends it.
                let rows = unreadable.prefix(10).joined(separator: ", ") + (unreadable.count > 10 ? ", and \(unreadable.count - 10) more" : "")
                err.write("\(unreadable.count) row\(unreadable.count == 1 ? "" : "s") could not be read (\(rows)): \(unreadable.count == 1 ? "it fails" : "each fails") again until mended, in \(report.failuresWrittenTo.map { "\($0) or in " } ?? "")the file it came from\n")
            }
        }
        if let journal = host.catalog?.journal {
            // A run that wrote nothing (a syntax error, a script without writes) leaves no
            // empty run in the journal.
            journal.withdraw()
            let c = journal.counts
            let unreached = journal.unreachedInDoubt
            if c.skipped + c.settled > 0 || code != ExitCode.success || unreached > 0 {
                err.write("journal \(journal.path): \(c.applied) applied, \(c.skipped) skipped (done by an earlier run), \(c.settled) settled, \(c.refused) refused, \(c.inDoubt) in doubt (checked before sending again by the next run)\n")
            }
            if unreached > 0 {
                err.write("journal \(journal.path): \(unreached) write\(unreached == 1 ? "" : "s") an earlier run left in doubt \(unreached == 1 ? "was" : "were") not reached by this run, so \(unreached == 1 ? "its" : "their") outcome is still unknown; `roster journal \(journal.path)` lists them; once you have checked them by hand, `roster journal \(journal.path) --forget-in-doubt` forgets them\n")
                if code == ExitCode.success { code = ExitCode.someFailed }
            }
        }
        if let plan = host.catalog?.plan, code != ExitCode.syntax {
            err.write(plan.summary + "\n")
            if let path = batch.planFile {
                do { try plan.save(to: path) } catch let e as ErrorValue {
                    err.write("roster: \(e.message)\n")
                    if code == ExitCode.success { code = ExitCode.runtime }
                } catch {}
            }
        }
        // Output that could not be written (a full disk, a closed descriptor) is a failed run:
        // an export cut short must not end as if it were whole.
        host.out.flush()
        if let failure = host.out.failure {
            err.write("roster: the output could not be written: \(failure)\n")
            if code == ExitCode.success || code == ExitCode.someFailed { code = ExitCode.ioError }
        }
        return code
    }

    /// Runs one program and reports its outcome on stderr; the exit code says how it ended.
    func execute(_ file: SourceFile) -> Int32 {
        do {
            try interpreter.run(file)
            return ExitCode.success
        } catch {
            return report(error)
        }
    }

    func report(_ error: Error) -> Int32 {
        host.out.flush()
        switch error {
        case let e as SyntaxErrors:
            for d in e.diagnostics { err.write(d.rendered()) }
            let n = e.diagnostics.count
            if n > 1 { err.write("\(n) errors\n") }
            return e.afterRunning ? ExitCode.runtime : ExitCode.syntax
        case let e as RuntimeError:
            err.write(e.diagnostic.rendered())
            return ExitCode.runtime
        case ControlSignal.exit(let code):
            return code
        case ControlSignal.interrupted:
            err.write("interrupted\n")
            return ExitCode.interrupted
        case let e as ErrorValue:
            err.write("error: \(Sanitize.visible(e.summary, keepNewlines: true))\n")
            return ExitCode.runtime
        default:
            err.write("error: \(Sanitize.visible("\(error)", keepNewlines: true))\n")
            return ExitCode.runtime
        }
    }

    /// Reads a script file; a missing file is a usage error.
    public static func load(_ path: String, err: TextOutput = .standardError) -> SourceFile? {
        let data: Data
        let closed = path == "-" && TextOutput.closedAtStart.contains(0)
        switch closed ? .failure(LocalFile.Failure(reason: "it was closed when roster started")) : path == "-" ? LocalFile.read(fd: 0) : LocalFile.read(path) {
        case .success(let d): data = d
        case .failure(let f):
            err.write("roster: cannot read \(path == "-" ? "the script on standard input" : "'\(path)'"): \(f.reason)\n")
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            err.write("roster: '\(path)' is not UTF-8 text\n")
            return nil
        }
        return SourceFile(name: path == "-" ? "<stdin>" : path, text: text)
    }
}
