/// The slots of one activation: a function call, or the top level. Slots are resolved at
/// compile time to (depth, index), so reading a variable is a pointer walk and a load.
final class Frame: @unchecked Sendable {
    let slots: UnsafeMutablePointer<Value>
    let capacity: Int
    let parent: Frame?

    init(capacity: Int, parent: Frame?) {
        self.capacity = capacity
        self.parent = parent
        slots = .allocate(capacity: max(capacity, 1))
        slots.initialize(repeating: .null, count: max(capacity, 1))
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
