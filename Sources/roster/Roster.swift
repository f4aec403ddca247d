import ArgumentParser
import Foundation
import LineEditor
import RosterCatalog
import RosterScript
import RosterSession

/// The command line: argument parsing only (RosterSession's Launch does the wiring).
struct Roster: ParsableCommand {
    /// The long options, for the hint at a mistyped one.
    static let optionNames = ["--config", "--dry-run", "--failures", "--help", "--journal", "--keep-going", "--no-pager", "--output", "--plan",
                              "--profile", "--sandbox-db", "--sandbox-url", "--timeout", "--var", "--version"]

    static let configuration = CommandConfiguration(
        commandName: "roster",
        abstract: "A scriptable REPL and batch runner for SaaS account administration.",
        discussion: """
            With no subcommand, roster runs: the REPL (or stdin, when it is not a terminal), a \
            script and its arguments (roster FILE ARG...), or a snippet (roster -c SOURCE). The \
            common options go before the script's path, before or after the subcommand; \
            everything after the path belongs to the script ($args).

            Exit codes: 0 ok; 1 some loop iterations failed (--keep-going); 64 usage; 65 a syntax \
            or binding error (nothing ran); 70 a runtime error; 75 the journal is in use by \
            another run; 130 interrupted (Ctrl-C, or SIGTERM in a script run).
            """,
        version: Launch.version,
        subcommands: [Run.self, Check.self, Serve.self, Verbs.self, HelpTopic.self, ProfilesCommand.self, JournalCommand.self, Completions.self],
        defaultSubcommand: Run.self
    )
}

/// The options every subcommand that runs or names a target takes.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("var"), help: ArgumentHelp("Set $NAME to VALUE (repeatable).", valueName: "NAME=VALUE"))
    var variables: [String] = []

    @Option(help: ArgumentHelp("Result format: table, json, ndjson or csv (default: table on a terminal, ndjson otherwise).", valueName: "FORMAT"))
    var output: String?

    @Option(help: "The profile of config.toml that verbs use (default: its default, else sandbox; with --sandbox-url or --sandbox-db, sandbox).")
    var profile: String?

    @Option(help: ArgumentHelp("The config file (also ROSTER_CONFIG; default: $XDG_CONFIG_HOME/roster/config.toml). A named file that cannot be read stops roster.", valueName: "FILE"))
    var config: String?

    @Option(help: ArgumentHelp("Use a running `roster serve` at URL as the sandbox (also ROSTER_SANDBOX_URL).", valueName: "URL"))
    var sandboxURL: String?

    @Option(help: ArgumentHelp("The embedded sandbox's SQLite file, or :memory: (also ROSTER_SANDBOX_DB).", valueName: "FILE"))
    var sandboxDB: String?

    @Option(help: ArgumentHelp("Seconds one request may take in all (connecting has 10).", valueName: "SECONDS"))
    var timeout: Double = 60

    @Flag(help: "Perform reads, but only show each write (and answer it with a stand-in).")
    var dryRun = false

    @Option(help: ArgumentHelp("With --dry-run: save the planned writes as JSON lines.", valueName: "FILE"))
    var plan: String?

    @Option(help: ArgumentHelp("Journal every write; a re-run with the same FILE applies each one exactly once.", valueName: "FILE"))
    var journal: String?

    @Flag(help: "Go on past a failed loop iteration; exit 1 at the end if any failed.")
    var keepGoing = false

    @Option(help: ArgumentHelp("Write each failure passed over as a JSON line (a re-run can take it as its input).", valueName: "FILE"))
    var failures: String?

    @Flag(help: "Show results on a terminal directly, not through the pager (ROSTER_PAGER, else PAGER, else less -FRX; an empty ROSTER_PAGER turns it off too).")
    var noPager = false

    var settings: LaunchSettings {
        var s = LaunchSettings()
        s.variables = variables
        s.output = output
        s.profile = profile
        s.config = config
        s.sandboxURL = sandboxURL
        s.sandboxDB = sandboxDB
        s.timeout = timeout
        s.dryRun = dryRun
        s.plan = plan
        s.journal = journal
        s.keepGoing = keepGoing
        s.failures = failures
        s.noPager = noPager
        return s
    }

    /// The session's options and a catalog over the configured targets.
    func session() throws -> SessionOptions { try CommonOptions.session(settings) }

    static func session(_ settings: LaunchSettings) throws -> SessionOptions {
        do {
            var options = try Launch.options(settings)
            let targets = try Launch.targets(settings, environment: ProcessInfo.processInfo.environment) { database in
                try EmbeddedSandbox.start(database: database)
            }
            options.catalog = Launch.catalog(settings, targets: targets)
            return options
        } catch {
            throw usage(error.message)
        }
    }

    func targets() throws -> SessionTargets {
        do {
            _ = try Launch.options(settings)
            return try Launch.targets(settings, environment: ProcessInfo.processInfo.environment) { database in
                try EmbeddedSandbox.start(database: database)
            }
        } catch {
            throw usage(error.message)
        }
    }
}

