import Foundation
import RosterScript

/// `--journal FILE`: a write-ahead log of JSON lines. Before a write is sent its intent is
/// appended (what, where in the script, when); after, its outcome (the answer, or the refusal).
/// A re-run with the same file gives back the recorded answer of every finished write without
/// sending it, tries again what was refused, and settles what has an intent but no outcome (the
/// run stopped between sending and hearing back) before it is ever sent again.
///
/// A write is named by what it does: the profile it goes to and its request (service, method,
/// path and query, the body with its keys sorted), plus how many identical requests came before
/// it in the run. Where the script makes it is kept in the entry for reports, not in the name:
/// the same CSV with rows inserted, removed or reordered finds every write an earlier run
/// finished, and two identical writes in one run stay two (occurrences 0 and 1).
///
/// Each line goes out in one write(2) on a file opened for appending, so a SIGKILL at any
/// instant leaves whole lines and at most one torn last line, which the next run cuts off (an
/// intent cut short was never acted on: the request goes out only after its intent is written).
/// An intent is on disk (fdatasync) before its request leaves, so power loss cannot forget a
/// write that went out; intents appended while a sync runs share the next one (group commit),
/// which keeps parallel loops fast. A run holds an exclusive lock on the file (flock) from open
/// to exit: a second run with the same journal stops at once (exit 75) naming the holder.
/// No token is ever in it: tokens travel in headers, and secret body fields are redacted.
public final class Journal: @unchecked Sendable {
    public enum Prior {
        case none
        case done(Value)
        case failed
        case inDoubt(since: Double)
    }

    public struct Entry {
        let key: UInt128
        public let prior: Prior
        /// A create: its result's id is no other write's to take (see `resultIDs`).
        var creates = false
    }

    enum State {
        case intended(since: Double)
        /// The byte offset of the outcome line, read again only when the write is replayed.
        case done(offset: Int64)
        case failed
    }

    public struct Counts: Sendable {
        /// Writes sent and answered in this run.
        public var applied = 0
        /// Writes finished by an earlier run, answered from the journal.
        public var skipped = 0
        /// Writes an earlier run left in doubt, settled in this one.
        public var settled = 0
        /// Writes the server refused.
        public var refused = 0
        /// Writes this run sent (or tried to settle) whose outcome it does not know: the next
        /// run with the journal checks them before sending again.
        public var inDoubt = 0
    }

    public let path: String
    private let fd: Int32
    private let lock = NSLock()
    /// Group commit: lines appended, lines known to be on disk, and whether a sync is running.
    private let syncs = NSCondition()
    private var appended = 0
    private var synced = 0
    private var syncing = false
    /// A failed sync: the kernel may have dropped the lines it held, so no later sync can vouch
    /// for them, and the journal takes no more intents.
    private var syncFailure: ErrorValue?
    private var states: [UInt128: State] = [:]
    /// The writes this run has reached (begun), whatever became of them.
    private var reached: Set<UInt128> = []
    private var occurrences: [UInt128: Int] = [:]
    private var size: Int64
    private var stats = Counts()

    public var counts: Counts { lock.withLock { stats } }

    /// Writes earlier runs left in doubt that this run never reached: a script whose selection
    /// changed (it selects by state its own earlier writes changed) leaves them unsettled, and
    /// the run must say so rather than end as if nothing were pending.
    public var unreachedInDoubt: Int {
        lock.withLock { states.count { key, state in if case .intended = state { !reached.contains(key) } else { false } } }
    }

    /// Lines appended but not yet known to be on disk (tests check an intent is synced before
    /// its request leaves).
    var unsyncedLines: Int {
        syncs.lock()
        defer { syncs.unlock() }
        return lock.withLock { appended } - synced
    }

