#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import RosterScript

/// Long results on a terminal go through a pager, as git's do: `ROSTER_PAGER`, else `PAGER`,
/// else `less -FRX` (which leaves at once when the result fits the screen, so short results
/// look as they would without it). Set either to the empty string, or give `--no-pager`, to
/// turn it off. A pager that is not installed means no pager, never a lost result.
enum Pager {
    /// The pager's shell command, or nil for none.
    static func command(environment: [String: String]) -> String? {
        let chosen = environment["ROSTER_PAGER"] ?? environment["PAGER"] ?? "less -FRX"
        let trimmed = chosen.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed != "cat" else { return nil }
        guard let program = trimmed.split(separator: " ").first.map(String.init), isInstalled(program, path: environment["PATH"] ?? "/usr/bin:/bin") else {
            return nil
        }
        return trimmed
    }

    static func isInstalled(_ program: String, path: String) -> Bool {
        if program.contains("/") { return access(program, X_OK) == 0 }
        return path.split(separator: ":").contains { access("\($0)/\(program)", X_OK) == 0 }
    }

    /// Runs `body` writing into the pager, and waits for the pager to leave. When it cannot be
    /// started, `body` writes to `direct` instead. Quitting the pager early ends the output
    /// quietly (the rest is neither written nor, for a listing, fetched).
    static func page(through command: String, direct: TextOutput, _ body: (TextOutput) throws -> Void) throws {
        direct.flush()
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return try body(direct) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
        // As git does: less shows colour, leaves when the text fits, and keeps it on the screen.
        var environment = ProcessInfo.processInfo.environment
        if environment["LESS"] == nil { environment["LESS"] = "FRX" }
        if environment["LV"] == nil { environment["LV"] = "-c" }
        let words: [String] = ["/bin/sh", "-c", command]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/sh", &actions, nil, argv, envp) == 0 else {
            close(fds[0])
            close(fds[1])
            return try body(direct)
        }
        close(fds[0])
        // The pager may leave before the output ends: a write then fails, it does not kill us.
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        let paged = TextOutput(fd: fds[1], isTerminal: true)
        var failure: Error?
        do { try body(paged) } catch is OutputClosed {} catch { failure = error }
        paged.flush()
        close(fds[1])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // A pager that failed (not found, refused its options) showed nothing: say so, rather
        // than let the results vanish. (Quitting a pager early is a success.)
        if status & 0x7f == 0, case let code = (status >> 8) & 0xff, code != 0 {
            TextOutput.standardError.write("roster: the pager '\(Sanitize.visible(command))' failed (exit status \(code)), so the result was not shown; set PAGER to one that works, or use --no-pager\n")
        }
        if let failure { throw failure }
    }
}