func usage(_ message: String) -> ArgumentParser.ExitCode {
    TextOutput.standardError.write("roster: \(message)\n")
    TextOutput.standardError.flush()
    return ArgumentParser.ExitCode(RosterSession.ExitCode.usage)
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a script, a snippet (-c), stdin (-), or the REPL when none is given (the default subcommand).",
        version: Launch.version)

    @OptionGroup var options: CommonOptions

    @Option(name: .customShort("c"), help: ArgumentHelp("Run SOURCE and exit.", valueName: "SOURCE"))
    var command: String?

    @ArgumentParser.Argument(parsing: .captureForPassthrough, help: ArgumentHelp("A script (or - for stdin) and its arguments ($args).", valueName: "FILE ARG"),
              completion: .file(extensions: ["roster"]))
    var script: [String] = []

    /// The script's words: one of roster's own options among them (`roster s.roster --dry-run`)
    /// is a usage error, since the run would go ahead without it (the writes sent); after
    /// `--`, words are the script's whatever they are.
    static func scriptWords(_ words: [String], explicit: Bool) throws -> [String] {
        guard !explicit else { return words }
        if let end = words.firstIndex(of: "--") {
            _ = try scriptWords(Array(words[..<end]), explicit: false)
            return Array(words[..<end]) + words[(end + 1)...]
        }
        // (--help and --version change nothing a run does: a script may take them as its own.)
        for word in words where Roster.optionNames.contains(String(word.prefix { $0 != "=" })) && !["--help", "--version"].contains(word) {
            throw usage("'\(word)' after the script's name would go to the script ($args), not to roster: give roster's options before the script (roster \(word) FILE), or write -- before it to pass it to the script")
        }
        return words
    }

    func run() throws {
        // The script's words are captured whole, --help and --version among them when they
        // come first (before a script they are roster's; after it, the script's).
        if let first = script.first, ["--version", "--help", "-h"].contains(first) {
            TextOutput.standardOutput.write(first == "--version" ? Launch.version + "\n" : Roster.helpMessage(for: Run.self) + "\n")
            TextOutput.standardOutput.flush()
            return
        }
        var session = try options.session()
        // An option roster does not know, where options may still come, is a mistake (a typo of
        // --dry-run must not run the writes); `--` ends roster's options.
        var script = script
        if script.first == "--" {
            script.removeFirst()
        } else if let first = script.first, first.hasPrefix("-"), first != "-" {
            throw usage("unknown option '\(first)'\(Suggest.hint(first, Roster.optionNames)) (roster --help lists them; words after -- go to the script)")
        }
        if let command {
            session.arguments = try Run.scriptWords(script, explicit: self.script.first == "--")
            throw ArgumentParser.ExitCode(Session(options: session).run(SourceFile(name: "<-c>", text: command), leavingValuesToExit: true))
        }
        guard let path = script.first else {
            let s = Session(options: session)
            if standardInputIsTerminal() { throw ArgumentParser.ExitCode(s.repl()) }
            guard let file = Session.load("-") else { throw ArgumentParser.ExitCode(RosterSession.ExitCode.usage) }
            s.host.pager = nil
            throw ArgumentParser.ExitCode(s.run(file, leavingValuesToExit: true))
        }
        try Run.script(path, Array(script.dropFirst()), session)
    }

    /// `roster FILE ARG...` with no option before FILE: the whole command line is the script's
    /// path and words, so roster runs it without swift-argument-parser, whose reflection over
    /// the commands' options is half of a run's start-up (4 ms here). Nil for any other command
    /// line: an option, a subcommand, `-` (stdin), or none (the REPL).
    static func plainScript(_ arguments: [String]) -> (path: String, words: [String])? {
        guard let path = arguments.first, !path.hasPrefix("-"),
              !Roster.configuration.subcommands.contains(where: { $0.configuration.commandName == path }) else { return nil }
        return (path, Array(arguments.dropFirst()))
    }

    /// Runs the script at `path` with `words` as its arguments; throws the exit code.
    static func script(_ path: String, _ words: [String], _ options: SessionOptions) throws {
        var session = options
        session.arguments = try Run.scriptWords(words, explicit: false)
        // `roster chek x`: a misspelt subcommand reads as a script that is not there.
        if path != "-", !path.contains("/"), !FileManager.default.fileExists(atPath: path) {
            let names = Roster.configuration.subcommands.map { $0._commandName }
            let hint = Suggest.hint(path, names)
            if !hint.isEmpty { throw usage("cannot read '\(path)': no such file\(hint.replacingOccurrences(of: "?", with: " (a subcommand)?"))") }
            // `roster ld members list`: a verb typed as a command line.
            if ["ld", "launchdarkly", "box", "losant"].contains(path.lowercased()) {
                let line = ([path] + words).map { $0.contains(" ") ? "\"\($0)\"" : $0 }.joined(separator: " ")
                throw usage("cannot read '\(path)': no such file; to run a verb, give it with -c: roster -c '\(Sanitize.visible(line))' (or type it at the prompt: roster)")
            }
        }
        // A script runs through unattended: only the prompt and -c page their results.
        session.pager = nil
        guard let file = Session.load(path) else { throw ArgumentParser.ExitCode(RosterSession.ExitCode.usage) }
        throw ArgumentParser.ExitCode(Session(options: session).run(file, leavingValuesToExit: true))
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Parse, compile and bind a script without running anything: every problem, each at its place (exit 65 if any).",
        version: Launch.version)

    @OptionGroup var options: CommonOptions

    @ArgumentParser.Argument(help: "The script.", completion: .file(extensions: ["roster"]))
    var file: String

    @ArgumentParser.Argument(parsing: .captureForPassthrough, help: ArgumentHelp("Its arguments ($args).", valueName: "ARG"))
    var arguments: [String] = []

    func run() throws {
        var session = try options.session()
        session.arguments = arguments
        guard let source = Session.load(file) else { throw ArgumentParser.ExitCode(RosterSession.ExitCode.usage) }
        let diagnostics = Session(options: session).interpreter.check(source)
        for d in diagnostics { TextOutput.standardError.write(d.rendered()) }
        TextOutput.standardError.flush()
        throw ArgumentParser.ExitCode(diagnostics.isEmpty ? 0 : RosterSession.ExitCode.syntax)
    }
}

