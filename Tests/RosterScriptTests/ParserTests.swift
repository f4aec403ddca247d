import Testing
@testable import RosterScript

/// Source → printed tree, one row per construct.
struct ParserTests {
    static let cases: [(String, String)] = [
        ("let x = 1 + 2 * 3", "(let x (+ 1 (* 2 3)))"),
        ("$x = $x - 1", "(set $x (- $x 1))"),
        ("$r.a[0] = 2", "(set $r.a[0] 2)"),
        ("1 - -2", "(- 1 -2)"),
        ("-$x", "(- $x)"),
        ("not $a and $b or $c", "(or (and (not $a) $b) $c)"),
        ("$a == 1 and $b != 2", "(and (== $a 1) (!= $b 2))"),
        ("1..3", "(.. 1 3)"),
        ("1..<$n", "(..< 1 $n)"),
        ("7 // 2 % 3 / 4", "(/ (% (// 7 2) 3) 4)"),
        ("$g.user.login", "(. (. $g user) login)"),
        ("$xs[0].name", "(. ([] $xs 0) name)"),
        ("[1, \"a\", [true],]", "[1 \"a\" [true]]"),
        ("{a: 1, \"b c\": null}", "{a: 1, b c: null}"),
        ("\"hi $u.name, ${len($xs)}!\"", "(interp \"hi \" (. $u name) \", \" (call len $xs) \"!\")"),
        ("'raw $x'", "\"raw $x\""),
        ("len($x, 2)", "(call len $x 2)"),
        ("box memberships add user=$u.id group=42 role=member", "(cmd box (word memberships) (word add) user=(. $u id) group=(word 42) role=(word member))"),
        ("ld members list --verbose limit 5", "(cmd ld (word members) (word list) --verbose (word limit) (word 5))"),
        ("print (1 + 2) [1] {a: 1}", "(cmd print (+ 1 2) [1] {a: 1})"),
        ("open hires.csv", "(cmd open (word hires.csv))"),
        ("echo 2024-01-02 -5 1.5e3", "(cmd echo (word 2024-01-02) (word -5) (word 1.5e3))"),
        ("$rows | where .team == \"eng\" | select .a.b .c | sort .c --desc | first 10 | count",
         "(pipe $rows (where (== .team \"eng\")) (select .a.b .c) (sort .c --desc) (first (word 10)) (count))"),
        ("ls | each { print .name } | save out.json", "(pipe (cmd ls) (each (block (cmd print .name))) (save (word out.json)))"),
        ("x | myfn 1", "(pipe (cmd x) (cmd myfn (word 1)))"),
        ("let n = len(ld members list)", "(let n (call len (cmd ld (word members) (word list))))"),
        ("let g = box groups create name=$team", "(let g (cmd box (word groups) (word create) name=$team))"),
        ("if $a { 1 } else if $b { 2 } else { 3 }", "(if $a (block 1) $b (block 2) else (block 3))"),
        ("for m in (ld members list) --parallel 4 --keep-going { }", "(for m (cmd ld (word members) (word list)) --parallel 4 --keep-going (block))"),
        ("while $i < 3 { $i = $i + 1; continue; break }", "(while (< $i 3) (block (set $i (+ $i 1)) (continue) (break)))"),
        ("def f(a, b=2) { return $a }", "(def f (a b=2) (block (return $a)))"),
        ("try { x } catch e { print $e.message }", "(try (block (cmd x)) catch e (block (cmd print (. $e message))))"),
        ("exit 3", "(exit 3)"),
        ("source lib.roster", "(source (word lib.roster))"),
        ("f(x)", "(call f (cmd x))"),
        ("print true false null", "(cmd print true false null)"),
    ]

    @Test(arguments: cases)
    func tree(_ source: String, _ expected: String) {
        let (statements, diagnostics) = Parser.parse(SourceFile(name: "t", text: source))
        #expect(diagnostics.isEmpty, "\(diagnostics.map { $0.rendered() })")
        #expect(ASTPrinter.print(statements) == expected)
    }

