import CSV
import Foundation
import Testing
import TestSupport
@testable import RosterSession

/// `CSVRows` splits plain lines itself and hands quoted records to CSV.swift. Over random
/// well-formed files (quoted commas, quotes, line breaks, CR LF endings, blank lines, a BOM)
/// its rows must be CSV.swift's over the whole file, each with the line it begins on.
struct CSVRowsTests {
    static let pieces = ["a", "b", "7", " ", "é", "🙂", ",", "\"", "\n", "\r\n", "\r", "x y", ""]

    /// A field as a writer would put it: quoted when it must be, sometimes when it need not.
    static func encode(_ field: String, _ rng: inout SplitMix64) -> String {
        let needs = field.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard needs || Int.random(in: 0..<5, using: &rng) == 0 else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func oracle(_ url: URL) throws -> [[String]] {
        let reader = try CSVReader(stream: InputStream(url: url)!, hasHeaderRow: false)
        var rows: [[String]] = []
        while let row = reader.next() { rows.append(row) }
        return rows
    }

    @Test func wellFormedFilesReadAsCSVSwiftReadsThem() throws {
        var rng = SplitMix64(state: 16)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csvrows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var quotedRecords = 0
        for round in 0..<400 {
            var text = Bool.random(using: &rng) && round % 7 == 0 ? "\u{FEFF}" : ""
            var starts: [Int] = []
            var expected: [[String]] = []
            let ending = Bool.random(using: &rng) ? "\n" : "\r\n"
            let count = Int.random(in: 1...12, using: &rng)
            for r in 0..<count {
                if r > 0 { text += ending }
                starts.append(1 + text.utf8.count { $0 == 0x0A })
                // A blank line (not the last: after the last line break there is no row at all).
                if r < count - 1, Int.random(in: 0..<10, using: &rng) == 0 {
                    expected.append([""])   // a blank line
                    continue
                }
                let fields = (0..<Int.random(in: 1...5, using: &rng)).map { _ in
                    (0..<Int.random(in: 0...3, using: &rng)).map { _ in Self.pieces.randomElement(using: &rng)! }.joined()
                }
                // A row of one empty field is a blank line to both readers: give it a second.
                let row = fields == [""] ? ["", ""] : fields
                let line = row.map { Self.encode($0, &rng) }.joined(separator: ",")
                if line.contains("\"") { quotedRecords += 1 }
                text += line
                expected.append(row)
            }
            if Bool.random(using: &rng) { text += ending }
            let url = dir.appendingPathComponent("\(round).csv")
            try Data(text.utf8).write(to: url)

            var got: [[String]] = []
            var lines: [Int] = []
            let rows = try #require(CSVRows(path: url.path))
            while let row = try rows.next() {
                got.append(row.fields)
                lines.append(row.line)
            }
            let reference = try Self.oracle(url)
            #expect(got == reference, "file \(round): \(text.debugDescription)")
            #expect(got == expected, "file \(round): \(text.debugDescription)")
            #expect(lines == starts, "file \(round): \(text.debugDescription)")
        }
        #expect(quotedRecords > 300, "quoted records: \(quotedRecords)")
    }

    /// CR alone ends a row (old Mac files): CSV.swift's reading, with the rows of one physical
    /// line numbered by it.
    @Test func aLoneCREndsARow() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("csvrows-cr-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("id,name\r1,\"a\rb\"\r2,c\r".utf8).write(to: url)
        let rows = try #require(CSVRows(path: url.path))
        var got: [[String]] = []
        while let row = try rows.next() { got.append(row.fields) }
        #expect(got == (try Self.oracle(url)))
        #expect(got == [["id", "name"], ["1", "a\rb"], ["2", "c"]])

        // Without a quote anywhere, CRs still end rows (a plain line is not split at commas alone).
        try Data("id,name\r1,b\r2,c".utf8).write(to: url)
        let plain = try #require(CSVRows(path: url.path))
        got = []
        while let row = try plain.next() { got.append(row.fields) }
        #expect(got == (try Self.oracle(url)))
        #expect(got == [["id", "name"], ["1", "b"], ["2", "c"]])

        // A lone CR or a quote at every place of a line (the scan reads eight bytes a step,
        // then the rest one by one).
        for mark in ["\r", "\""] {
            for place in 0..<20 {
                var line = Array("ab,cd,ef,gh,ij,kl,mn".utf8)
                line.insert(contentsOf: Array(mark.utf8), at: place)
                if mark == "\"" { line += Array("\"".utf8) }
                try Data(Array("h1,h2,h3,h4,h5,h6,h7\n".utf8) + line + [0x0A]).write(to: url)
                let marked = try #require(CSVRows(path: url.path))
                got = []
                while let row = try marked.next() { got.append(row.fields) }
                #expect(got == (try Self.oracle(url)), "\(mark.debugDescription) at \(place)")
            }
        }
    }

    /// A quote that never closes is an error naming the line it opened on: once the record
    /// passes the size limit, or at the end of the file (CSV.swift would close it there, and
    /// every later row would be one field, unreported).
    @Test func aQuoteThatNeverClosesIsAnErrorNotTheRestOfTheFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("csvrows-open-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        let filler = String(repeating: "0123456789abcdef,", count: 64) + "\n"
        var text = "id,name\n1,\"never closed\n"
        while text.utf8.count < CSVRows.maxRecordBytes + 100_000 { text += filler }
        try Data(text.utf8).write(to: url)
        let rows = try #require(CSVRows(path: url.path))
        #expect(try rows.next()?.fields == ["id", "name"])
        #expect {
            _ = try rows.next()
        } throws: { error in
            guard let failure = error as? CSVRows.Failure else { return false }
            return failure.line == 2 && failure.message.contains("does not end")
        }

        try Data("id,name\n1,\"open to the end\n2,b\n3,c".utf8).write(to: url)
        let short = try #require(CSVRows(path: url.path))
        #expect(try short.next()?.fields == ["id", "name"])
        #expect {
            _ = try short.next()
        } throws: { error in
            guard let failure = error as? CSVRows.Failure else { return false }
            return failure.line == 2 && failure.message.contains("not closed before the end of the file")
        }
    }
}

/// A loop's summary names its failed rows in input order, whatever order they ended in.
struct FailedRowOrderTests {
    @Test func rowsAreListedByFileThenLine() {
        let ended = ["a.csv:12", "a.csv:3", "b.csv:2", "a.csv:100", "a.csv:9", "b.csv:1", "loop.roster:4:1", "a.csv:x"]
        #expect(BatchReport.inInputOrder(ended) == ["a.csv:3", "a.csv:9", "a.csv:12", "a.csv:100", "a.csv:x", "b.csv:1", "b.csv:2", "loop.roster:4:1"])
        #expect(BatchReport.inInputOrder([]) == [])
        #expect(BatchReport.inInputOrder(["only"]) == ["only"])
    }
}
