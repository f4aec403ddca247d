import Foundation
import Testing
@testable import RosterCatalog
@testable import RosterScript

/// Names where ids are asked: each resource resolved by one read of its listing, cached for the
/// run; an id never looked up; no match and several matches as errors that help.
@Suite(.serialized) struct NameTests {
    let sandbox: LiveSandbox
    let recorder = Recorder()
    let catalog: Catalog

    init() async throws {
        sandbox = try await LiveSandbox.start()
        catalog = Catalog(targets: sandbox.targets, transport: Transport(sender: recorder))
    }

    /// Requests so far whose path (without the query) is `path`.
    func reads(_ path: String, since start: Int = 0) -> [WireRequest] {
        recorder.requests.dropFirst(start).filter { $0.method == "GET" && $0.path.split(separator: "?")[0] == path }
    }

    func expectRuns(_ source: String, _ expected: [String], sourceLocation: SourceLocation = #_sourceLocation) async {
        let r = await run(source, catalog: catalog)
        #expect(r.error == nil, "\(r.error ?? "")", sourceLocation: sourceLocation)
        #expect(r.output == expected, sourceLocation: sourceLocation)
    }

    @Test func boxGroupsAndUsersByNameAndLogin() async throws {
        await expectRuns("""
            print (box memberships list group=Engineering | count)
            print (box memberships list group=Engineering | count)
            print (box groups get id=support).name
            let m = box memberships add user=linus@example.com group=Support
            print "$m.user.id $m.group.id"
            print (box memberships list-for-user user=linus@example.com | each { .group.name } | sort | join(","))
            print (box users get id=grace@example.com).id
            """, ["3", "3", "Support", "20000006 57002", "Support", "20000002"])
        // One read per distinct name: the second listing of Engineering uses the run's cache.
        let groups = reads("/2.0/groups")
        #expect(groups.count == 3, "Engineering once, then support and Support (texts apart): \(groups.map(\.path))")
        #expect(groups[0].path.contains("filter_term=Engineering"), "\(groups[0].path)")
        #expect(reads("/2.0/users").count == 2, "linus once (add and list-for-user share it), grace once")
        let add = recorder.requests.first { $0.method == "POST" }
        #expect(add?.bodyText == #"{"user":{"id":"20000006"},"group":{"id":"57002"}}"#, "\(add?.bodyText ?? "")")
    }

