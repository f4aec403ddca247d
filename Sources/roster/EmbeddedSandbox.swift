import Foundation
import RosterCatalog
import RosterSandbox

/// The sandbox roster talks to when no profile is chosen: started in this process on the first
/// verb, on an ephemeral loopback port, so verbs take the same HTTP path as with real services.
enum EmbeddedSandbox {
    /// Opens (and on first use seeds) the database, starts the server, and returns its URL.
    static func start(database: String) throws -> String {
        // A bare file name lives in the current folder, which exists.
        let folder = LocalFile.folder(of: database)
        if database != ":memory:", !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                let reason = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError).map { String(cString: strerror(Int32($0.code))) } ?? error.localizedDescription
                throw SandboxStartError(description: "cannot make the folder '\(folder)' for the sandbox database '\(database)': \(reason)")
            }
        }
        let store = try SandboxStore(path: database)
        try SandboxSeed.seed(store)
        final class Port: @unchecked Sendable { var value = 0 }
        let port = Port()
        let ready = DispatchSemaphore(value: 0)
        let app = Sandbox.application(store: store, onRunning: { p in
            port.value = p
            ready.signal()
        })
        // run(), not runService(): the session owns SIGINT (Ctrl-C stops a command, not the sandbox).
        Task.detached { try? await app.run() }
        guard ready.wait(timeout: .now() + 30) == .success else {
            throw SandboxStartError(description: "the embedded sandbox did not start within 30 s")
        }
        return "http://127.0.0.1:\(port.value)"
    }

    struct SandboxStartError: Error, CustomStringConvertible { let description: String }
}
