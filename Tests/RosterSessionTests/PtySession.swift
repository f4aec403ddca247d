import CPty
import Foundation

/// The `roster` binary on a pseudo-terminal, driven like a person at the keyboard.
final class PtySession {
    let pid: pid_t
    let master: Int32
    private(set) var screen = ""

    init(arguments: [String] = [], environment: [String: String], columns: Int32 = 100) throws {
        let path = RosterProcess.binary.path
        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm"
        env["NO_COLOR"] = "1"
        env["COLUMNS"] = nil   // the terminal's own width
        env["ROSTER_PAGER"] = ""
        for (k, v) in environment { env[k] = v }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var fd: Int32 = -1
        pid = roster_spawn_on_pty(path, argv, envp, &fd, 24, columns)
        guard pid > 0 else { throw POSIXError(.ECHILD) }
        master = fd
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(master)
    }

    /// Waits until the terminal has been quiet (the REPL is at its prompt, in raw mode), then
    /// sends a control key: a control key typed ahead meets libedit's terminal-mode switch.
    func control(_ key: String) {
        drain()
        send(key)
    }

    func send(_ keys: String) {
        _ = keys.utf8CString.withUnsafeBufferPointer { write(master, $0.baseAddress!, $0.count - 1) }
    }

    /// Reads until `text` appears in the output since `from` (or the timeout passes).
    @discardableResult
    func expect(_ text: String, after from: String.Index? = nil, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let start = from ?? screen.startIndex
            if screen[start...].contains(text) { return true }
            var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 50) > 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = read(master, &buffer, buffer.count)
                if n <= 0 { break }
                screen += String(decoding: buffer[0..<n], as: UTF8.self)
            }
        }
        return screen[(from ?? screen.startIndex)...].contains(text)
    }

    var mark: String.Index { screen.endIndex }

    /// The prompt `line` waits for (it names the profile, and a dry run).
    var prompt = "roster> "

    /// Types a line and waits for the next prompt (libedit flushes input typed before it
    /// switches the terminal to raw mode, so keys must wait for the prompt). Returns what
    /// appeared in between.
    @discardableResult
    func line(_ text: String, timeout: Double = 10) -> String {
        drain()
        let m = mark
        send(text + "\r")
        _ = expect(prompt, after: m, timeout: timeout)
        return String(screen[m...])
    }

    /// Ctrl-D, then the exit status. A key typed in the instant between the prompt appearing
    /// and libedit switching the terminal to raw mode meets the cooked terminal, where ^D on an
    /// empty line is swallowed as end-of-file; like a person, press it again if nothing happens.
    func endOfInput() -> Int32? {
        for _ in 0..<5 {
            drain()
            send("\u{4}")
            if let status = waitForExit(timeout: 1) { return status }
        }
        return nil
    }

    /// Reads whatever output is pending, until the terminal has been quiet for 100 ms.
    func drain() {
        while true {
            var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 100) > 0 else { return }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = read(master, &buffer, buffer.count)
            if n <= 0 { return }
            screen += String(decoding: buffer[0..<n], as: UTF8.self)
        }
    }

    /// Waits for the process to end and returns its exit status.
    func waitForExit(timeout: Double = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            _ = expect("\u{0}", timeout: 0.05)   // keep draining output
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return (status >> 8) & 0xFF }
        }
        return nil
    }
}
