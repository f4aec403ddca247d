#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RosterCatalog

/// A buffered writer on a file descriptor. Results go to stdout, diagnostics to stderr. A
/// terminal gets each line as it is written (a batch's rows show as they finish, not at its
/// end); a file or a pipe gets the buffer when it fills, when a journaled write is about to
/// leave (`Journal.beforeIntent`), every second (a script run's flushing thread) and at the end.
public final class TextOutput: @unchecked Sendable {
    public let fd: Int32
    private var buffer: [UInt8] = []
    private let lock = NSLockLike()
    public let isTerminal: Bool
    /// Whether the reader has gone (a pager quit, a closed pipe): what is written is dropped.
    public private(set) var isClosed = false
    /// Why writing failed (a full disk, a bad descriptor), when it did: what follows is
    /// dropped, and a batch run ends with an error rather than an export cut short.
    public private(set) var failure: String?

    /// `isTerminal`: what to treat the output as (a pager's pipe shows on the terminal).
    /// Whether the descriptor was closed when roster started: known once, not per write.
    private let closedAtStart: Bool

    public init(fd: Int32, isTerminal: Bool? = nil) {
        self.fd = fd
        self.isTerminal = isTerminal ?? (isatty(fd) == 1)
        closedAtStart = TextOutput.closedAtStart.contains(fd)
        buffer.reserveCapacity(1 << 16)
    }

    /// Standard descriptors that were closed when roster started (main points them at
    /// /dev/null so no file takes their numbers): writing to one fails the run (74), and a
    /// script is not read from one.
    nonisolated(unsafe) public static var closedAtStart: Set<Int32> = []

    public static let standardOutput = TextOutput(fd: 1)
    public static let standardError = TextOutput(fd: 2)

    public func write(_ text: String) {
        lock.locked {
            guard failure == nil else { return }
            if closedAtStart {
                failure = "it was closed when roster started"
                isClosed = true
                return
            }
            buffer.append(contentsOf: SecretValues.scrub(text).utf8)
            if fd == 2 || isTerminal || buffer.count >= 1 << 16 { flushLocked() }
        }
    }

    public func flush() { lock.locked { flushLocked() } }

    private func flushLocked() {
        guard !buffer.isEmpty else { return }
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                if n < 0 && errno == EPIPE {
                    isClosed = true
                } else {
                    if failure == nil { failure = n < 0 ? String(cString: strerror(errno)) : "nothing was written" }
                    isClosed = true
                }
                break   // a closed pipe, a full disk: drop the output rather than spin
            }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Thrown by a display whose output has no reader any more: the display stops, quietly.
struct OutputClosed: Error {}

/// A small mutex (pthread), so this module needs no Foundation for locking.
final class NSLockLike: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}
