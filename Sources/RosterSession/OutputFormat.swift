import RosterScript

/// How top-level results are shown.
public enum OutputFormat: String, CaseIterable, Sendable {
    case table, json, ndjson, csv

    /// Tables on a terminal, NDJSON when piped.
    public static func automatic(terminal: Bool) -> OutputFormat { terminal ? .table : .ndjson }
}

/// Writes values in an output format. Streams are shown as they arrive: a table sizes its
/// columns from the first rows, so memory stays flat however long the stream.
struct ValueFormatter {
    let format: OutputFormat
    let out: TextOutput
    let color: Bool
    static let sampleRows = 100
    static let maxCellWidth = 48

    func show(_ value: Value) throws {
        switch format {
        case .json:
            out.write(try value.prettyJSON() + "\n")
        case .ndjson:
            try lines(value) { try $0.json() }
        case .csv:
            try csv(value)
        case .table:
            switch value {
            case .record(let r): try keyValueTable(r)
            case .error(let e): try keyValueTable(e.record)
            case .list, .stream, .range: try table(value)
            case .string(let s): out.write(Sanitize.visible(s, keepNewlines: true) + "\n")
            case .null, .bool, .int, .double, .function: out.write(try value.text() + "\n")
            }
        }
    }

    /// One item per line: a list's or stream's items, or the value itself. Strings stay raw
    /// only in a table; in NDJSON every line is JSON.
    private func lines(_ value: Value, _ render: (Value) throws -> String) throws {
        switch value {
        case .list, .stream, .range:
            try value.forEachElement { out.write(try render($0) + "\n") }
        case .string(let s):
            out.write(s + "\n")
        default:
            out.write(try render(value) + "\n")
        }
    }

    private func keyValueTable(_ r: Record) throws {
        let width = r.keys.map(\.count).max() ?? 0
        for (k, v) in r {
            out.write(bold(Sanitize.visible(k).padding(width)) + "  " + (try cell(v)) + "\n")
        }
    }

    static func cellText(_ v: Value) throws -> String {
        switch v {
        case .null: return ""
        case .string(let s): return s
        default: return try v.text()
        }
    }

    /// A table cell: one line, no control characters (server data must not drive the terminal), cut to maxCellWidth.
    private func cell(_ v: Value) throws -> String {
        let t = Sanitize.visible(try ValueFormatter.cellText(v).replacingNewlines())
        return t.count > ValueFormatter.maxCellWidth ? String(t.prefix(ValueFormatter.maxCellWidth - 1)) + "…" : t
    }

    /// A list of records as aligned columns; a list of plain values one per line.
    private func table(_ value: Value) throws {
        var sample: [Value] = []
        var columns: [String] = []
        var widths: [String: Int] = [:]
        var printedHeader = false
        var allRecords = true

        func measure(_ item: Value) throws {
            guard case .record(let r) = item else { allRecords = false; return }
            for (k, v) in r {
                if widths[k] == nil { columns.append(k); widths[k] = Sanitize.visible(k).count }
                widths[k] = max(widths[k]!, try cell(v).count)
            }
        }
        func emit(_ item: Value) throws {
            guard allRecords, case .record(let r) = item else {
                out.write(Sanitize.visible(try ValueFormatter.cellText(item), keepNewlines: true) + "\n")
                return
            }
            if !printedHeader {
                printedHeader = true
                out.write(bold(columns.map { Sanitize.visible($0).padding(widths[$0]!) }.joined(separator: "  ").trimmedRight()) + "\n")
            }
            var cells: [String] = []
            for c in columns { cells.append(try cell(r[c] ?? .null).padding(widths[c]!)) }
            out.write(cells.joined(separator: "  ").trimmedRight() + "\n")
            for (k, v) in r where widths[k] == nil && !v.isNull && !hidden.contains(k) { hidden.append(k) }
        }
        /// Fields first seen after the columns were sized: said at the end, never dropped silently.
        var hidden: [String] = []

        var flushed = false
        try value.forEachElement { item in
            if !flushed {
                sample.append(item)
                try measure(item)
                if sample.count >= ValueFormatter.sampleRows {
                    for s in sample { try emit(s) }
                    sample.removeAll()
                    flushed = true
                }
            } else {
                try emit(item)
            }
        }
        for s in sample { try emit(s) }
        if !hidden.isEmpty {
            out.write("(not shown: \(hidden.map { Sanitize.visible($0) }.joined(separator: ", ")), first seen after the first \(ValueFormatter.sampleRows) rows; select them, or use --output json)\n")
        }
    }

    /// CSV with one header for every row: the fields of every record of a list, or of the first
    /// `sampleRows` of a stream (read ahead, so memory stays flat). A later row with a field the
    /// header lacks is an error, never a silently shorter row.
    private func csv(_ value: Value) throws {
        let ahead = if case .list(let items) = value { items.count } else { ValueFormatter.sampleRows }
        var sample: [Value] = []
        var columns: [String] = []
        var known = Set<String>()
        var header = false
        var row = 0
        func emit(_ item: Value) throws {
            row += 1
            guard case .record(let r) = item else {
                out.write(CSVText.field(try ValueFormatter.cellText(item)) + "\n")
                return
            }
            if !header {
                header = true
                out.write(columns.map(CSVText.field).joined(separator: ",") + "\n")
            }
            if let extra = r.first(where: { !known.contains($0.key) && !$0.value.isNull }) {
                throw ErrorValue(code: "csv_columns", message: """
                    row \(row) has a field '\(extra.key)' the CSV header lacks (the header holds the fields of the first \(ahead) rows); \
                    choose the columns with select, or use --output ndjson
                    """)
            }
            out.write(try columns.map { CSVText.field(try ValueFormatter.cellText(r[$0] ?? .null)) }.joined(separator: ",") + "\n")
        }
        try value.forEachElement { item in
            guard !header && sample.count < ahead else { return try emit(item) }
            if case .record(let r) = item { for k in r.keys where known.insert(k).inserted { columns.append(k) } }
            sample.append(item)
            if sample.count == ahead {
                for s in sample { try emit(s) }
                sample.removeAll()
            }
        }
        for s in sample { try emit(s) }
    }

    private func bold(_ s: String) -> String { color ? "\u{1B}[1m" + s + "\u{1B}[0m" : s }
}

enum CSVText {
    /// RFC 4180 quoting: only when the field needs it.
    static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || s.hasPrefix(" ") || s.hasSuffix(" ") else { return s }
        return "\"" + s.replacingQuotes() + "\""
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
    /// Without trailing blanks (spaces and tabs).
    func trimmedRight() -> String {
        var s = self
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
    func replacingNewlines() -> String {
        contains("\n") ? split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "⏎") : self
    }
    func replacingQuotes() -> String {
        contains("\"") ? split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") : self
    }
}
