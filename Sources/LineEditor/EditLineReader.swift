import CEditLine
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libedit behind LineReader: emacs keys, persistent history, TAB completion.
/// Ctrl-C is handled by the owner's SIGINT handler, which makes `el_gets` return; the owner
/// then calls `noteInterrupt()` so the partial line is dropped.
public final class EditLineReader: LineReader {
    private let el: OpaquePointer
    private let history: OpaquePointer
    private let historyPath: String?
    private let completer: LineCompleter?
    private var prompt = ""
    private var lastCompletionLine: String?
    /// Set from the SIGINT handler through `interruptPending`.
    nonisolated(unsafe) public static var interruptPending: Int32 = 0

    public init(programName: String, historyPath: String?, completer: LineCompleter?) {
        setlocale(LC_CTYPE, "")
        el = roster_el_init(programName)
        history = roster_history_init(1000)
        self.historyPath = historyPath
        self.completer = completer
        roster_el_set_editor(el, "emacs")
        // Not libedit's own signal handling (EL_SIGNAL): it passes every signal on to the whole
        // process group (`kill(0, ...)`), so a SIGTERM to roster also ended the shell that ran it.
        roster_el_set_hist(el, history)
        roster_el_set_clientdata(el, Unmanaged.passUnretained(self).toOpaque())
        roster_el_set_prompt(el) { el in
            guard let el, let data = roster_el_get_clientdata(el) else { return nil }
            let reader = Unmanaged<EditLineReader>.fromOpaque(data).takeUnretainedValue()
            return reader.promptStorage
        }
        roster_el_addfn(el, "roster-complete", "complete the word before the cursor") { el, _ in
            guard let el, let data = roster_el_get_clientdata(el) else { return UInt8(CC_ERROR) }
            let reader = Unmanaged<EditLineReader>.fromOpaque(data).takeUnretainedValue()
            return reader.complete()
        }
        roster_el_bind(el, "^I", "roster-complete")
        if let historyPath { roster_history_load(history, historyPath) }
    }

    deinit {
        free(promptStorage)
        el_end(el)
        history_end(history)
    }

    private var promptStorage: UnsafeMutablePointer<CChar>? = strdup("")

    public func readLine(prompt: String) -> LineResult {
        free(promptStorage)
        promptStorage = strdup(prompt)
        lastCompletionLine = nil
        EditLineReader.interruptPending = 0
        var count: Int32 = 0
        let raw = el_gets(el, &count)
        if EditLineReader.interruptPending != 0 {
            EditLineReader.interruptPending = 0
            el_reset(el)
            fputs("^C\n", roster_stdout())
            fflush(roster_stdout())
            return .interrupted
        }
        guard let raw, count > 0 else { return .end }
        var line = String(cString: raw)
        if line.hasSuffix("\n") { line.removeLast() }
        return .line(line)
    }

    /// Why the history file cannot be kept, once that is known: it is then left alone.
    private var historyProblem: String?

    public func addHistory(_ line: String) -> String? {
        guard line.contains(where: { $0 != " " && $0 != "\t" }) else { return nil }
        roster_history_enter(history, line)
        if let historyPath, historyProblem == nil { historyProblem = EditLineReader.append(line, toHistory: historyPath) }
        return historyProblem
    }

