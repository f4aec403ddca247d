import Synchronization

/// The slots of one activation: a function call, or the top level. Slots are resolved at
/// compile time to (depth, index), so reading a variable is a pointer walk and a load.
final class Frame: @unchecked Sendable {
    let slots: UnsafeMutablePointer<Value>
    let capacity: Int
    let parent: Frame?
    /// The epoch it was made in: a parallel loop starts a new one, so the frames its iterations
    /// may write (made since) are told from those they share (older). See Strand.mayWrite.
    let epoch: Int

    /// Advanced by each parallel loop as it starts (before its threads exist).
    static let clock = Atomic<Int>(0)

    /// A new epoch for a parallel loop: frames made from now on are newer than every frame
    /// that exists now.
    static func newEpoch() -> Int { clock.add(1, ordering: .relaxed).newValue }

    init(capacity: Int, parent: Frame?) {
        self.capacity = capacity
        self.parent = parent
        epoch = Frame.clock.load(ordering: .relaxed)
        slots = .allocate(capacity: max(capacity, 1))
        slots.initialize(repeating: .null, count: max(capacity, 1))
    }

    /// A private copy, for a lazy pipeline stage read by a parallel loop's iteration from a
    /// frame it shares: the stage sets its item slot, which must not be the shared frame's.
    func copy() -> Frame {
        let f = Frame(capacity: capacity, parent: parent)
        for i in 0..<max(capacity, 1) { f.slots[i] = slots[i] }
        return f
    }

    deinit {
        slots.deinitialize(count: max(capacity, 1))
        slots.deallocate()
    }

    @inline(__always) func ancestor(_ depth: Int) -> Frame {
        var f = self
        for _ in 0..<depth { f = f.parent! }
        return f
    }
}

typealias Eval = (Frame) throws -> Value
typealias Exec = (Frame) throws -> Flow

/// How a statement ended.
enum Flow {
    case normal, breakLoop, continueLoop
    case returned(Value)
}
