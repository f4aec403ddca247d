import Foundation
import Testing

/// Every output format at its edges, through the binary: what an admin pipes into a file
/// must hold every field and every row, exactly.
extension EndToEndTests {
@Suite struct OutputTests {
    func show(_ format: String, _ script: String) throws -> RosterProcess.Result {
        try RosterProcess.run(["--output", format, "-c", script])
    }

    /// 102 rows where only the last has a field `b`.
    let lateField = """
        def row(i) {
            if $i == 101 { return {a: $i, b: "late"} }
            return {a: $i}
        }
        """

    @Test func tablesCutLongCellsShowNewlinesAndSayWhatTheyCouldNotShow() throws {
        let long = String(repeating: "x", count: 60)
        let r = try show("table", "[{name: \"\(long)\", note: \"two\\nlines\"}]")
        #expect(r.out == "name                                              note\n" + String(repeating: "x", count: 47) + "…  two⏎lines\n", "\(r.out)")
        // Rows past the first 100 still print; a field first seen there is named, not dropped.
        let many = try show("table", lateField + "\nrange(0, 102) | each { row($it) }")
        let lines = many.out.split(separator: "\n")
        #expect(lines.count == 104 && lines[0] == "a" && lines[101] == "100" && lines[102] == "101", "\(lines.suffix(3))")
        #expect(lines.last == "(not shown: b, first seen after the first 100 rows; select them, or use --output json)")
    }