    /// Adds `line` to the history file as the other prompts left it: read afresh under a lock,
    /// written whole to a new file and renamed over the old. So two prompts at once both keep
    /// their lines (each used to write its own memory over the other's), a crash leaves the old
    /// file whole, and a link is followed to its target, which is replaced only when it is a
    /// history file (a file in another format, a link to /etc/passwd, is never overwritten).
    static func append(_ line: String, toHistory path: String) -> String? {
        var target = path
        if let resolved = realpath(path, nil) {
            target = String(cString: resolved)
            free(resolved)
        }
        var st = stat()
        let exists = stat(target, &st) == 0
        if exists && st.st_mode & S_IFMT != S_IFREG { return "\(path) is not a regular file" }
        // The lock beside the history's own name, in roster's folder: never beside a link's
        // target (`/etc/passwd.lock` would block the system's own tools).
        let lock = open(path + ".lock", O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard lock >= 0 else { return "cannot write beside \(path): \(String(cString: strerror(errno)))" }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 && errno == EINTR {}
        let merged = roster_history_init(1000)
        defer { history_end(merged) }
        if stat(target, &st) == 0, st.st_size > 0, roster_history_load(merged, target) < 0 {
            return "\(path) is not a history file roster wrote, so it is left as it is"
        }
        roster_history_enter(merged, line)
        // Made here, new, not through a link (libedit's save opens it with fopen, which would
        // follow one), under a name no one can guess.
        let temporary = target + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let made = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard made >= 0 else { return "cannot write beside \(path): \(String(cString: strerror(errno)))" }
        close(made)
        guard roster_history_save(merged, temporary) >= 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            return "cannot write \(path): \(reason)"
        }
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            return "cannot write \(path): \(reason)"
        }
        return nil
    }

    /// TAB: insert the completion, or the common prefix of several; a second TAB with nothing
    /// more to insert lists them.
    private func complete() -> UInt8 {
        guard let completer, let info = el_line(el) else { return UInt8(CC_ERROR) }
        let before = info.pointee.buffer.map { start -> String in
            let n = info.pointee.cursor - start
            return String(decoding: UnsafeRawBufferPointer(start: start, count: n).bindMemory(to: UInt8.self), as: UTF8.self)
        } ?? ""
        let (candidates, replacing) = completer.completions(for: before)
        // Ctrl-C while the completion read live names: it acts now (it was held until Enter,
        // which then dropped the line instead of running it).
        if EditLineReader.interruptPending != 0 { return UInt8(CC_EOF) }
        guard !candidates.isEmpty else { return UInt8(CC_REFRESH_BEEP) }
        let typed = String(before.suffix(replacing))
        let common = EditLineReader.commonPrefix(candidates)
        if candidates.count == 1 {
            let word = candidates[0]
            let ending = word.hasSuffix("=") || word.hasSuffix(".") || word.hasSuffix("(") ? "" : " "
            if word.hasPrefix(typed) {
                el_insertstr(el, String(word.dropFirst(typed.count)) + ending)
            } else {
                // The word as it must be typed differs from what was typed (`Res` → `"Resume Group"`).
                el_deletestr(el, Int32(typed.unicodeScalars.count))
                el_insertstr(el, word + ending)
            }
            return UInt8(CC_REFRESH)
        }
        if common.count > typed.count {
            el_insertstr(el, String(common.dropFirst(typed.count)))
            lastCompletionLine = before + String(common.dropFirst(typed.count))
            return UInt8(CC_REFRESH)
        }
        if lastCompletionLine == before {
            // Second TAB: show the choices in columns, then redraw the prompt and line.
            fputs("\n" + EditLineReader.columns(candidates, width: EditLineReader.terminalWidth()), roster_stdout())
            fflush(roster_stdout())
            lastCompletionLine = nil
            return UInt8(CC_REDISPLAY)
        }
        lastCompletionLine = before
        return UInt8(CC_REFRESH_BEEP)
    }

    static func commonPrefix(_ words: [String]) -> String {
        guard var prefix = words.first else { return "" }
        for w in words.dropFirst() {
            while !w.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }

    static func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }

    public static func columns(_ words: [String], width: Int) -> String {
        let cell = (words.map(\.count).max() ?? 0) + 2
        let perRow = max(1, width / max(cell, 1))
        var out = ""
        for (i, w) in words.enumerated() {
            out += w
            if (i + 1) % perRow == 0 || i == words.count - 1 {
                out += "\n"
            } else {
                out += String(repeating: " ", count: cell - w.count)
            }
        }
        return out
    }
}
