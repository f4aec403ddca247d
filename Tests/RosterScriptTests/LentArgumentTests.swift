import Testing
import TestSupport
@testable import RosterScript

/// A builtin's argument that is a variable holding a text or a scalar is lent to the call where
/// the variable holds it (Lender), not copied. Each call here is made twice: with the variables
/// themselves, which lends them, and with the same values read through an index (`[$s][0]`),
/// which copies them; the same value or the same error, for a function's variables and
/// top-level ones, with arguments that fail after one was lent (its bits must not be
/// released) and values that are never lent (lists, records). Then every variable still reads
/// as it did: a lent value released by mistake would be freed while its variable holds it.
struct LentArgumentTests {
    static let calls = [
        "len(A)", "upper(A)", "lower(A)", "trim(A)", "split(A, B)", "split(A, \",\")", "join(A, B)", "replace(A, B, C)",
        "replace(A, \"b\", B)", "replace(A, B, $n // $z)", "replace(A, $n // $z, B)", "contains(A, B)", "starts_with(A, B)",
        "ends_with(A, \"c\")", "split(A, B.x)", "replace(A, B, C.y)", "range(A, B, C)", "int(A)", "str(A)",
    ]
    // Texts of more than 15 bytes live in a buffer of their own (shorter ones inside the value),
    // so only they show a release too many.
    static let values = ["\"a,b,c\"", "\"a text, longer than fifteen bytes, b\"", "\"ĉé, a longer text: ĉé, ĉé\"", "\"\"", "\" ĉé, b \"", "\"bb\"", "\",\"", "3", "-1", "0", "2.5", "null", "true", "[\"a\", \"b\"]", "{x: \",\"}"]

    @Test func lentArgumentsGiveWhatCopiedOnesGive() throws {
        var rng = SplitMix64(state: 0x1E47)
        func pick() -> String { Self.values[Int(rng.next() % UInt64(Self.values.count))] }
        var cases: [(String, String, String, String)] = []
        for call in Self.calls {
            for _ in 0..<12 { cases.append((call, pick(), pick(), pick())) }
        }
        let catching = "catch e { $out += [\"error \" + $e.code + \": \" + $e.message] }"
        func both(_ call: String) -> String {
            let lent = call.replacingOccurrences(of: "A", with: "$a").replacingOccurrences(of: "B", with: "$b").replacingOccurrences(of: "C", with: "$c")
            let copied = call.replacingOccurrences(of: "A", with: "[$a][0]").replacingOccurrences(of: "B", with: "[$b][0]").replacingOccurrences(of: "C", with: "[$c][0]")
            return """
                try { $out += [to_json(\(lent))] } \(catching)
                try { $out += [to_json(\(copied))] } \(catching)
                """
        }
        var program = "let n = 1\nlet z = 0\n"
        for (k, (call, a, b, c)) in cases.enumerated() {
            program += """
                def f\(k)(a, b, c) {
                    let out = []
                    \(both(call))
                    return $out
                }
                let a = \(a)
                let b = \(b)
                let c = \(c)
                let out = []
                \(both(call))
                for i in range(3) { $out += f\(k)($a, $b, $c) }
                print join($out, " | ")
                print (to_json([$a, $b, $c]) == to_json([\(a), \(b), \(c)]))

                """
        }
        let host = FakeHost()
        try Interpreter(host: host).run(SourceFile(name: "lent.roster", text: program))
        #expect(host.output.count == cases.count * 2)
        var errors = 0, values = 0
        for (k, line) in host.output.enumerated() {
            let (call, a, b, c) = cases[min(k / 2, cases.count - 1)]
            let what = "\(call) with A=\(a) B=\(b) C=\(c)"
            if k % 2 == 1 { #expect(line == "true", "the variables changed: \(what)"); continue }
            let parts = line.components(separatedBy: " | ")
            #expect(parts.count == 8, "\(what): \(line)")
            for pair in stride(from: 0, to: parts.count - 1, by: 2) {
                #expect(parts[pair] == parts[pair + 1] && parts[pair] == parts[0], "\(what): \(line)")
            }
            if parts[0].contains("error ") { errors += 1 } else { values += 1 }
        }
        #expect(errors > 30 && values > 30, "\(errors) errors, \(values) values")
    }

    /// An argument with effects (a call) is evaluated after the variable before it is read:
    /// nothing is lent then, for that call could assign the variable and free what was lent
    /// (the copies below are made so that the freed text's memory is soon written over).
    @Test func nothingIsLentBesideAnArgumentWithEffects() throws {
        let host = FakeHost()
        try Interpreter(host: host).run(SourceFile(name: "effects.roster", text: """
            let a = "the first text, longer than fifteen bytes"
            let keep = null
            def change() {
                let copy = upper($a)
                $a = "another text, also longer than fifteen bytes"
                # A text of the same size, made just after the old one is freed: it takes
                # its place, so a read of what was lent would find this text.
                $keep = replace($copy, "T", "X")
                return ","
            }
            for i in range(200) {
                $a = "the first text, longer than fifteen bytes, number $i"
                let parts = split($a, change())
                if $parts[0] != "the first text" or $parts[2] != " number $i" { print "wrong: $parts" }
            }
            def local() {
                let b = "a text of this function, longer than fifteen bytes"
                def change() {
                    $b = "another text, also longer than fifteen bytes"
                    return "a text of this function, longer than fifteen bytes"
                }
                return replace($b, change(), "same")
            }
            print $a local()

            """))
        #expect(host.output == ["another text, also longer than fifteen bytes same"])
    }

    /// A stream beside a lent text: reading the stream runs its stages, and a stage here calls
    /// a function that assigns the text's variable (then makes a text of the same size, which
    /// would take the freed one's memory). The call sees the value the text had when the
    /// arguments were evaluated. (The separator is made as the script runs: a literal's text
    /// lives in the program and is never freed.) Today's builtins copy a text argument before
    /// they read a stream, so this holds even without `Lender.settle`, which copies the lent
    /// texts whenever another argument is not inert, for a builtin that would read late.
    @Test func aTextBesideAStreamIsCopiedAfterAll() throws {
        let host = FakeHost()
        try Interpreter(host: host).run(SourceFile(name: "stream.roster", text: """
            let n = "fifteen"
            let sep = "a separator, longer than $n bytes"
            let keep = []
            def mark(item) {
                let copy = upper($sep)
                $sep = "changed, and also longer than fifteen bytes"
                $keep += [replace($copy, "A", "X")]
                return true
            }
            let s = fake items list | where mark($it) | select .id
            let joined = join($s, $sep)
            print len(split($joined, "a separator, longer than fifteen bytes")) $sep

            """))
        #expect(host.output == ["6 changed, and also longer than fifteen bytes"])
    }
}