    /// Opens (or creates) a journal, reading what earlier runs recorded.
    public init(path: String) throws {
        self.path = path
        let full = LocalFile.expand(path)
        let existed = FileManager.default.fileExists(atPath: full)
        fd = open(full, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ErrorValue(code: "journal_unavailable", message: "cannot open the journal '\(path)': \(String(cString: strerror(errno)))")
        }
        size = 0
        do {
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                let busy = errno == EWOULDBLOCK
                // The last run header names the holder only while that process lives: a forget
                // (`roster journal --forget-in-doubt`) holds the lock without writing a header.
                let holder = busy ? Journal.lastRunPID(fd: fd).flatMap { kill(pid_t($0), 0) == 0 || errno == EPERM ? $0 : nil } : nil
                throw ErrorValue(code: busy ? "journal_locked" : "journal_unavailable",
                                 message: busy ? "the journal '\(path)' is in use by \(holder.map { "another run (process \($0))" } ?? "another process"); wait for it to end, or name another journal"
                                     : "cannot lock the journal '\(path)': \(String(cString: strerror(errno)))")
            }
            try load()
            headerOffset = size
            try append(.record(["journal": .string("roster"), "version": .int(Journal.version), "run": .string(ISOTime.format(Date().timeIntervalSince1970)),
                                "pid": .int(Int(getpid()))]))
            try sync(upTo: appended)
            if !existed { Journal.syncDirectory(of: full) }
        } catch {
            Foundation.close(fd)
            throw error
        }
    }

    private var closed = false
    /// Where this run's header begins: a run refused before it starts takes its header back.
    private var headerOffset: Int64 = 0
    struct PlaceKey: Hashable { let profile: String, service: Service }
    /// Where each profile's writes to each service landed, as the intents say (journals
    /// written before intents named it have none).
    private var places: [PlaceKey: String] = [:]
    /// The ids of the results of the writes done by earlier runs: a lookup for a write in
    /// doubt must not take another write's result for its own.
    private var ids: Set<String> = []
    public var resultIDs: Set<String> { lock.withLock { ids } }

    /// Refuses a journal whose writes went elsewhere than this run's would: it would answer
    /// them from there (a staging journal against production skips every write). `current`
    /// gives where a profile's writes to a service land now.
    public func checkPlaces(of profile: String, _ current: (String, Service) -> String?) throws {
        for service in Service.allCases {
            guard let place = lock.withLock({ places[PlaceKey(profile: profile, service: service)] }),
                  let now = current(profile, service), now != place else { continue }
            throw elsewhere(profile, service, made: place, now: now)
        }
    }

    /// Where the journal's writes of a profile to a service were made, against where this
    /// run's go. The same target spelt another way (a link, another name for the host) is
    /// refused too: the advice is to spell it as the journal does, since a new journal would
    /// send every write the old one holds again.
    func elsewhere(_ profile: String, _ service: Service, made place: String, now: String) -> ErrorValue {
        ErrorValue(code: "journal_elsewhere", message: "the journal '\(path)' holds \(service.displayName) writes of profile \(profile) made at \(place); this run's would go to \(now). A journal replays writes only where they were made: if it is the same target under another name, name it as the journal does; if it is another target, name a new journal")
    }
    /// Set when a line cut short could not be cut off: the journal takes no more lines.
    private var torn: ErrorValue?
    /// write(2); tests put a full disk here.
    var writeBytes: (Int32, UnsafeRawPointer, Int) -> Int = { Foundation.write($0, $1, $2) }
    /// Run before each intent is written (set once, before the run): the session hands over
    /// what it has printed, so that a run killed after a write shows every line printed before
    /// it (`done ada@...` for each row the journal says is done).
    public var beforeIntent: (@Sendable () -> Void)?

    /// Releases the file and its lock (the end of a run; also when it is freed). A write after
    /// this is an error.
    public func close() {
        lock.withLock {
            guard !closed else { return }
            closed = true
            _ = Foundation.close(fd)
        }
    }

    deinit { close() }

    /// Takes back this run's header and closes the journal, when the run is refused before
    /// anything of it is written (another target, a failures file it cannot make): the journal
    /// shows no empty run. Anything written since the header is kept.
    public func withdraw() {
        lock.withLock {
            guard !closed, appended == 1, size > headerOffset, ftruncate(fd, off_t(headerOffset)) == 0 else { return }
            size = headerOffset
            _ = fsync(fd)
        }
        close()
    }

    // MARK: the write path

    /// Names a write and says what earlier runs did with it.
    public func begin(_ request: PreparedRequest, body: Value?, target: ServiceTarget) throws -> Entry {
        let profile = target.profile
        let name = Journal.name(request, body: body, profile: profile)
        // Checked at each profile's first write, for the profiles a run uses; the default one
        // was checked before the run began.
        if let place = lock.withLock({ places[PlaceKey(profile: profile, service: request.operation.service)] }), place != target.place {
            throw elsewhere(profile, request.operation.service, made: place, now: target.place)
        }
        let (key, state): (UInt128, State?) = lock.withLock {
            let base = FNV.hash(name)
            let n = occurrences[base, default: 0]
            occurrences[base] = n + 1
            let key = FNV.hash(name + "#\(n)")
            reached.insert(key)
            return (key, states[key])
        }
        switch state {
        case nil: return Entry(key: key, prior: .none, creates: request.operation.creates)
        case .failed?: return Entry(key: key, prior: .failed, creates: request.operation.creates)
        case .intended(let since)?: return Entry(key: key, prior: .inDoubt(since: since), creates: request.operation.creates)
        case .done(let offset)?:
            let result = try readResult(at: offset)
            lock.withLock { stats.skipped += 1 }
            return Entry(key: key, prior: .done(result), creates: request.operation.creates)
        }
    }

    /// Appends the intent: after this, the request may go out.
    public func intend(_ entry: Entry, _ request: PreparedRequest, body: Value?, target: ServiceTarget, site: CallSite, time: Double) throws {
        try intend([entry], request, bodies: [body], target: target, site: site, time: time)
    }

    /// Appends the intents of writes that go out in one request (a chunk of invites), each
    /// with its own body, and syncs once for all of them.
    func intend(_ entries: [Entry], _ request: PreparedRequest, bodies: [Value?], target: ServiceTarget, site: CallSite, time: Double) throws {
        beforeIntent?()
        let service = request.operation.service
        lock.withLock { places[Journal.PlaceKey(profile: target.profile, service: service)] = target.place }
        for (entry, body) in zip(entries, bodies) {
            var r: Record = ["intent": .string(Journal.hex(entry.key)), "op": .string(request.operation.name), "profile": .string(target.profile),
                             "place": .string(target.place), "method": .string(request.method), "path": .string(request.target)]
            if let body { r["body"] = Secrets.redacted(body) }
            r["at"] = .string(site.range.description)
            if !site.iterations.isEmpty { r["iterations"] = .list(site.iterations.map { .int($0) }) }
            r["time"] = .double(time)
            try append(.record(r))
        }
        try sync(upTo: lock.withLock { appended })
        lock.withLock { for entry in entries { states[entry.key] = .intended(since: time) } }
    }

    /// Returns once the first `line` lines are on disk. One caller syncs for everyone waiting;
    /// lines appended meanwhile wait for the next sync, which covers them all.
    private func sync(upTo line: Int) throws {
        syncs.lock()
        defer { syncs.unlock() }
        while synced < line {
            if let syncFailure { throw syncFailure }
            if syncing {
                syncs.wait()
                continue
            }
            syncing = true
            let target = lock.withLock { appended }
            syncs.unlock()
            let failed = fdatasync(fd) != 0 ? errno : 0
            syncs.lock()
            syncing = false
            syncs.broadcast()
            if failed != 0 {
                let e = ErrorValue(code: "journal_write_failed", message: "cannot sync the journal '\(path)' to disk: \(String(cString: strerror(failed))); it takes no more writes")
                syncFailure = e
                throw e
            }
            synced = max(synced, target)
        }
    }

    /// A new journal's directory entry on disk too (else power loss could lose the file).
    static func syncDirectory(of path: String) {
        let dir = LocalFile.folder(of: path)
        let d = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard d >= 0 else { return }
        _ = fsync(d)
        Foundation.close(d)
    }

    /// The process named by the last run header, for the message when the journal is busy.
    static func lastRunPID(fd: Int32) -> Int? {
        var pid: Int?
        try? lines(fd: fd) { bytes, complete in
            guard complete, let v = try? JSONReader.parse(bytes: bytes), case .record(let r) = v,
                  case .string("roster")? = r["journal"] else { return }
            if case .int(let p)? = r["pid"] { pid = p }
        }
        return pid
    }

    /// Runs the write and appends its outcome: the answer, or the server's refusal. Anything
    /// else (no answer, an interrupt) leaves the intent alone: the write stays in doubt.
    public func settling(_ entry: Entry, _ send: () throws -> Value) throws -> Value {
        do {
            let value = try send()
            try finished(entry, value)
            return value
        } catch let e as ErrorValue where e.status.map({ (400..<500).contains($0) }) ?? false || e.partial != nil {
            // Refused, in whole or in part: a rerun sends it again (once the cause is fixed).
            // A 2xx is never a refusal, even with an answer that cannot be read: the write was
            // applied, and it stays in doubt for the next run to settle by looking. Nor is a
            // 3xx (`303 See Other` says it was done; it is not followed).
            try refused(entry, e)
            throw e
        } catch {
            lock.withLock { stats.inDoubt += 1 }
            throw error
        }
    }

    /// Appends a write's answer: a rerun answers it from here.
    func finished(_ entry: Entry, _ value: Value) throws {
        let offset = try append(.record(["done": .string(Journal.hex(entry.key)), "result": Secrets.redacted(value)]))
        lock.withLock {
            if entry.creates, let id = Lookup.text(value, "id") { ids.insert(id) }
            states[entry.key] = .done(offset: offset)
            if case .inDoubt = entry.prior { stats.settled += 1 } else { stats.applied += 1 }
        }
    }

    /// Appends the server's refusal: a rerun sends the write again.
    func refused(_ entry: Entry, _ e: ErrorValue) throws {
        var error: Record = ["code": .string(e.code), "message": .string(e.message)]
        if let status = e.status { error["status"] = .int(status) }
        try append(.record(["failed": .string(Journal.hex(entry.key)), "error": .record(error)]))
        lock.withLock {
            states[entry.key] = .failed
            stats.refused += 1
        }
    }

    // MARK: the file

    /// One line, in one write(2). Returns the offset it was written at.
    @discardableResult
    func append(_ value: Value) throws -> Int64 {
        let bytes = Array((SecretValues.scrub(try value.json()) + "\n").utf8)
        return try lock.withLock {
            guard !closed else { throw ErrorValue(code: "journal_closed", message: "the journal '\(path)' was closed at the end of its run") }
            if let torn { throw torn }
            let offset = size
            let (done, failed) = Journal.writeAll(fd, bytes, writeBytes)
            if let failed {
                // A line cut short (a full disk) is cut off again, so that the lines written
                // after it, once there is room, start clean; if even that fails, nothing more
                // is written to this journal in this run.
                let reason = String(cString: strerror(failed))
                let failure = ErrorValue(code: "journal_write_failed", message: "cannot write to the journal '\(path)': \(reason)")
                if done > 0, ftruncate(fd, off_t(offset)) != 0 {
                    torn = ErrorValue(code: "journal_write_failed", message: "the journal '\(path)' holds a line cut short at byte \(offset) (\(reason)); nothing more is written to it in this run")
                }
                throw failure
            }
            size += Int64(bytes.count)
            appended += 1
            return offset
        }
    }

    /// Writes all of `bytes` (retrying after signals); on failure, how many went out and errno.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], _ write: (Int32, UnsafeRawPointer, Int) -> Int) -> (done: Int, failed: Int32?) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return (done, n < 0 ? errno : EIO) }
            done += n
        }
        return (done, nil)
    }

    /// How every journal's first line begins (a torn one may hold only part of it).
    static let headerStart = Array(#"{"journal":"roster""#.utf8)

    private func load() throws {
        /// The intents of creates (POST): their results' ids are claimed.
        var creates = Set<UInt128>()
        var line = 0
        var offset: Int64 = 0
        var sawHeader = false
        var headerVersion = 1
        try Journal.lines(fd: fd) { bytes, complete in
            line += 1
            defer { offset += Int64(bytes.count) + (complete ? 1 : 0) }
            guard complete else {
                // A line cut short by a crash: it never took effect, and the next append must start clean.
                // Only a journal's: a file of one line without a newline that is no journal
                // header (or the start of one) is someone's file, and is left whole.
                guard sawHeader || bytes.starts(with: Journal.headerStart) || Journal.headerStart.starts(with: bytes) else {
                    throw ErrorValue(code: "invalid_journal", message: "\(path) is not a roster journal (its first line should be a roster run header); name a new file or a journal roster wrote")
                }
                guard ftruncate(fd, off_t(offset)) == 0 else {
                    throw ErrorValue(code: "journal_write_failed", message: "cannot repair the journal '\(path)': \(String(cString: strerror(errno)))")
                }
                return
            }
            guard let value = try? JSONReader.parse(bytes: bytes), case .record(let r) = value else {
                throw ErrorValue(code: "invalid_journal", message: "\(path):\(line): not a journal line (the journal is left as it is)")
            }
            if case .string("roster")? = r["journal"] {
                sawHeader = true
                if case .int(let v)? = r["version"] { headerVersion = v }
                return
            }
            guard sawHeader else {
                throw ErrorValue(code: "invalid_journal", message: "\(path) is not a roster journal (its first line should be a roster run header); name a new file or a journal roster wrote")
            }
            if headerVersion < Journal.version {
                throw ErrorValue(code: "old_journal", message: """
                    \(path) was written by an older roster, which named writes by their place in the script; this one names \
                    them by what they do and cannot match the old names, so it would send finished writes again: finish that \
                    migration with the roster that began it, or name a new journal (`roster journal \(path)` shows what this one holds)
                    """)
            }
            if headerVersion > Journal.version {
                throw ErrorValue(code: "new_journal", message: "\(path) was written by a newer roster (journal version \(headerVersion)); run it with that roster, or name a new journal")
            }
            if case .string(let k)? = r["intent"], let key = Journal.key(k) {
                states[key] = .intended(since: Journal.seconds(r["time"]))
                if case .string("POST")? = r["method"] { creates.insert(key) }
                if case .string(let place)? = r["place"], case .string(let profile)? = r["profile"], case .string(let op)? = r["op"],
                   let service = op.split(separator: " ").first.flatMap({ Service(rawValue: String($0)) }) {
                    places[Journal.PlaceKey(profile: profile, service: service)] = place
                }
            } else if case .string(let k)? = r["done"], let key = Journal.key(k) {
                states[key] = .done(offset: offset)
                if creates.contains(key), let result = r["result"], let id = Lookup.text(result, "id") { ids.insert(id) }
            } else if case .string(let k)? = r["failed"], let key = Journal.key(k) {
                states[key] = .failed
            } else if case .string(let k)? = r["forgot"], let key = Journal.key(k) {
                // Checked by hand and forgotten (`roster journal --forget-in-doubt`): as if never sent.
                states[key] = nil
            }
        }
        size = Int64(lseek(fd, 0, SEEK_END))
    }

    private func readResult(at offset: Int64) throws -> Value {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var at = off_t(offset)
        while true {
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, at) }
            guard n > 0 else { break }
            if let nl = chunk[0..<n].firstIndex(of: 10) {
                bytes += chunk[0..<nl]
                break
            }
            bytes += chunk[0..<n]
            at += off_t(n)
        }
        guard let v = try? JSONReader.parse(bytes: bytes), case .record(let r) = v, let result = r["result"] else {
            throw ErrorValue(code: "invalid_journal", message: "\(path): the outcome at byte \(offset) cannot be read")
        }
        return result
    }

    /// Calls `body` with each line (without its newline) and whether it ended with one.
    static func lines(fd: Int32, _ body: ([UInt8], Bool) throws -> Void) throws {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var at: off_t = 0
        while true {
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, at) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            at += off_t(n)
            var start = 0
            while let nl = chunk[start..<n].firstIndex(of: 10) {
                if pending.isEmpty {
                    try body(Array(chunk[start..<nl]), true)
                } else {
                    pending += chunk[start..<nl]
                    try body(pending, true)
                    pending.removeAll(keepingCapacity: true)
                }
                start = nl + 1
            }
            pending += chunk[start..<n]
        }
        if !pending.isEmpty { try body(pending, false) }
    }

    // MARK: names

    /// Journals written since writes were named by what they do. Version 1 named them by their
    /// place in the script; its names cannot be matched, so such a journal is refused (`load`).
    static let version = 2

    /// What identifies a write across runs: the profile it goes to and the request, its body
    /// canonical (keys sorted at every level, secrets redacted).
    static func name(_ request: PreparedRequest, body: Value?, profile: String) -> String {
        let json = (try? body.map { try canonical(Secrets.redacted($0)).json() }) ?? nil
        return "\(profile) \(request.operation.service.rawValue) \(request.method) \(request.target) \(json ?? "-")"
    }

    /// The value with every record's keys sorted: `{b, a}` and `{a, b}` are the same body.
    static func canonical(_ v: Value) -> Value {
        switch v {
        case .record(let r):
            var out = Record(minimumCapacity: r.count)
            for k in r.keys.sorted() { out[k] = canonical(r[k]!) }
            return .record(out)
        case .list(let l): return .list(l.map(canonical))
        default: return v
        }
    }

    static func seconds(_ v: Value?) -> Double {
        switch v {
        case .double(let d)?: d
        case .int(let i)?: Double(i)
        default: 0
        }
    }

    static func hex(_ key: UInt128) -> String {
        let s = String(key, radix: 16)
        return String(repeating: "0", count: 32 - s.count) + s
    }

    static func key(_ hex: String) -> UInt128? { UInt128(hex, radix: 16) }

}

