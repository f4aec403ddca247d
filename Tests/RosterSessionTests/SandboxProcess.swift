import Foundation
import Testing

/// A `roster serve` in its own process (so killing a batch run leaves it standing), and what
/// its store holds, read over HTTP by Python, independently of roster's own client.
final class SandboxProcess {
    let process: Process
    private(set) var url = ""
    let database: String
    private let output: FileHandle
    private let errors: FileHandle?
    private var printed = Data()

    /// `logs`: keep the request log (stderr) for `log()`; otherwise it is dropped.
    init(database: String, arguments: [String] = [], logs: Bool = false) throws {
        self.database = database
        process = Process()
        process.executableURL = RosterProcess.binary
        process.arguments = ["serve", "--port", "0", "--db", database] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = logs ? err : FileHandle.nullDevice
        output = out.fileHandleForReading
        errors = logs ? err.fileHandleForReading : nil
        try process.run()
        url = lines(1).first ?? ""
        try #require(url.hasPrefix("http://"), "roster serve did not start")
    }

    /// The first `count` lines the server printed (the URL, then any tokens), waiting for them.
    func lines(_ count: Int) -> [String] {
        while printed.filter({ $0 == UInt8(ascii: "\n") }).count < count {
            let chunk = output.availableData
            if chunk.isEmpty { break }
            printed.append(chunk)
        }
        return String(decoding: printed, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Stops the server (SIGTERM) and says how it ended.
    @discardableResult
    func stop() -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The request log, once the server has stopped.
    func log() -> String {
        errors.map { String(decoding: $0.readDataToEndOfFile(), as: UTF8.self) } ?? ""
    }

    /// Everything onboarding touches: Box logins, memberships as "login group role", LaunchDarkly emails.
    struct State: Decodable {
        let box_logins: [String]
        let memberships: [String]
        let ld_emails: [String]

        func count(_ list: [String], _ needle: String) -> Int { list.filter { $0.contains(needle) }.count }
    }

    func state() throws -> State {
        let script = """
            import json, sys, urllib.request as u
            base = sys.argv[1]
            def get(path, auth):
                return json.load(u.urlopen(u.Request(base + path, headers={'Authorization': auth})))
            box = 'Bearer box-sandbox-admin'
            logins, marker = [], None
            while True:
                page = get('/2.0/users?usemarker=true&limit=1000' + ('&marker=' + marker if marker else ''), box)
                logins += [e['login'] for e in page['entries']]
                marker = page.get('next_marker')
                if not marker: break
            memberships = []
            for g in get('/2.0/groups?limit=1000', box)['entries']:
                offset = 0
                while True:
                    page = get('/2.0/groups/%s/memberships?limit=1000&offset=%d' % (g['id'], offset), box)
                    memberships += ['%s %s %s' % (e['user']['login'], g['name'], e['role']) for e in page['entries']]
                    offset += 1000
                    if offset >= page['total_count']: break
            emails, path = [], '/api/v2/members?limit=1000'
            while path:
                page = get(path, 'api-sandbox-admin')
                emails += [m['email'] for m in page['items']]
                path = page.get('_links', {}).get('next', {}).get('href')
            print(json.dumps({'box_logins': logins, 'memberships': memberships, 'ld_emails': emails}))
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, url]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "the state query failed")
        return try JSONDecoder().decode(State.self, from: data)
    }

    /// A CSV of `count` hires for scripts/onboard-from-csv.roster, in `domain`.
    static func hires(_ count: Int, domain: String, in dir: URL, groups: [String] = ["Engineering", "Support"]) throws -> URL {
        var text = "name,email,group,group_role,ld_role\n"
        for i in 0..<count {
            text += "Person \(i),p\(i)@\(domain),\(groups[i % groups.count]),\(i % 7 == 0 ? "admin" : "member"),\(["reader", "writer"][i % 2])\n"
        }
        let url = dir.appendingPathComponent("hires-\(domain).csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// The repository's scripts/ directory.
    static var scripts: URL {
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { dir.deleteLastPathComponent() }
        return dir.appendingPathComponent("scripts")
    }
}