struct Verbs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verbs", abstract: "List the service verbs.", version: Launch.version)
    @OptionGroup var options: CommonOptions

    func run() throws {
        let out = TextOutput.standardOutput
        out.write(try options.session().catalog!.verbList())
        out.flush()
    }
}

struct ProfilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "profiles", abstract: "List the profiles of config.toml (tokens never shown).",
                                                    version: Launch.version)
    @OptionGroup var options: CommonOptions

    func run() throws {
        let out = TextOutput.standardOutput
        out.write(try options.targets().describe())
        out.flush()
    }
}

struct HelpTopic: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "help",
        abstract: "What the REPL's help says: the overview, a topic, a builtin, a service or a verb (roster help box memberships add).",
        version: Launch.version)
    @OptionGroup var options: CommonOptions

    @ArgumentParser.Argument(help: "A topic, builtin, service or verb.", completion: .custom { words, _, _ in HelpTopic.complete(words) })
    var topic: [String] = []

    func run() throws {
        // `roster help check`: a subcommand's own help, as `roster --help` says to ask for it.
        if topic.count == 1, !Launch.isHelpTopic(topic[0]), let command = Roster.configuration.subcommands.first(where: { $0._commandName == topic[0] }) {
            TextOutput.standardOutput.write(Roster.helpMessage(for: command) + "\n")
            TextOutput.standardOutput.flush()
            return
        }
        do {
            let out = TextOutput.standardOutput
            out.write(try Launch.help(topic.joined(separator: " "), catalog: options.session().catalog!))
            out.flush()
        } catch let e as ArgumentParser.ExitCode {
            throw e
        } catch let e as ErrorValue {
            throw usage(e.message)
        } catch {
            throw usage("\(error)")
        }
    }

    /// The next word of a verb (`box`, `box memberships`, `box memberships add`), then its
    /// parameters as `name=`.
    static func complete(_ words: [String]) -> [String] {
        // The words after `help`, the last being the one typed so far.
        let typed = Array(words.drop { $0 != "help" }.dropFirst())
        let done = Array(typed.dropLast())
        let verbs = Launch.verbNames()
        if done.count >= 3, let verb = verbs.first(where: { $0 == done.prefix(3).joined(separator: " ") }) {
            return Launch.parameterNames(ofVerb: verb).map { $0 + "=" }
        }
        var next = Set<String>()
        for verb in verbs {
            let parts = verb.split(separator: " ").map(String.init)
            if parts.count > done.count, Array(parts.prefix(done.count)) == done { next.insert(parts[done.count]) }
        }
        return next.sorted()
    }
}

struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "journal",
                                                    abstract: "What a --journal holds: runs, writes done, refused and in doubt by operation.",
                                                    version: Launch.version)
    @ArgumentParser.Argument(help: "The journal file.", completion: .file())
    var file: String

    @Flag(help: """
        Forget the writes in doubt, once you have checked them by hand (a script that selects by \
        what its earlier run changed never reaches them again, and each rerun exits 1 for them): \
        a run that reaches a forgotten write sends it as a new one.
        """)
    var forgetInDoubt = false

    func run() throws {
        do {
            if forgetInDoubt {
                let forgotten = try Journal.forgetInDoubt(file)
                var out = forgotten.isEmpty ? "\(file): no write is in doubt; nothing forgotten\n"
                    : "\(file): forgot \(forgotten.count) write\(forgotten.count == 1 ? "" : "s") in doubt (a run that reaches one sends it as a new write):\n"
                for line in forgotten.prefix(20) { out += "  \(line)\n" }
                if forgotten.count > 20 { out += "  ... and \(forgotten.count - 20) more\n" }
                TextOutput.standardOutput.write(out)
            } else {
                TextOutput.standardOutput.write(try Journal.summary(of: file))
            }
            TextOutput.standardOutput.flush()
        } catch let e as ErrorValue {
            TextOutput.standardError.write("roster: \(e.message)\n")
            TextOutput.standardError.flush()
            throw ArgumentParser.ExitCode(RosterSession.ExitCode.refusing(e))
        }
    }
}

struct Completions: ParsableCommand {
    /// swift-argument-parser adds its own `help` subcommand beside roster's, and its function
    /// in the script, defined second, would replace the one that completes verbs: drop it.
    static func withoutSecondHelp(_ script: String) -> String {
        for name in ["\n_roster_help() {", "\n_roster_help()"] {
            guard let first = script.range(of: name), let second = script.range(of: name, range: first.upperBound..<script.endIndex),
                  let end = script.range(of: "\n}\n", range: second.upperBound..<script.endIndex) else { continue }
            var out = script
            out.removeSubrange(second.lowerBound..<end.upperBound)
            return out
        }
        return script
    }

    static let configuration = CommandConfiguration(
        commandName: "completions",
        abstract: "Print a completion script for bash, zsh or fish (e.g. roster completions bash > /etc/bash_completion.d/roster).",
        version: Launch.version)
    @ArgumentParser.Argument(help: "bash, zsh or fish.")
    var shell: String

    func run() throws {
        guard let kind = CompletionShell(rawValue: shell) else { throw usage("completions: unknown shell '\(shell)'; valid: bash, zsh, fish") }
        TextOutput.standardOutput.write(Completions.withoutSecondHelp(Roster.completionScript(for: kind)))
        TextOutput.standardOutput.flush()
    }
}

private extension Error {
    var message: String { (self as? UsageError)?.message ?? "\(self)" }
}

