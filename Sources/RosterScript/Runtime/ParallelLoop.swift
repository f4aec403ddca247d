#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// `for x in EXPR --parallel N { }`: N threads take items in order and run the body, each in a
/// frame of its own under the loop's frame. Items are pulled one at a time under a lock (a
/// stream fetches its pages as it is read); what an iteration prints is written whole when it
/// ends. The first failure stops new iterations (those running finish) and is rethrown, unless
/// the loop passes over failures (--keep-going), which are then reported to the host.
final class ParallelLoop: @unchecked Sendable {
    struct State {
        var nextIndex = 0
        var stopped = false
        /// The failure that stopped the loop, and the index of its iteration.
        var failure: (index: Int, error: Error)?
    }

    let interpreter: Interpreter
    let items: () throws -> Value?
    /// Where the item `items` gave last came from (a file's row), read under the same lock.
    let origin: () -> String?
    let body: Exec
    let parent: Frame
    let frameSize: Int
    /// The loop variable's slot in each iteration's frame.
    let slot: Int
    let tracker: LoopTracker
    private let state = Locked(State())

    /// Whether reading the items runs script code (a lazy stage): then an early stop does not
    /// read on to list the unfinished ones.
    let itemsRunScript: Bool

    init(interpreter: Interpreter, items: @escaping () throws -> Value?, origin: @escaping () -> String?, itemsRunScript: Bool,
         body: @escaping Exec, parent: Frame, frameSize: Int, slot: Int, tracker: LoopTracker) {
        self.itemsRunScript = itemsRunScript
        self.origin = origin
        self.slot = slot
        self.interpreter = interpreter
        self.items = items
        self.body = body
        self.parent = parent
        self.frameSize = frameSize
        self.tracker = tracker
    }

    /// `epoch`: the loop's, begun (and counted in Strand.parallelLoops) by the caller.
    func run(workers: Int, epoch: Int) throws {
        let base = Array(tracker.strand.iterations.prefix(tracker.depth))
        Threads.run(workers) { _ in self.work(Strand(iterations: base, parallelEpoch: epoch)) }
        if let failure = state.withLock({ $0.failure }) {
            tracker.unfinished(failure.error, current: nil, rest: itemsRunScript ? nil : items, restOrigin: origin)
            throw failure.error
        }
    }

    /// Stops the loop; the earliest iteration's failure is the one reported.
    private func stop(_ index: Int, _ error: Error?) {
        state.withLock { s in
            s.stopped = true
            if let error, s.failure == nil || index < s.failure!.index { s.failure = (index, error) }
        }
    }

    /// What `take` gives a worker: an item, or a row the items' stream could not read (its
    /// text and why), which is a failed input of its own.
    private enum Taken {
        case item(Int, Value, String?)
        case unreadable(Int, RuntimeError, String, String?)
    }

    /// The next item, its index, and where it came from.
    private func take() -> Taken? {
        state.withLock { s -> Taken? in
            guard !s.stopped else { return nil }
            if Interrupt.isRequested {
                s.stopped = true
                if s.failure == nil { s.failure = (s.nextIndex, ControlSignal.interrupted) }
                return nil
            }
            do {
                guard let item = try items() else {
                    s.stopped = true
                    return nil
                }
                s.nextIndex += 1
                return .item(s.nextIndex - 1, item, origin())
            } catch let e as RuntimeError where e.error.unreadableRow != nil {
                s.nextIndex += 1
                return .unreadable(s.nextIndex - 1, e, e.error.unreadableRow!, origin())
            } catch {
                s.stopped = true
                if s.failure == nil { s.failure = (s.nextIndex, error) }
                return nil
            }
        }
    }