/// FNV-1a, 128 bits: a stable name for a write (Swift's own hashing is seeded per process).
enum FNV {
    static func hash(_ s: String) -> UInt128 {
        var h: UInt128 = 0x6c62272e07bb014262b821756295c58d
        let prime: UInt128 = 0x0000000001000000000000000000013B
        for byte in s.utf8 {
            h ^= UInt128(byte)
            h = h &* prime
        }
        return h
    }
}

extension Journal {
    /// What a journal file holds, write by write (for `roster journal`).
    struct Listing {
        struct Write { let op: String; let line: String; var outcome: String? }
        var runs: [String] = []
        var writes: [UInt128: Write] = [:]
        var order: [UInt128] = []
        /// Where a last line cut short by a crash begins (nil: none is).
        var tornAt: Int64?
        var torn: Bool { tornAt != nil }
        /// The journal versions its run headers name.
        var versions: Set<Int> = []
        /// Writes whose last intent has no outcome.
        var inDoubt: [UInt128] { order.filter { writes[$0]!.outcome == nil } }
    }

    /// Opens a journal to list it, refusing what is not one.
    private static func openJournal(_ path: String, flags: Int32) throws -> Int32 {
        let fd = open(LocalFile.expand(path), flags | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == EISDIR { throw ErrorValue(code: "invalid_journal", message: "'\(path)' is a directory, not a journal") }
            let verb = flags & O_RDWR != 0 ? "open the journal '\(path)' to write in it" : "read the journal '\(path)'"
            throw ErrorValue(code: errno == ENOENT ? "file_not_found" : "journal_unavailable", message: "cannot \(verb): \(String(cString: strerror(errno)))")
        }
        var st = stat()
        if fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFDIR {
            Foundation.close(fd)
            throw ErrorValue(code: "invalid_journal", message: "'\(path)' is a directory, not a journal")
        }
        return fd
    }

