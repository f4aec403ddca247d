import Foundation
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
    /// Listings show every field (`:wide`), not their declared columns.
    var wide = false
    /// The terminal whose width a table fits (the pager's pipe has none): nil for `out`'s.
    var sizeFD: Int32? = nil
    static let sampleRows = 100
    static let maxCellWidth = 48

    /// The items shown, one by one: Ctrl-C stops the showing of a long list or listing at the
    /// next item (a listing's pages may come faster than any wait would notice it).
    private func each(_ value: Value, _ body: (Value) throws -> Void) throws {
        try value.forEachElement { item in
            if Interrupt.isRequested { throw ControlSignal.interrupted }
            try body(item)
        }
    }

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
            try each(value) {
                if out.isClosed { throw OutputClosed() }
                out.write(try render($0) + "\n")
            }
        case .string(let s):
            out.write(s + "\n")
        default:
            out.write(try render(value) + "\n")
        }
    }

    /// One record, a field a line: a nested record's fields as `user.login` lines (so a Box
    /// membership shows whose it is), times as dates, each value cut to the width.
    private func keyValueTable(_ r: Record) throws {
        var lines: [(String, Value)] = []
        for (k, v) in r {
            if case .record(let inner) = v, !inner.isEmpty, inner.count <= 12,
               inner.values.allSatisfy({ if case .record = $0 { false } else { true } }) {
                for (k2, v2) in inner { lines.append((k + "." + k2, v2)) }
            } else {
                lines.append((k, v))
            }
        }
        let keyWidth = lines.map { Sanitize.visible($0.0).columns }.max() ?? 0
        let valueWidth = width.map { max(10, $0 - keyWidth - 2) } ?? Int.max
        for (k, v) in lines {
            let text = ValueFormatter.cut(try cell(ValueFormatter.displayTime(v, column: k)), valueWidth)
            out.write((bold(Sanitize.visible(k).padding(keyWidth)) + "  " + text).trimmedRight() + "\n")
        }
    }

    static func cellText(_ v: Value) throws -> String {
        switch v {
        case .null: return ""
        case .string(let s): return s
        default: return try v.text()
        }
    }

    /// A table cell: one line, no control characters (server data must not drive the terminal),
    /// cut to maxCellWidth. A list of plain values reads `a, b`; a record `{3 fields}` (a
    /// column's path names the field it wants).
    private func cell(_ v: Value) throws -> String {
        let text: String
        switch v {
        case .list(let items) where items.allSatisfy({ if case .record = $0 { false } else if case .list = $0 { false } else { true } }):
            text = try items.map { try ValueFormatter.cellText($0) }.joined(separator: ", ")
        case .list(let items): text = "[\(items.count) item\(items.count == 1 ? "" : "s")]"
        case .record(let r): text = "{\(r.count) field\(r.count == 1 ? "" : "s")}"
        default: text = try ValueFormatter.cellText(v)
        }
        return ValueFormatter.cut(Sanitize.visible(text.replacingNewlines()), ValueFormatter.maxCellWidth)
    }

    static func cut(_ s: String, _ width: Int) -> String {
        guard s.columns > width else { return s }
        var out = "", used = 0
        for c in s {
            let w = String.columns(of: c)
            guard used + w <= width - 1 else { break }
            out.append(c)
            used += w
        }
        return out + "…"
    }

    /// How wide a table may be: `COLUMNS`, else the terminal's width, else unbounded.
    var width: Int? {
        if let c = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), c > 0 { return c }
        guard out.isTerminal else { return nil }
        var size = winsize()
        guard ioctl(sizeFD ?? out.fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// A listing's row as its table shows it: the declared columns (dotted paths), named by
    /// their last field (the whole path where two end alike), times as local dates.
    /// A column may name its header: `teams=teams.key` (the path goes through lists: each
    /// team's key).
    static func project(_ item: Value, _ columns: [String], names: [String]) -> Value {
        guard case .record = item else { return item }
        var out = Record(minimumCapacity: columns.count)
        for (column, name) in zip(columns, names) {
            let path = column.split(separator: "=", maxSplits: 1).last.map(String.init) ?? column
            out[name] = displayTime(walk(item, path.split(separator: ".").map(String.init)[...]), column: path)
        }
        return .record(out)
    }

    /// Whether a projected cell shows anything (a path through a list gives a list of nulls
    /// when its last field is missing).
    static func holdsValue(_ v: Value) -> Bool {
        if case .list(let items) = v { return items.contains(where: holdsValue) }
        return !v.isNull
    }

    static func walk(_ v: Value, _ path: ArraySlice<String>) -> Value {
        guard let first = path.first else { return v }
        if case .list(let items) = v { return .list(items.map { walk($0, path) }) }
        return walk(v.field(first) ?? .null, path.dropFirst())
    }

    static func columnNames(_ columns: [String]) -> [String] {
        let lasts = columns.map { column -> String in
            let parts = column.split(separator: "=", maxSplits: 1)
            return parts.count == 2 ? String(parts[0]) : String(column.split(separator: ".").last ?? "")
        }
        return zip(columns, lasts).map { column, last in lasts.count { $0 == last } > 1 && !column.contains("=") ? column : last }
    }

    /// The vendors' times in a table: LaunchDarkly's epoch milliseconds (0: never), Box's and
    /// Losant's ISO text, as the local date and time. Values stay exact everywhere else.
    static let timeFields: Set<String> = ["_lastSeen", "creationDate", "created_at", "modified_at", "expirationDate", "lastUpdated"]
    static func displayTime(_ v: Value, column: String) -> Value {
        guard let field = column.split(separator: ".").last, timeFields.contains(String(field)) else { return v }
        let seconds: Double
        switch v {
        case .int(0): return .string("never")
        case .int(let ms): seconds = Double(ms) / 1000
        case .string(let s): guard let t = ISOTime.parse(s) else { return v }; seconds = t
        default: return v
        }
        // A time the calendar cannot show (a server's Int.max) keeps its value.
        let shown = localTime.string(from: Date(timeIntervalSince1970: seconds))
        return shown.isEmpty ? v : .string(shown)
    }

    /// Made once: a formatter costs far more to make than to use, and a table may have many
    /// rows. Only the thread that shows results uses it.
    nonisolated(unsafe) static let localTime: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = .current
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f
    }()

    /// Shrinks the widest columns, one character at a time, until the row fits `limit`, none
    /// below 6; ids and times (`keep`: an id cut short cannot be copied) only once the others
    /// are as narrow as they go.
    static func fit(_ widths: inout [String: Int], _ columns: [String], to limit: Int, keep: Set<String> = []) {
        func total() -> Int { columns.reduce(0) { $0 + widths[$1]! } + 2 * max(0, columns.count - 1) }
        for pass in [columns.filter { !keep.contains($0) }, columns] {
            while total() > limit {
                guard let widest = pass.max(by: { widths[$0]! < widths[$1]! }), widths[widest]! > 6 else { break }
                widths[widest]! -= 1
            }
        }
    }

    /// Columns a table narrows last: what tells its rows apart (ids, emails, logins: two
    /// addresses cut to `katherine…` cannot be told apart), and times shown as dates.
    static func kept(_ columns: [String]) -> Set<String> {
        Set(columns.filter { c in
            let last = String(c.split(separator: ".").last ?? "")
            return ["id", "_id", "email", "login", "lastSeen"].contains(last) || timeFields.contains(last)
        })
    }

    /// A list of records as aligned columns; a list of plain values one per line. A listing
    /// with declared columns shows those, and ends with its count.
    private func table(_ value: Value) throws {
        if case .stream(let s) = value, let hint = s.display, !wide {
            let names = ValueFormatter.columnNames(hint.columns)
            var count = 0
            // Chosen columns no row has a value for (a mistyped field shows as an empty column).
            var unseen = hint.chosen ? Set(names) : []
            var fields: [String] = []
            let projected = Value.stream(ValueStream(label: s.label, totalCount: s.totalCount) {
                let c = try s.cursor()
                return StreamCursor {
                    guard let item = try c.next() else { return nil }
                    count += 1
                    let row = ValueFormatter.project(hint.shown?(item) ?? item, hint.columns, names: names)
                    if !unseen.isEmpty, case .record(let r) = row {
                        for (k, v) in r where ValueFormatter.holdsValue(v) { unseen.remove(k) }
                        if fields.isEmpty, case .record(let whole) = item { fields = Array(whole.keys) }
                    }
                    return row
                }
            })
            try rows(projected)
            // A listing cut short (`first N`) says how many it had.
            let of = s.totalCount.map { $0 > count ? " of \($0)" : "" } ?? ""
            out.write("\(count)\(of) \(count == 1 && of.isEmpty ? String(hint.noun.dropLast()) : hint.noun)\n")
            if count > 0, !unseen.isEmpty {
                let missing = names.filter(unseen.contains).map { "'\($0)'" }.joined(separator: ", ")
                out.write("(no \(String(hint.noun.dropLast())) has a value for \(missing); the fields are \(fields.joined(separator: ", ")))\n")
            }
            return
        }
        try rows(value)
    }

    private func rows(_ value: Value) throws {
        var sample: [Value] = []
        var columns: [String] = []
        var widths: [String: Int] = [:]
        var printedHeader = false
        var allRecords = true

        func measure(_ item: Value) throws {
            guard case .record(let r) = item else { allRecords = false; return }
            for (k, v) in r {
                if widths[k] == nil { columns.append(k); widths[k] = Sanitize.visible(k).columns }
                widths[k] = max(widths[k]!, try cell(v).columns)
            }
        }
        func emit(_ item: Value) throws {
            guard allRecords, case .record(let r) = item else {
                out.write(Sanitize.visible(try ValueFormatter.cellText(item), keepNewlines: true) + "\n")
                return
            }
            if !printedHeader {
                printedHeader = true
                if let limit = width {
                    let measured = widths
                    let kept = ValueFormatter.kept(columns)
                    ValueFormatter.fit(&widths, columns, to: limit, keep: kept)
                    for c in columns where widths[c]! < measured[c]! { shrunk.insert(c) }
                    // Too many columns to fit even narrowed, most of them cut past reading (to
                    // less than three quarters), or what tells the rows apart cut: a block of lines
                    // per record instead.
                    let badlyCut = shrunk.count { widths[$0]! * 4 < measured[$0]! * 3 }
                    vertical = columns.reduce(0) { $0 + widths[$1]! } + 2 * max(0, columns.count - 1) > limit
                        || (columns.count > 2 && badlyCut * 2 > columns.count) || !shrunk.isDisjoint(with: kept)
                }
                if !vertical {
                    out.write(bold(columns.map { fitted(Sanitize.visible($0), $0).padding(widths[$0]!) }.joined(separator: "  ").trimmedRight()) + "\n")
                }
            }
            if vertical {
                if !first { out.write("\n") }
                first = false
                try keyValueTable(r)
                return
            }
            var cells: [String] = []
            for c in columns { cells.append(fitted(try cell(r[c] ?? .null), c).padding(widths[c]!)) }
            out.write(cells.joined(separator: "  ").trimmedRight() + "\n")
            for (k, v) in r where widths[k] == nil && !v.isNull && !hidden.contains(k) { hidden.append(k) }
        }
        var vertical = false, first = true
        /// Fields first seen after the columns were sized: said at the end, never dropped silently.
        var hidden: [String] = []
        /// Columns narrowed to fit the width: their cells are cut to it (others keep what a
        /// later, longer value needs).
        var shrunk = Set<String>()
        func fitted(_ text: String, _ column: String) -> String {
            shrunk.contains(column) ? ValueFormatter.cut(text, widths[column]!) : text
        }

        var flushed = false
        try each(value) { item in
            if out.isClosed { throw OutputClosed() }
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
        try each(value) { item in
            if out.isClosed { throw OutputClosed() }
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
    /// RFC 4180 quoting: only when the field needs it. Decided on bytes: "\r\n" is one
    /// Character, equal to neither "\r" nor "\n", and a quote followed by a combining mark is
    /// another (both went out unquoted and broke the row apart).
    static func field(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) || s.hasPrefix(" ") || s.hasSuffix(" ") else { return s }
        return "\"" + s.replacingQuotes() + "\""
    }
}

extension String {
    func padding(_ width: Int) -> String {
        let used = columns
        return used >= width ? self : self + String(repeating: " ", count: width - used)
    }

    /// The columns a terminal gives the text: two for East Asian wide and fullwidth characters
    /// and for emoji, one for the rest (a character's combining marks are in it).
    var columns: Int {
        if utf8.allSatisfy({ $0 < 0x80 }) { return utf8.count }
        return reduce(0) { $0 + String.columns(of: $1) }
    }

    static func columns(of c: Character) -> Int {
        guard let first = c.unicodeScalars.first else { return 0 }
        if first.properties.isEmojiPresentation || c.unicodeScalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
        return String.wide.contains { $0.contains(first.value) } ? 2 : 1
    }

    /// East Asian wide and fullwidth blocks.
    private static let wide: [ClosedRange<UInt32>] = [0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
                                                      0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x3FFFD]
    /// Without trailing blanks (spaces and tabs).
    func trimmedRight() -> String {
        var s = self
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
    // On code units, not Characters (see CSVText.field).
    func replacingNewlines() -> String {
        guard utf8.contains(0x0A) else { return self }
        let bytes = Array(utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        for (i, b) in bytes.enumerated() {
            if b == 0x0D, i + 1 < bytes.count, bytes[i + 1] == 0x0A { continue }
            if b == 0x0A { out += [0xE2, 0x8F, 0x8E] } else { out.append(b) }   // ⏎
        }
        return String(decoding: out, as: UTF8.self)
    }
    func replacingQuotes() -> String {
        guard utf8.contains(0x22) else { return self }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + 8)
        for b in utf8 {
            out.append(b)
            if b == 0x22 { out.append(0x22) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