    private func work(_ strand: Strand) {
        let previous = Strand.adopt(strand)
        defer { Strand.adopt(previous) }
        strand.iterations.append(0)
        while let taken = take() {
            let index: Int, item: Value, origin: String?
            var failure: Error?
            var broke = false
            var unreadable = false
            var lines: [String] = []
            switch taken {
            case .unreadable(let i, let error, let raw, let o):
                (index, item, origin, failure, unreadable) = (i, .string(raw), o, error, true)
                strand.iterations[strand.iterations.count - 1] = index
            case .item(let i, let value, let o):
                (index, item, origin) = (i, value, o)
                strand.iterations[strand.iterations.count - 1] = index
                strand.heldOutput = []
                let frame = Frame.make(capacity: frameSize, parent: parent)
                frame.slots[slot] = item
                do {
                    if case .breakLoop = try body(frame) { broke = true }
                } catch {
                    failure = error
                }
                lines = strand.heldOutput ?? []
                strand.heldOutput = nil
            }
            let passedOver = failure.flatMap { tracker.passOver($0, input: item, origin: origin, iterations: strand.iterations, output: lines, unreadable: unreadable) } ?? false
            if failure == nil { tracker.iterationEnded(output: lines) }
            if let failure, !passedOver {
                stop(index, tracker.stopping(failure, input: item, origin: origin))
                tracker.unfinished(failure, current: item, origin: origin, unreadable: unreadable, rest: { nil })
            } else if broke {
                stop(index, nil)
            }
        }
    }
}

/// One running `for` loop's bookkeeping: its place in the strand's iterations, the host's loop
/// events for the outermost loop (progress, and the counts a loop that goes on past failures
/// reports), and whether it passes over a failed iteration (its own --keep-going, or the run's
/// for the outermost loop). A value: loops start often (inner loops), and it allocates nothing.
struct LoopTracker: @unchecked Sendable {
    let interpreter: Interpreter
    let strand: Strand
    let depth: Int
    let outermost: Bool
    let passesOver: Bool
    let reports: Bool
    /// The outermost loop of a run that keeps a failures file: inputs left unfinished are reported.
    let recordsUnfinished: Bool
    /// How many inputs not begun an early stop reports at most (a range may be endless).
    static let maxUnfinished = 10_000_000

    /// The input's field that names a failed iteration (`--key`).
    let key: String?

    init(_ interpreter: Interpreter, keepGoing: Bool, key: String?, total: Int?, range: SourceRange) {
        self.interpreter = interpreter
        self.key = key
        strand = Strand.current
        depth = strand.iterations.count
        outermost = depth == 0
        passesOver = keepGoing || (outermost && interpreter.keepGoing)
        reports = outermost && (passesOver || interpreter.host.observesLoops)
        recordsUnfinished = outermost && interpreter.host.recordsUnfinished
        if outermost { interpreter.withHost { $0.loopEvent(.started(total: total, at: range)) } }
        strand.iterations.append(-1)
    }

    @inline(__always) func begin(_ index: Int) { strand.iterations[depth] = index }

    /// Writes an iteration's held output (parallel loops) and counts it (progress, summaries).
    func iterationEnded(output: [String] = []) {
        guard reports || !output.isEmpty else { return }
        interpreter.withHost { host in
            for line in output { host.write(line) }
            if reports { host.loopEvent(.iterationEnded) }
        }
    }

    /// A failed iteration: reported and passed over when the loop keeps going (true), or left
    /// to stop the loop (false). Exits and interrupts always stop it.
    /// `unreadable`: the input is the text of a row the loop's stream could not read.
    func passOver(_ error: Error, input: Value, origin: String?, iterations: [Int], output: [String] = [], unreadable: Bool = false) -> Bool {
        let failure = error as? RuntimeError
        interpreter.withHost { host in
            for line in output { host.write(line) }
            if passesOver, let failure { host.loopEvent(.failed(failure, input: input, iterations: iterations, origin: origin, key: key, unreadable: unreadable)) }
        }
        return passesOver && failure != nil
    }

    /// An error that stops the loop, naming the file row it was on (the innermost such loop's).
    func stopping(_ error: Error, input: Value, origin: String?) -> Error {
        guard let origin, var failure = error as? RuntimeError, failure.row == nil else { return error }
        failure.row = "\(origin): note: the row: \(input.brief(key: key))"
        return failure
    }