    /// Each syntax diagnostic: its id and where it points (line:column).
    static let errors: [(String, String, String)] = [
        ("let = 1", "expected_name", "1:5"),
        ("let x 1", "expected_assign", "1:7"),
        ("let $x = 1", "let_dollar", "1:5"),
        ("print \"open", "unterminated_string", "1:7"),
        ("print \"\\q\"", "bad_escape", "1:8"),
        ("print \"\\u{110000}\"", "bad_escape", "1:8"),
        ("if true {\n print 1", "expected_close", "2:9"),
        ("let x = (1 + 2", "expected_close", "1:15"),
        ("let x = [1, 2", "expected_close", "1:14"),
        ("let x = {a: 1", "expected_close", "1:14"),
        ("let x = {a 1}", "expected_colon", "1:12"),
        ("let x = {1: 2}", "expected_key", "1:10"),
        ("let x = 1 +", "expected_expression", "1:12"),
        ("if $x == admin { }", "bare_word", "1:10"),
        ("for $x in y { }", "for_dollar", "1:5"),
        ("for x on y { }", "expected_in", "1:7"),
        ("for x in [1] --fast { }", "unknown_loop_option", "1:14"),
        ("if true print 1", "expected_block", "1:9"),
        ("def f { }", "expected_params", "1:7"),
        ("def f(a, a) { }", "duplicate_parameter", "1:10"),
        ("def f(a=1, b) { }", "default_order", "1:12"),
        ("try { }", "expected_catch", "1:8"),
        ("try { } finally { }", "expected_catch", "1:9"),
        ("let x = 1 2", "expected_end", "1:11"),
        ("}", "unexpected_close", "1:1"),
        ("x | 5", "expected_stage", "1:5"),
        ("x | select", "expected_field", "1:11"),
        ("x | sort .a --up", "unknown_option", "1:13"),
        ("x | save", "expected_path", "1:9"),
        ("echo name= x", "expected_value", "1:12"),
        ("echo = 1", "invalid_token", "1:6"),
        ("let x = 1 ! 2", "expected_end", "1:11"),
        ("let x = !1", "invalid_token", "1:9"),
        ("let x = $", "invalid_token", "1:9"),
        ("let x = 99999999999999999999", "invalid_token", "1:9"),
        ("print \"${1 +}\"", "expected_expression", "1:13"),
        ("source", "expected_path", "1:7"),
        ("let if = 1", "keyword_as_name", "1:5"),
        (String(repeating: "(", count: 500) + "1", "too_deep", "1:200"),
        // Commands nested in parentheses count as levels too (a million crashed the parser),
        // and an assigned path is bounded as a read one is.
        (String(repeating: "print (", count: 100_000) + "1", "too_deep", "1:1394"),
        ("$r" + String(repeating: ".a", count: 100_000) + " = 1", "too_deep", "1:2001"),
    ]

    @Test(arguments: errors)
    func diagnostic(_ source: String, _ id: String, _ position: String) {
        let (_, diagnostics) = Parser.parse(SourceFile(name: "t", text: source))
        guard let d = diagnostics.first else {
            Issue.record("no diagnostic for \(source)")
            return
        }
        let (l, c) = d.range.location
        #expect(d.id == id, "\(d.rendered())")
        #expect("\(l):\(c)" == position, "\(d.rendered())")
    }

    @Test func incompleteInputIsMarked() {
        for source in ["if true {", "let x = [1,", "print \"abc", "def f(a,", "let r = {a:"] {
            let (_, diagnostics) = Parser.parse(SourceFile(name: "t", text: source))
            let incomplete = diagnostics.allSatisfy { $0.isIncomplete }
            #expect(!diagnostics.isEmpty && incomplete, "\(source)")
        }
        for source in ["let x = )", "if true { ) }"] {
            let (_, diagnostics) = Parser.parse(SourceFile(name: "t", text: source))
            let incomplete = diagnostics.allSatisfy { $0.isIncomplete }
            #expect(!incomplete, "\(source)")
        }
    }

