import Foundation
import RosterCatalog
import RosterScript

/// The batch flags of a run.
public struct BatchOptions: Sendable {
    /// --dry-run: reads go out, writes are shown and answered with stand-ins.
    public var dryRun = false
    /// --plan FILE: the planned writes as JSON lines (with --dry-run).
    public var planFile: String?
    /// --journal FILE: writes are journaled, and replayed from it on a re-run.
    public var journal: String?
    /// --keep-going: an outermost loop passes over failed iterations.
    public var keepGoing = false
    /// --failures FILE: each passed-over failure as a JSON line, fit to be the input of a re-run.
    public var failures: String?

    public init() {}
}

/// What loops report during a run: the progress line (stderr, only on a terminal), the failures
/// --keep-going passes over (stderr and the --failures file), and the closing summary.
final class BatchReport {
    let err: TextOutput
    let progress: Bool
    private var failuresFile: Int32 = -1
    let failuresPath: String?
    /// Why the failures file could not be written (a full disk): it is then left as it was,
    /// and the failures are on stderr only.
    private(set) var failuresLost: String?
    /// Whether any loop began: a run that ends before its loop (the service down, a mistake in
    /// the script) knows nothing of its inputs, so the failures file it was given stays.
    private var loopsBegun = 0
    /// Whether a loop stopped early and listed its inputs not known to have succeeded.
    private var loopStopped = false
    /// Why a stopped loop could not list all its inputs not begun: the file this run wrote
    /// then lacks some, and must not replace one that may hold them.
    private var listCut: String?
    private(set) var failed = 0
    /// Where the rows that could not be read came from (`hires.csv:4`), failed or unfinished.
    private(set) var unreadableRows: [String] = []
    /// Inputs of a loop that stopped early, not known to have succeeded (in the failures file).
    private(set) var unfinished = 0
    private var total: Int?
    private var loopAt = ""
    private var started = 0.0
    private var loopDone = 0
    private var loopFailed = 0
    /// The rows the loop's failures came from (`hires.csv:4`), for its closing line.
    private var failedRows: [String] = []
    private var lastDrawn = 0.0
    private var drawn = false
    /// The failures file being written, and where it goes when the run ends.
    private var failuresPaths: (pending: String, final: String)?
    /// This run's part of the pending file's name.
    private var tag = ""