    /// The loop is stopping early with `error`: the input of the iteration that did not finish
    /// (`current`, from `origin`), then every input not begun (`rest`, each from where
    /// `restOrigin` says), go to the host as unfinished. A row of `rest` that cannot be read
    /// goes as its text with why (it is unfinished too). `rest` is nil when the inputs cannot
    /// be listed without running script code (a lazy pipeline stage): the host is then told
    /// the list is cut, as it is when reading fails and cannot go on.
    /// The inputs are read outside the host's lock, a chunk at a time, and reported under it.
    func unfinished(_ error: Error, current: Value?, origin: String? = nil, unreadable: Bool = false,
                    rest: (() throws -> Value?)?, restOrigin: @escaping () -> String? = { nil }) {
        guard recordsUnfinished else { return }
        let reason = switch error {
        case ControlSignal.interrupted: "interrupted"
        case ControlSignal.exit(let code): "the script exited (exit \(code))"
        case let e as RuntimeError: e.error.summary
        default: "\(error)"
        }
        let notRun = "not run: the loop stopped before it (\(reason))"
        var chunk: [LoopEvent] = []
        if let current {
            let stoppedBy = error as? RuntimeError
            interpreter.withHost { $0.loopEvent(.unfinished(input: current, reason: reason, error: stoppedBy, origin: origin, unreadable: unreadable)) }
        }
        var cut: String?
        var n = 0
        if let rest {
            while true {
                let item: Value?
                // (Ctrl-C stopped the loop; the reading of what it never began goes on.)
                do { item = try Interrupt.collectingUnfinished(rest) } catch let e as RuntimeError where e.error.unreadableRow != nil {
                    guard n < LoopTracker.maxUnfinished else { cut = "there are more than \(LoopTracker.maxUnfinished)"; break }
                    chunk.append(.unfinished(input: .string(e.error.unreadableRow!), reason: e.error.summary, error: e, origin: restOrigin(), unreadable: true))
                    n += 1
                    continue
                } catch {
                    cut = "reading them failed: \((error as? RuntimeError)?.error.summary ?? (error as? ErrorValue)?.summary ?? "\(error)")"
                    break
                }
                guard let item else { break }
                guard n < LoopTracker.maxUnfinished else { cut = "there are more than \(LoopTracker.maxUnfinished)"; break }
                chunk.append(.unfinished(input: item, reason: notRun, origin: restOrigin()))
                n += 1
                if chunk.count >= 1_000 {
                    let batch = chunk
                    chunk.removeAll(keepingCapacity: true)
                    interpreter.withHost { host in for e in batch { host.loopEvent(e) } }
                }
            }
        } else {
            cut = "they come through a pipeline stage, which would run script code to list them"
        }
        let batch = chunk
        interpreter.withHost { host in
            for e in batch { host.loopEvent(e) }
            if let cut { host.loopEvent(.unfinishedCut(reason: cut)) }
        }
    }

    func end() {
        strand.iterations.removeLast()
        if outermost { interpreter.withHost { $0.loopEvent(.ended) } }
    }
}

/// Threads for parallel loops, with stacks as deep as the session's (scripts recurse).
enum Threads {
    final class Job {
        let body: (Int) -> Void
        let index: Int
        init(_ body: @escaping (Int) -> Void, _ index: Int) {
            self.body = body
            self.index = index
        }
    }

    /// Runs `body(i)` for i in 0..<count, each on a new thread, and waits for all of them.
    static func run(_ count: Int, stackSize: Int = 128 << 20, _ body: @escaping (Int) -> Void) {
        var threads: [pthread_t] = []
        for i in 0..<count {
            var attr = pthread_attr_t()
            pthread_attr_init(&attr)
            pthread_attr_setstacksize(&attr, stackSize)
            var thread = pthread_t()
            let job = Unmanaged.passRetained(Job(body, i)).toOpaque()
            let created = pthread_create(&thread, &attr, { arg in
                let job = Unmanaged<Job>.fromOpaque(arg!).takeRetainedValue()
                job.body(job.index)
                return nil
            }, job)
            pthread_attr_destroy(&attr)
            if created == 0 {
                threads.append(thread)
            } else {
                // No more threads: this one does the work (the others still share it).
                Unmanaged<Job>.fromOpaque(job).release()
                if threads.isEmpty { body(i) }
                break
            }
        }
        for t in threads { pthread_join(t, nil) }
    }
}
