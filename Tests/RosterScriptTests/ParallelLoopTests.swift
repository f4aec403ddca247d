import Foundation
import Synchronization
import Testing
@testable import RosterScript

/// A host that may be called from several threads: it records output, the call sites of
/// `fake echo`, and loop events.
final class ThreadedHost: ScriptHost, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var output: [String] = []
    private(set) var sites: [(String, [Int])] = []
    private(set) var events: [String] = []
    var observesLoops = true
    var recordsUnfinished = true
    /// How many verbs were running at once, at most.
    private(set) var peak = 0
    private var running = 0

    var commandNames: [String] { ["fake echo"] }
    func resolveCommand(_ words: [String]) -> HostCommand? {
        words.prefix(2) == ["fake", "echo"] ? HostCommand(name: "fake echo", wordCount: 2) : nil
    }

    func invoke(_ command: HostCommand, _ arguments: [CommandArgument], at site: CallSite) throws -> Value {
        lock.withLock {
            running += 1
            peak = max(peak, running)
        }
        Thread.sleep(forTimeInterval: 0.002)
        var value = Value.null
        if case .positional(let v)? = arguments.first?.kind { value = v }
        lock.withLock {
            running -= 1
            sites.append(((try? value.text()) ?? "", site.iterations))
        }
        return value
    }

    func loopEvent(_ event: LoopEvent) {
        let text: String
        switch event {
        case .started(let total, _): text = "started \(total.map(String.init) ?? "?")"
        case .iterationEnded: text = "ended"
        case .failed(let e, let input, let iterations, _, _, _): text = "failed \((try? input.text()) ?? "") \(iterations) \(e.error.message)"
        case .unfinished(let input, let reason, _, _, _): text = "unfinished \((try? input.text()) ?? "") \(reason)"
        case .unfinishedCut(let reason): text = "cut \(reason)"
        case .ended: text = "loop ended"
        }
        lock.withLock { events.append(text) }
    }

    func write(_ text: String) { lock.withLock { output.append(text) } }
    func display(_ value: Value) throws { write(try value.text()) }
    func readSource(_ path: String, from file: String) throws -> (name: String, text: String) { throw ErrorValue(code: "file_not_found", message: path) }
    func open(_ path: String) throws -> Value { .null }
    func save(_ value: Value, to path: String) throws {}
    func environment(_ name: String) -> String? { nil }
    func now() -> Double { 0 }
    func sleep(_ seconds: Double) throws { Thread.sleep(forTimeInterval: seconds) }
}

@Suite struct ParallelLoopTests {
    func run(_ source: String, host: ThreadedHost = ThreadedHost(), keepGoing: Bool = false) throws -> ThreadedHost {
        let interpreter = Interpreter(host: host)
        interpreter.keepGoing = keepGoing
        try interpreter.run(SourceFile(name: "t.roster", text: source))
        return host
    }

    @Test func iterationsRunAtOnceAndEachOnesOutputStaysWhole() throws {
        let host = try run("""
            for i in range(40) --parallel 8 {
                print "begin $i"
                fake echo $i
                print "end $i"
            }
            """)
        #expect(host.peak > 1 && host.peak <= 8, "at most 8 at once, and more than one: \(host.peak)")
        #expect(host.output.count == 80)
        for pair in stride(from: 0, to: host.output.count, by: 2) {
            let i = host.output[pair].dropFirst("begin ".count)
            #expect(host.output[pair + 1] == "end \(i)", "an iteration's lines stay together")
        }
        #expect(Set(host.output.filter { $0.hasPrefix("end") }).count == 40)
    }

    @Test func callSitesCarryTheLoopIterations() throws {
        let host = try run("""
            for a in ["x", "y"] {
                for b in range(3) --parallel 3 { fake echo "$a$b" }
            }
            """)
        let sites = Dictionary(uniqueKeysWithValues: host.sites)
        #expect(sites["x0"] == [0, 0] && sites["y2"] == [1, 2] && sites["x1"] == [0, 1])
        #expect(host.events.first == "started 2" && host.events.last == "loop ended")
        #expect(host.events.filter { $0 == "ended" }.count == 2, "only the outermost loop reports progress")
    }

