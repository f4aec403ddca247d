import Foundation
import RosterSession

// Every file roster makes is its user's alone (0600; folders 0700): journals, plans, failures
// files, recordings, history and the sandbox's database hold request data.
umask(0o077)

// swift-argument-parser takes time quadratic in the number of repeated options (16,500 `--var`s
// took minutes): refuse too many before it parses them.
let variableCount = CommandLine.arguments.dropFirst().count { $0 == "--var" || $0.hasPrefix("--var=") }
if variableCount > SessionOptions.maxVariables {
    TextOutput.standardError.write("roster: --var is given \(variableCount) times; at most \(SessionOptions.maxVariables) are taken (put many values in a JSON file and open it)\n")
    TextOutput.standardError.flush()
    exit(ExitCode.usage)
}
Roster.main()
