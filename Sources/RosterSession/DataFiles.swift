import CSV
import Foundation
import RosterCatalog
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

    static func expand(_ path: String) -> String { LocalFile.expand(path) }

    /// UTF-8's byte order mark, which some tools put at the start of a file: not part of the data.
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// CSV and NDJSON files are streams of rows, read as they are used (so a file of a million
    /// rows takes the memory of one) and read again from the start by each consumer; JSON is
    /// one value. A row that cannot be read (wrong number of fields, bad JSON) is an error
    /// with its line number that carries the row's text (`unreadableRow`): a loop records it
    /// as a failed input, and the reading can go on after it. A failure the reading cannot go
    /// on after is thrown again by every later read, so no line after it passes for a row.
    static func open(_ path: String) throws -> Value {
        let format = try format(of: path)
        let full = expand(path)
        guard FileManager.default.isReadableFile(atPath: full) else {
            throw ErrorValue(code: "file_not_found", message: "cannot read '\(path)': no such file, or not readable")
        }
        switch format {
        case .csv:
            // The header's problems show at once. The reading made for that is let go (each use
            // reads again, the file checked again): kept for the first use, every stream not yet
            // read would hold a file open, and a script holding a thousand would fail to open more.
            _ = try csvRows(path, full)
            return .stream(ValueStream(label: "open \(path)") { try csvRows(path, full) })
        case .json:
            var data = try readData(path, full)
            while data.starts(with: DataFiles.byteOrderMark) { data.removeFirst(3) }
            // JSON is UTF-8: a bad byte would become U+FFFD in a value sent on to a service.
            guard String(validating: data, as: UTF8.self) != nil else {
                throw ErrorValue(code: "invalid_json", message: "\(path): not UTF-8 text (a byte that is no character); save it as UTF-8")
            }
            do throws(JSONReader.Failure) { return try JSONReader.parse(bytes: [UInt8](data)) } catch {
                throw ErrorValue(code: "invalid_json", message: "\(path): invalid JSON at byte \(error.offset): \(error.message)")
            }
        case .ndjson:
            try checkUTF8(path, full, code: "invalid_json")
            return .stream(ValueStream(label: "open \(path)") { try jsonLines(path, full) })
        }
    }

    private static func readData(_ path: String, _ full: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: full) else {
            throw ErrorValue(code: "file_not_found", message: "cannot read '\(path)'")
        }
        return data
    }

    /// One JSON value per line (blank lines skipped). A --failures file reads as the inputs
    /// that failed, so a re-run can take it in place of the original rows; a row recorded
    /// there as unreadable (and not mended into a value since) is unreadable again, with the
    /// error it first had, so that it stays in the next failures file.
    private static func jsonLines(_ path: String, _ full: String) throws -> StreamCursor {
        guard let file = fopen(full, "r") else {
            throw ErrorValue(code: "file_not_found", message: "cannot read '\(path)'")
        }
        let handle = FileCloser(file)
        var line = 0
        // A failures file's input keeps the row it first came from (`hires.csv:4`): the file
        // it is read from now is replaced by this very run, and the row is what gets fixed.
        var firstRow: String?
        return StreamCursor(origin: { firstRow ?? "\(path):\(line)" }) {
            var buffer: UnsafeMutablePointer<CChar>?
            var capacity = 0
            defer { free(buffer) }
            while true {
                let n = getline(&buffer, &capacity, handle.file)
                guard n >= 0, let buffer else { return nil }
                line += 1
                var bytes = [UInt8](UnsafeRawBufferPointer(start: buffer, count: n))
                while let last = bytes.last, last == 10 || last == 13 { bytes.removeLast() }
                while line == 1, bytes.starts(with: DataFiles.byteOrderMark) { bytes.removeFirst(3) }
                if bytes.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
                firstRow = nil
                // (Checked when the file was opened; a file changed since is not read on.)
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    throw ErrorValue(code: "invalid_json", message: "\(path):\(line): not UTF-8 text (a byte that is no character); save the file as UTF-8")
                }
                let value: Value
                do throws(JSONReader.Failure) { value = try JSONReader.parse(bytes: bytes) } catch {
                    var e = ErrorValue(code: "invalid_json", message: "\(path):\(line): invalid JSON at column \(error.offset + 1): \(error.message)")
                    e.unreadableRow = text
                    throw e
                }
                if case .record(let r) = value, r.count == 2, let input = r["input"], case .record(let failure)? = r["failure"] {
                    if case .string(let row)? = failure["row"] { firstRow = row }
                    if case .bool(true)? = failure["unreadable"], case .string(let raw) = input {
                        var e = ErrorValue(code: "invalid_input", message: "\(firstRow ?? "\(path):\(line)"): a row that could not be read; mend it in its file")
                        if case .record(let first)? = failure["error"], case .string(let code)? = first["code"], case .string(let message)? = first["message"] {
                            e.code = code
                            e.message = message
                        }
                        e.unreadableRow = raw
                        throw e
                    }
                    return input
                }
                firstRow = nil
                return value
            }
        }
    }

    /// The header row is checked here; rows come one at a time, each a record of strings. The
    /// file is checked to be UTF-8 first, so a damaged row never reaches the script.
    private static func csvRows(_ path: String, _ full: String) throws -> StreamCursor {
        try checkUTF8(path, full)
        guard let rows = CSVRows(path: full) else {
            throw ErrorValue(code: "file_not_found", message: "cannot read '\(path)'")
        }
        func invalid(_ failure: CSVRows.Failure) -> ErrorValue {
            ErrorValue(code: "invalid_csv", message: "\(path):\(failure.line): \(failure.message)")
        }
        let first: (fields: [String], line: Int)?
        do throws(CSVRows.Failure) { first = try rows.next() } catch {
            throw ErrorValue(code: "invalid_csv", message: "\(path): cannot read the header row (\(error.message))")
        }
        guard let header = first?.fields, !(header.count == 1 && header[0].isEmpty) else {
            throw ErrorValue(code: "invalid_csv", message: "\(path): the file is empty; a CSV needs a header row")
        }
        var seen = Set<String>()
        for name in header where !seen.insert(name).inserted {
            throw ErrorValue(code: "invalid_csv", message: "\(path):1: the header names '\(name)' twice")
        }
        // Every row's record shares the header's keys (and their hash table): only the values are new.
        let shape = Record(uniqueKeys: header, values: header.map { _ in Value.null })
        var start = rows.line
        var broken: ErrorValue?
        return StreamCursor(origin: { "\(path):\(start)" }) {
            if let broken { throw broken }
            while true {
                let next: (fields: [String], line: Int)?
                do throws(CSVRows.Failure) { next = try rows.next() } catch {
                    start = error.line
                    var e = invalid(error)
                    guard let raw = error.raw else {
                        broken = e
                        throw e
                    }
                    e.unreadableRow = raw
                    throw e
                }
                guard let row = next else { return nil }
                start = row.line
                let fields = row.fields
                if fields.count == 1 && fields[0].isEmpty { continue }   // a blank line
                guard fields.count == header.count else {
                    var e = ErrorValue(code: "invalid_csv", message: "\(path):\(start): expected \(header.count) fields (\(header.joined(separator: ","))), found \(fields.count)")
                    e.unreadableRow = fields.map(CSVText.field).joined(separator: ",")
                    throw e
                }
                return .record(Record(keysOf: shape) { .string(fields[$0]) })
            }
        }
    }

    /// A pass over the file, a line at a time (a character never spans a newline): the first
    /// line that is not UTF-8 is an error naming it.
    static func checkUTF8(_ path: String, _ full: String, code: String = "invalid_csv") throws {
        guard let file = fopen(full, "r") else { throw ErrorValue(code: "file_not_found", message: "cannot read '\(path)'") }
        defer { fclose(file) }
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        var line = 0
        while true {
            let n = getline(&buffer, &capacity, file)
            guard n >= 0, let buffer else { return }
            line += 1
            let bytes = UnsafeRawBufferPointer(start: buffer, count: n)
            if ASCIIText.isASCII(bytes) { continue }
            if String(validating: bytes, as: UTF8.self) == nil {
                throw ErrorValue(code: code, message: "\(path):\(line): invalid UTF-8; save the file as UTF-8 (nothing was read from it)")
            }
        }
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
            try Data(SecretValues.scrub(text).utf8).write(to: URL(fileURLWithPath: full), options: .atomic)
        } catch {
            // Foundation's text names neither the file nor the reason ("The file doesn't exist.").
            let folder = LocalFile.folder(of: full)
            var isFolder: ObjCBool = false
            let reason = !folder.isEmpty && !(FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) && isFolder.boolValue)
                ? "the folder '\(LocalFile.folder(of: path))' does not exist"
                : ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError).map { String(cString: strerror(Int32($0.code))) } ?? error.localizedDescription
            throw ErrorValue(code: "write_failed", message: "cannot write '\(path)': \(reason)")
        }
    }
}

/// Closes a C file when the last reader holding it goes.
final class FileCloser {
    let file: UnsafeMutablePointer<FILE>
    init(_ file: UnsafeMutablePointer<FILE>) { self.file = file }
    deinit { fclose(file) }
}
