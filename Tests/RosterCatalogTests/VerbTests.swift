import Foundation
import Testing
import RosterCatalog
import RosterSandbox
@testable import RosterScript

/// Every verb against a live sandbox, through the language, as a user types them.
@Suite(.serialized) struct VerbTests {
    let sandbox: LiveSandbox
    let catalog: Catalog

    init() async throws {
        sandbox = try await LiveSandbox.start()
        catalog = Catalog(targets: sandbox.targets)
    }

    func expectRuns(_ source: String, _ expected: [String], sourceLocation: SourceLocation = #_sourceLocation) async {
        let r = await run(source, catalog: catalog)
        #expect(r.error == nil, "\(r.error ?? "")", sourceLocation: sourceLocation)
        #expect(r.output == expected, sourceLocation: sourceLocation)
    }

    /// Every verb's help example, and every `e.g.` a parameter's help gives, is a call that
    /// binds as typed (a `|` unquoted would start a pipeline; a stale parameter name would fail).
    @Test func everyHelpExampleBindsAsTyped() {
        let interpreter = Interpreter(host: CatalogHost(catalog))
        for op in Catalog.operations {
            let found = interpreter.check(SourceFile(name: op.name, text: op.example)).filter { $0.id != "undefined_variable" }
            #expect(found.isEmpty, "\(op.name): \(op.example): \(found.map { $0.rendered() })")
            for p in op.parameters {
                guard let r = p.summary.range(of: "\(p.name)=") else { continue }
                let typed = String(p.summary[r.lowerBound...].prefix { $0 != " " && $0 != ")" && $0 != ";" })
                let call = "\(op.name) \(typed) " + op.parameters.filter { $0.required && $0.name != p.name }.map { "\($0.name)=$v" }.joined(separator: " ")
                let problems = interpreter.check(SourceFile(name: op.name, text: call)).filter { $0.id != "undefined_variable" }
                #expect(problems.isEmpty, "\(op.name) \(p.name): \(call): \(problems.map { $0.rendered() })")
                // One command, as typed: not a pipeline into a command named after a value.
                let (statements, _) = Parser.parse(SourceFile(name: op.name, text: call))
                let single = if statements.count == 1, case .expression(.command) = statements[0] { true } else { false }
                #expect(single, "\(op.name) \(p.name): \(call) is not one command: \(statements)")
            }
        }
    }

    /// Every verb's help example runs as shown against a fresh sandbox, its `$variables` being
    /// what an admin would have read first.
    @Test func everyHelpExampleRunsAgainstTheSandbox() async throws {
        let read: [Service: String] = [
            .box: "let m = box memberships list group=Engineering | where .user.login == \"grace@example.com\" | first",
            .launchDarkly: """
                let m = ld members get id=katherine@example.com
                let id = (ld members get id=linus@example.com)._id
                let a = (ld members get id=grace@example.com)._id
                let b = (ld members get id=alan@example.com)._id
                """,
            .losant: "let t = losant tokens get id=ci-deploy",
        ]
        for op in Catalog.operations {
            let sandbox = try await LiveSandbox.start()
            let r = await run(read[op.service]! + "\nlet result = " + op.example, catalog: Catalog(targets: sandbox.targets))
            #expect(r.error == nil, "\(op.name): \(op.example): \(r.error ?? "")")
        }
    }

    /// Completion and suggestions offer the verbs; the SDK aliases resolve only when typed.
    @Test func theVerbsAreOfferedNotTheirAliases() {
        #expect(catalog.commandNames.contains("box memberships add") && catalog.commandNames.count == Catalog.operations.count)
        #expect(!catalog.commandNames.contains { $0.contains("create_group_membership") || $0.contains("get_members") })
        #expect(catalog.resolve(["box", "memberships", "create_group_membership"])?.name == "box memberships add")
    }

    @Test func launchDarklyVerbs() async {
        await expectRuns("""
            let admins = ld members list filter=role:admin sort=-lastSeen | select .email
            print (to_json($admins | first 5))
            print (ld members get id=me).email
            print (ld members get_member me).email
            let m = ld members invite email=new@example.com role=writer first_name=New
            print "$m.email $m.role ${$m._pendingInvite}"
            let u = ld members update id=$m._id role=reader custom_roles=["flag-editors"]
            print "$u.role ${to_json($u.customRoles)}"
            print (ld members add-teams id=$m._id teams=["platform"]).teams[0].key
            let r = ld members replace-roles role=writer ids=[$m._id] comment="sdk"
            print (to_json($r.members))
            let p0 = ld members replace-custom-roles roles=["release-managers"] ids=[$m._id]
            print (to_json((ld members get id=$m._id).customRoles))
            let p1 = ld members replace-role-attributes attributes={projects: ["web"]} ids=[$m._id]
            print (to_json((ld members get id=$m._id expand=roleAttributes).roleAttributes))
            let p2 = ld members replace-all-roles role=reader filter_query=new@
            print (ld members get id=$m._id).role
            let p3 = ld members replace-all-custom-roles roles=[] filter_query=new@
            let p4 = ld members patch instructions=[{kind: "replaceMembersRoles", value: "writer", memberIDs: [$m._id]}]
            print (ld members get id=$m._id).role
            let many = ld members invite members=[{email: "a1@example.com", role: "reader"}, {email: "a2@example.com", role: "reader"}]
            print (len($many))
            ld members delete id=$m._id
            try { ld members get id=$m._id } catch e { print "$e.status $e.code" }
            """, [
                #"[{"email":"ada@example.com"},{"email":"margaret@example.com"}]"#, "ada@example.com", "ada@example.com",
                "new@example.com writer true", #"reader ["flag-editors"]"#, "platform", #"["64b000000000000000000007"]"#,
                #"["release-managers"]"#, #"{"projects":["web"]}"#, "reader", "writer", "2", "404 not_found",
            ])
    }