    /// `failed.jsonl` as `failed.TAG.jsonl` (a failures file's name always has its extension).
    static func beside(_ path: String, tag: String) -> String {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return path + "." + tag }
        return String(path[..<dot]) + "." + tag + String(path[dot...])
    }

    init(err: TextOutput, failures: String?) throws {
        self.err = err
        progress = err.isTerminal
        failuresPath = failures
        if let failures {
            // Written beside the file and moved over it at the end: the run may be reading the
            // previous failures file as its input (the retry the summary suggests).
            // Named for this process, and made new: a second run naming the same file must
            // not empty the first one's.
            let full = LocalFile.expand(failures)
            // (A random part beside the pid: in a container every run may be pid 1, and a run
            // killed before its end leaves its pending file.)
            tag = "\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
            let pending = "\(full).\(tag).pending"
            let fd = open(pending, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw ErrorValue(code: "write_failed", message: "cannot write the failures file '\(failures)' (beside it, \(pending)): \(String(cString: strerror(errno)))")
            }
            // Held until the file is in place: other runs tell a live run's pending file by it.
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                let reason = String(cString: strerror(errno))
                Foundation.close(fd)
                unlink(pending)
                throw ErrorValue(code: "write_failed", message: "cannot lock the failures file '\(failures)' (beside it, \(pending)): \(reason)")
            }
            failuresFile = fd
            failuresPaths = (pending, full)
            do { try BatchReport.sweep(beside: full, shown: failures, own: pending, err: err) } catch {
                Foundation.close(fd)
                unlink(pending)
                failuresFile = -1
                failuresPaths = nil
                throw error
            }
        }
    }

    /// The other pending files of this failures file: one still locked belongs to a live run,
    /// and this run stops (`failures_busy`: the last to end would replace the other's file);
    /// one no process holds was left by a run that was killed, and goes (what it held is still
    /// in the file that run read, which it never replaced).
    private static func sweep(beside full: String, shown: String, own: String, err: TextOutput) throws(ErrorValue) {
        let folder = LocalFile.folder(of: full)
        let name = String(full.dropFirst(folder.isEmpty ? 0 : (folder == "/" ? 1 : folder.count + 1)))
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder) else { return }
        for entry in entries where entry.hasPrefix(name + ".") && entry.hasSuffix(".pending") {
            let path = (folder.isEmpty ? "" : folder == "/" ? "/" : folder + "/") + entry
            guard path != own else { continue }
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { continue }
            defer { Foundation.close(fd) }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                let pid = entry.dropFirst(name.count + 1).prefix { $0.isNumber }
                throw ErrorValue(code: "failures_busy", message: "another run\(pid.isEmpty ? "" : " (pid \(pid))") is writing the failures file '\(shown)'; wait for it to end, or name another file")
            }
            // Still the file that was locked (not one renamed into its place meanwhile).
            var held = stat(), named = stat()
            guard fstat(fd, &held) == 0, lstat(path, &named) == 0, held.st_ino == named.st_ino, held.st_dev == named.st_dev else { continue }
            if unlink(path) == 0 {
                err.write("roster: removed \(entry), the unfinished failures file of a run that was killed (its inputs are still in the file it read)\n")
            }
        }
    }

    func handle(_ event: LoopEvent) {
        switch event {
        case .started(let total, let range):
            loopsBegun += 1
            self.total = total
            loopAt = range.description
            started = Date().timeIntervalSince1970
            loopDone = 0
            loopFailed = 0
            failedRows = []
        case .iterationEnded:
            loopDone += 1
            draw()
        case .failed(let error, let input, let iterations, let origin, let key, let unreadable):
            failed += 1
            loopFailed += 1
            if let origin { failedRows.append(origin) }
            if unreadable { unreadableRows.append(origin ?? loopAt) }
            record(error, input: input, iterations: iterations, origin: origin, key: unreadable ? nil : key, unreadable: unreadable)
            draw()
        case .unfinishedCut(let reason):
            loopStopped = true
            listCut = reason
            // The failures file lacks some inputs: say so, never let it pass for complete.
            if let failuresPath {
                err.write("\(loopAt): warning: \(failuresPath) does not hold the inputs this loop never began: \(reason)\n")
            }
        case .unfinished(let input, let reason, let error, let origin, let unreadable):
            unfinished += 1
            loopStopped = true
            // The input the loop failed on (`error`) keeps the failure itself, as a passed-over one does.
            var failure: Record = ["at": .string(error?.range.description ?? loopAt)]
            if let origin { failure["row"] = .string(origin) }
            failure["error"] = .record(error?.error.record ?? ["code": .string("unfinished"), "message": .string(reason)])
            if unreadable { unreadableRows.append(origin ?? loopAt) }
            if unreadable { failure["unreadable"] = .bool(true) }
            writeFailure(failure, input: input)
        case .ended:
            if drawn { err.write("\r\u{1B}[K") }
            drawn = false
            // A loop that went on past failures says how it went.
            if loopFailed > 0 {
                var line = "\(loopAt): done \(loopDone), failed \(loopFailed)"
                if !failedRows.isEmpty {
                    let rows = BatchReport.inInputOrder(failedRows)
                    line += " (" + rows.prefix(10).joined(separator: ", ") + (rows.count > 10 ? ", and \(rows.count - 10) more" : "") + ")"
                }
                err.write(line + "\n")
            }
        }
    }

    /// Rows named `file:line`, in input order: by the first appearance of their file, then by
    /// line (a parallel loop's rows end in any order, and its summary named the first ten to
    /// end). A row named otherwise keeps its place among its file's, after them.
    static func inInputOrder(_ rows: [String]) -> [String] {
        var files: [Substring: Int] = [:]
        let keyed = rows.enumerated().map { i, row -> (file: Int, line: Int, i: Int, row: String) in
            let colon = row.lastIndex(of: ":")
            let file = colon.map { row[..<$0] } ?? row[...]
            let line = colon.flatMap { Int(row[row.index(after: $0)...]) } ?? Int.max
            let order = files[file] ?? files.count
            files[file] = order
            return (order, line, i, row)
        }
        return keyed.sorted { ($0.file, $0.line, $0.i) < ($1.file, $1.line, $1.i) }.map(\.row)
    }

    /// The failure on stderr as a diagnostic naming the row it came from, and as a JSON line:
    /// `{"failure": {"at", "row", "iterations", "error"}, "input": ROW}`.
    /// An unreadable row (`unreadable`) is kept as its text, marked so that reading the file
    /// back gives the same failure again until the row is mended.
    private func record(_ error: RuntimeError, input: Value, iterations: [Int], origin: String?, key: String?, unreadable: Bool) {
        if drawn { err.write("\r\u{1B}[K") }
        drawn = false
        var error = error
        if error.row == nil { error.row = "\(origin ?? loopAt): note: \(origin == nil ? "the input" : "the row"): \(input.brief(key: key))" }
        err.write(error.diagnostic.rendered())
        guard failuresFile >= 0 else { return }
        var failure: Record = ["at": .string(error.range.description)]
        if let origin { failure["row"] = .string(origin) }
        if let key, case .record(let r) = input, let v = r[key] { failure["key"] = .string("\(key)=\((try? v.text()) ?? "")") }
        failure["iterations"] = .list(iterations.map { .int($0) })
        failure["error"] = .record(error.error.record)
        if unreadable { failure["unreadable"] = .bool(true) }
        writeFailure(failure, input: input)
    }

    /// One JSON line, written whole or not at all (a line cut short by a full disk is cut off
    /// again); the first failure to write is said once, and the file is then given up.
    private func writeFailure(_ failure: Record, input: Value) {
        guard failuresFile >= 0, failuresLost == nil else { return }
        let line = (try? Value.record(["failure": .record(failure), "input": input]).json()) ?? "{}"
        let bytes = Array((SecretValues.scrub(line) + "\n").utf8)
        let start = lseek(failuresFile, 0, SEEK_CUR)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Foundation.write(failuresFile, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                failuresLost = String(cString: strerror(n < 0 ? errno : EIO))
                if start >= 0 { _ = ftruncate(failuresFile, start) }
                err.write("roster: cannot write the failures file '\(failuresPath ?? "")': \(failuresLost!); it is left as it was, and the failures are on stderr only\n")
                return
            }
            written += n
        }
    }

    /// Takes the progress line off the terminal, for a line of output; the next draw puts it back.
    func clearProgress() {
        guard drawn else { return }
        err.write("\r\u{1B}[K")
        drawn = false
    }

    /// `[1200/10000] 310/s, 2 failed, ETA 28s` at most ten times a second.
    private func draw() {
        guard progress else { return }
        let now = Date().timeIntervalSince1970
        guard now - lastDrawn >= 0.1 else { return }
        lastDrawn = now
        let n = loopDone + loopFailed
        let rate = Double(n) / max(0.001, now - started)
        var line = "[\(n)\(total.map { "/\($0)" } ?? "")] \(Int(rate.rounded()))/s"
        if loopFailed > 0 { line += ", \(loopFailed) failed" }
        if let total, rate > 0, n < total { line += ", ETA \(Int((Double(total - n) / rate).rounded(.up)))s" }
        err.write("\r\u{1B}[K" + line)
        drawn = true
    }

    /// Where this run's failures now are (as the user would name it): the failures file, a
    /// file beside it when the earlier one had to stay, or nil when nothing was written.
    private(set) var failuresWrittenTo: String?

    /// `stoppedByError`: the run ended with an error (not failures passed over). Then only a
    /// loop that stopped and listed its inputs knows what is left; an error between loops (a
    /// setup loop, then the service down before the loop that reads the file) does not, and
    /// the file it was given stays.
    func close(stoppedByError: Bool) {
        // The descriptor (and its lock) goes only once the file is where it stays: closed
        // first, a run starting in between took it for a killed run's and removed it.
        let fd = failuresFile
        failuresFile = -1
        defer { if fd >= 0 { Foundation.close(fd) } }
        guard let (pending, full) = failuresPaths else { return }
        failuresPaths = nil
        let known = loopsBegun > 0 && (!stoppedByError || loopStopped)
        // With no earlier file to keep, what the loops recorded is all there is: written, and
        // said to be perhaps short.
        let earlier = FileManager.default.fileExists(atPath: full)
        if failuresLost == nil, loopsBegun > 0, known || !earlier {
            // A list that lacks inputs its loop never began goes beside an earlier file, which
            // may hold them (it may be this run's input): a file that lacks rows never replaces one.
            let aside = listCut != nil && earlier
            let shown = aside ? BatchReport.beside(failuresPath ?? full, tag: tag) : failuresPath ?? full
            guard rename(pending, aside ? BatchReport.beside(full, tag: tag) : full) == 0 else {
                // Kept where it is, and said: removed, the run's failures were lost unsaid.
                failuresWrittenTo = pending
                err.write("roster: cannot move this run's failures to \(shown) (\(String(cString: strerror(errno)))); they are in \(pending)\n")
                return
            }
            failuresWrittenTo = shown
            if let cut = listCut, aside {
                err.write("roster: \(failuresPath ?? full) is left as it was: this run's list of inputs not known to have succeeded lacks some (\(cut)), and replacing the file could lose rows; this run's failures are in \(shown)\n")
            } else if !known {
                err.write("roster: warning: \(failuresPath ?? full) may not hold every input not known to have succeeded: the run ended with an error outside its loops\n")
            }
            return
        }
        unlink(pending)
        if failuresLost == nil, !known, earlier {
            err.write("roster: \(failuresPath ?? full) is left as it was: the run ended \(loopsBegun == 0 ? "before any loop began" : "with an error outside its loops"), so which of its inputs are done is not known\n")
        }
    }
}
