import Foundation
import ArgumentParser
import RosterSession

// Every file roster makes is its user's alone (0600; folders 0700): journals, plans, failures
// files, recordings, history and the sandbox's database hold request data.
umask(0o077)

// Standard input, output and error are open from here on: a run started with one closed
// (`roster ... >&-`, some daemons) would otherwise give its number to the first file it opens,
// and a journal opened as descriptor 1 received the script's output.
for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
    _ = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
    TextOutput.closedAtStart.insert(fd)
}

// swift-argument-parser takes time quadratic in the number of repeated options (16,500 `--var`s
// took minutes): refuse too many before it parses them.
let variableCount = CommandLine.arguments.dropFirst().count { $0 == "--var" || $0.hasPrefix("--var=") }
if variableCount > SessionOptions.maxVariables {
    TextOutput.standardError.write("roster: --var is given \(variableCount) times; at most \(SessionOptions.maxVariables) are taken (put many values in a JSON file and open it)\n")
    TextOutput.standardError.flush()
    exit(ExitCode.usage)
}
/// Options given before a subcommand belong to it (`roster --dry-run run FILE`): the
/// subcommand's name is moved in front of them, where swift-argument-parser looks for it.
func subcommandFirst(_ arguments: [String]) -> [String] {
    // A completion script's call back (`---completion help -- ...`) is the parser's own.
    if arguments.first == "---completion" { return arguments }
    let subcommands: Set<String> = ["run", "check", "serve", "verbs", "help", "profiles", "journal", "completions"]
    let valued: Set<String> = ["--var", "--output", "--profile", "--config", "--sandbox-url", "--sandbox-db", "--timeout",
                               "--plan", "--journal", "--failures", "-c"]
    var i = 0
    while i < arguments.count {
        let a = arguments[i]
        if subcommands.contains(a) {
            guard i > 0 else { return arguments }
            return [a] + arguments[..<i] + arguments[(i + 1)...]
        }
        guard a.hasPrefix("-"), a != "-" else { return arguments }
        i += valued.contains(a) ? 2 : 1
    }
    return arguments
}

let arguments = subcommandFirst(Array(CommandLine.arguments.dropFirst()))
if let (path, words) = Run.plainScript(arguments) {
    do {
        try Run.script(path, words, try CommonOptions.session(LaunchSettings()))
    } catch let code as ArgumentParser.ExitCode {
        exit(code.rawValue)
    } catch {
        Roster.exit(withError: error)
    }
    exit(0)
}
Roster.main(arguments)
