import ArgumentParser
import RosterSandbox
import RosterSession

/// `roster serve`: the sandbox as an HTTP server.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the sandbox (LaunchDarkly members, Losant instance tokens, Box users, groups and memberships) over HTTP.",
        discussion: """
            Prints the URL as the first line. On loopback the fixed tokens work (LaunchDarkly api-sandbox-admin, \
            api-sandbox-reader; Losant losant-sandbox-all, losant-sandbox-read; Box box-sandbox-admin, box-sandbox-user); \
            on any other address fresh tokens are made and printed.
            """,
        version: Launch.version
    )

    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port (0: any free port).") var port = 0
    @Option(help: "SQLite file, or :memory: (default: a fresh temporary file).") var db: String?
    @Option(help: "Add N synthetic people.") var seed = 0
    @Option(help: "Semantic patch without its media type: strict (400, as documented) or lenient.") var semanticPatch = "strict"
    @Option(help: "replaceAll* filters: select (choose members) or exclude (the docs' literal wording).") var ldFilters = "select"
    @Option(help: "Requests per second per token, e.g. 50/s (answered with each vendor's 429).") var rateLimit: String?
    @Option(help: "Injected failures, e.g. 429:0.1,500:0.05,reset:0.02,latency:20ms.") var faults: String?
    @Option(help: "Seed for --faults: the same requests meet the same faults.") var faultSeed: UInt64 = 1
    @Flag(help: "No line per request on stderr.") var quiet = false
    @Option(help: "Seconds a connection may send nothing (idle, or a request half sent) before it is closed.") var idleTimeout: Double = 30
    @Option(help: "Seconds a Box OAuth access token (POST /oauth2/token) lives before Box's 401.") var boxTokenTTL = 3600
    @Option(help: ArgumentHelp("Write a Box JWT app's config (a fresh key pair, as Box's console downloads it) to FILE, and accept JWT grants signed with its key.", valueName: "FILE"))
    var boxJWTConfig: String?
    // The stack's ceiling for scripts/bench/sandbox.sh: the same server answering `GET /hello`.
    @Flag(help: .hidden) var benchHello = false

    func run() throws {
        var settings = SandboxServer.Settings()
        settings.host = host
        settings.port = port
        settings.database = db
        settings.syntheticPeople = seed
        settings.logsRequests = !quiet
        guard let rule = SandboxOptions.ContentTypeRule(rawValue: semanticPatch) else {
            throw ValidationError("--semantic-patch must be strict or lenient")
        }
        guard let reading = SandboxOptions.FilterReading(rawValue: ldFilters) else {
            throw ValidationError("--ld-filters must be select or exclude")
        }
        // Ten million people is about 5 GB of SQLite; more is a typo that would fill the disk.
        guard (0...10_000_000).contains(seed), (0...65535).contains(port) else { throw ValidationError("--seed must be 0 to 10000000 and --port 0 to 65535") }
        settings.options.ldSemanticPatchContentType = rule
        settings.options.ldFilterReading = reading
        guard idleTimeout > 0, idleTimeout <= 86_400 else { throw ValidationError("--idle-timeout must be more than 0 and at most 86400 seconds") }
        settings.options.idleTimeout = idleTimeout
        guard boxTokenTTL > 0, boxTokenTTL <= 86_400 * 365 else { throw ValidationError("--box-token-ttl must be from 1 to 31536000 seconds") }
        settings.options.boxTokenTTL = boxTokenTTL
        settings.boxJWTConfig = boxJWTConfig
        settings.helloOnly = benchHello
        do {
            settings.options.rateLimit = try rateLimit.map { text throws(SandboxOptionError) in try RateLimit(parsing: text) }
            settings.options.faults = try faults.map { text throws(SandboxOptionError) in try FaultPlan(parsing: text, seed: faultSeed) }
        } catch {
            throw ValidationError(error.description)
        }
        try SandboxServer.run(settings)
    }
}
