import Foundation
import RosterSession

// swift-argument-parser takes time quadratic in the number of repeated options (16,500 `--var`s
// took minutes): refuse too many before it parses them.
let variableCount = CommandLine.arguments.dropFirst().count { $0 == "--var" || $0.hasPrefix("--var=") }
if variableCount > SessionOptions.maxVariables {
    TextOutput.standardError.write("roster: --var is given \(variableCount) times; at most \(SessionOptions.maxVariables) are taken (put many values in a JSON file and open it)\n")
    TextOutput.standardError.flush()
    exit(ExitCode.usage)
}
Roster.main()