    @Test func renderedDiagnosticHasLineAndCaret() {
        let (_, diagnostics) = Parser.parse(SourceFile(name: "script.roster", text: "print 1\nlet x = [1, 2\n"))
        #expect(diagnostics.first?.rendered() == """
            script.roster:3:1: error: expected ']' to close the list opened at 2:9, found end of input

            ^
            script.roster:2:9: note: list opened here
            let x = [1, 2
                    ^

            """)
    }

    @Test func recoversAndReportsEveryError() {
        let source = "let = 1\nprint ok\nlet y = )\nprint fine\nfor in x { }\n"
        let (statements, diagnostics) = Parser.parse(SourceFile(name: "t", text: source))
        #expect(diagnostics.count == 3)
        #expect(statements.count == 2)
    }
}

/// Tokens in each mode.
struct LexerTests {
    static func kinds(_ source: String, _ mode: Lexer.Mode) -> [String] {
        let file = SourceFile(name: "t", text: source)
        let lexer = Lexer(file: file)
        var position = 0
        var out: [String] = []
        while true {
            guard let t = try? lexer.next(at: position, mode: mode) else { out.append("error"); break }
            if t.kind == .eof { break }
            out.append(Parser.describe(t.kind))
            position = t.end
        }
        return out
    }

    static let cases: [(String, Lexer.Mode, [String])] = [
        ("10-2", .expression, ["'10'", "'-'", "'2'"]),
        ("10-2", .command, ["'10-2'"]),
        ("2024-01-02", .command, ["'2024-01-02'"]),
        ("-5 +3 1.5 1e3", .command, ["'-5'", "'3'", "'1.5'", "'1000.0'"]),
        ("name=value --flag --opt=1", .command, ["'name='", "'value'", "'--flag'", "'opt='", "'1'"]),
        ("$a.b[0]", .expression, ["'$a'", "'.b'", "'['", "'0'", "']'"]),
        ("1..3 1..<3", .expression, ["'1'", "'..'", "'3'", "'1'", "'..<'", "'3'"]),
        ("a == b != c <= d >= e < f > g", .expression, ["'a'", "'=='", "'b'", "'!='", "'c'", "'<='", "'d'", "'>='", "'e'", "'<'", "'f'", "'>'", "'g'"]),
        ("7 // 2 % 3", .expression, ["'7'", "'//'", "'2'", "'%'", "'3'"]),
        ("x # comment\ny", .expression, ["'x'", "end of line", "'y'"]),
        ("ada@example.com", .command, ["'ada@example.com'"]),
        ("a|b;c", .command, ["'a'", "'|'", "'b'", "';'", "'c'"]),
        ("\"s\" 's'", .command, ["a string", "a string"]),
        ("\"open", .command, ["error"]),
        ("x \\\ny", .command, ["'x'", "'y'"]),
    ]

    @Test(arguments: cases)
    func tokens(_ source: String, _ mode: Lexer.Mode, _ expected: [String]) {
        #expect(LexerTests.kinds(source, mode) == expected)
    }

    @Test func stringPieces() throws {
        let file = SourceFile(name: "t", text: #""a $b.c.d ${e} \$f $g. $h.1""#)
        let t = try Lexer(file: file).next(at: 0, mode: .expression)
        guard case .string(let s) = t.kind else { Issue.record("not a string"); return }
        #expect(s.pieces.count == 9)
        if case .path(let name, let fields, _, _) = s.pieces[1] {
            #expect(name == "b")
            #expect(fields == ["c", "d"])
        } else {
            Issue.record("piece 1 is no path")
        }
        if case .text(let t) = s.pieces[4] { #expect(t == " $f ") } else { Issue.record("piece 4 is no text") }
        if case .path(let name, let fields, _, _) = s.pieces[7] {
            #expect(name == "h" && fields.isEmpty)
        } else {
            Issue.record("piece 7 is no path")
        }
    }
}
