import Foundation
import Testing
@testable import RosterScript

/// Golden scripts: each file under Golden/ states what it must print.
///   # expect: LINE           the next line of output (print or displayed values)
///   # expect-error: L:C: M   a diagnostic `NAME:L:C: error: M` (in order)
///   # expect-exit: N         the outcome: 0 ran, 65 did not parse, 70 failed, other: exit N
/// Lines of `# source NAME` ... `# end` define files for `source`.
struct GoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static var scripts: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".roster") }.sorted()
    }

    struct Expectations {
        var output: [String] = []
        var errors: [String] = []
        var exit: Int32?
    }

    static func expectations(_ text: String, sources: inout [String: String]) -> Expectations {
        var e = Expectations()
        var currentSource: String?
        var sourceLines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if let name = currentSource {
                if t == "# end" { sources[name] = sourceLines.joined(separator: "\n"); currentSource = nil; sourceLines = [] }
                else { sourceLines.append(String(t.dropFirst(2))) }
                continue
            }
            guard let hash = line.range(of: "# expect") ?? line.range(of: "# source ") else { continue }
            let directive = line[hash.lowerBound...]
            if directive.hasPrefix("# expect: ") { e.output.append(String(directive.dropFirst("# expect: ".count))) }
            else if directive == "# expect:" { e.output.append("") }
            else if directive.hasPrefix("# expect-error: ") { e.errors.append(String(directive.dropFirst("# expect-error: ".count))) }
            else if directive.hasPrefix("# expect-exit: ") { e.exit = Int32(directive.dropFirst("# expect-exit: ".count)) }
            else if directive.hasPrefix("# source ") { currentSource = String(directive.dropFirst("# source ".count)) }
        }
        return e
    }

    @Test(arguments: scripts)
    func golden(_ name: String) throws {
        let text = try String(contentsOf: GoldenTests.directory.appendingPathComponent(name), encoding: .utf8)
        let host = FakeHost()
        let expected = GoldenTests.expectations(text, sources: &host.sources)
        let interpreter = Interpreter(host: host)
        interpreter.define("args", .list([.string("first"), .string("second")]))
        var diagnostics: [Diagnostic] = []
        var exit: Int32 = 0
        let outcome = onLargeStack { () -> Error? in
            do { try interpreter.run(SourceFile(name: name, text: text)); return nil } catch { return error }
        }
        do {
            if let outcome { throw outcome }
        } catch let e as SyntaxErrors {
            diagnostics = e.diagnostics
            exit = e.afterRunning ? 70 : 65
        } catch let e as RuntimeError {
            diagnostics = [e.diagnostic]
            exit = 70
        } catch ControlSignal.exit(let code) {
            exit = code
        }
        #expect(host.output == expected.output, "output of \(name)")
        let got = diagnostics.map { d -> String in
            let (l, c) = d.range.location
            return "\(l):\(c): \(d.message)"
        }
        #expect(got == expected.errors, "diagnostics of \(name):\n\(diagnostics.map { $0.rendered() }.joined())")
        #expect(exit == (expected.exit ?? (expected.errors.isEmpty ? 0 : 70)), "exit of \(name)")
    }

    @Test func thereAreEnoughGoldenScripts() {
        #expect(GoldenTests.scripts.count >= 60)
    }
}

/// Runs `body` on a thread with a 512 MiB stack (test threads are small; scripts recurse deeply).
final class StackBox<T>: @unchecked Sendable {
    var value: T?
    let body: () -> T
    init(_ b: @escaping () -> T) { body = b }
}

func onLargeStack<T>(_ body: @escaping () -> T) -> T {
    let box = StackBox(body)
    let done = DispatchSemaphore(value: 0)
    let thread = Thread { box.value = box.body(); done.signal() }
    thread.stackSize = 512 << 20
    thread.start()
    done.wait()
    return box.value!
}