    /// A name resolved before a write to its kind of resource (a rename, a new one of the same
    /// name) is read again after it: the membership goes to the group the name now stands for.
    @Test func aNameIsReadAgainAfterAWriteThatCanChangeIt() async throws {
        await expectRuns(#"""
            let a = box groups create name="Team Red"
            print ((box groups get id="Team Red").id == $a.id)
            let renamed = box groups update id=$a.id name="Team Red (old)"
            let b = box groups create name="Team Red"
            let m = box memberships add group="Team Red" user=linus@example.com role=member
            print ($m.group.id == $b.id)
            """#, ["true", "true"])
    }

    /// The service's filter only narrows (LaunchDarkly's `query:` is a substring): a name under
    /// more look-alikes than one page holds is still found, on the page where it shows, and a
    /// search that stops at its page limit says so rather than "no such name".
    @Test func aNameBehindManyLookAlikesIsFoundOrTheLimitIsSaid() async throws {
        let big = try await LiveSandbox.start(synthetic: 12_000)
        let recorder = Recorder()
        let catalog = Catalog(targets: big.targets, transport: Transport(sender: recorder))
        // "1@example.com" is inside person1@, person11@, ..., person11991@: 1,200 look-alikes
        // before it, 13 pages of 100 (the invite is the newest, so the last).
        let r = await run("""
            let m = ld members invite email=1@example.com role=reader
            print ((ld members get id=1@example.com)._id == $m._id)
            """, catalog: catalog)
        #expect(r.error == nil && r.output == ["true"], "\(r.error ?? "") \(r.output)")
        let lookups = recorder.requests.filter { $0.method == "GET" && $0.path.contains("filter=query") }
        #expect(lookups.count == 13, "read up to the page where the name shows: \(lookups.map(\.path))")

        // A new run (names are remembered for a run) whose lookups read one page.
        let limitedCatalog = Catalog(targets: big.targets, transport: Transport(sender: recorder))
        limitedCatalog.nameLookupPages = 1
        let limited = await run("print (ld members get id=1@example.com)._id", catalog: limitedCatalog)
        #expect(limited.error?.contains("is not among the first 100 LaunchDarkly members") == true, "\(limited.error ?? "") \(limited.output)")
        #expect(limited.error?.contains("more remain past the 1 page roster reads") == true, "\(limited.error ?? "")")
        #expect(limited.error?.contains("no LaunchDarkly member is named") == false)
    }

    @Test func launchDarklyMembersByEmail() async throws {
        await expectRuns("""
            print (ld members get id=grace@example.com)._id
            let r = ld members replace-roles role=reader ids=["alan@example.com", "64b000000000000000000006"]
            print (to_json($r.members))
            print (ld members get id=ALAN@example.com).role
            """, ["64b000000000000000000002", #"["64b000000000000000000003","64b000000000000000000006"]"#, "reader"])
        let lookups = reads("/api/v2/members").filter { $0.path.contains("filter=query") }
        #expect(lookups.count == 3, "grace, alan, and ALAN (a different text): \(lookups.map(\.path))")
        #expect(!lookups.contains { $0.path.contains("64b000000000000000000006") }, "an id is never looked up")
    }

    @Test func losantTokensByName() async throws {
        await expectRuns("""
            print (losant tokens get id=sandbox-read).name
            let u = losant tokens update id=legacy-export status=active
            print (losant tokens get id=legacy-export).status
            """, ["sandbox-read", "active"])
        let lookups = reads("/instances/\(Losant.instance)/tokens")
        // legacy-export is read again after the update: a write to a token may rename it.
        #expect(lookups.count == 3 && lookups[0].path.contains("filterField=name&filter=sandbox-read"), "\(lookups.map(\.path))")
    }

    @Test func idsAreNeverLookedUp() async throws {
        await expectRuns("""
            print (box groups get id=57001).name
            print (box users get id=me).login
            print (ld members get id=me).email
            print (ld members get id=64b000000000000000000002).email
            print (losant tokens get id=66a000000000000000000001).name
            """, ["Engineering", "ada@example.com", "ada@example.com", "grace@example.com", "sandbox-all"])
        #expect(recorder.requests.count == 5, "one read per command, none to look a name up: \(recorder.requests.map(\.path))")
    }

    @Test func noMatchListsCloseNamesAndSeveralListTheirIDs() async throws {
        let typo = await run("box memberships list group=Enginering", catalog: catalog)
        #expect(typo.error?.contains("1:22: error: no Box group is named 'Enginering'; close: Engineering (57001)") == true, "\(typo.error ?? "")")
        let email = await run("ld members get id=grace@exmple.com", catalog: catalog)
        #expect(email.error?.contains("no LaunchDarkly member is named 'grace@exmple.com'; close: grace@example.com (64b000000000000000000002)") == true, "\(email.error ?? "")")
        let caught = await run("""
            let a = losant tokens create name=twin
            let b = losant tokens create name=twin
            try { losant tokens delete id=twin } catch e { print "$e.code: $e.message" }
            print (losant tokens list | where .name == "twin" | count)
            """, catalog: catalog)
        #expect(caught.error == nil, "\(caught.error ?? "")")
        #expect(caught.output.first?.hasPrefix("ambiguous_name: 2 Losant tokens are named 'twin': twin (") == true, "\(caught.output)")
        #expect(caught.output.last == "2", "nothing deleted")
        #expect(!recorder.requests.contains { $0.method == "DELETE" })
    }

    @Test func aDryRunPlanShowsTheResolvedIDAndName() async throws {
        let lines = Lines()
        catalog.plan = Plan { lines.add($0) }
        await expectRuns("let m = box memberships add user=linus@example.com group=Support", [])
        #expect(lines.all.count == 1)
        #expect(lines.all.first?.contains(#"{"user":{"id":"20000006"},"group":{"id":"57002"}}  # linus@example.com, Support"#) == true, "\(lines.all)")
        #expect(!recorder.requests.contains { $0.method == "POST" })
    }

    /// TAB after `group=`: live names and ids, from one read cached briefly.
    /// (On a thread of its own, as the REPL's: it waits for the read, which runs on the pool.)
    @Test func completionOffersLiveNamesAndIDs() async throws {
        let add = try #require(catalog.resolve(["box", "memberships", "add"]))
        let token = try #require(catalog.resolve(["losant", "tokens", "get"]))
        let catalog = self.catalog
        let (values, again, role, tokens) = await onAThread {
            (catalog.liveValues(of: add, parameter: "group", typed: "Eng", wait: 30),
             catalog.liveValues(of: add, parameter: "group", typed: "Eng", wait: 30),
             catalog.liveValues(of: add, parameter: "role", typed: "", wait: 30),
             catalog.liveValues(of: token, parameter: "id", typed: "sandbox-", wait: 30))
        }
        #expect(values == ["Engineering", "57001"], "\(values)")
        #expect(again == values && reads("/2.0/groups").count == 1, "cached")
        #expect(role.isEmpty, "role takes no names")
        #expect(tokens.prefix(2) == ["sandbox-all", "sandbox-read"], "\(tokens)")
    }

    func onAThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in Thread { continuation.resume(returning: work()) }.start() }
    }
}

enum Losant {
    static let instance = "5f0000000000000000000001"
}
