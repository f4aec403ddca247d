import CSV
import Foundation
import RosterScript

/// `open` and `save`: CSV (with a header row), JSON and NDJSON files as values.
/// CSV fields are read as strings (ids like "007" must survive); convert with int() or float().
enum DataFiles {
    enum Format: String { case csv, json, ndjson }

    static func format(of path: String) throws(ErrorValue) -> Format {
        switch (path as NSString).pathExtension.lowercased() {
        case "csv": return .csv
        case "json": return .json
        case "ndjson", "jsonl": return .ndjson
        case let other:
            throw ErrorValue(code: "unsupported_format", message: "cannot tell the format of '\(path)'\(other.isEmpty ? "" : " (.\(other))"); use a .csv, .json, .ndjson or .jsonl file")
        }
    }

    static func expand(_ path: String) -> String { (path as NSString).expandingTildeInPath }

    static func open(_ path: String) throws -> Value {
        let format = try format(of: path)
        let full = expand(path)
        guard FileManager.default.isReadableFile(atPath: full) else {
            throw ErrorValue(code: "file_not_found", message: "cannot read '\(path)': no such file, or not readable")
        }
        switch format {
        case .csv: return try readCSV(path, full)
        case .json:
            let data = try readData(path, full)
            do throws(JSONReader.Failure) { return try JSONReader.parse(bytes: [UInt8](data)) } catch {
                throw ErrorValue(code: "invalid_json", message: "\(path): invalid JSON at byte \(error.offset): \(error.message)")
            }
        case .ndjson:
            let data = try readData(path, full)
            var items: [Value] = []
            var line = 0
            for piece in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                line += 1
                var bytes = [UInt8](piece)
                if bytes.last == 13 { bytes.removeLast() }
                if bytes.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
                do throws(JSONReader.Failure) { items.append(try JSONReader.parse(bytes: bytes)) } catch {
                    throw ErrorValue(code: "invalid_json", message: "\(path):\(line): invalid JSON at column \(error.offset + 1): \(error.message)")
                }
            }
            return .list(items)
        }
    }

    private static func readData(_ path: String, _ full: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: full) else {
            throw ErrorValue(code: "file_not_found", message: "cannot read '\(path)'")
        }
        return data
    }

    private static func readCSV(_ path: String, _ full: String) throws -> Value {
        guard let stream = InputStream(fileAtPath: full) else {
            throw ErrorValue(code: "file_not_found", message: "cannot read '\(path)'")
        }
        let reader: CSVReader
        do {
            reader = try CSVReader(stream: stream, hasHeaderRow: true)
        } catch {
            throw ErrorValue(code: "invalid_csv", message: "\(path): cannot read the header row (\(error))")
        }
        guard let header = reader.headerRow, !(header.count == 1 && header[0].isEmpty) else {
            throw ErrorValue(code: "invalid_csv", message: "\(path): the file is empty; a CSV needs a header row")
        }
        var seen = Set<String>()
        for name in header where !seen.insert(name).inserted {
            throw ErrorValue(code: "invalid_csv", message: "\(path):1: the header names '\(name)' twice")
        }
        var rows: [Value] = []
        var line = 1
        while let fields = reader.next() {
            line += 1
            if fields.count == 1 && fields[0].isEmpty { continue }   // a blank line
            guard fields.count == header.count else {
                throw ErrorValue(code: "invalid_csv", message: "\(path):\(line): expected \(header.count) fields (\(header.joined(separator: ","))), found \(fields.count)")
            }
            var record = Record(minimumCapacity: header.count)
            for (k, v) in zip(header, fields) { record[k] = .string(v) }
            rows.append(.record(record))
        }
        // On Linux, Foundation's file InputStream claims bytes are available at its end, so
        // CSV.swift's last read fails with cannotReadFile after the final row: that is the end.
        if let error = reader.error, !isEndOfStream(error) {
            let reason = if case CSVError.unicodeDecoding = error { "invalid UTF-8" } else { "\(error)" }
            throw ErrorValue(code: "invalid_csv", message: "\(path):\(line + 1): \(reason)")
        }
        return .list(rows)
    }

    private static func isEndOfStream(_ error: Error) -> Bool {
        if case CSVError.cannotReadFile = error { return true }
        return false
    }

    static func save(_ value: Value, to path: String) throws {
        let format = try format(of: path)
        var text = ""
        switch format {
        case .json:
            text = try value.prettyJSON() + "\n"
        case .ndjson:
            try value.forEachElement { text += try $0.json() + "\n" }
        case .csv:
            var rows: [Record] = []
            var columns: [String] = []
            var known = Set<String>()
            try value.forEachElement { item in
                guard case .record(let r) = item else {
                    throw ErrorValue(code: "invalid_argument", message: "a CSV file holds records; got a list item of type \(item.typeName)")
                }
                for k in r.keys where known.insert(k).inserted { columns.append(k) }
                rows.append(r)
            }
            text = columns.map(CSVText.field).joined(separator: ",") + "\n"
            for r in rows {
                text += try columns.map { CSVText.field(try ValueFormatter.cellText(r[$0] ?? .null)) }.joined(separator: ",") + "\n"
            }
        }
        let full = expand(path)
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: full), options: .atomic)
        } catch {
            throw ErrorValue(code: "write_failed", message: "cannot write '\(path)': \(error.localizedDescription)")
        }
    }
}
