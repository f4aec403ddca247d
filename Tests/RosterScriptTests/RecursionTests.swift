import Testing
@testable import RosterScript

/// A top-level function calling itself does not retain itself again: the call in progress
/// holds it (Compiler.recursion), which it can tell because a call's frame names its function
/// while the call runs, and only then.
struct RecursionTests {
    /// The function reassigns its own name in the middle of its recursion: the calls already
    /// running go on with the old function, the next call takes the new one.
    @Test func aFunctionThatReplacesItselfWhileRecursingFinishesAsItWas() throws {
        let host = FakeHost()
        try Interpreter(host: host).run(SourceFile(name: "self.roster", text: """
            def other(n) { return "other $n" }
            def f(n) {
                if $n == 0 {
                    $f = $other
                    return "0"
                }
                let inner = f($n - 1)
                return "$inner,$n,${f(-1)}"
            }
            print f(3)
            print f(3)
            def g(a, b) {
                if $a == 0 { $g = 5; return $b }
                return g($a - 1, $b + 1) + 1
            }
            print g(4, 0)
            try { g(1, 1) } catch e { print $e.code }
            def h(a, b) {
                if $a == 1 { return h(0) }
                return "two"
            }
            try { h(1, 2) } catch e { print $e.code }

            """))
        #expect(host.output == ["0,1,other -1,2,other -1,3,other -1", "other 3", "8", "not_a_function", "missing_argument"])
    }

    /// A frame that outlives its call (a closure holds it) no longer names the function, so
    /// code that later runs in it (a lazy stage) takes the slow, retaining way; after a
    /// return and after a throw alike.
    @Test func aFrameNamesItsFunctionOnlyWhileItsCallRuns() throws {
        let host = FakeHost()
        let interpreter = Interpreter(host: host)
        try interpreter.run(SourceFile(name: "frames.roster", text: """
            let kept = []
            def make(n) {
                def inner() { return $n }
                $kept += [$inner]
                if $n > 0 { return make($n - 1) }
                return 1 // 0
            }
            try { make(2) } catch e { print $e.code }
            def plain(n) { return $n }
            print plain(1)

            """))
        #expect(host.output == ["division_by_zero", "1"])
        guard case .list(let kept)? = interpreter.global("kept") else { Issue.record("no $kept"); return }
        #expect(kept.count == 3)
        for value in kept {
            guard case .function(let fn) = value, let frame = fn.closure else { Issue.record("not a closure"); continue }
            #expect(frame.running == nil)
        }
    }
}