    @Test func losantVerbs() async {
        await expectRuns("""
            print (to_json(losant tokens list filter_field=name filter=sandbox-* | select .name | each { $it.name }))
            let t = losant tokens create name=ci scope=["all.Instance.read"] expiration_date=2030-01-01T00:00:00.000Z
            print "$t.name ${len($t.token) > 20} $t.expirationDate"
            print (losant tokens get id=$t.id).name
            print (losant tokens update id=$t.id status=inactive description=rotated).status
            print (to_json(losant tokens delete id=$t.id))
            try { losant tokens get id=$t.id } catch e { print "$e.status $e.code: $e.message" }
            print (losant tokens list sort_field=creationDate sort_direction=desc | first 1)[0].name
            """, [
                #"["sandbox-all","sandbox-read"]"#, "ci true 2030-01-01T00:00:00.000Z", "ci", "inactive", #"{"success":true}"#,
                "404 NotFound: API Token was not found", "ci-deploy",
            ])
    }

    @Test func boxVerbs() async {
        await expectRuns("""
            print (to_json(box memberships list group=57001 | each { $it.user.login }))
            print (box memberships list-for-user user=20000003 | count)
            print (box memberships get_group_memberships group=57002 | count)
            let u = box users create name="Edsger Dijkstra" login=edsger@example.com job_title=Professor
            print "$u.name $u.login $u.role"
            print (box users get id=$u.id).job_title
            print (box users me).login
            print (to_json(box users list filter_term=gr | each { $it.name }))
            let g = box groups create name=Algorithms description="Shortest paths"
            print (box groups get id=$g.id).description
            print (to_json(box groups list | each { $it.name }))
            let m = box memberships add user=$u.id group=$g.id
            print "$m.role $m.user.login $m.group.name"
            print (box memberships update id=$m.id role=admin).role
            print (box memberships get id=$m.id fields=["role"]).role
            box memberships remove id=$m.id
            try { box memberships get id=$m.id } catch e { print "$e.status $e.code" }
            try { box memberships add user=20000001 group=57001 } catch e { print "$e.status $e.code $e.operation" }
            """, [
                #"["ada@example.com","grace@example.com","alan@example.com"]"#, "2", "3", "Edsger Dijkstra edsger@example.com user",
                "Professor", "ada@example.com", #"["Grace Hopper"]"#, "Shortest paths", #"["Engineering","Support","Algorithms"]"#,
                "member edsger@example.com Algorithms", "admin", "admin", "404 not_found", "409 conflict box memberships add",
            ])
    }

    /// JSON has no infinity or NaN; a record argument holding one is refused before anything is
    /// sent (it went out as null: `ld members patch` with a computed 1e400 changed a field to null).
    @Test func aNonFiniteNumberInARequestIsRefused() async {
        let recorder = Recorder()
        let c = Catalog(targets: sandbox.targets, transport: Transport(sender: recorder))
        for value in ["1e400", "-1e400", "float(\"nan\")"] {
            let r = await run(#"ld members patch instructions=[{kind: "replaceMembersRoles", value: "reader", memberIDs: [], extra: [\#(value)]}]"#, catalog: c)
            #expect(r.error?.contains("which JSON cannot carry") == true, "\(value): \(r.error ?? "")")
        }
        #expect(recorder.requests.isEmpty)
    }

    /// A verb whose paths are alternatives takes one of them: given both, the group's was taken
    /// and the user dropped without a word.
    @Test func alternativePathsAreOneOrTheOther() async {
        let recorder = Recorder()
        let c = Catalog(targets: sandbox.targets, transport: Transport(sender: recorder))
        let r = await run("box memberships list group=57001 user=20000001", catalog: c)
        #expect(r.error?.contains("box memberships list takes group= or user=, not both") == true, "\(r.error ?? "")")
        #expect(recorder.requests.isEmpty)
        // A filter-based instruction beside others would be made explicit against the members
        // before any applies: refused, nothing sent.
        let mixed = await run(#"ld members patch instructions=[{kind: "replaceAllMembersRoles", value: "writer", filterRoles: "reader"}, {kind: "replaceAllMembersCustomRoles", values: ["flag-editors"], filterRoles: "writer"}]"#, catalog: c)
        #expect(mixed.error?.contains("send the filter-based one on its own") == true, "\(mixed.error ?? "")")
        #expect(recorder.requests.isEmpty, "\(recorder.requests.map(\.url))")
        let upper = await run("print (losant tokens get id=66A000000000000000000001).name", catalog: c)
        #expect(upper.error == nil || upper.error?.contains("no Losant token is named") == false, "an upper-case id is an id: \(upper.error ?? "")")
    }

    @Test func anUncaughtFailureNamesTheStatementAndTheOperation() async {
        let r = await run("let x = 1\nbox memberships add user=20000001 group=57001\nprint \"not reached\"", catalog: catalog)
        #expect(r.output.isEmpty)
        #expect(r.error?.hasPrefix("test.roster:2:1: error: box memberships add: 409 conflict: User is already a member of this group") == true, "\(r.error ?? "")")
    }
}
