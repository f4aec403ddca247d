import CSV
import Foundation
import RosterScript

/// The rows of a CSV file, one at a time, each with the line it starts on.
///
/// A line with no quote and no CR before its end (nearly every line of an export) is split at
/// its commas here. A record with quotes, whose fields may hold commas, quotes and line
/// breaks, is read by CSV.swift: its lines are gathered until their quotes pair up, and the
/// package reads that text. Reading every row through CSV.swift cost about 4 µs a row (it
/// decodes and appends one scalar at a time); a plain line costs a fraction of that.
///
/// For well-formed CSV (RFC 4180) the rows are CSV.swift's over the whole file, which a test
/// holds over random files. A quote inside an unquoted field is not: there the two readings
/// may differ, so a record whose quotes have not paired up after `maxRecordBytes` is an error
/// naming its first line, rather than the rest of the file read as one field.
///
/// One reading (a stream's cursor) owns it, and reads it on one thread at a time, so its
/// fields skip Swift's run-time exclusivity check (three a row, 2% of reading a file).
final class CSVRows {
    private let file: UnsafeMutablePointer<FILE>
    @exclusivity(unchecked) private var buffer: UnsafeMutablePointer<CChar>?
    @exclusivity(unchecked) private var capacity = 0
    /// Lines read so far.
    @exclusivity(unchecked) private(set) var line = 0
    /// Rows CSV.swift found in one gathered record beyond its first (a CR alone ends a row),
    /// with the line their record began on.
    @exclusivity(unchecked) private var queued: [[String]] = []
    @exclusivity(unchecked) private var queuedLine = 0
    /// The last row's number of fields: room for the next row's, made at once (not the most
    /// any row had: one line of a million commas would size every later row).
    @exclusivity(unchecked) private var lastWidth = 1
    static let maxRecordBytes = 1 << 20

    init?(path: String) {
        guard let file = fopen(path, "r") else { return nil }
        self.file = file
    }

    deinit {
        free(buffer)
        fclose(file)
    }

    struct Failure: Error {
        let line: Int
        let message: String
        /// The record's text when the reading can go on after it (a quoted record CSV.swift
        /// refused, a quote left open at the end of the file); nil when it cannot (a record
        /// longer than `maxRecordBytes` stops mid-field, and the lines after it are not rows).
        var raw: String? = nil
    }

    /// The next row's fields and the line it begins on; nil at the end of the file.
    func next() throws(Failure) -> (fields: [String], line: Int)? {
        if !queued.isEmpty { return (queued.removeFirst(), queuedLine) }
        let n = getline(&buffer, &capacity, file)
        guard n >= 0, let buffer else {
            if ferror(file) != 0 { throw Failure(line: line + 1, message: "cannot read the file (\(String(cString: strerror(errno))))") }
            return nil
        }
        line += 1
        var bytes = UnsafeRawBufferPointer(start: buffer, count: n)
        // A byte order mark, or two (a tool that adds one to a file that had one), would end
        // up in the first column's name, and `$r.email` would read null.
        while line == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = UnsafeRawBufferPointer(rebasing: bytes[3...]) }
        // The line's end: LF, CR LF, or a CR at the very end of the file.
        var end = bytes.count
        if end > 0, bytes[end - 1] == 0x0A { end -= 1 }
        if end > 0, bytes[end - 1] == 0x0D { end -= 1 }
        let content = UnsafeRawBufferPointer(rebasing: bytes[..<end])
        guard CSVRows.isPlain(content) else { return try gathered(from: bytes) }
        let fields = split(content)
        lastWidth = fields.count
        return (fields, line)
    }

    /// Whether a line holds no quote and no CR, eight bytes at a time (a byte of `w ^ q` is
    /// zero exactly where `w` holds `q`; the classic has-zero-byte test finds one).
    private static func isPlain(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
        let quotes = 0x22 * ones, crs = 0x0D * ones
        var i = 0
        while i + 8 <= bytes.count {
            let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let q = w ^ quotes, c = w ^ crs
            if ((q &- ones) & ~q | (c &- ones) & ~c) & high != 0 { return false }
            i += 8
        }
        while i < bytes.count {
            let byte = base.load(fromByteOffset: i, as: UInt8.self)
            if byte == 0x22 || byte == 0x0D { return false }
            i += 1
        }
        return true
    }

    /// A plain line's fields: the text between its commas (found by memchr, many bytes a step).
    private func split(_ content: UnsafeRawBufferPointer) -> [String] {
        var fields: [String] = []
        fields.reserveCapacity(lastWidth)
        guard let base = content.baseAddress else { return [""] }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        var start = 0
        while start < content.count, let comma = memchr(base + start, 0x2C, content.count - start) {
            let at = UnsafeRawPointer(comma) - base
            fields.append(ASCIIText.string(UnsafeBufferPointer(start: bytes + start, count: at - start)))
            start = at + 1
        }
        fields.append(ASCIIText.string(UnsafeBufferPointer(start: bytes + start, count: content.count - start)))
        return fields
    }

    /// A record's text without its last line's end.
    private static func text(_ record: [UInt8]) -> String {
        var end = record.count
        if end > 0, record[end - 1] == 0x0A { end -= 1 }
        if end > 0, record[end - 1] == 0x0D { end -= 1 }
        return String(decoding: record[..<end], as: UTF8.self)
    }

    private static func quotes(in bytes: UnsafeRawBufferPointer) -> Int {
        bytes.reduce(0) { $1 == 0x22 ? $0 + 1 : $0 }
    }

    /// A record with quotes or a CR: this line and the following ones until its quotes pair
    /// up, read by CSV.swift.
    private func gathered(from first: UnsafeRawBufferPointer) throws(Failure) -> (fields: [String], line: Int)? {
        let start = line
        var record = [UInt8](first)
        var quotes = CSVRows.quotes(in: first)
        while quotes % 2 == 1 {
            guard record.count <= CSVRows.maxRecordBytes else {
                throw Failure(line: start, message: "a quoted field that begins here does not end within \(CSVRows.maxRecordBytes / 1024) KB; is a quote missing, or one inside a field not written as \"\"?")
            }
            let n = getline(&buffer, &capacity, file)
            guard n >= 0, let buffer else {
                // Read to the end, it would take every later row into one field, unreported.
                throw Failure(line: start, message: "a quoted field that begins here is not closed before the end of the file; is a quote missing, or one inside a field not written as \"\"?", raw: CSVRows.text(record))
            }
            line += 1
            let more = UnsafeRawBufferPointer(start: buffer, count: n)
            record.append(contentsOf: more)
            quotes += CSVRows.quotes(in: more)
        }
        let reader: CSVReader
        do {
            reader = try CSVReader(string: String(decoding: record, as: UTF8.self), hasHeaderRow: false)
        } catch {
            throw Failure(line: start, message: "\(error)", raw: CSVRows.text(record))
        }
        var rows: [[String]] = []
        while let row = reader.next() { rows.append(row) }
        if let error = reader.error { throw Failure(line: start, message: "\(error)", raw: CSVRows.text(record)) }
        guard !rows.isEmpty else { return ([""], start) }
        queued = Array(rows.dropFirst())
        queuedLine = start
        return (rows[0], start)
    }
}
