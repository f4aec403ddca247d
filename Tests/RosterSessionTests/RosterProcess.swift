import Foundation
import Testing

/// Tests that start processes run one at a time: a pseudo-terminal opened while another test
/// spawns a process can leak into it, and that child then eats the keys meant for the REPL.
@Suite(.serialized) enum EndToEndTests {}

/// Runs the built `roster` binary and captures what it did.
enum RosterProcess {
    struct Result {
        let out: String
        let err: String
        let status: Int32
    }

    /// The products directory holds the test bundle and the `roster` executable side by side.
    static var binary: URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if dir.lastPathComponent.hasSuffix(".xctest") { dir.deleteLastPathComponent() }
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("roster")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug/roster")
    }

    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                    directory: URL? = nil, interruptAfter: Double? = nil, killAfter: Double? = nil) throws -> Result {
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (k, v) in environment { env[k] = v }
        p.environment = env
        if let directory { p.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        if let interruptAfter {
            Thread.sleep(forTimeInterval: interruptAfter)
            kill(p.processIdentifier, SIGINT)
        }
        // A run that would hang (the defect under test) is ended, so the test fails instead.
        if let killAfter {
            let pid = p.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + killAfter) { if p.isRunning { kill(pid, SIGKILL) } }
        }
        // Read both pipes fully before waiting, so a large output cannot block the child.
        final class Sink: @unchecked Sendable { var data = Data() }
        let sink = Sink()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { sink.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let outData = sink.data
        p.waitUntilExit()
        return Result(out: String(decoding: outData, as: UTF8.self), err: String(decoding: errData, as: UTF8.self), status: p.terminationStatus)
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("roster-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