    /// Columns are as wide as a terminal shows them: East Asian wide characters and emoji take
    /// two columns, so their rows line up with the others, and a long one is cut by columns.
    @Test func wideCharactersTakeTwoColumns() throws {
        let r = try show("table", #"[{name: "山田太郎", team: "開発"}, {name: "ada", team: "eng"}, {name: "😀 x", team: "e"}]"#)
        #expect(r.out == "name      team\n山田太郎  開発\nada       eng\n😀 x      e\n", "\(r.out)")
        let long = try show("table", "[{name: \"\(String(repeating: "字", count: 40))\", n: 1}]")
        let row = long.out.split(separator: "\n").last.map(String.init) ?? ""
        #expect(row == String(repeating: "字", count: 23) + "…  1", "\(row)")
    }

    /// Each listing's table shows its declared columns, fits the width it is given, shows
    /// times as dates (LaunchDarkly's 0 as never) and ends with its count; --wide and
    /// --columns choose other columns; JSON keeps the whole objects.
    @Test func listingTablesFitTheWidthWithTheirDefaultColumns() throws {
        func table(_ command: String, columns: Int) throws -> [String] {
            let r = try RosterProcess.run(["--sandbox-db", ":memory:", "--output", "table", "-c", command],
                                          environment: ["COLUMNS": "\(columns)", "TZ": "UTC"])
            #expect(r.status == 0, "\(command): \(r.err)")
            return r.out.split(separator: "\n").map(String.init)
        }
        let listings: [(String, String, String)] = [
            ("ld members list", "email", "6 members"),
            ("box memberships list group=57001", "id       login              user.name     group.name   role    created_at", "3 memberships"),
            ("box users list", "id", "6 users"),
            ("losant tokens list", "id", "5 tokens"),
        ]
        for width in [80, 150] {
            for (command, header, footer) in listings {
                let lines = try table(command, columns: width)
                #expect(lines.allSatisfy { $0.count <= width }, "\(command) at \(width): \(lines.filter { $0.count > width })")
                #expect(lines.first?.hasPrefix(header) == true && lines.last == footer, "\(command) at \(width): \(lines)")
            }
        }
        let members = try table("ld members list", columns: 80)
        let header = members[0].split(separator: " ").map(String.init)
        let names = ["email", "firstName", "lastName", "role", "customRoles", "teams", "lastSeen"]
        #expect(header.count == names.count && zip(header, names).allSatisfy { h, n in h == n || (h.hasSuffix("…") && n.hasPrefix(h.dropLast())) }, "\(members[0])")
        #expect(members.contains { $0.contains("…") }, "cut cells end with …")
        #expect(members.contains { $0.hasPrefix("linus@") && $0.hasSuffix("never") }, "\(members)")
        // What tells the rows apart is cut last: every email whole at 80 columns.
        #expect(members.contains { $0.hasPrefix("katherine@example.com ") } && members.contains { $0.hasPrefix("margaret@example.com ") }, "\(members)")
        let wide = try table("ld members list", columns: 150)
        #expect(wide.contains { $0.contains("2023-12-14 20:13") || $0.range(of: #"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"#, options: .regularExpression) != nil }, "\(wide)")
        let tokens = try table("losant tokens list", columns: 150)
        #expect(tokens.contains { $0.contains("instanceApiTokens.get, instanceApiToken.get") }, "lists read a, b: \(tokens)")
        let chosen = try table("box memberships list group=57001 --columns \"user.login,role\"", columns: 150)
        #expect(chosen.first?.split(separator: " ").map(String.init) == ["login", "role"], "\(chosen)")
        #expect(!chosen.contains { $0.hasPrefix("(no ") }, "\(chosen)")
        // A chosen column no row has (a typo) is said with the fields there are, not left an
        // empty column; a default column that is empty (no teams) is not.
        let typo = try table("ld members list --columns \"email,rolez,teams.kye\"", columns: 150)
        #expect(typo.last?.hasPrefix("(no member has a value for 'rolez', 'kye'; the fields are _id,") == true && typo.last?.contains(" role,") == true, "\(typo)")
        let right = try table("ld members list --columns \"email,role,teams.key\"", columns: 150)
        #expect(right.last == "6 members", "\(right)")
        let all = try table("ld members list --wide", columns: 400)
        #expect(all.first?.contains("_links") == true && all.first?.contains("_lastSeen") == true, "\(all.first ?? "")")
        let json = try RosterProcess.run(["--sandbox-db", ":memory:", "--output", "json", "-c", "ld members list"])
        #expect(json.out.contains("\"_links\"") && json.out.contains("\"_lastSeen\": 1"), "JSON keeps the whole objects")
        // An expired token reads `active (expired)` in a table only; its value keeps the API's word.
        let expired = "losant tokens list | where .name == \"old-integration\""
        #expect(try table(expired, columns: 150).contains { $0.contains("active (expired)") })
        let value = try RosterProcess.run(["--sandbox-db", ":memory:", "--output", "ndjson", "-c", expired])
        #expect(value.out.contains(#""status":"active""#) && !value.out.contains("expired"), "\(value.out)")
    }

    @Test func aRecordOrAnErrorIsAKeyValueTable() throws {
        #expect(try show("table", "{name: \"ada\", n: 1}").out == "name  ada\nn     1\n")
        let e = try show("table", "let e = null\ntry { fail(\"boom\", \"bad_thing\") } catch err { $e = $err }\n$e")
        #expect(e.out == "code      bad_thing\nmessage   boom\nlocation  <-c>:2:7\n", "\(e.out)")
    }

    @Test func csvQuotesWhatNeedsItAndHoldsEveryField() throws {
        let r = try show("csv", #"[{a: "x,y", b: "say \"hi\"", c: " lead", d: "two\nlines"}, {a: 1, e: "only here"}]"#)
        #expect(r.out == "a,b,c,d,e\n\"x,y\",\"say \"\"hi\"\"\",\" lead\",\"two\nlines\",\n1,,,,only here\n", "\(r.out)")
        // CRLF inside a cell, and a quote with a combining mark after it: each one Character,
        // equal to neither "\n" nor "\"", and each went out unquoted (the row broke apart).
        let crlf = try show("csv", #"[{a: "p\r\nq", b: 2}, {a: "x\"\u{301}y", b: 3}]"#)
        #expect(crlf.out == "a,b\n\"p\r\nq\",2\n\"x\"\"\u{301}y\",3\n", "\(crlf.out.debugDescription)")
        // A stream's header comes from its first 100 rows; a later field is an error, not a shorter row.
        let late = try show("csv", lateField + "\nrange(0, 102) | each { row($it) }")
        #expect(late.status == 70 && late.err.contains("row 102 has a field 'b' the CSV header lacks"), "\(late.err)")
        #expect(!late.out.contains("late"))
        let within = try show("csv", lateField + "\nrange(95, 102) | each { row($it) }")
        #expect(within.out.hasPrefix("a,b\n95,\n") && within.out.hasSuffix("101,late\n"), "\(within.out)")
    }

    @Test func jsonAndNdjsonOfAStreamHoldEveryItem() throws {
        let json = try show("json", "range(0, 3) | each { {n: $it} }")
        #expect(json.out == "[\n  {\n    \"n\": 0\n  },\n  {\n    \"n\": 1\n  },\n  {\n    \"n\": 2\n  }\n]\n", "\(json.out)")
        let nd = try show("ndjson", "range(0, 3) | each { {n: $it} }")
        #expect(nd.out == "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n")
    }
}
}