    @Test func firstFailureStopsTheLoopAndIsRethrown() throws {
        let host = ThreadedHost()
        #expect {
            _ = try run("for i in range(1000) --parallel 4 { if $i == 5 { fail(\"boom\") }; fake echo $i }", host: host)
        } throws: { ($0 as? RuntimeError)?.error.message == "boom" && ($0 as? RuntimeError)?.error.code == "failed" }
        #expect(host.sites.count < 100, "no new iterations start after the failure: \(host.sites.count)")
    }

    /// When several iterations fail, the one reported is the earliest in the input's order,
    /// not the first to fail in time (the same run always reports the same failure).
    @Test func theEarliestFailureIsTheOneReported() throws {
        do {
            _ = try run("for i in range(2) --parallel 2 { if $i == 0 { for k in range(25) { fake echo $k } }; fail(\"boom $i\") }")
            Issue.record("the loop did not fail")
        } catch let e as RuntimeError {
            #expect(e.error.message == "boom 0")
        }
    }

    @Test func exitInAParallelBodyEndsTheRunWithItsCode() throws {
        let host = ThreadedHost()
        do {
            _ = try run("for i in range(100) --parallel 4 { if $i == 3 { exit 7 }; fake echo $i }", host: host)
            Issue.record("no exit")
        } catch ControlSignal.exit(let code) {
            #expect(code == 7)
        }
        #expect(host.sites.count < 50, "no new iterations after the exit: \(host.sites.count)")
    }

    /// A failed iteration passed over still shows what it printed before failing.
    @Test func aFailedIterationsOutputIsNotLost() throws {
        let host = try run("for i in range(3) --parallel 2 { print \"before $i\"; if $i == 1 { fail(\"x\") }; print \"after $i\" }", keepGoing: true)
        #expect(host.output.sorted() == ["after 0", "after 2", "before 0", "before 1", "before 2"], "\(host.output)")
    }

    @Test func keepGoingReportsEachFailureWithItsInputAndGoesOn() throws {
        let host = try run("for i in range(10) --parallel 3 { if $i % 4 == 1 { fail(\"odd one $i\") }; fake echo $i }", keepGoing: true)
        let failed = host.events.filter { $0.hasPrefix("failed") }.sorted()
        #expect(failed == ["failed 1 [1] odd one 1", "failed 5 [5] odd one 5", "failed 9 [9] odd one 9"])
        #expect(host.sites.count == 7)
        let loopOption = try run("for i in range(4) --keep-going { if $i == 2 { fail(\"two\") }; fake echo $i }")
        #expect(loopOption.sites.map(\.0) == ["0", "1", "3"])
    }

    /// A loop that stops early hands every input not known to have succeeded to the host: the
    /// failed one and all those not begun, sequential or parallel, however it stops.
    @Test func aLoopStoppedEarlyReportsEveryInputNotKnownToHaveSucceeded() throws {
        for width in ["", " --parallel 3"] {
            let host = ThreadedHost()
            #expect(throws: RuntimeError.self) {
                _ = try run("for i in range(20)\(width) { if $i == 5 { fail(\"boom\") }; fake echo $i }", host: host)
            }
            let succeeded = Set(host.sites.map(\.0))
            let unfinished = host.events.filter { $0.hasPrefix("unfinished") }.map { String($0.split(separator: " ")[1]) }
            #expect(Set(unfinished).count == unfinished.count, "each input once: \(unfinished)")
            #expect(succeeded.union(unfinished) == Set((0..<20).map(String.init)) && succeeded.isDisjoint(with: unfinished),
                    "\(width): every input either succeeded or is reported: \(succeeded.sorted()) \(unfinished)")
            #expect(host.events.contains("unfinished 5 boom"), "\(host.events)")
        }
        let exited = ThreadedHost()
        #expect(throws: ControlSignal.self) { _ = try run("for x in [\"a\", \"b\", \"c\"] { fake echo $x; if $x == \"b\" { exit 3 } }", host: exited) }
        #expect(exited.events.filter { $0.hasPrefix("unfinished") } == ["unfinished b the script exited (exit 3)", "unfinished c not run: the loop stopped before it (the script exited (exit 3))"])
        let keys = ThreadedHost()
        #expect(throws: ControlSignal.self) { _ = try run("for k in {a: 1, b: 2, c: 3} { if $k == \"b\" { exit 3 } }", host: keys) }
        #expect(keys.events.filter { $0.hasPrefix("unfinished") }.map { $0.split(separator: " ")[1] } == ["b", "c"], "a record's keys too: \(keys.events)")
    }

    /// Inputs that come through a lazy stage are not listed by running it after the loop stopped
    /// (it would run script code, and once ran it under the host's lock: a print there hung):
    /// the host is told the list is cut.
    @Test func inputsBehindAPipelineStageAreReportedAsCutNotRun() throws {
        for width in ["", " --parallel 2"] {
            let host = ThreadedHost()
            #expect(throws: RuntimeError.self) {
                // The other iterations take a little time, so that a worker running on while the
                // failing one is descheduled (a loaded machine) cannot read the whole range.
                _ = try run("for r in (range(1000) | each { print \"read $it\"; $it })\(width) { if $r == 3 { fail(\"boom\") }; sleep(0.005) }", host: host)
            }
            #expect(host.events.contains("unfinished 3 boom"), "\(host.events)")
            #expect(host.events.contains { $0.hasPrefix("cut they come through a pipeline stage") }, "\(host.events)")
            #expect(!host.output.contains("read 999"), "the stage is not run on to list the rest: \(host.output.count) read")
        }
    }

    @Test func breakStopsTakingItems() throws {
        let host = try run("for i in range(1000) --parallel 2 { if $i == 3 { break }; fake echo $i }")
        #expect(host.sites.count < 10)
    }

    @Test func theBodyMayNotAssignOutsideItselfNorReturn() throws {
        for source in ["let n = 0\nfor i in range(3) --parallel 2 { $n = $n + 1 }",
                       "def f() { for i in range(3) --parallel 2 { return 1 } }"] {
            #expect(throws: SyntaxErrors.self) { _ = try run(source) }
        }
        // Its own variables are its own: each iteration has a frame.
        let host = try run("for i in range(20) --parallel 4 { let x = $i * 2; let y = 0; $y = $x + 1; fake echo $y }")
        let seen: Set<String> = Set(host.sites.map(\.0))
        let expected: Set<String> = Set((0..<20).map { (i: Int) -> String in String(i * 2 + 1) })
        #expect(seen == expected)
    }
}
