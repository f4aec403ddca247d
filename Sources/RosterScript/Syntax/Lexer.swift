/// Scans tokens on demand. The parser asks for the next token in the mode it needs.
struct Lexer {
    enum Mode { case expression, command }

    let file: SourceFile
    let bytes: [UInt8]
    let limit: Int

    /// Scans `file` up to `end` (a `${...}` is lexed as part of its file, to keep offsets absolute).
    init(file: SourceFile, end: Int? = nil) {
        self.file = file
        self.bytes = file.bytes
        self.limit = end ?? file.bytes.count
    }

    /// Errors found while lexing strings (bad escapes), reported by the parser.
    struct StringError: Error {
        let message: String
        let start: Int
        let end: Int
        let incomplete: Bool
        /// Where scanning resumes: after the closing quote, or at the end for an unterminated string.
        var resume: Int = 0
    }

    func byte(_ i: Int) -> UInt8 { i < limit ? bytes[i] : 0 }

    static func isIdentStart(_ b: UInt8) -> Bool {
        (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || b == 95
    }
    static func isIdentChar(_ b: UInt8) -> Bool { isIdentStart(b) || (b >= 48 && b <= 57) }
    static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
    /// Characters that end a bare word in command mode.
    static func endsWord(_ b: UInt8) -> Bool {
        switch b {
        case 32, 9, 10, 13, UInt8(ascii: ";"), UInt8(ascii: "|"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "\""),
             UInt8(ascii: "'"), UInt8(ascii: "$"), UInt8(ascii: ","):
            return true
        default:
            return false
        }
    }

    /// Skips blanks and comments (not newlines). Returns the new offset.
    func skipTrivia(_ start: Int) -> Int {
        var i = start
        while i < limit {
            let b = bytes[i]
            if b == 32 || b == 9 || b == 13 { i += 1; continue }
            if b == UInt8(ascii: "\\"), byte(i + 1) == 10 { i += 2; continue }  // line continuation
            if b == UInt8(ascii: "#") {
                while i < limit, bytes[i] != 10 { i += 1 }
                continue
            }
            break
        }
        return i
    }

    func next(at position: Int, mode: Mode) throws(StringError) -> Token {
        let i = skipTrivia(position)
        let space = i != position || position == 0 || byte(position - 1) == 10
        func tok(_ kind: Token.Kind, _ end: Int) -> Token { Token(kind: kind, start: i, end: end, spaceBefore: space) }
        guard i < limit else { return tok(.eof, i) }
        let b = bytes[i]
        let c = byte(i + 1)
        switch b {
        case 10: return tok(.newline, i + 1)
        case UInt8(ascii: ";"): return tok(.semicolon, i + 1)
        case UInt8(ascii: "|"): return tok(.pipe, i + 1)
        case UInt8(ascii: "("): return tok(.lparen, i + 1)
        case UInt8(ascii: ")"): return tok(.rparen, i + 1)
        case UInt8(ascii: "["): return tok(.lbracket, i + 1)
        case UInt8(ascii: "]"): return tok(.rbracket, i + 1)
        case UInt8(ascii: "{"): return tok(.lbrace, i + 1)
        case UInt8(ascii: "}"): return tok(.rbrace, i + 1)
        case UInt8(ascii: ","): return tok(.comma, i + 1)
        case UInt8(ascii: "\""): return try lexString(i, space: space, interpolating: true)
        case UInt8(ascii: "'"): return try lexString(i, space: space, interpolating: false)
        case UInt8(ascii: "$"):
            if Lexer.isIdentStart(c) {
                var j = i + 2
                while Lexer.isIdentChar(byte(j)) { j += 1 }
                return tok(.variable(file.slice(i + 1..<j)), j)
            }
            return tok(.invalid("expected a variable name after '$'"), i + 1)
        default: break
        }
        if b == UInt8(ascii: "-"), c == UInt8(ascii: "-"), Lexer.isIdentStart(byte(i + 2)) {
            var j = i + 3
            while Lexer.isIdentChar(byte(j)) || byte(j) == UInt8(ascii: "-") { j += 1 }
            let name = file.slice(i + 2..<j)
            if mode == .command, byte(j) == UInt8(ascii: "=") { return tok(.argName(name), j + 1) }
            return tok(.option(name), j)
        }
        switch mode {
        case .command: return lexWord(i, space: space)
        case .expression: return lexOperator(i, space: space)
        }
    }

    private func lexWord(_ i: Int, space: Bool) -> Token {
        var j = i
        while j < limit, !Lexer.endsWord(bytes[j]) {
            if bytes[j] == UInt8(ascii: "="), j > i, isArgName(i..<j) {
                return Token(kind: .argName(file.slice(i..<j)), start: i, end: j + 1, spaceBefore: space)
            }
            j += 1
        }
        if j == i {   // cannot happen for input `next` routes here; never stall the parser
            return Token(kind: .invalid("unexpected character"), start: i, end: i + 1, spaceBefore: space)
        }
        let text = file.slice(i..<j)
        if let n = Lexer.number(text) { return Token(kind: n, start: i, end: j, spaceBefore: space) }
        if text == "=" || text == "==" {
            return Token(kind: .invalid("unexpected '\(text)' among command arguments; write name=value with no spaces"), start: i, end: j, spaceBefore: space)
        }
        return Token(kind: .word(text), start: i, end: j, spaceBefore: space)
    }

    private func isArgName(_ r: Range<Int>) -> Bool {
        guard Lexer.isIdentStart(bytes[r.lowerBound]) else { return false }
        return r.allSatisfy { Lexer.isIdentChar(bytes[$0]) || bytes[$0] == UInt8(ascii: "-") }
    }

    /// A bare word that reads as a number is one.
    static func number(_ text: String) -> Token.Kind? {
        let u = Array(text.utf8)
        var k = 0
        if k < u.count, u[k] == UInt8(ascii: "-") || u[k] == UInt8(ascii: "+") { k += 1 }
        let digitsStart = k
        while k < u.count, isDigit(u[k]) { k += 1 }
        guard k > digitsStart else { return nil }
        var isDouble = false
        if k < u.count, u[k] == UInt8(ascii: ".") {
            k += 1
            let f = k
            while k < u.count, isDigit(u[k]) { k += 1 }
            guard k > f else { return nil }
            isDouble = true
        }
        if k < u.count, u[k] == UInt8(ascii: "e") || u[k] == UInt8(ascii: "E") {
            k += 1
            if k < u.count, u[k] == UInt8(ascii: "-") || u[k] == UInt8(ascii: "+") { k += 1 }
            let e = k
            while k < u.count, isDigit(u[k]) { k += 1 }
            guard k > e else { return nil }
            isDouble = true
        }
        guard k == u.count else { return nil }
        if !isDouble, let n = Int(text) { return .int(n) }
        if let d = Double(text) { return .double(d) }
        return nil
    }

    private func lexOperator(_ i: Int, space: Bool) -> Token {
        let b = bytes[i], c = byte(i + 1)
        func tok(_ kind: Token.Kind, _ len: Int) -> Token { Token(kind: kind, start: i, end: i + len, spaceBefore: space) }
        if Lexer.isDigit(b) { return lexNumber(i, space: space) }
        if Lexer.isIdentStart(b) {
            var j = i + 1
            while Lexer.isIdentChar(byte(j)) { j += 1 }
            return Token(kind: .identifier(file.slice(i..<j)), start: i, end: j, spaceBefore: space)
        }
        switch b {
        case UInt8(ascii: "="): return c == UInt8(ascii: "=") ? tok(.eq, 2) : tok(.assign, 1)
        case UInt8(ascii: "!"): return c == UInt8(ascii: "=") ? tok(.ne, 2) : tok(.invalid("unexpected '!'; use 'not' for negation"), 1)
        case UInt8(ascii: "<"): return c == UInt8(ascii: "=") ? tok(.le, 2) : tok(.lt, 1)
        case UInt8(ascii: ">"): return c == UInt8(ascii: "=") ? tok(.ge, 2) : tok(.gt, 1)
        case UInt8(ascii: "+"): return c == UInt8(ascii: "=") ? tok(.plusAssign, 2) : tok(.plus, 1)
        case UInt8(ascii: "-"): return tok(.minus, 1)
        case UInt8(ascii: "*"): return tok(.star, 1)
        case UInt8(ascii: "/"): return c == UInt8(ascii: "/") ? tok(.slashSlash, 2) : tok(.slash, 1)
        case UInt8(ascii: "%"): return tok(.percent, 1)
        case UInt8(ascii: ":"): return tok(.colon, 1)
        case UInt8(ascii: "."):
            if c == UInt8(ascii: ".") { return byte(i + 2) == UInt8(ascii: "<") ? tok(.dotDotLess, 3) : tok(.dotDot, 2) }
            if Lexer.isIdentStart(c) {
                var j = i + 2
                while Lexer.isIdentChar(byte(j)) { j += 1 }
                return Token(kind: .dotField(file.slice(i + 1..<j)), start: i, end: j, spaceBefore: space)
            }
            return tok(.invalid("unexpected '.'; a field is written .name"), 1)
        default:
            // One whole character, so the message shows it even when it is not ASCII.
            var j = i + 1
            while j < limit, bytes[j] & 0xC0 == 0x80 { j += 1 }
            return Token(kind: .invalid("unexpected character '\(file.slice(i..<j))'"), start: i, end: j, spaceBefore: space)
        }
    }

    private func lexNumber(_ i: Int, space: Bool) -> Token {
        var j = i
        while Lexer.isDigit(byte(j)) { j += 1 }
        var isDouble = false
        if byte(j) == UInt8(ascii: "."), Lexer.isDigit(byte(j + 1)) {
            j += 1
            while Lexer.isDigit(byte(j)) { j += 1 }
            isDouble = true
        }
        if byte(j) == UInt8(ascii: "e") || byte(j) == UInt8(ascii: "E") {
            var k = j + 1
            if byte(k) == UInt8(ascii: "+") || byte(k) == UInt8(ascii: "-") { k += 1 }
            if Lexer.isDigit(byte(k)) {
                while Lexer.isDigit(byte(k)) { k += 1 }
                j = k
                isDouble = true
            }
        }
        let text = file.slice(i..<j)
        let kind: Token.Kind
        if !isDouble, let n = Int(text) {
            kind = .int(n)
        } else if isDouble, let d = Double(text) {
            kind = .double(d)
        } else {
            kind = .invalid("number '\(text)' does not fit in 64 bits")
        }
        return Token(kind: kind, start: i, end: j, spaceBefore: space)
    }

    // MARK: strings

    private func lexString(_ i: Int, space: Bool, interpolating: Bool) throws(StringError) -> Token {
        let quote = bytes[i]
        var pieces: [StringLiteral.Piece] = []
        var text: [UInt8] = []
        var j = i + 1
        func flush() {
            if !text.isEmpty { pieces.append(.text(String(decoding: text, as: UTF8.self))); text.removeAll() }
        }
        while true {
            guard j < limit else {
                throw StringError(message: "unterminated string", start: i, end: i + 1, incomplete: true)
            }
            let b = bytes[j]
            if b == quote { j += 1; break }
            if !interpolating {
                // Single quotes are raw, except that \' and \\ let a quote appear.
                if b == UInt8(ascii: "\\"), byte(j + 1) == quote || byte(j + 1) == UInt8(ascii: "\\") {
                    text.append(bytes[j + 1]); j += 2; continue
                }
                text.append(b); j += 1; continue
            }
            if b == UInt8(ascii: "\\") {
                let e = byte(j + 1)
                switch e {
                case UInt8(ascii: "n"): text.append(10)
                case UInt8(ascii: "t"): text.append(9)
                case UInt8(ascii: "r"): text.append(13)
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "$"): text.append(e)
                case UInt8(ascii: "u"):
                    guard byte(j + 2) == UInt8(ascii: "{") else {
                        throw StringError(message: "expected '{' after \\u, as in \\u{1F600}", start: j, end: j + 2, incomplete: false, resume: closingQuote(after: j, quote))
                    }
                    var k = j + 3
                    while k < limit, bytes[k] != UInt8(ascii: "}"), k - j < 12 { k += 1 }
                    let hex = file.slice(j + 3..<k)
                    guard byte(k) == UInt8(ascii: "}"), let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) else {
                        throw StringError(message: "invalid unicode escape; write \\u{HEX} with 1 to 6 hex digits of a valid code point", start: j, end: min(k + 1, limit), incomplete: false, resume: closingQuote(after: j, quote))
                    }
                    text.append(contentsOf: Array(String(Character(scalar)).utf8))
                    j = k + 1
                    continue
                case 0:
                    throw StringError(message: "unterminated string", start: i, end: i + 1, incomplete: true)
                default:
                    throw StringError(message: "unknown escape '\\\(Character(Unicode.Scalar(e)))'; valid escapes are \\n \\t \\r \\\" \\\\ \\$ \\u{...}", start: j, end: j + 2, incomplete: false, resume: closingQuote(after: j, quote))
                }
                j += 2
                continue
            }
            if b == UInt8(ascii: "$") {
                let c = byte(j + 1)
                if c == UInt8(ascii: "{") {
                    flush()
                    let end = try matchBrace(from: j + 2, stringStart: i)
                    pieces.append(.expression(start: j + 2, end: end))
                    j = end + 1
                    continue
                }
                if Lexer.isIdentStart(c) {
                    flush()
                    var k = j + 2
                    while Lexer.isIdentChar(byte(k)) { k += 1 }
                    let name = file.slice(j + 1..<k)
                    var fields: [String] = []
                    while byte(k) == UInt8(ascii: "."), Lexer.isIdentStart(byte(k + 1)) {
                        var m = k + 2
                        while Lexer.isIdentChar(byte(m)) { m += 1 }
                        fields.append(file.slice(k + 1..<m))
                        k = m
                    }
                    pieces.append(.path(name: name, fields: fields, start: j, end: k))
                    j = k
                    continue
                }
            }
            text.append(b)
            j += 1
        }
        flush()
        let literal = StringLiteral(pieces: pieces, interpolates: interpolating)
        return Token(kind: .string(literal), start: i, end: j, spaceBefore: space)
    }

    /// Just past the quote that ends a string containing a bad escape at `j` (or the end).
    private func closingQuote(after j: Int, _ quote: UInt8) -> Int {
        var k = j + 2
        while k < limit, bytes[k] != quote {
            if bytes[k] == UInt8(ascii: "\\") { k += 1 }
            k += 1
        }
        return min(k + 1, limit)
    }

    /// The offset of the `}` that closes a `${`, skipping nested braces and strings.
    private func matchBrace(from start: Int, stringStart: Int) throws(StringError) -> Int {
        var depth = 0
        var j = start
        while j < limit {
            let b = bytes[j]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                var k = j + 1
                while k < limit, bytes[k] != b {
                    if bytes[k] == UInt8(ascii: "\\") { k += 1 }
                    k += 1
                }
                j = k + 1
                continue
            }
            if b == UInt8(ascii: "{") { depth += 1 }
            if b == UInt8(ascii: "}") {
                if depth == 0 { return j }
                depth -= 1
            }
            j += 1
        }
        throw StringError(message: "unterminated string", start: stringStart, end: stringStart + 1, incomplete: true)
    }
}
