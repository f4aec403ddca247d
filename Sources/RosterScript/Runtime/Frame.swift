import Synchronization

struct FrameHeader {
    /// How many slots follow the header (at least one).
    let capacity: Int
    /// The enclosing function's frame; for a spare frame (Strand.takeFrame), the next spare.
    var parent: Frame?
    /// The enclosing frame's slots (nil for a spare): a closure reads its captured variables
    /// through this address, without the retain and release a reference to the frame costs.
    /// Valid while `parent` holds that frame; set with it.
    var parentSlots: UnsafeMutablePointer<Value>?
    /// The epoch it was made (or taken from the spares) in: a parallel loop starts a new one,
    /// so the frames its iterations may write (made since) are told from those they share
    /// (older). See Strand.mayWrite.
    var epoch: Int
    /// The function this frame is a call of, while that call runs (see Interpreter.run), else
    /// nil. Unretained: the call holds the function. A call of the same function from its own
    /// body (recursion) finds it here and need not hold it again (Compiler.recursion).
    var running: UnsafeMutableRawPointer?
}

/// The slots of one activation: a function call, or the top level. Slots are resolved at
/// compile time to (depth, index), so reading a variable is a pointer walk and a load.
/// The slots live in the object itself (a ManagedBuffer's tail): a call allocates once.
final class Frame: ManagedBuffer<FrameHeader, Value>, @unchecked Sendable {
    /// Advanced by each parallel loop as it starts (before its threads exist).
    static let clock = Atomic<Int>(0)

    /// A new epoch for a parallel loop: frames made from now on are newer than every frame
    /// that exists now.
    static func newEpoch() -> Int { clock.add(1, ordering: .relaxed).newValue }

    static func make(capacity: Int, parent: Frame?) -> Frame {
        let n = max(capacity, 1)
        let frame = unsafeDowncast(Frame.create(minimumCapacity: n) { _ in
            FrameHeader(capacity: n, parent: parent, parentSlots: parent?.slots, epoch: Frame.clock.load(ordering: .relaxed), running: nil)
        }, to: Frame.self)
        frame.withUnsafeMutablePointerToElements { $0.initialize(repeating: .null, count: n) }
        return frame
    }

    /// The slots, valid while the frame lives (they are part of it).
    @inline(__always) var slots: UnsafeMutablePointer<Value> { withUnsafeMutablePointerToElements { $0 } }
    // Through the header's pointer: `header` itself is a class's stored property, whose every
    // access pays Swift's run-time exclusivity check.
    @inline(__always) var parent: Frame? { withUnsafeMutablePointerToHeader { $0.pointee.parent } }
    @inline(__always) var parentSlots: UnsafeMutablePointer<Value>? { withUnsafeMutablePointerToHeader { $0.pointee.parentSlots } }
    var epoch: Int { withUnsafeMutablePointerToHeader { $0.pointee.epoch } }
    @inline(__always) var running: UnsafeMutableRawPointer? {
        get { withUnsafeMutablePointerToHeader { $0.pointee.running } }
        set { withUnsafeMutablePointerToHeader { $0.pointee.running = newValue } }
    }
    @inline(__always) var slotCount: Int { withUnsafeMutablePointerToHeader { $0.pointee.capacity } }

    /// Lets go of every slot's value and of the parent, making the frame a spare linked to
    /// `next` (moved in, not copied: the spare lists cost no reference counting).
    @inline(__always) func clear(linkingTo next: consuming Frame?) {
        withUnsafeMutablePointers { h, e in
            for i in 0..<h.pointee.capacity { e[i] = .null }
            h.pointee.parent = next
            h.pointee.parentSlots = nil
        }
    }

    /// A spare frame (cleared) put to use for a new call: returns the next spare, moved out.
    @inline(__always) func reuse(parent: Frame?) -> Frame? {
        withUnsafeMutablePointerToHeader { h in
            let next = h.pointee.parent.take()
            h.pointee.parent = parent
            h.pointee.parentSlots = parent?.slots
            h.pointee.epoch = Frame.clock.load(ordering: .relaxed)
            return next
        }
    }

    /// A private copy, for a lazy pipeline stage read by a parallel loop's iteration from a
    /// frame it shares: the stage sets its item slot, which must not be the shared frame's.
    func copy() -> Frame {
        let f = Frame.make(capacity: header.capacity, parent: parent)
        for i in 0..<header.capacity { f.slots[i] = slots[i] }
        return f
    }

    deinit {
        // Slot by slot: the generic `deinitialize(count:)` costs more than a call's few slots.
        withUnsafeMutablePointers { h, e in
            for i in 0..<h.pointee.capacity { _ = (e + i).move() }
        }
    }

    @inline(__always) func ancestor(_ depth: Int) -> Frame {
        var f = self
        for _ in 0..<depth { f = f.parent! }
        return f
    }
}

typealias Eval = (Frame) throws -> Value
typealias Exec = (Frame) throws -> Flow

/// A compiled expression or statement kept in an array. An array holds a bare closure at its
/// generic abstraction, so each call would go through a reabstraction thunk (and a closure
/// taken out of one stays wrapped in it); a non-generic struct's field keeps the closure's own.
struct CompiledEval { let run: Eval }

/// Expressions evaluated in order into consecutive values from `out` (a record literal's values,
/// a call's arguments), counting in `n` the values written so far: on a throw, the first `n`
/// are the ones written. Made by `Compiler.fill` as a balanced tree of closures
/// (`Compiler.balanced`).
struct CompiledFill { let run: (Frame, UnsafeMutablePointer<Value>, inout Int) throws -> Void }
/// The same, appending to a list (`Compiler.appendAll`).
struct CompiledAppend { let run: (Frame, inout List) throws -> Void }
struct CompiledExec { let run: Exec }
struct CompiledTest { let run: (Frame) throws -> Bool }

/// How a statement ended.
enum Flow {
    case normal, breakLoop, continueLoop
    case returned(Value)
}
