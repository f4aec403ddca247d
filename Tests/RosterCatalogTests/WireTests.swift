import Foundation
import Testing
import RosterCatalog
@testable import RosterScript

/// What roster puts on the wire for each verb, checked against the fact sheets' wire examples,
/// so that pointing it at the real services works; and argument checks that send nothing.
@Suite(.serialized) struct WireTests {
    let sandbox: LiveSandbox
    let recorder = Recorder()
    let catalog: Catalog

    init() async throws {
        sandbox = try await LiveSandbox.start()
        catalog = Catalog(targets: sandbox.targets, transport: Transport(sender: recorder))
    }

    func sent(_ source: String) async throws -> [WireRequest] {
        let r = await run(source, catalog: catalog)
        #expect(r.error == nil, "\(r.error ?? "")")
        return recorder.requests
    }

    func json(_ r: WireRequest) -> Any? { r.body.flatMap { try? JSONSerialization.jsonObject(with: Data($0)) } }

    @Test func launchDarkly() async throws {
        let requests = try await sent("""
            let page = ld members list limit=5 filter=role:admin | first 1
            let p = ld members replace-roles role=reader ids=["64b000000000000000000002"] comment=demote
            let u = ld members update id=64b000000000000000000003 role=writer
            let many = ld members invite members=(range(120) | each { {email: "bulk$it@example.com", role: "reader"} })
            """)
        let list = requests[0]
        #expect(list.method == "GET" && list.path == "/api/v2/members?limit=5&filter=role%3Aadmin")
        #expect(list.header("Authorization") == "api-sandbox-admin", "LaunchDarkly takes the bare token")
        #expect(list.header("LD-API-Version") == "20240415" && list.header("Accept") == "application/json")
        #expect(list.body == nil && list.header("Content-Type") == nil)
        let patch = requests[1]
        #expect(patch.method == "PATCH" && patch.path == "/api/v2/members")
        #expect(patch.header("Content-Type") == "application/json; domain-model=launchdarkly.semanticpatch")
        #expect(patch.bodyText == #"{"comment":"demote","instructions":[{"kind":"replaceMembersRoles","value":"reader","memberIDs":["64b000000000000000000002"]}]}"#)
        let update = requests[2]
        #expect(update.method == "PATCH" && update.path == "/api/v2/members/64b000000000000000000003")
        #expect(update.bodyText == #"[{"op":"replace","path":"/role","value":"writer"}]"#)
        let invites = requests[3...]
        #expect(invites.allSatisfy { $0.method == "POST" && $0.path == "/api/v2/members" })
        #expect(invites.map { (json($0) as? [Any])?.count ?? -1 } == [50, 50, 20], "sent 50 at a time")
    }

    /// A bare word bound to a string parameter is sent as typed, not as the number it reads as.
    @Test func bareWordsKeepTheirTextForStringParameters() async throws {
        _ = await run("""
            try { box groups get id=00123 } catch e { }
            try { box users get id=123456789012345678901 } catch e { }
            try { box users get 007 } catch e { }
            """, catalog: catalog)
        let paths = recorder.requests.map(\.path)
        #expect(paths.contains("/2.0/groups/00123") && paths.contains("/2.0/users/123456789012345678901") && paths.contains("/2.0/users/007"), "\(paths)")
    }

    @Test func losant() async throws {
        let requests = try await sent("""
            let l = losant tokens list per_page=10 filter_field=name filter=ci-* | first 1
            let t = losant tokens create name=ci scope=all.Instance.read expiration_date=2030-01-01T00:00:00.000Z
            losant tokens delete id=$t.id
            """)
        let list = requests[0]
        #expect(list.path == "/instances/5f0000000000000000000001/tokens?filterField=name&filter=ci-%2A&perPage=10&_actions=false&_links=true&_embedded=true")
        #expect(list.header("Authorization") == "Bearer losant-sandbox-all" && list.header("Accept-Version") == "^1.31.0")
        let create = requests[1]
        #expect(create.method == "POST" && create.header("Content-Type") == "application/json")
        #expect(json(create) as? NSDictionary == ["name": "ci", "scope": ["all.Instance.read"], "expirationDate": "2030-01-01T00:00:00.000Z"] as NSDictionary)
        #expect(requests[2].method == "DELETE" && requests[2].body == nil)
    }

