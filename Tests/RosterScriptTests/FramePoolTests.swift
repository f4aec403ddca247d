import Testing
@testable import RosterScript

/// A call's frame is kept for the next call of its size only when nothing else holds it; the
/// next frame of that size is then the same object, cleared. Identity, not timing: these fail
/// exactly when a frame is reused wrongly or not at all.
struct FramePoolTests {
    @Test(arguments: [0, 1, 2, 7, 15])
    func aReleasedFrameIsTakenAgainForTheSameSizeCleared(capacity: Int) {
        let strand = Strand()
        let parent = Frame.make(capacity: 1, parent: nil)
        let first = strand.takeFrame(capacity: capacity, parent: parent)
        let id = ObjectIdentifier(first)
        first.slots[0] = .string("held")
        strand.recycle(consume first)
        let second = strand.takeFrame(capacity: capacity, parent: nil)
        #expect(ObjectIdentifier(second) == id)
        #expect(second.slots[0].isNull && second.parent == nil)
        // A different size never gets it.
        let other = strand.takeFrame(capacity: capacity + 1, parent: nil)
        #expect(ObjectIdentifier(other) != id)
    }

    @Test func aFrameSomethingHoldsIsNeverReused() throws {
        let strand = Strand()
        let frame = strand.takeFrame(capacity: 3, parent: nil)
        frame.slots[1] = .int(7)
        let held = frame            // as a closure made in the call would hold it
        strand.recycle(consume frame)
        let next = strand.takeFrame(capacity: 3, parent: nil)
        #expect(ObjectIdentifier(next) != ObjectIdentifier(held))
        #expect(try held.slots[1].json() == "7")
    }

    @Test func largeFramesAndTooManySparesAreLetGo() {
        let strand = Strand()
        let big = strand.takeFrame(capacity: 64, parent: nil)
        strand.recycle(consume big)
        #expect(strand.spareCount(64) == 0)
        // Deep recursion returns many frames at once: only a bounded number are kept, and
        // taking them empties the list.
        var frames = (0..<100).map { _ in strand.takeFrame(capacity: 2, parent: nil) }
        while let f = frames.popLast() { strand.recycle(f) }
        #expect(strand.spareCount(2) == 32)
        let again = (0..<40).map { _ in strand.takeFrame(capacity: 2, parent: nil) }
        #expect(strand.spareCount(2) == 0 && again.count == 40)
    }
}
