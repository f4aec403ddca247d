import ArgumentParser
import Foundation
import LineEditor
import RosterCatalog
import RosterScript
import RosterSession

/// The command line: argument parsing only.
struct Roster: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roster",
        abstract: "A scriptable REPL and batch runner for SaaS account administration.",
        discussion: """
            roster                 start the REPL (or run stdin as a script when it is not a terminal)
            roster FILE [ARG...]   run a script; ARGs are $args
            roster run FILE        the same
            roster -c 'SOURCE'     run a snippet
            roster -               run stdin
            roster check FILE      parse and check without running
            roster serve           the sandbox over HTTP (roster serve --help)
            roster verbs           the service verbs
            roster profiles        the profiles of config.toml (tokens never shown)
            roster journal FILE    what a --journal holds: writes done, refused, in doubt
            Exit codes: 0 ok, 1 some loop iterations failed (--keep-going), 64 usage, 65 syntax error, 70 runtime error, 75 the journal is in use by another run, 130 interrupted (Ctrl-C; SIGTERM in a script run).
            """,
        version: "0.1.0"
    )

    @Option(name: .customShort("c"), help: "Run SOURCE and exit.")
    var command: String?

    @Option(name: .customLong("var"), help: ArgumentHelp("Set $NAME to VALUE (repeatable).", valueName: "NAME=VALUE"))
    var variables: [String] = []

    @Option(help: "Result format: table, json, ndjson or csv (default: table on a terminal, ndjson otherwise).")
    var output: String?

    @Option(help: "The profile of config.toml that verbs use (default: its default, else sandbox; with --sandbox-url or --sandbox-db, sandbox).")
    var profile: String?

    @Option(help: ArgumentHelp("The config file (also ROSTER_CONFIG; default: $XDG_CONFIG_HOME/roster/config.toml). A named file that cannot be read stops roster.", valueName: "FILE"))
    var config: String?

    @Option(help: "Use a running `roster serve` at URL as the sandbox (also ROSTER_SANDBOX_URL).")
    var sandboxURL: String?

    @Option(help: "The embedded sandbox's SQLite file, or :memory: (also ROSTER_SANDBOX_DB).")
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

    @ArgumentParser.Argument(parsing: .captureForPassthrough, help: "A script (or 'run FILE', 'check FILE', '-') and its arguments.")
    var rest: [String] = []

    mutating func run() throws {
        let err = TextOutput.standardError
        var options = SessionOptions()
        if let output {
            guard let format = OutputFormat(rawValue: output) else {
                throw usage("unknown output format '\(output)'\(Suggest.hint(output, OutputFormat.allCases.map(\.rawValue))); valid: table, json, ndjson, csv")
            }
            options.output = format
        }
        for v in variables {
            guard let eq = v.firstIndex(of: "="), eq != v.startIndex else {
                throw usage("--var needs NAME=VALUE, got '\(v)'")
            }
            let name = String(v[..<eq])
            guard name.first.map({ $0.isLetter || $0 == "_" }) == true, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw usage("--var name '\(name)' is not a valid variable name (letters, digits and _)")
            }
            options.variables.append((name, String(v[v.index(after: eq)...])))
        }

        if plan != nil && !dryRun { throw usage("--plan FILE goes with --dry-run") }
        if journal != nil && dryRun { throw usage("--dry-run sends no writes, so it keeps no journal; drop --journal for the dry run") }
        options.batch.dryRun = dryRun
        options.batch.planFile = plan
        options.batch.journal = journal
        options.batch.keepGoing = keepGoing
        options.batch.failures = failures

        var words = rest
        if words.first == "serve" {
            Serve.main(Array(words.dropFirst()))
            return
        }
        if words.first == "journal" {
            guard words.count == 2 else { throw usage("'roster journal' takes one FILE") }
            do {
                TextOutput.standardOutput.write(try Journal.summary(of: words[1]))
                TextOutput.standardOutput.flush()
                return
            } catch let e as ErrorValue {
                throw usage(e.message)
            }
        }
        let targets = try makeTargets()
        guard timeout > 0, timeout <= 86_400 else { throw usage("--timeout needs seconds from more than 0 to 86400, got \(timeout)") }
        options.catalog = Catalog(targets: targets, transport: Transport(sender: AsyncHTTPSender(timeout: timeout)))
        if words == ["verbs"] || words == ["profiles"] {
            let out = TextOutput.standardOutput
            out.write(words == ["verbs"] ? options.catalog!.verbList() : targets.describe())
            out.flush()
            return
        }
        if let command {
            options.arguments = words
            let session = Session(options: options)
            throw ArgumentParser.ExitCode(session.run(SourceFile(name: "<-c>", text: command)))
        }
        var mode = "run"
        if let first = words.first, first == "run" || first == "check" {
            mode = first
            words.removeFirst()
            guard !words.isEmpty else { throw usage("'roster \(mode)' needs a FILE") }
        }
        if let first = words.first, first.hasPrefix("-"), first != "-" {
            throw usage("unknown option '\(first)'")
        }
        guard let path = words.first else {
            let session = Session(options: options)
            if standardInputIsTerminal() { throw ArgumentParser.ExitCode(session.repl()) }
            guard let file = Session.load("-", err: err) else { throw ArgumentParser.ExitCode(RosterSession.ExitCode.usage) }
            throw ArgumentParser.ExitCode(session.run(file))
        }
        options.arguments = Array(words.dropFirst())
        guard let file = Session.load(path, err: err) else { throw ArgumentParser.ExitCode(RosterSession.ExitCode.usage) }
        let session = Session(options: options)
        if mode == "check" {
            let diagnostics = session.interpreter.check(file)
            for d in diagnostics { err.write(d.rendered()) }
            throw ArgumentParser.ExitCode(diagnostics.isEmpty ? 0 : RosterSession.ExitCode.syntax)
        }
        throw ArgumentParser.ExitCode(session.run(file))
    }

    /// Profiles from config.toml, and the sandbox: a running one by URL, else the embedded one.
    private func makeTargets() throws -> SessionTargets {
        let environment = ProcessInfo.processInfo.environment
        do {
            let (path, named) = Profiles.configPath(option: config, environment: environment)
            let profiles = try Profiles.load(path: path, namedBy: named)
            let url = sandboxURL ?? environment["ROSTER_SANDBOX_URL"].flatMap { $0.isEmpty ? nil : $0 }
            let database = EmbeddedSandbox.databasePath(sandboxDB, environment: environment)
            // Naming a sandbox means the sandbox: a config's default profile must not take the writes.
            let namesSandbox = url != nil || sandboxDB != nil || environment["ROSTER_SANDBOX_DB"].map { !$0.isEmpty } == true
            return try SessionTargets(profiles: profiles, environment: environment, defaultProfile: profile ?? (namesSandbox ? "sandbox" : nil)) {
                if let url { return url }
                return try EmbeddedSandbox.start(database: database)
            }
        } catch let e as ConfigError {
            throw usage(e.description)
        }
    }

    private func usage(_ message: String) -> ArgumentParser.ExitCode {
        TextOutput.standardError.write("roster: \(message)\n")
        return ArgumentParser.ExitCode(RosterSession.ExitCode.usage)
    }
}