    @Test func box() async throws {
        let requests = try await sent("""
            let l = box memberships list group=57001 limit=50 | first 1
            let m = box memberships add user=20000006 group=57001
            let u = box memberships update id=$m.id role=admin
            box memberships remove id=$m.id
            """)
        #expect(requests[0].path == "/2.0/groups/57001/memberships?limit=50")
        #expect(requests[0].header("Authorization") == "Bearer box-sandbox-admin")
        #expect(requests[1].method == "POST" && requests[1].path == "/2.0/group_memberships")
        #expect(requests[1].bodyText == #"{"user":{"id":"20000006"},"group":{"id":"57001"}}"#, "ids wrapped as {id}, given as strings; role left out")
        #expect(requests[2].method == "PUT" && requests[2].bodyText == #"{"role":"admin"}"#)
        #expect(requests[3].method == "DELETE" && requests[3].path.hasPrefix("/2.0/group_memberships/"))
    }

    @Test func badArgumentsSendNothing() async {
        let cases: [(String, String)] = [
            ("box memberships add user=1 grop=2", "test.roster:1:28: error: box memberships add has no parameter 'grop'; did you mean 'group'?"),
            ("box memberships add user=1", "test.roster:1:1: error: box memberships add needs group= (the group's id or exact name)"),
            ("ld members list limit=lots", "test.roster:1:17: error: limit= must be an integer, got string \"lots\""),
            ("ld members invite email=a@b.c role=owner", "test.roster:1:31: error: role=owner is not allowed; valid: reader, writer, admin, no_access"),
            ("box memberships update id=1 role=admn", "test.roster:1:29: error: role=admn is not allowed; did you mean 'admin'?; valid: member, admin"),
            ("ld members invite email=a@b.c", "test.roster:1:1: error: ld members invite needs role= or custom_roles="),
            ("box memberships list", "test.roster:1:1: error: box memberships list needs one of group= or user="),
            ("ld members add-teams id=x teams={a: 1}", "test.roster:1:27: error: teams= must be a list of strings, got record {\"a\":1}"),
            ("box users get 1 2", "test.roster:1:17: error: box users get takes no more positional values"),
            ("ld members list limit=1e19", "test.roster:1:17: error: limit= must be an integer, got double 1e+19"),
            ("box users get id=(1..3)", "test.roster:1:15: error: id= must be a string, got range"),
        ]
        // The vendors' own names are the same parameters (the API docs' and the SDKs').
        let vendor = await run(#"ld members replace-roles value=reader memberIDs=["64b000000000000000000002"] --dry-run"#, catalog: catalog)
        #expect(vendor.error == nil && vendor.output.first?.contains(#""members":["64b000000000000000000002"]"#) == true, "\(vendor.error ?? "") \(vendor.output)")
        // Whom LaunchDarkly refuses is read once a run, not once a patch.
        _ = await run(#"ld members replace-roles value=writer memberIDs=["64b000000000000000000003"] --dry-run"#, catalog: catalog)
        let twice = await run("ld members replace-roles role=reader value=writer ids=[]", catalog: catalog)
        #expect(twice.error?.contains("role= is given twice") == true, "\(twice.error ?? "no error")")
        // The dry run reads whom LaunchDarkly would refuse (the token's member, the owners); it writes nothing.
        #expect(recorder.requests.allSatisfy { $0.method == "GET" } && recorder.requests.count == 2, "\(recorder.requests.map(\.url))")
        let read = recorder.requests.count
        for (source, message) in cases {
            let r = await run(source, catalog: catalog)
            #expect(r.error?.contains(message) == true, "\(source): \(r.error ?? "no error") ≠ \(message)")
        }
        #expect(recorder.requests.count == read, "nothing is sent when the arguments are wrong")
    }
}
