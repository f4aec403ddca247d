import Foundation
import Testing
import TestSupport
@testable import RosterScript

/// Property test over random and mutated scripts: the parser (and the compiler after it) must
/// never crash or hang, every diagnostic must point inside the input, and a clean parse must
/// print. `ROSTER_FUZZ_ITERATIONS` sets the count (scripts/fuzz/run.sh runs 1,000,000).
struct ParserFuzzTests {
    static let fragments = [
        "let ", "x", "$x", "$it", " = ", "==", "!=", "<", ">=", "+", "-", "*", "/", "//", "%", "..", "..<",
        "(", ")", "[", "]", "{", "}", ",", ":", ";", "|", "\n", " ", "\"", "'", "${", "$", ".", ".name",
        "if ", "else ", "for ", " in ", "while ", "break", "continue", "def ", "return ", "try ", "catch ",
        "exit ", "source ", "true", "false", "null", "not ", " and ", " or ", "where ", "select ", "sort ",
        "first ", "count", "each ", "save ", "--desc", "--parallel ", "name=", "42", "3.5", "1e9", "-7",
        "\\", "\\n", "\\u{41}", "#", "é", "😀", "\t", "print ", "len(", "fake items list", "=", "@", "!",
    ]

    static let seeds: [String] = {
        let dir = GoldenTests.directory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.sorted().compactMap { try? String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8) }
    }()

    static func input(_ rng: inout SplitMix64) -> String {
        if Bool.random(using: &rng) || seeds.isEmpty {
            let n = Int.random(in: 0...40, using: &rng)
            return (0..<n).map { _ in fragments.randomElement(using: &rng)! }.joined()
        }
        var bytes = Array(seeds.randomElement(using: &rng)!.utf8)
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0 where !bytes.isEmpty: bytes[at] = UInt8.random(in: 0...255, using: &rng)
            case 1: bytes.insert(contentsOf: Array(fragments.randomElement(using: &rng)!.utf8), at: at)
            case 2 where !bytes.isEmpty: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...20, using: &rng)))
            case 3: bytes = Array(bytes.prefix(at))
            default:
                let end = min(bytes.count, at + Int.random(in: 1...30, using: &rng))
                bytes.insert(contentsOf: bytes[at..<end], at: at)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func randomAndMutatedScriptsNeverCrashOrHang() {
        let iterations = ProcessInfo.processInfo.environment["ROSTER_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 20_000
        var rng = SplitMix64(state: ProcessInfo.processInfo.environment["ROSTER_FUZZ_SEED"].flatMap(UInt64.init) ?? 0x5EED)
        let interpreter = Interpreter(host: FakeHost())
        var clean = 0
        for i in 0..<iterations {
            let text = ParserFuzzTests.input(&rng)
            let file = SourceFile(name: "fuzz", text: text)
            let started = DispatchTime.now().uptimeNanoseconds
            let (statements, diagnostics) = Parser.parse(file)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            if elapsed > 1 { Issue.record("input \(i) took \(elapsed)s to parse: \(text.debugDescription)") }
            for d in diagnostics where d.range.start < 0 || d.range.end > file.bytes.count || d.message.isEmpty {
                Issue.record("diagnostic out of bounds or empty for input \(i): \(text.debugDescription)")
            }
            if diagnostics.isEmpty {
                clean += 1
                _ = ASTPrinter.print(statements)
                _ = interpreter.check(file)
            } else {
                for d in diagnostics { _ = d.rendered() }
            }
        }
        #expect(clean > 0, "some generated inputs must parse")
    }
}
