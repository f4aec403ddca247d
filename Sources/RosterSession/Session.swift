import Foundation
import LineEditor
import RosterCatalog
import RosterScript

/// Exit codes are a contract (sysexits for the errors).
public enum ExitCode {
    public static let success: Int32 = 0
    public static let someFailed: Int32 = 1
    public static let usage: Int32 = 64
    public static let syntax: Int32 = 65
    public static let runtime: Int32 = 70
    public static let interrupted: Int32 = 130
}

public struct SessionOptions: Sendable {
    public var output: OutputFormat?
    /// `--var k=v`, in order.
    public var variables: [(String, String)] = []
    /// `$args`.
    public var arguments: [String] = []
    /// The service verbs (nil: the language and its builtins only).
    public var catalog: Catalog?

    public init(output: OutputFormat? = nil, variables: [(String, String)] = [], arguments: [String] = []) {
        self.output = output
        self.variables = variables
        self.arguments = arguments
    }
}

/// One run of roster: the interpreter, its host and where diagnostics go.
public final class Session {
    public let host: SessionHost
    public let interpreter: Interpreter
    let err: TextOutput

    public init(options: SessionOptions, out: TextOutput = .standardOutput, err: TextOutput = .standardError) {
        host = SessionHost(out: out, err: err, format: options.output, catalog: options.catalog)
        interpreter = Interpreter(host: host)
        self.err = err
        for (k, v) in options.variables { interpreter.define(k, .bareWord(v)) }
        interpreter.define("args", .list(options.arguments.map { .string($0) }))
    }

    /// Runs a whole program non-interactively and returns the exit code.
    public func run(_ file: SourceFile) -> Int32 {
        Signals.installInterruptHandler()
        return Signals.runOnLargeStack { [self] in
            defer { host.out.flush(); err.flush() }
            return execute(file)
        }
    }

    /// Runs one program and reports its outcome on stderr; the exit code says how it ended.
    func execute(_ file: SourceFile) -> Int32 {
        do {
            try interpreter.run(file)
            return ExitCode.success
        } catch {
            return report(error)
        }
    }

    func report(_ error: Error) -> Int32 {
        host.out.flush()
        switch error {
        case let e as SyntaxErrors:
            for d in e.diagnostics { err.write(d.rendered()) }
            let n = e.diagnostics.count
            if n > 1 { err.write("\(n) errors\n") }
            return ExitCode.syntax
        case let e as RuntimeError:
            err.write(e.diagnostic.rendered())
            return ExitCode.runtime
        case ControlSignal.exit(let code):
            return code
        case ControlSignal.interrupted:
            err.write("interrupted\n")
            return ExitCode.interrupted
        case let e as ErrorValue:
            err.write("error: \(e.summary)\n")
            return ExitCode.runtime
        default:
            err.write("error: \(error)\n")
            return ExitCode.runtime
        }
    }

    /// Reads a script file; a missing file is a usage error.
    public static func load(_ path: String, err: TextOutput = .standardError) -> SourceFile? {
        let data: Data?
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            data = FileManager.default.contents(atPath: path)
        }
        guard let data else {
            err.write("roster: cannot read '\(path)': no such file\n")
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            err.write("roster: '\(path)' is not UTF-8 text\n")
            return nil
        }
        return SourceFile(name: path == "-" ? "<stdin>" : path, text: text)
    }
}
