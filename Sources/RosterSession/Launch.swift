import Foundation
import RosterCatalog
import RosterScript

/// The settings every subcommand shares, as the command line gave them, and what they become:
/// the session's options, its targets. The executable parses; this wires.
public struct LaunchSettings: Sendable {
    public var variables: [String] = []
    public var output: String?
    public var profile: String?
    public var config: String?
    public var sandboxURL: String?
    public var sandboxDB: String?
    public var timeout: Double = 60
    public var dryRun = false
    public var plan: String?
    public var journal: String?
    public var keepGoing = false
    public var failures: String?
    public var noPager = false

    public init() {}
}

/// A usage error: the message for stderr (after `roster: `), exit 64.
public struct UsageError: Error, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

public enum Launch {
    /// The session's options from the shared settings; a bad value is a usage error.
    public static func options(_ s: LaunchSettings) throws(UsageError) -> SessionOptions {
        var options = SessionOptions()
        if let output = s.output {
            guard let format = OutputFormat(rawValue: output) else {
                throw UsageError("unknown output format '\(output)'\(Suggest.hint(output, OutputFormat.allCases.map(\.rawValue))); valid: table, json, ndjson, csv")
            }
            options.output = format
        }
        for v in s.variables {
            guard let eq = v.firstIndex(of: "="), eq != v.startIndex else { throw UsageError("--var needs NAME=VALUE, got '\(v)'") }
            let name = String(v[..<eq])
            guard name.first.map({ $0.isLetter || $0 == "_" }) == true, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw UsageError("--var name '\(name)' is not a valid variable name (letters, digits and _)")
            }
            options.variables.append((name, String(v[v.index(after: eq)...])))
        }
        if s.plan != nil && !s.dryRun { throw UsageError("--plan FILE goes with --dry-run") }
        if s.journal != nil && s.dryRun { throw UsageError("--dry-run sends no writes, so it keeps no journal; drop --journal for the dry run") }
        // Against stand-in answers every write succeeds: a dry run cannot tell which rows are done.
        if s.failures != nil && s.dryRun { throw UsageError("--dry-run sends no writes, so it cannot tell which rows failed; drop --failures for the dry run") }
        guard s.timeout > 0, s.timeout <= 86_400 else { throw UsageError("--timeout needs seconds from more than 0 to 86400, got \(s.timeout)") }
        options.batch.dryRun = s.dryRun
        options.batch.planFile = s.plan
        options.batch.journal = s.journal
        options.batch.keepGoing = s.keepGoing
        if let failures = s.failures { try checkFailuresFile(failures, journal: s.journal) }
        if let plan = s.plan { _ = try checkOutputFile(plan, "--plan") }
        // (Only the default database's folder is made when missing: a named one's is a typo.)
        if let db = s.sandboxDB, db != ":memory:" { _ = try checkOutputFile(db, "--sandbox-db") }
        options.batch.failures = s.failures
        options.pager = s.noPager ? nil : Pager.command(environment: ProcessInfo.processInfo.environment)
        return options
    }

    /// A --failures file is replaced at the end of the run, so it may only be a new file or an
    /// earlier failures file (a rerun's input): never a directory, the journal (whose record of
    /// applied writes would go, and a fresh journal would send them again) or the script.
    static func checkFailuresFile(_ failures: String, journal: String?) throws(UsageError) {
        let full = LocalFile.expand(failures)
        // It is written as JSON lines, and `open` tells a file's format by its name.
        guard ["jsonl", "ndjson"].contains((failures as NSString).pathExtension.lowercased()) else {
            throw UsageError("--failures \(failures): a failures file holds JSON lines; name it .jsonl (or .ndjson), so that `open` reads it back")
        }
        if let journal, resolved(full) == resolved(LocalFile.expand(journal)) {
            throw UsageError("--failures and --journal name the same file \(failures); the journal must stay as it is")
        }
        guard let st = try checkOutputFile(failures, "--failures") else { return }
        var journalStat = stat()
        if let journal, stat(LocalFile.expand(journal), &journalStat) == 0, journalStat.st_dev == st.st_dev, journalStat.st_ino == st.st_ino {
            throw UsageError("--failures and --journal name the same file \(failures); the journal must stay as it is")
        }
        guard isFailuresFile(full) else {
            throw UsageError("--failures \(failures) exists and is not a failures file; name a new file (it would be replaced)")
        }
    }

    /// A file a run writes at its end: checked before anything runs, not after. Not a
    /// directory, in a directory that exists; its stat when it exists already.
    static func checkOutputFile(_ path: String, _ flag: String) throws(UsageError) -> stat? {
        let full = LocalFile.expand(path)
        var st = stat()
        guard stat(full, &st) == 0 else {
            let dir = LocalFile.folder(of: full)
            var isDir: ObjCBool = false
            guard dir.isEmpty || FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue else {
                throw UsageError("\(flag) \(path): the directory \(dir) does not exist")
            }
            return nil
        }
        if st.st_mode & S_IFMT == S_IFDIR { throw UsageError("\(flag) \(path) is a directory; name a file in it") }
        return st
    }

    /// The path with its directory's links resolved (the file itself may not exist yet).
    /// (Through `LocalFile.canonical`: the deepest part that exists is resolved, the rest kept.)
    static func resolved(_ path: String) -> String { LocalFile.canonical(path) }

    /// Empty, or its first line is a failure (`{"input": ..., "failure": {...}}`).
    static func isFailuresFile(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 1 << 20)) ?? Data()
        let text = String(decoding: head, as: UTF8.self).drop { $0 == "\n" || $0 == " " }
        if text.isEmpty { return true }
        guard let line = text.split(separator: "\n", maxSplits: 1).first,
              case .record(let r)? = try? JSONReader.parse(String(line)) else { return false }
        return r["input"] != nil && r["failure"] != nil
    }

    /// Profiles from config.toml, and the sandbox: a running one by URL, else the embedded one
    /// (`startEmbedded` starts it on the first verb, given the database path).
    public static func targets(_ s: LaunchSettings, environment: [String: String],
                               startEmbedded: @escaping @Sendable (String) throws -> String) throws(UsageError) -> SessionTargets {
        do {
            let (path, named) = Profiles.configPath(option: s.config, environment: environment)
            let profiles = try Profiles.load(path: path, namedBy: named)
            let url = s.sandboxURL ?? environment["ROSTER_SANDBOX_URL"].flatMap { $0.isEmpty ? nil : $0 }
            if let url, let problem = Profiles.urlProblem(url) {
                throw UsageError("\(s.sandboxURL != nil ? "--sandbox-url" : "ROSTER_SANDBOX_URL") \(url) \(problem)")
            }
            let database = sandboxDatabase(s.sandboxDB, environment: environment)
            // Naming a sandbox means the sandbox: a config's default profile must not take the writes.
            let namesSandbox = url != nil || s.sandboxDB != nil || environment["ROSTER_SANDBOX_DB"].map { !$0.isEmpty } == true
            // An in-memory sandbox is new with each run: no journal may answer for it.
            let place = url.map { "the sandbox at \(ServiceTarget.normalized($0))" }
                ?? (database == ":memory:" ? "a sandbox in memory (process \(getpid()), \(UUID().uuidString.prefix(8)))" : "the sandbox database \(LocalFile.canonical(database))")
            return try SessionTargets(profiles: profiles, environment: environment, defaultProfile: s.profile ?? (namesSandbox ? "sandbox" : nil),
                                      sandboxPlace: place) {
                if let url { return url }
                return try startEmbedded(database)
            }
        } catch let e as ConfigError {
            throw UsageError(e.description)
        } catch let e as UsageError {
            throw e
        } catch {
            throw UsageError("\(error)")
        }
    }

    /// `--sandbox-db`, else `ROSTER_SANDBOX_DB`, else `$XDG_DATA_HOME/roster/sandbox.sqlite`.
    /// `~` expanded here, once, for the sandbox and the journal alike.
    public static func sandboxDatabase(_ option: String?, environment: [String: String]) -> String {
        if let option { return LocalFile.expand(option) }
        if let path = environment["ROSTER_SANDBOX_DB"], !path.isEmpty { return LocalFile.expand(path) }
        let base = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (LocalFile.home + "/.local/share")
        return base + "/roster/sandbox.sqlite"
    }

    /// A catalog over the targets, sending with the settings' timeout.
    public static func catalog(_ s: LaunchSettings, targets: SessionTargets) -> Catalog {
        Catalog(targets: targets, transport: Transport(sender: AsyncHTTPSender(timeout: s.timeout)))
    }

    /// Whether `roster help WORD` has a topic of the REPL's by that name (`profiles`, `verbs`),
    /// which comes before a subcommand's usage.
    public static func isHelpTopic(_ word: String) -> Bool { Help.topics[word] != nil || word == "verbs" }

    /// `roster help TOPIC`: what the REPL's `help TOPIC` prints.
    public static func help(_ topic: String, catalog: Catalog) throws -> String {
        try Help.text(for: topic, host: SessionHost(catalog: catalog))
    }

    /// The verbs' full names (and their parameters' names), for shell completion.
    public static func verbNames() -> [String] {
        Catalog.operations.map(\.name)
    }

    public static func parameterNames(ofVerb name: String) -> [String] {
        Catalog.operations.first { $0.name == name }.map { $0.parameters.map(\.name) + ["profile"] } ?? []
    }

    public static var version: String { Session.version }
}