    static func listing(fd: Int32, path: String) throws -> Listing {
        var l = Listing()
        var number = 0
        var offset: Int64 = 0
        try lines(fd: fd) { bytes, complete in
            number += 1
            defer { offset += Int64(bytes.count) + 1 }
            guard complete else {
                if number == 1, !bytes.starts(with: headerStart), !headerStart.starts(with: bytes) {
                    throw ErrorValue(code: "invalid_journal", message: "'\(path)' is not a roster journal (its first line is no journal header)")
                }
                l.tornAt = offset
                return
            }
            guard let v = try? JSONReader.parse(bytes: bytes), case .record(let r) = v else {
                throw ErrorValue(code: "invalid_journal", message: "\(path):\(number): not a journal line")
            }
            // A journal begins with its header: any other file is not one (and reads as no writes).
            if number == 1, !{ if case .string("roster")? = r["journal"] { true } else { false } }() {
                throw ErrorValue(code: "invalid_journal", message: "'\(path)' is not a roster journal (its first line is no journal header)")
            }
            if case .string(let t)? = r["run"] { l.runs.append(t) }
            if case .string("roster")? = r["journal"] { l.versions.insert({ if case .int(let v)? = r["version"] { v } else { 1 } }()) }
            if case .string(let k)? = r["intent"], let key = key(k) {
                if l.writes[key] == nil { l.order.append(key) }
                let op = (try? r["op"]?.text()) ?? "?"
                let what = "\((try? r["method"]?.text()) ?? "?") \((try? r["path"]?.text()) ?? "?")"
                let at = (try? r["at"]?.text()) ?? "?"
                let iterations = (try? r["iterations"]?.json()).map { " " + $0 } ?? ""
                // Paths hold ids a server gave: shown escaped, as every listing from a server is.
                l.writes[key] = Listing.Write(op: op, line: Sanitize.visible("\(at)\(iterations): \(what)"), outcome: nil)
            } else if case .string(let k)? = r["done"], let key = key(k) {
                l.writes[key]?.outcome = "done"
            } else if case .string(let k)? = r["failed"], let key = key(k) {
                l.writes[key]?.outcome = "refused"
            } else if case .string(let k)? = r["forgot"], let key = key(k) {
                l.writes[key]?.outcome = "forgotten"
            }
        }
        return l
    }

