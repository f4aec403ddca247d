import Foundation
import GRDB
import Testing
import TestSupport
@testable import RosterSandbox

/// The list routes write records straight into bytes; these check each such writer against the
/// general path it replaced (a dictionary of `JSONValue`s, sorted and written), byte for byte,
/// over records made to reach every branch: admins with and without permissions, app users with
/// no login, names needing escapes, times far from now.
struct RecordWriterTests {
    /// Text with the characters JSON must escape, non-ASCII, and plain runs between them.
    static func awkward(_ rng: inout SplitMix64) -> String {
        let pieces = ["Ada", " ", "\"", "\\", "\n", "\t", "\u{01}", "é", "名前", "🙂", "/", "</script>", "\u{7f}", ""]
        return (0..<Int.random(in: 1...6, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }

    @Test func aMembershipIsWrittenAsItsDictionaryWouldBe() throws {
        var rng = SplitMix64(state: 15)
        let store = try SandboxStore(path: ":memory:")
        try SandboxSeed.seed(store)
        let permissions: [String?] = [nil, "null", #"{"can_run_reports":false}"#, #"{"can_instant_login":true,"zz_unknown":false}"#]
        try store.db.write { db in
            for i in 0..<200 {
                let user = "3000\(i)", group = "7000\(i % 7)"
                let time = Int64.random(in: -62_000_000_000_000...253_000_000_000_000, using: &rng)
                // Every third user is an app user, whose login is NULL and shown as AppUser_<id>@...
                try db.execute(sql: "INSERT OR IGNORE INTO box_user (id, name, login, role, status, created_at, modified_at) VALUES (?, ?, ?, 'user', 'active', 0, 0)",
                               arguments: [user, Self.awkward(&rng), i % 3 == 0 ? nil : "u\(i)-\(Self.awkward(&rng))@example.com"])
                try db.execute(sql: "INSERT OR IGNORE INTO box_group (id, name, group_type, created_at, modified_at) VALUES (?, ?, 'managed_group', 0, 0)",
                               arguments: [group, "g\(i % 7) \(Self.awkward(&rng))"])
                try db.execute(sql: """
                    INSERT INTO box_membership (id, user_id, group_id, role, configurable_permissions, created_at, modified_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: ["m\(i)", user, group, i % 2 == 0 ? "admin" : "member", permissions[i % permissions.count], time, time &+ Int64(i)])
            }
        }
        let rows = try store.read { db in try Row.fetchAll(db, sql: BoxRecords.membershipSelect + " ORDER BY m.seq") }
        #expect(rows.count >= 200)
        for row in rows {
            var written: [UInt8] = []
            BoxRecords.writeMembership(row, to: &written)
            let general = JSONValue.object(BoxRecords.membership(row)).bytes
            #expect(written == general, "\(String(decoding: written, as: UTF8.self))\n\(String(decoding: general, as: UTF8.self))")
        }
    }

    /// The times were written with `String(format: "%04d-%02d-...")`; the byte writer must print
    /// every field the same, including years past 9999 and before 1; a time before 1970 is the
    /// second before it plus 0 to 999 ms (floored, never `.-500Z`).
    @Test func timesAreWrittenAsPrintfWroteThem() {
        #expect(Timestamps.iso(-500, style: .milliseconds) == "1969-12-31T23:59:59.500Z")
        #expect(Timestamps.iso(-1000, style: .milliseconds) == "1969-12-31T23:59:59.000Z")
        var rng = SplitMix64(state: 7)
        let edges: [Int64] = [0, -1, 999, -999, 1000, -1001, 253_402_300_799_999, 253_402_300_800_000, -62_135_596_800_001, 1_700_000_000_123]
        let samples = edges + (0..<2000).map { _ in Int64.random(in: -100_000_000_000_000...100_000_000_000_000, using: &rng) }
        for ms in samples {
            let floored = ms >= 0 || ms % 1000 == 0 ? ms / 1000 : ms / 1000 - 1
            var seconds = time_t(floored)
            var t = tm()
            gmtime_r(&seconds, &t)
            let date = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", Int(t.tm_year) + 1900, Int(t.tm_mon) + 1, Int(t.tm_mday),
                              Int(t.tm_hour), Int(t.tm_min), Int(t.tm_sec))
            #expect(Timestamps.iso(ms, style: .offset) == date + "+00:00")
            #expect(Timestamps.iso(ms, style: .milliseconds) == date + String(format: ".%03dZ", Int(ms - floored * 1000)))
        }
    }

    /// The envelope around written entries is the one `collection` builds.
    @Test func aCollectionEnvelopeIsWrittenAsItsDictionaryWouldBe() {
        for (total, limit, offset) in [(0, 100, 0), (5, 1, 3), (Int(Int32.max), 1000, 10_000)] {
            let page = Box.Page(limit: limit, offset: offset)
            var written: [UInt8] = []
            Box.writeCollection(total: total, page: page, by: "type", to: &written) { $0 += #"{"id":"1"}"#.utf8 }
            let general: JSONValue = ["total_count": .int(Int64(total)), "limit": .int(Int64(limit)), "offset": .int(Int64(offset)),
                                      "order": [["by": "type", "direction": "ASC"]], "entries": [["id": "1"]]]
            #expect(written == general.bytes)
        }
    }
}
