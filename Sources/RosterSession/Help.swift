import Foundation
import RosterScript

/// `help` and `help TOPIC`: the language at the prompt, from the same tables the interpreter uses.
enum Help {
    static let topics: [String: String] = [
        "variables": """
            let NAME = VALUE        declare (block-scoped; may shadow or re-declare)
            $NAME = VALUE           assign an existing variable; $r.field = v and $xs[0] = v work too
            $NAME.field[0]          read, with field paths and indexes (a missing field is null)
            """,
        "strings": """
            "double quotes"  interpolate $name.path and ${any expression}; escapes \\n \\t \\r \\" \\\\ \\$ \\u{1F600}
            'single quotes'  are raw
            """,
        "values": """
            null  true false  42  3.5  "text"  [1, 2, 3]  {name: "Ada", "quoted key": 1}  1..3  1..<3
            A command's paged result is a stream: fetched page by page as it is used; each use reads it from the start.
            Errors are values too: status, code, message, operation, request_id, location.
            """,
        "commands": """
            A line that starts with a bare word is a command: a verb (SERVICE RESOURCE VERB), a builtin or your function.
            Arguments: name=value, --flag, --option value, or positional values. Bare words are strings
            (numbers when they read as numbers). Use (parentheses) to compute an argument: print ($a + 1).
            """,
        "pipelines": """
            EXPR | where .role == "admin" | select .user.login .role | sort .login --desc | first 10
            Stages: where COND, select .a .b.c, sort [.field] [--desc], first [N], count, each { ... }, save FILE,
            or any command (the piped value is its first argument). .field is a field of the current item ($it).
            """,
        "control": """
            if COND { } else if COND { } else { }     for x in EXPR { }     while COND { }
            for x in EXPR --parallel N { }   up to N iterations at once (the body assigns only its own variables)
            for x in EXPR --keep-going { }   a failed iteration is reported and the loop goes on
            break  continue  return [VALUE]  exit [N]  source FILE
            try { ... } catch e { print $e.message }
            """,
        "functions": """
            def onboard(email, group, role="member") { ... return VALUE }
            onboard "ada@example.com" 42 role=admin      # called like a command
            let r = onboard("ada@example.com", 42)       # or like a function
            """,
        "profiles": """
            use NAME                      later commands go to profile NAME of config.toml (sandbox is always one)
            ld members list --profile NAME  this one command goes to NAME (read from one profile, write to another)
            roster profiles               lists them, tokens never shown; roster --profile NAME picks one for a run
            """,
        "repl": """
            TAB completes keywords, builtins, verbs, parameters, allowed values (role=<TAB>), live names and
            ids (group=Eng<TAB>), $variables and $var.fields; TAB TAB lists choices.
            Ctrl-C drops the line or stops the running command; Ctrl-D leaves.
            Long results go through the pager (ROSTER_PAGER, PAGER, less -FRX; roster --no-pager turns it off).
            :record FILE    write each statement that succeeds from now on into FILE (:record off stops)
            :output FORMAT  show results as table, json, ndjson or csv from now on
            :wide           listings show every field from now on (:wide off: their columns again)
            :help           this; help : too
            :quit           leave
            """,
    ]

    static func text(for topic: String, host: SessionHost) throws -> String {
        let t = topic.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return overview() }
        if let text = topics[t] { return text + "\n" }
        if let (signature, summary) = Builtins.describe(t) { return "\(signature)\n    \(summary)\n" }
        if let key = keywordTopics[t], let text = topics[key] { return text + "\n" }
        if t == ":" || t.hasPrefix(":") { return topics["repl"]! + "\n" }   // help :, help :record
        if let catalog = host.catalog {
            if t == "verbs" { return catalog.verbList() }
            if let text = catalog.help(for: t.split(separator: " ").map(String.init)) { return text }
        }
        let names = Array(topics.keys) + Builtins.names + Array(keywordTopics.keys) + (host.catalog?.commandNames ?? [])
        throw ErrorValue(code: "unknown_topic", message: "no help for '\(t)'\(Suggest.hint(t, names)); try 'help' for the list of topics")
    }

    static let keywordTopics: [String: String] = [
        "let": "variables", "if": "control", "else": "control", "for": "control", "while": "control",
        "break": "control", "continue": "control", "return": "functions", "def": "functions",
        "try": "control", "catch": "control", "use": "profiles", "exit": "control", "source": "control",
        "where": "pipelines", "select": "pipelines", "sort": "pipelines", "first": "pipelines",
        "count": "pipelines", "each": "pipelines",
    ]

    static func overview() -> String {
        var out = """
            roster: a command language for SaaS account administration.

            Topics: \(topics.keys.sorted().joined(separator: ", ")), verbs (the service verbs; help ld, help box memberships add)
            Builtins (help NAME for each):

            """
        let width = Builtins.names.map(\.count).max() ?? 0
        for name in Builtins.names {
            let (_, summary) = Builtins.describe(name)!
            out += "  " + name.padding(width) + "  " + summary + "\n"
        }
        return out
    }
}