    /// `roster journal FILE`: runs, writes by operation and outcome, and the writes in doubt.
    public static func summary(of path: String) throws -> String {
        let fd = try openJournal(path, flags: O_RDONLY)
        defer { Foundation.close(fd) }
        let l = try listing(fd: fd, path: path)
        var ops: [String] = []
        var tally: [String: (done: Int, refused: Int, doubt: Int, forgotten: Int)] = [:]
        var doubts: [String] = []
        for key in l.order {
            let w = l.writes[key]!
            if tally[w.op] == nil { ops.append(w.op); tally[w.op] = (0, 0, 0, 0) }
            switch w.outcome {
            case "done": tally[w.op]!.done += 1
            case "refused": tally[w.op]!.refused += 1
            case "forgotten": tally[w.op]!.forgotten += 1
            default:
                tally[w.op]!.doubt += 1
                doubts.append(w.line)
            }
        }
        let forgotten = tally.values.contains { $0.forgotten > 0 }
        let width = max(9, ops.map(\.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        func num(_ i: Int, _ w: Int = 8) -> String { let s = String(i); return String(repeating: " ", count: max(0, w - s.count)) + s }
        var out = "\(path): \(l.runs.count) run\(l.runs.count == 1 ? "" : "s")"
        if let first = l.runs.first, let last = l.runs.last { out += " (\(first)\(l.runs.count > 1 ? " to " + last : ""))" }
        out += ", \(l.order.count) write\(l.order.count == 1 ? "" : "s")\n"
        if !ops.isEmpty {
            out += pad("operation", width) + "    done refused in doubt" + (forgotten ? " forgotten" : "") + "\n"
            for op in ops {
                let t = tally[op]!
                out += pad(op, width) + num(t.done) + num(t.refused) + num(t.doubt) + (forgotten ? num(t.forgotten, 10) : "") + "\n"
            }
        }
        if !doubts.isEmpty {
            out += "in doubt (checked before being sent again by the next run with this journal):\n"
            for d in doubts.prefix(20) { out += "  \(d)\n" }
            if doubts.count > 20 { out += "  ... and \(doubts.count - 20) more\n" }
        }
        if forgotten {
            out += "forgotten: writes left in doubt that were checked by hand and forgotten (--forget-in-doubt); a run that reaches one sends it as a new write\n"
        }
        if l.torn { out += "the last line was cut short by a crash; the next run removes it\n" }
        return out
    }

    /// `roster journal FILE --forget-in-doubt`: the writes in doubt are forgotten, once someone
    /// has checked them by hand (a state-driven script whose earlier run's writes changed what
    /// it selects never reaches them again, and every rerun would exit 1 for them). A run that
    /// reaches a forgotten write sends it as a new one, so a create that had been applied gets
    /// its 409. Taken under the journal's lock (a run using it: `journal_locked`), in one
    /// line per write, synced. Returns the writes forgotten, as the listing names them.
    public static func forgetInDoubt(_ path: String) throws -> [String] {
        let fd = try openJournal(path, flags: O_RDWR | O_APPEND)
        defer { Foundation.close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let busy = errno == EWOULDBLOCK
            throw ErrorValue(code: busy ? "journal_locked" : "journal_unavailable",
                             message: busy ? "the journal '\(path)' is in use by another process (a run, or another forget); forget its writes in doubt once it has ended"
                                 : "cannot lock the journal '\(path)': \(String(cString: strerror(errno)))")
        }
        let l = try listing(fd: fd, path: path)
        if let other = l.versions.first(where: { $0 != version }) {
            // Another version's lines may mean what this roster cannot read (a finished write
            // forgotten); runs refuse such a journal too.
            throw ErrorValue(code: other < version ? "old_journal" : "new_journal",
                             message: "\(path) was written by \(other < version ? "an older" : "a newer") roster (journal version \(other)); forget its writes in doubt with that roster")
        }
        let doubts = l.inDoubt
        guard !doubts.isEmpty else { return [] }
        // A last line cut short by a crash never took effect: cut off, as a run would, so the
        // lines below start clean.
        if let tornAt = l.tornAt, ftruncate(fd, off_t(tornAt)) != 0 {
            throw ErrorValue(code: "journal_write_failed", message: "cannot repair the journal '\(path)' (its last line was cut short by a crash): \(String(cString: strerror(errno)))")
        }
        let now = ISOTime.format(Date().timeIntervalSince1970)
        var text = ""
        for key in doubts {
            text += try Value.record(["forgot": .string(hex(key)), "time": .string(now)]).json() + "\n"
        }
        let bytes = Array(text.utf8)
        let size = lseek(fd, 0, SEEK_END)
        if let failed = writeAll(fd, bytes, { Foundation.write($0, $1, $2) }).failed {
            // All or nothing: the lines written so far are taken back (a full disk left some
            // writes forgotten, a torn line, and a message that said none were).
            let back = size >= 0 && ftruncate(fd, size) == 0 && fdatasync(fd) == 0
            throw ErrorValue(code: "journal_write_failed", message: "cannot write to the journal '\(path)': \(String(cString: strerror(failed))); " +
                             (back ? "nothing was forgotten" : "it may hold a line cut short, which the next run with it removes"))
        }
        guard fdatasync(fd) == 0 else {
            throw ErrorValue(code: "journal_write_failed", message: "cannot sync the journal '\(path)' to disk: \(String(cString: strerror(errno)))")
        }
        return doubts.map { l.writes[$0]!.line }
    }
}
