import Foundation
import Testing

/// Streams hold one page (or one row) at a time: peak memory must not grow with the count.
extension EndToEndTests {
    @Suite struct MemoryTests {
        /// The last line a roster run printed, and its peak resident set in MB (the kernel's
        /// count for the waited child).
        static func peakMB(_ arguments: [String], directory: URL) throws -> (printed: String, mb: Double) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", "-c", """
                import resource, subprocess, sys
                r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                if r.returncode != 0: sys.exit(r.stderr.decode()[-2000:])
                print(r.stdout.decode().strip().splitlines()[-1], resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
                """, RosterProcess.binary.path] + arguments
            p.currentDirectoryURL = directory
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            try #require(p.terminationStatus == 0, "roster failed: \(text)")
            let fields = text.split(separator: " ")
            let mb = try #require(Double(fields.last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")) / 1024
            return (fields.dropLast().joined(separator: " "), mb)
        }

        @Test func iteratingAHundredThousandMembersStaysUnder64MBAndFlat() throws {
            let dir = try RosterProcess.temporaryDirectory()
            let loop = "let n = 0\nfor m in (ld members list) { $n = $n + 1 }\nprint $n"
            let small = try SandboxProcess(database: dir.appendingPathComponent("small.sqlite").path, arguments: ["--seed", "10000"])
            let (smallCount, few) = try Self.peakMB(["--sandbox-url", small.url, "-c", loop], directory: dir)
            small.stop()
            let big = try SandboxProcess(database: dir.appendingPathComponent("big.sqlite").path, arguments: ["--seed", "100000"])
            defer { big.stop() }
            let (bigCount, many) = try Self.peakMB(["--sandbox-url", big.url, "-c", loop], directory: dir)
            #expect(smallCount == "10006" && bigCount == "100006", "every member was read: \(smallCount), \(bigCount)")
            #expect(many < 64, "peak RSS over 100,000 members: \(many) MB")
            #expect(many - few < 12, "memory grows with the count: \(few) MB at 10,000, \(many) MB at 100,000")
        }

        @Test func readingACSVRowByRowStaysFlat() throws {
            let dir = try RosterProcess.temporaryDirectory()
            func write(_ rows: Int, _ name: String) throws {
                var text = "name,email,group\n"
                text.reserveCapacity(rows * 48)
                for i in 0..<rows { text += "Person \(i),person\(i)@example.com,\"Group, \(i % 10)\"\n" }
                try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
            try write(20_000, "small.csv")
            try write(300_000, "big.csv")
            func loop(_ file: String) -> String { "let n = 0\nfor r in (open \"\(file)\") { $n = $n + len($r.email) }\nprint $n" }
            let (smallSum, few) = try Self.peakMB(["-c", loop("small.csv")], directory: dir)
            let (bigSum, many) = try Self.peakMB(["-c", loop("big.csv")], directory: dir)
            func emails(_ rows: Int) -> Int { (0..<rows).reduce(0) { $0 + "person\($1)@example.com".count } }
            #expect(smallSum == String(emails(20_000)) && bigSum == String(emails(300_000)), "every row was read: \(smallSum), \(bigSum)")
            #expect(many < 64, "peak RSS over 300,000 rows: \(many) MB")
            #expect(many - few < 12, "memory grows with the rows: \(few) MB at 20,000, \(many) MB at 300,000")
        }
    }
}
