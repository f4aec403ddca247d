#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import CThreadLocal

/// What one thread running script code carries of its own: how deep its calls go, which loop
/// iterations it is inside, and, in an iteration of a parallel loop, the output it holds back
/// until the iteration ends (so iterations never interleave on screen).
///
/// Only its own thread touches a strand, so its hot fields skip Swift's run-time exclusivity
/// check (about a hundred instructions a call and a loop iteration).
final class Strand {
    @exclusivity(unchecked) var callDepth = 0
    /// The index of each enclosing `for` iteration, outermost first: with the statement's
    /// location, it names a write the same way on every run (the journal's key).
    @exclusivity(unchecked) var iterations: [Int] = []
    /// Lines printed by the current parallel iteration, not yet written.
    var heldOutput: [String]?
    /// In a parallel loop's iteration: the frame epoch its loop began in. Frames of that epoch
    /// or later are the iteration's own; older ones (the globals, the enclosing functions'
    /// frames, a closure's captured frame) are shared by every iteration, so they are read-only.
    var parallelEpoch: Int?

    /// Frames of calls that ended with no one else holding them, by capacity, each list linked
    /// through the frames' parent field: the next call of that size takes one instead of
    /// allocating (a call's malloc and free were a sixth of its cost). Small frames only, and
    /// a few of each size, so a deep recursion does not leave its frames behind.
    /// (Plain memory rather than arrays: an array checks its uniqueness at every change.)
    private let spares: UnsafeMutablePointer<Frame?> = {
        let p = UnsafeMutablePointer<Frame?>.allocate(capacity: Strand.spareSizes)
        p.initialize(repeating: nil, count: Strand.spareSizes)
        return p
    }()
    private let spareCounts: UnsafeMutablePointer<Int> = {
        let p = UnsafeMutablePointer<Int>.allocate(capacity: Strand.spareSizes)
        p.initialize(repeating: 0, count: Strand.spareSizes)
        return p
    }()
    private static let spareSizes = 16
    private static let sparesPerSize = 32

    /// A frame for a call: a spare one if there is one, else a new one. Its slots are all null.
    @inline(__always) func takeFrame(capacity: Int, parent: Frame?) -> Frame {
        // A frame has at least one slot (Frame.make), and is kept by the slots it has.
        let size = max(capacity, 1)
        if size < Strand.spareSizes, let frame = spares[size].take() {
            // The slot is nil after `take`: initialized over, not assigned (an assignment
            // releases the nil it replaces, a call).
            (spares + size).initialize(to: frame.reuse(parent: parent))
            spareCounts[size] -= 1
            return frame
        }
        return Frame.make(capacity: size, parent: parent)
    }

    /// Keeps a call's frame for the next call, unless something still holds it (a closure
    /// made in the call, a lazy stage, the returned value).
    @inline(__always) func recycle(_ spent: consuming Frame) {
        var frame = spent
        guard isKnownUniquelyReferenced(&frame) else { return }
        let c = frame.slotCount
        guard c < Strand.spareSizes, spareCounts[c] < Strand.sparesPerSize else { return }
        frame.clear(linkingTo: spares[c].take())
        (spares + c).initialize(to: consume frame)
        spareCounts[c] += 1
    }

    /// How many spare frames of `size` slots are kept (for tests).
    func spareCount(_ size: Int) -> Int { size < Strand.spareSizes ? spareCounts[size] : 0 }

    init(iterations: [Int] = [], parallelEpoch: Int? = nil) {
        self.iterations = iterations
        self.parallelEpoch = parallelEpoch
    }

    deinit {
        spares.deinitialize(count: Strand.spareSizes)
        spares.deallocate()
        spareCounts.deallocate()
    }

    /// How many parallel loops are running. While none is, no write needs checking, and the
    /// check costs one relaxed load rather than a thread-local lookup.
    static let parallelLoops = Atomic<Int>(0)

    /// Whether a variable of `frame` may be assigned on this thread now.
    @inline(__always) static func mayWrite(_ frame: Frame) -> Bool { mayWrite(epoch: frame.epoch) }

    /// Whether a variable of `frame`'s parent may be assigned on this thread now (the parent
    /// is only looked at while a parallel loop runs: taking it costs a retain and a release).
    @inline(__always) static func mayWriteParent(of frame: Frame) -> Bool {
        parallelLoops.load(ordering: .relaxed) == 0 || current.mayWrite(epoch: frame.parent.unsafelyUnwrapped.epoch)
    }

    /// Whether a variable of a frame made in `epoch` may be assigned on this thread now.
    @inline(__always) static func mayWrite(epoch: Int) -> Bool {
        parallelLoops.load(ordering: .relaxed) == 0 || current.mayWrite(epoch: epoch)
    }

    /// Whether a variable of a frame made in `epoch` may be assigned here: anywhere outside a
    /// parallel loop, and inside one only in the iteration's own frames.
    @inline(__always) func mayWrite(epoch: Int) -> Bool {
        guard let parallelEpoch else { return true }
        return epoch >= parallelEpoch
    }

    /// Owns each thread's strand (one retain), releasing it when the thread ends; reads go
    /// through the C thread-local copy of the pointer.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            guard let pointer else { return }
            // The exiting thread's copy goes first: nothing may read a released strand.
            roster_strand_set(nil)
            Unmanaged<Strand>.fromOpaque(pointer).release()
        }
        return key
    }()

    /// This thread's strand (made on first use).
    static var current: Strand {
        if let p = roster_strand_get() { return Unmanaged<Strand>.fromOpaque(p).takeUnretainedValue() }
        let s = Strand()
        _ = adopt(s)
        return s
    }

    /// Runs `body` with this thread's strand, borrowed from the thread's own reference (no
    /// retain and release, a fifth of a call's reference counting). The thread keeps its strand
    /// until `adopt` replaces it, and whoever replaces one holds it until putting it back.
    @inline(__always) static func withCurrent<R>(_ body: (Strand) throws -> R) rethrows -> R {
        guard let p = roster_strand_get() else { return try body(current) }
        return try Unmanaged<Strand>.fromOpaque(p)._withUnsafeGuaranteedRef(body)
    }

    /// Makes `strand` this thread's own (a parallel loop's worker starts with its parent's
    /// iterations), returning the one it replaces so it can be put back.
    @discardableResult
    static func adopt(_ strand: Strand?) -> Strand? {
        let old = pthread_getspecific(key).map { Unmanaged<Strand>.fromOpaque($0).takeRetainedValue() }
        let p = strand.map { Unmanaged.passRetained($0).toOpaque() }
        pthread_setspecific(key, p)
        roster_strand_set(p)
        return old
    }
}
