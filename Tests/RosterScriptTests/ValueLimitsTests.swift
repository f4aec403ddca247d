import Foundation
import Testing
@testable import RosterScript

/// A value too large to make is an error the script sees (`value_too_large`), not a failed
/// allocation that ends the process. Each case is refused before its result is allocated, so
/// the largest thing these tests hold is one 150 MB text.
struct ValueLimitsTests {
    func caught(_ program: String) throws -> [String] {
        let host = FakeHost()
        try Interpreter(host: host).run(SourceFile(name: "t", text: program))
        return host.output
    }

    @Test func listsPastTheLimitAreRefusedBeforeTheyAreMade() throws {
        let out = try caught("""
            try { let xs = list(range(0, 9223372036854775807)) } catch e { print $e.code }
            try { let xs = list(range(0, \(ValueLimits.listItems + 1))) } catch e { print $e.code }
            try { let xs = split("," * \(ValueLimits.listItems), ",") } catch e { print $e.code }
            print len(list(range(0, 3)))
            """)
        #expect(out == ["value_too_large", "value_too_large", "value_too_large", "3"])
    }

    /// `split` by blanks or into characters, and a case change (which can triple a text's
    /// bytes), were not counted: 100 MB of "x " made 100 million pieces.
    @Test func splitAndCaseChangesAreCounted() throws {
        let out = try caught("""
            let s = "x " * 34000000
            try { let xs = split($s) } catch e { print $e.code }
            try { let xs = split("x" * 40000000, "") } catch e { print $e.code }
            try { let u = upper("ΐ" * 50000000) } catch e { print $e.code }
            print len(split("a b  c"))
            print upper("ΐ")
            """)
        #expect(out == ["value_too_large", "value_too_large", "value_too_large", "3", "Ϊ́"])
    }

    /// A value nested past any stack (`$head = {next: $head}` in a loop) is compared without
    /// recursion, and writing it as text fails cleanly (it crashed at half a million levels).
    @Test func deeplyNestedValuesAreComparedAndRefusedWithoutCrashing() throws {
        // On a stack as large as the interpreter's own thread has (freeing such a value still
        // recurses; the test's thread is too small for that).
        final class Box: @unchecked Sendable { var result: Result<[String], Error>? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let program = self.program
        let thread = Thread {
            box.result = Result { try ValueLimitsTests().caught(program) }
            done.signal()
        }
        thread.stackSize = 512 << 20
        thread.start()
        done.wait()
        let out = try box.result!.get()
        #expect(out.count == 4 && out[0] == "true true false" && out[1] == "value_too_deep" && out[2] == "value_too_deep", "\(out)")
    }

    let program = """
            let a = null
            let b = null
            for i in range(600000) {
                $a = {v: $i, next: $a}
                $b = [$b, $i]
            }
            print ($a == $a) ($b == $b) ($a == $b)
            try { print (len(to_json($a))) } catch e { print $e.code }
            try { print "$b" } catch e { print $e.code }
            let shallow = $a
            for i in range(599990) { $shallow = $shallow.next }
            print (len(to_json($shallow)))
            """

    @Test func textsPastTheLimitAreRefusedBeforeTheyAreMade() throws {
        let out = try caught("""
            try { let t = "x" * \(ValueLimits.textBytes + 1) } catch e { print $e.code }
            try { let t = "ab" * 9223372036854775807 } catch e { print $e.code }
            let s = "x" * 150000000
            try { let t = $s + $s } catch e { print $e.code }
            try { let t = "$s$s" } catch e { print $e.code }
            try { let t = "$s and ${$s}" } catch e { print $e.code }
            let u = $s
            try { $u += $s } catch e { print $e.code }
            try { let t = join([$s, $s]) } catch e { print $e.code }
            try { let t = replace("a" * 1000000, "a", "x" * 300) } catch e { print $e.message }
            try { let t = replace("é" * 1000000, "é", "x" * 300) } catch e { print $e.code }
            print len($u)
            print len($s + "y")
            """)
        #expect(out == ["value_too_large", "value_too_large", "value_too_large", "value_too_large", "value_too_large", "value_too_large", "value_too_large",
                        "a text of 300000000 bytes would be over the limit for one value (256 MiB)", "value_too_large", "150000000", "150000001"])
    }

    /// A value's text (JSON) is bounded as it is written: a long range has no end in memory.
    @Test func aValuesTextStopsAtTheLimit() throws {
        let out = try caught("""
            try { let t = str({a: range(0, 9223372036854775807)}) } catch e { print $e.code }
            """)
        #expect(out == ["value_too_large"])
    }

    /// Uncaught, it stops the script at the expression, as any error does.
    @Test func uncaughtItNamesWhereAndWhy() throws {
        #expect(throws: RuntimeError.self) { try caught("let xs = list(range(0, 9223372036854775807))") }
        do {
            _ = try caught("print 1\nlet xs = list(range(0, 9223372036854775807))")
        } catch let e as RuntimeError {
            #expect(e.error.code == "value_too_large" && e.error.message.contains("a list of 9223372036854775807 items"), "\(e.error.message)")
            #expect(e.range.location.line == 2, "\(e.range)")
        }
    }
}
