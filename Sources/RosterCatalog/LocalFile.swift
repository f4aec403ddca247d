import Foundation

/// Reading a file the user named (a script, a config): a regular file, or a pipe, /dev/stdin,
/// a process substitution (`roster <(...)`), none of which FileManager reads; a failure is
/// said in words (no such file, a directory, permission denied).
public enum LocalFile {
    /// Scripts and configs are small: a path that names /dev/zero must not fill the memory.
    public static let largest = 64 << 20

    public static func read(_ path: String) -> Result<Data, Failure> {
        var st = stat()
        guard stat(path, &st) == 0 else { return .failure(Failure(reason: errno == ENOENT ? "no such file" : String(cString: strerror(errno)))) }
        if st.st_mode & S_IFMT == S_IFDIR { return .failure(Failure(reason: "it is a directory")) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Failure(reason: errno == EACCES ? "permission denied" : String(cString: strerror(errno)))) }
        defer { close(fd) }
        return read(fd: fd)
    }

    /// What an open file holds, up to `largest` bytes: read(2) directly, since Foundation's
    /// FileHandle traps on a descriptor that is closed or a directory (`roster - <&-`).
    public static func read(fd: Int32) -> Result<Data, Failure> {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else {
                return .failure(Failure(reason: errno == EISDIR ? "it is a directory" : String(cString: strerror(errno))))
            }
            if n == 0 { return .success(data) }
            data.append(contentsOf: buffer[..<n])
            guard data.count <= largest else { return .failure(Failure(reason: "it is larger than \(largest >> 20) MB")) }
        }
    }

    /// The user's home: $HOME when it is set, as shells and Python take it (under sudo, in CI,
    /// in a container); else the account's (Foundation on Linux reads only the account's).
    public static var home: String {
        if let h = ProcessInfo.processInfo.environment["HOME"], h.hasPrefix("/") { return h }
        return NSHomeDirectory()
    }

    /// `~` and `~/...` on `home`; `~user/...` as Foundation reads it; other paths as they are.
    public static func expand(_ path: String) -> String {
        if path == "~" { return home }
        if path.hasPrefix("~/") { return home + path.dropFirst() }
        return path.hasPrefix("~") ? (path as NSString).expandingTildeInPath : path
    }

    /// One spelling for one file, whether it exists yet or not: absolute, `.` and `..` gone,
    /// links resolved in the deepest part of it that exists, the rest appended as written (a
    /// file about to be made, in a folder reached through a link, is spelt as it will be found).
    public static func canonical(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: expand(path)).standardizedFileURL.path
        var existing = absolute
        var rest: [String] = []
        while existing != "/", access(existing, F_OK) != 0 {
            rest.insert((existing as NSString).lastPathComponent, at: 0)
            existing = folder(of: existing)
            if existing.isEmpty { existing = "/" }
        }
        let resolved = URL(fileURLWithPath: existing).resolvingSymlinksInPath().path
        return rest.isEmpty ? resolved : (resolved == "/" ? "" : resolved) + "/" + rest.joined(separator: "/")
    }

    /// The folder a path names a file in: "" for a bare name, "/" for a file at the root.
    /// (swift-corelibs-foundation's `deletingLastPathComponent` traps on a one-character path.)
    public static func folder(of path: String) -> String {
        var p = Substring(path)
        while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "" }
        var folder = p[..<slash]
        while folder.count > 1, folder.hasSuffix("/") { folder = folder.dropLast() }
        return folder.isEmpty ? "/" : String(folder)
    }

    public struct Failure: Error, Sendable {
        public let reason: String
        public init(reason: String) { self.reason = reason }
    }
}
