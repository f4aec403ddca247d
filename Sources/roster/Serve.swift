import ArgumentParser
import RosterSandbox

/// `roster serve`: the sandbox as an HTTP server.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roster serve",
        abstract: "Serve the sandbox (LaunchDarkly members today; Losant and Box to come) over HTTP.",
        discussion: "Prints the URL as the first line. On loopback the fixed tokens work (api-sandbox-admin, api-sandbox-reader); on any other address fresh tokens are made and printed."
    )

    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port (0: any free port).") var port = 0
    @Option(help: "SQLite file, or :memory: (default: a fresh temporary file).") var db: String?
    @Option(help: "Add N synthetic people.") var seed = 0
    @Option(help: "Semantic patch without its media type: strict (400, as documented) or lenient.") var semanticPatch = "strict"
    @Option(help: "replaceAll* filters: select (choose members) or exclude (the docs' literal wording).") var ldFilters = "select"

    func run() throws {
        var settings = SandboxServer.Settings()
        settings.host = host
        settings.port = port
        settings.database = db
        settings.syntheticPeople = seed
        guard let rule = SandboxOptions.ContentTypeRule(rawValue: semanticPatch) else {
            throw ValidationError("--semantic-patch must be strict or lenient")
        }
        guard let reading = SandboxOptions.FilterReading(rawValue: ldFilters) else {
            throw ValidationError("--ld-filters must be select or exclude")
        }
        guard seed >= 0, (0...65535).contains(port) else { throw ValidationError("--seed must be 0 or more and --port 0 to 65535") }
        settings.options.ldSemanticPatchContentType = rule
        settings.options.ldFilterReading = reading
        try SandboxServer.run(settings)
    }
}
