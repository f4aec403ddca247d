import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing
@testable import RosterSandbox

/// LaunchDarkly members, route by route, against the fact sheet.
struct LaunchDarklyTests {
    let ada = "64b000000000000000000001", grace = "64b000000000000000000002", alan = "64b000000000000000000003"
    let katherine = "64b000000000000000000004", margaret = "64b000000000000000000005", linus = "64b000000000000000000006"

    @Test func listDefaultsAndLinks() async throws {
        let c = try SandboxClient()
        let r = try await c.send(.get, "/api/v2/members")
        #expect(r.status == .ok)
        #expect(r.headers[.contentType] == "application/json")
        #expect(r.json?["totalCount"] == 6)
        #expect(r.json?.ids.count == 6)
        let links = r.json?["_links"]?.object ?? [:]
        #expect(Set(links.keys) == ["self"])
        let first = r.json?["items"]?.array?.first
        for field in ["_links", "_id", "role", "email", "_pendingInvite", "_verified", "customRoles", "mfa", "_lastSeen", "creationDate"] {
            #expect(first?[field] != nil, "member lacks \(field)")
        }
        #expect(first?["_lastSeen"]?.int != nil)
    }

    @Test func pagesToTheLastWithNothingRepeatedOrLost() async throws {
        let c = try SandboxClient()
        var uri: String? = "/api/v2/members?limit=4&offset=0"
        var seen: [String] = []
        var pages = 0
        while let next = uri {
            let r = try await c.send(.get, next)
            #expect(r.status == .ok)
            seen += r.json?.ids ?? []
            let links = r.json?["_links"]?.object ?? [:]
            if pages == 0 { #expect(links["first"] == nil && links["prev"] == nil && links["last"] != nil) }
            else { #expect(links["first"] != nil && links["prev"] != nil) }
            uri = links["next"]?["href"]?.string
            pages += 1
        }
        #expect(pages == 2)
        #expect(seen.count == 6 && Set(seen).count == 6)
        let middle = try await c.send(.get, "/api/v2/members?limit=2&offset=2")
        #expect(middle.json?["_links"]?["next"]?["href"] == "/api/v2/members?limit=2&offset=4")
        #expect(middle.json?["_links"]?["last"]?["href"] == "/api/v2/members?limit=2&offset=4")
        #expect(middle.json?["_links"]?["prev"]?["href"] == "/api/v2/members?limit=2&offset=0")
    }

    static let filters: [(String, Set<String>)] = [
        ("role:admin", ["ada@example.com", "margaret@example.com"]),
        ("role:reader|release-managers", ["alan@example.com", "linus@example.com", "grace@example.com"]),
        ("query:HOP", ["grace@example.com"]),
        ("query:ada%20love", ["ada@example.com"]),
        ("team:PLATFORM", ["ada@example.com", "grace@example.com", "katherine@example.com"]),
        ("noteam:true", ["alan@example.com", "margaret@example.com", "linus@example.com"]),
        ("noteam:false,role:writer", ["grace@example.com", "katherine@example.com"]),
        ("email:alan@example.com|linus@example.com", ["alan@example.com", "linus@example.com"]),
        ("id:64b000000000000000000004", ["katherine@example.com"]),
        ("lastSeen:%7B%22never%22:true%7D", ["linus@example.com"]),
        ("lastSeen:%7B%22before%22:1700000000000%7D", ["katherine@example.com"]),
    ]

    @Test(arguments: filters)
    func filter(_ filter: String, _ expected: Set<String>) async throws {
        let c = try SandboxClient()
        let r = try await c.send(.get, "/api/v2/members?filter=\(filter)")
        #expect(r.status == .ok)
        #expect(Set(r.json?.emails ?? []) == expected)
        #expect(r.json?["totalCount"]?.int == Int64(expected.count))
    }

    /// Totals are remembered between requests by filter: filters with the same SQL and other
    /// values (role:admin, role:writer) must not share one. Twice over one store, so the second
    /// pass answers from what the first remembered.
    @Test func rememberedTotalsAreKeptApartByTheFiltersValues() async throws {
        let c = try SandboxClient()
        let all = LaunchDarklyTests.filters + [("role:writer", ["grace@example.com", "katherine@example.com"]), ("role:reader", ["alan@example.com", "linus@example.com"]),
                                                ("query:example.com", ["ada@example.com", "alan@example.com", "grace@example.com", "katherine@example.com", "margaret@example.com", "linus@example.com"])]
        for pass in 1...2 {
            for (filter, expected) in all {
                let r = try await c.send(.get, "/api/v2/members?limit=1&filter=\(filter)")
                #expect(r.json?["totalCount"]?.int == Int64(expected.count), "pass \(pass), \(filter): \(String(describing: r.json?["totalCount"]))")
            }
        }
    }

    @Test func badQueriesAre400() async throws {
        let c = try SandboxClient()
        for uri in ["/api/v2/members?filter=colour:red", "/api/v2/members?filter=noteam:maybe", "/api/v2/members?sort=email",
                    "/api/v2/members?limit=abc", "/api/v2/members?offset=-1", "/api/v2/members?expand=everything",
                    "/api/v2/members?filter=lastSeen:%7B%7D"] {
            let r = try await c.send(.get, uri)
            #expect(r.status == .badRequest, "\(uri)")
            #expect(r.json?["code"] == "invalid_request", "\(uri)")
            #expect(r.json?["message"]?.string?.isEmpty == false)
        }
    }

    @Test func sorting() async throws {
        let c = try SandboxClient()
        let byName = try await c.send(.get, "/api/v2/members?sort=displayName")
        #expect(byName.json?.emails.first == "ada@example.com" && byName.json?.emails.last == "margaret@example.com")
        let recent = try await c.send(.get, "/api/v2/members?sort=-lastSeen")
        #expect(recent.json?.emails.first == "ada@example.com")
        #expect(recent.json?.emails.last == "linus@example.com")
        let oldest = try await c.send(.get, "/api/v2/members?sort=lastSeen")
        #expect(oldest.json?.emails.first == "linus@example.com")
    }

    @Test func authentication() async throws {
        let c = try SandboxClient()
        let none = try await c.send(.get, "/api/v2/members", token: nil)
        #expect(none.status == .unauthorized)
        #expect(none.json?["code"] == "unauthorized")
        let bearer = try await c.send(.get, "/api/v2/members", token: "Bearer api-sandbox-admin")
        #expect(bearer.status == .unauthorized)
        let reader = try await c.send(.get, "/api/v2/members", token: SandboxSeed.ldReaderToken)
        #expect(reader.status == .ok)
        let forbidden = try await c.send(.post, "/api/v2/members", token: SandboxSeed.ldReaderToken, body: #"[{"email": "x@example.com", "role": "reader"}]"#)
        #expect(forbidden.status == .forbidden)
        #expect(forbidden.json?["code"] == "forbidden")
    }

    @Test func getOneAndMe() async throws {
        let c = try SandboxClient()
        #expect(try await c.send(.get, "/api/v2/members/me").json?["_id"]?.string == ada)
        #expect(try await c.send(.get, "/api/v2/members/me", token: SandboxSeed.ldReaderToken).json?["_id"]?.string == alan)
        #expect(try await c.send(.get, "/api/v2/members/\(grace)").json?["customRoles"] == ["release-managers"])
        let missing = try await c.send(.get, "/api/v2/members/64b0000000000000000000ff")
        #expect(missing.status == .notFound)
        #expect(missing.json?["code"] == "not_found")
        #expect(try await c.send(.get, "/api/v2/members/not-an-id").status == .notFound)
        let expanded = try await c.send(.get, "/api/v2/members/\(grace)?expand=roleAttributes,customRoles")
        #expect(expanded.json?["roleAttributes"] != nil && expanded.json?["customRolesInfo"] != nil)
    }

    /// A deleted member's id is never given to a new one: a retried DELETE or a stale PATCH of
    /// the old id must find nothing, not another member.
    @Test func aDeletedMembersIdIsNeverGivenAgain() async throws {
        let c = try SandboxClient()
        let made = try await c.send(.post, "/api/v2/members", body: #"[{"email": "gone@example.com", "role": "reader"}]"#)
        let id = try #require(made.json?["items"]?.array?.first?["_id"]?.string)
        #expect(try await c.send(.delete, "/api/v2/members/\(id)").status == .noContent)
        let next = try await c.send(.post, "/api/v2/members", body: #"[{"email": "next@example.com", "role": "reader"}]"#)
        #expect(next.json?["items"]?.array?.first?["_id"]?.string != id)
        #expect(try await c.send(.delete, "/api/v2/members/\(id)").status == .notFound)
    }

    /// Team keys are found without case, and a member joins a team once however it is spelt.
    @Test func aTeamSpeltTwoWaysIsJoinedOnce() async throws {
        let c = try SandboxClient()
        let made = try await c.send(.post, "/api/v2/members", body: #"[{"email": "teamcase@example.com", "role": "reader", "teamKeys": ["platform", "PLATFORM"]}]"#)
        let member = try #require(made.json?["items"]?.array?.first)
        #expect(member["teams"]?.array?.compactMap { $0["key"]?.string } == ["platform"])
        let id = try #require(member["_id"]?.string)
        let added = try await c.send(.post, "/api/v2/members/\(id)/teams", body: #"{"teamKeys": ["pLaTfOrM"]}"#)
        #expect(added.json?["teams"]?.array?.compactMap { $0["key"]?.string } == ["platform"])
    }

    @Test func inviteIsAllOrNothing() async throws {
        let c = try SandboxClient()
        let ok = try await c.send(.post, "/api/v2/members", body: #"[{"email": "new@example.com", "firstName": "New", "role": "writer", "teamKeys": ["platform"]}, {"email": "cr@example.com", "customRoles": ["flag-editors"]}]"#)
        #expect(ok.status == .created)
        #expect(ok.json?.emails == ["new@example.com", "cr@example.com"])
        #expect(ok.json?["items"]?.array?.first?["_pendingInvite"] == true)
        #expect(ok.json?["items"]?.array?.first?["teams"]?.array?.count == 1)
        let existing = try await c.send(.post, "/api/v2/members", body: #"[{"email": "fresh@example.com", "role": "reader"}, {"email": "GRACE@example.com", "role": "reader"}]"#)
        #expect(existing.status == .badRequest)
        #expect(existing.json?["code"] == "email_already_exists_in_account")
        #expect(existing.json?["invalid_emails"] == ["grace@example.com"])
        let after = try await c.send(.get, "/api/v2/members?filter=email:fresh@example.com")
        #expect(after.json?["totalCount"] == 0, "a failed invite must create nobody")
        let duplicate = try await c.send(.post, "/api/v2/members", body: #"[{"email": "d@example.com", "role": "reader"}, {"email": "d@example.com", "role": "writer"}]"#)
        #expect(duplicate.json?["code"] == "duplicate_email")
        #expect(duplicate.json?["invalid_emails"] == ["d@example.com"])
    }

    static let badInvites: [String] = [
        #"{"email": "x@example.com"}"#,
        #"[]"#,
        #"[{"role": "reader"}]"#,
        #"[{"email": "x@example.com"}]"#,
        #"[{"email": "x@example.com", "role": "owner"}]"#,
        #"[{"email": "x@example.com", "role": 3}]"#,
        #"[{"email": "x@example.com", "customRoles": "flag-editors"}]"#,
        #"[{"email": "x@example.com", "customRoles": ["no-such-role"]}]"#,
        #"[{"email": "x@example.com", "role": "reader", "teamKeys": ["nope"]}]"#,
        #"[{"email": "x@example.com", "role": "reader""#,
        "[" + Array(repeating: #"{"email": "m@example.com", "role": "reader"}"#, count: 51).joined(separator: ",") + "]",
    ]

    @Test(arguments: badInvites)
    func badInvite(_ body: String) async throws {
        let c = try SandboxClient()
        let r = try await c.send(.post, "/api/v2/members", body: body)
        #expect(r.status == .badRequest)
        #expect(r.json?["code"] == "invalid_request" && (r.json?["message"]?.string?.isEmpty == false), "\(body.prefix(80)): \(r.json.map { "\($0)" } ?? "")")
        #expect(try await c.send(.get, "/api/v2/members").json?["totalCount"] == 6)
    }

    @Test func jsonPatchChangesRolesOnly() async throws {
        let c = try SandboxClient()
        let r = try await c.send(.patch, "/api/v2/members/\(alan)", body: #"[{"op": "replace", "path": "/role", "value": "writer"}, {"op": "add", "path": "/customRoles/-", "value": "release-managers"}, {"op": "add", "path": "/customRoles/0", "value": "flag-editors"}]"#)
        #expect(r.status == .ok)
        #expect(r.json?["role"] == "writer")
        #expect(r.json?["customRoles"] == ["flag-editors", "release-managers"])
        let wrapped = try await c.send(.patch, "/api/v2/members/\(alan)", body: #"{"comment": "x", "patch": [{"op": "remove", "path": "/customRoles/0"}]}"#)
        #expect(wrapped.json?["customRoles"] == ["release-managers"])
        for bad in [#"[{"op": "replace", "path": "/email", "value": "x@y"}]"#, #"[{"op": "replace", "path": "/role", "value": "owner"}]"#,
                    #"[{"op": "replace", "path": "/role", "value": "reader"}, {"op": "add", "path": "/customRoles/9", "value": "flag-editors"}]"#,
                    #"[{"path": "/role"}]"#, #"{"op": "replace"}"#] {
            let e = try await c.send(.patch, "/api/v2/members/\(alan)", body: bad)
            #expect(e.status == .badRequest, "\(bad)")
        }
        #expect(try await c.send(.get, "/api/v2/members/\(alan)").json?["role"] == "writer", "failed patches change nothing")
        #expect(try await c.send(.patch, "/api/v2/members/\(margaret)", body: #"[{"op": "replace", "path": "/role", "value": "reader"}]"#).status == .badRequest)
        #expect(try await c.send(.patch, "/api/v2/members/64b0000000000000000000ff", body: "[]").status == .notFound)
    }

    @Test func deleteAndTeams() async throws {
        let c = try SandboxClient()
        let teams = try await c.send(.post, "/api/v2/members/\(alan)/teams", body: #"{"teamKeys": ["platform"]}"#)
        #expect(teams.status == .created)
        #expect(teams.json?["teams"]?.array?.first?["key"] == "platform")
        #expect(try await c.send(.post, "/api/v2/members/\(alan)/teams", body: #"{"teamKeys": ["nope"]}"#).status == .badRequest)
        #expect(try await c.send(.post, "/api/v2/members/\(alan)/teams", body: #"{"teamKeys": []}"#).status == .badRequest)
        let deleted = try await c.send(.delete, "/api/v2/members/\(linus)")
        #expect(deleted.status == .noContent)
        #expect(deleted.json == nil)
        #expect(try await c.send(.get, "/api/v2/members/\(linus)").status == .notFound)
        #expect(try await c.send(.delete, "/api/v2/members/\(linus)").status == .notFound)
        #expect(try await c.send(.delete, "/api/v2/members/me").status == .badRequest)
        #expect(try await c.send(.delete, "/api/v2/members/\(margaret)").status == .forbidden)
    }

    @Test func semanticPatchNeedsItsMediaType() async throws {
        let body = #"{"instructions": [{"kind": "replaceMembersRoles", "value": "reader", "memberIDs": ["64b000000000000000000002"]}]}"#
        let strict = try SandboxClient()
        let refused = try await strict.send(.patch, "/api/v2/members", body: body)
        #expect(refused.status == .badRequest)
        #expect(refused.json?["code"] == "invalid_request")
        var options = SandboxOptions()
        options.ldSemanticPatchContentType = .lenient
        let lenient = try SandboxClient(options: options)
        #expect(try await lenient.send(.patch, "/api/v2/members", body: body).status == .ok)
    }

    @Test func semanticPatchReplacesRolesAndReportsPerMember() async throws {
        let c = try SandboxClient()
        let r = try await c.send(.patch, "/api/v2/members", body: """
            {"comment": "demote", "instructions": [{"kind": "replaceMembersRoles", "value": "reader", "memberIDs": ["\(grace)", "\(ada)", "\(margaret)", "64b0000000000000000000ff"]}]}
            """, contentType: SandboxClient.semanticPatch)
        #expect(r.status == .ok)
        #expect(r.json?["members"] == [.string(grace)])
        let errors = r.json?["errors"]?.array ?? []
        #expect(errors.count == 3)
        #expect(errors.first?[ada] == "you cannot modify your own role")
        let g = try await c.send(.get, "/api/v2/members/\(grace)")
        #expect(g.json?["role"] == "reader")
        #expect(g.json?["customRoles"] == [], "replacing the base role clears custom roles")
    }

    @Test func semanticPatchIsAtomicOverInvalidInstructions() async throws {
        let c = try SandboxClient()
        let r = try await c.send(.patch, "/api/v2/members", body: """
            {"instructions": [{"kind": "replaceMembersRoles", "value": "reader", "memberIDs": ["\(grace)"]},
                              {"kind": "replaceMembersCustomRoles", "value": ["flag-editors"], "memberIDs": ["\(alan)"]}]}
            """, contentType: SandboxClient.semanticPatch)
        #expect(r.status == .badRequest)
        #expect(try await c.send(.get, "/api/v2/members/\(grace)").json?["role"] == "writer")
        for bad in [#"{"instructions": []}"#, #"{"instructions": [{"kind": "renameMembers"}]}"#, #"{"instructions": [{"kind": "replaceAllMembersCustomRoles", "values": ["no-such-role"]}]}"#,
                    #"{"instructions": [{"kind": "replaceMembersRoleAttributes", "value": {"k": "v"}, "memberIDs": ["x"]}]}"#, "not json"] {
            #expect(try await c.send(.patch, "/api/v2/members", body: bad, contentType: SandboxClient.semanticPatch).status == .badRequest, "\(bad)")
        }
    }

    @Test func replaceAllWithFiltersSelectsOrExcludes() async throws {
        let body = """
            {"instructions": [{"kind": "replaceAllMembersCustomRoles", "values": ["flag-editors"], "filterRoles": "writer", "ignoredMemberIDs": ["\(katherine)"]}]}
            """
        let c = try SandboxClient()
        let selected = try await c.send(.patch, "/api/v2/members", body: body, contentType: SandboxClient.semanticPatch)
        #expect(selected.json?["members"] == [.string(grace)])
        var options = SandboxOptions()
        options.ldFilterReading = .exclude
        let x = try SandboxClient(options: options)
        let excluded = try await x.send(.patch, "/api/v2/members", body: body, contentType: SandboxClient.semanticPatch)
        #expect(Set(excluded.json?["members"]?.stringArray ?? []) == [alan, linus])
        #expect(excluded.json?["errors"]?.array?.count == 2)   // the caller and the owner
        let attributes = try await c.send(.patch, "/api/v2/members", body: """
            {"instructions": [{"kind": "replaceMembersRoleAttributes", "value": {"projects": ["web"]}, "memberIDs": ["\(alan)"]}]}
            """, contentType: SandboxClient.semanticPatch)
        #expect(attributes.json?["members"] == [.string(alan)])
        #expect(try await c.send(.get, "/api/v2/members/\(alan)?expand=roleAttributes").json?["roleAttributes"]?["projects"] == ["web"])
    }

    /// Deep pages seek from the previous page's last row; a write in between falls back to OFFSET,
    /// so the answers are always what a plain offset query gives.
    @Test func pageWalksStayExactAcrossWrites() async throws {
        let c = try SandboxClient()
        let all = try await c.send(.get, "/api/v2/members?limit=100").json?.ids ?? []
        let first = try await c.send(.get, "/api/v2/members?limit=2&offset=0").json?.ids
        let second = try await c.send(.get, "/api/v2/members?limit=2&offset=2").json?.ids
        #expect(first == Array(all[0..<2]) && second == Array(all[2..<4]))
        #expect(try await c.send(.delete, "/api/v2/members/\(all[1])").status == .noContent)
        let third = try await c.send(.get, "/api/v2/members?limit=2&offset=4")
        #expect(third.json?.ids == Array(all[5..<6]) && third.json?["totalCount"] == 5, "offset 4 after the delete is the sixth of the original list")
    }

    /// A walk that starts after another has finished deep in the list keeps its own cursors: they
    /// used to be evicted as the lowest offsets, which made every later page an OFFSET scan.
    @Test func aNewWalkKeepsItsCursorsAfterADeepOne() {
        let cursors = PageCursors()
        for offset in stride(from: 0, to: 10_000, by: 100) {
            cursors.remember("q", generation: 1, total: 10_000, nextOffset: offset + 100, last: Int64(offset + 100))
        }
        for offset in stride(from: 0, to: 500, by: 100) {
            #expect(cursors.lookup("q", offset: offset, generation: 1)?.after == (offset == 0 ? nil : Int64(offset)), "offset \(offset)")
            cursors.remember("q", generation: 1, total: 10_000, nextOffset: offset + 100, last: Int64(offset + 100))
        }
        #expect(cursors.lookup("q", offset: 9_900, generation: 1)?.after == 9_900, "the old walk's newest cursor is still there")
        #expect(cursors.lookup("q", offset: 500, generation: 2) == nil, "a write forgets everything")
    }

    /// Page cursors are keyed by a generation that is settled only between writes, so a read
    /// that overlaps a write neither uses nor makes them.
    @Test func generationsAreSettledOnlyBetweenWrites() async throws {
        let store = try SandboxStore(path: ":memory:")
        let before = try #require(store.settledGeneration)
        #expect(store.unchanged(since: before))
        let during = try await store.write { _ in [store.settledGeneration == nil, store.unchanged(since: before)] }
        #expect(during == [true, false], "while a write is under way nothing is settled")
        #expect(store.settledGeneration == before + 1)
        #expect(!store.unchanged(since: before))
    }

    /// The list writes members directly; the bytes must be exactly the member's JSON value.
    @Test func directlyWrittenMembersMatchTheirJSON() async throws {
        let c = try SandboxClient()
        _ = try await c.send(.patch, "/api/v2/members/64b000000000000000000003", body: #"[{"op": "add", "path": "/customRoles/-", "value": "flag-editors"}]"#)
        let members = try c.store.read { db in
            try Row.fetchAll(db, sql: "SELECT \(LDStore.columns) FROM ld_member").map { row -> LDMember in
                var m = LDMember(row: row)
                m.teams = try LDStore.teams(db, of: [m.id])[m.id] ?? []
                return m
            }
        }
        for m in members {
            for expand: Set<String> in [[], ["customRoles", "roleAttributes"]] {
                var out: [UInt8] = []
                m.write(to: &out, expand: expand)
                #expect(String(decoding: out, as: UTF8.self) == m.json(expand: expand).text, "\(m.email) \(expand)")
            }
        }
    }

    @Test func oversizedBodyIs413() async throws {
        let c = try SandboxClient()
        let big = "[" + String(repeating: " ", count: 1 << 20) + "]"
        let r = try await c.send(.post, "/api/v2/members", body: big)
        #expect(r.status == .contentTooLarge)
        #expect(r.json?["code"] == "request_too_large")
    }
}

/// The same application on a real socket (port 0).
struct LiveSandboxTests {
    @Test func listsOverALivePort() async throws {
        let store = try SandboxStore(path: ":memory:")
        try SandboxSeed.seed(store)
        let app = Application(router: Sandbox.router(store: store), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await client.execute(uri: "/api/v2/members/me", method: .get, headers: [.authorization: SandboxSeed.ldAdminToken]) { response in
                #expect(response.status == .ok)
                #expect(JSONValue.parse(Data(response.body.readableBytesView))?["email"] == "ada@example.com")
            }
        }
    }
}
