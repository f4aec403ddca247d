import Foundation
import Testing
import RosterCatalog
import RosterSandbox
@testable import RosterScript

/// Dry runs show whom each write touches: names beside ids, and the members a filter selects.
@Suite(.serialized) struct PlanTests {
    /// A catalog that plans (a dry run) against `sandbox`, and the lines its plan shows.
    func planning(_ sandbox: LiveSandbox) -> (Catalog, Lines) {
        let lines = Lines()
        let catalog = Catalog(targets: sandbox.targets)
        catalog.plan = Plan { lines.add($0) }
        return (catalog, lines)
    }

    /// The names after `# ` on a plan line, split at `, `.
    func names(_ line: String, after marker: String = "  # ") -> [String] {
        guard let r = line.range(of: marker) else { return [] }
        return line[r.upperBound...].components(separatedBy: "; ")[0].components(separatedBy: ", ")
    }

    /// The dry run of a filter-based patch lists exactly the members the real run then changes,
    /// and apart, those LaunchDarkly refuses (the token's own member, the owner).
    @Test func aFilterBasedPatchPlansTheMembersTheRealRunChanges() async throws {
        let sandbox = try await LiveSandbox.start(synthetic: 30)
        let (dry, lines) = planning(sandbox)
        let command = #"ld members replace-all-roles role=reader filter_roles="admin|writer""#
        // The dry run fails in part as the real run does: the same members refused.
        let planned = await run("try { \(command) } catch e { print (to_json(list($e.partial.members) | sort)); print (to_json(list($e.partial.failed | each { .email }) | sort)) }", catalog: dry)
        #expect(planned.error == nil, "\(planned.error ?? "")")
        #expect(lines.all.count == 1)
        let line = lines.all.first ?? ""
        // The line names the members the request lists (the first ten); those refused are said apart.
        let plannedEmails = Set(names(line))
        #expect(line.contains("LaunchDarkly would refuse ada@example.com (your own member), margaret@example.com (the owner)"), "\(line)")
        #expect(plannedEmails.contains("grace@example.com") && plannedEmails.contains("katherine@example.com"), "\(line)")
        #expect(line.contains(" and 2 more;"), "synthetic writers and admins too, ten named: \(line)")

        let real = Catalog(targets: sandbox.targets)
        let done = await run("""
            let emails = {}
            for m in (ld members list) { $emails[$m._id] = $m.email }
            try { \(command) } catch e {
                print (to_json(list($e.partial.members) | sort))
                print (to_json(list($e.partial.failed | each { .email }) | sort))
            }
            """, catalog: real)
        #expect(done.error == nil, "\(done.error ?? "")")
        #expect(done.output.last == #"["ada@example.com","margaret@example.com"]"#)
        #expect(planned.output.count == 2 && planned.output.first == done.output.first && planned.output[0].split(separator: ",").count == 10,
                "the dry run's answer lists exactly whom the real run changed: \(planned.output) \(done.output)")
        #expect(planned.output.last == done.output.last, "the dry run refuses whom the real run refuses")
    }

    /// LaunchDarkly's docs read both ways on whether `replaceAll*` filters select the members
    /// to change or exclude them. roster sends the explicit-id instruction over the members the
    /// list filters select, so the same command changes the same members under either reading
    /// (against a sandbox that reads the filters literally, `filter_roles=writer` would
    /// otherwise have demoted every admin instead of the writers).
    @Test func aFilterBasedPatchChangesTheSameMembersUnderEitherReading() async throws {
        var changed: [[String]] = []
        for reading in [SandboxOptions.FilterReading.select, .exclude] {
            var options = SandboxOptions()
            options.ldFilterReading = reading
            let sandbox = try await LiveSandbox.start(options: options, synthetic: 20)
            let recorder = Recorder()
            let catalog = Catalog(targets: sandbox.targets, transport: Transport(sender: recorder))
            let r = await run("""
                let before = {}
                for m in (ld members list) { $before[$m._id] = $m.role }
                ld members replace-all-roles role=reader filter_roles=writer
                print (to_json(list(ld members list | where $before[._id] != .role | each { .email }) | sort))
                """, catalog: catalog)
            #expect(r.error == nil, "\(reading): \(r.error ?? "")")
            changed.append(r.output)
            let patch = recorder.requests.first { $0.method == "PATCH" }?.bodyText ?? ""
            #expect(patch.contains(#""kind":"replaceMembersRoles""#) && patch.contains(#""memberIDs":["#) && !patch.contains("filter"), "\(patch)")
        }
        #expect(changed[0] == changed[1] && changed[0].last?.contains("grace@example.com") == true
                && changed[0].last?.contains("ada@example.com") == false, "\(changed)")
    }

    /// Secret body fields (the keys Secrets lists: token, password, access_token,
    /// refresh_token, client_secret, jwt) are redacted in the plan and in the journal.
    @Test func secretBodyFieldsAreRedactedInPlansAndJournals() async throws {
        let sandbox = try await LiveSandbox.start()
        let script = #"ld members patch instructions=[{kind: "replaceMembersRoles", value: "reader", memberIDs: ["64b000000000000000000002"], password: "pw-s3cret", nested: {client_secret: "cs-s3cret"}}]"#
        let (dry, lines) = planning(sandbox)
        _ = await run(script, catalog: dry)
        #expect(lines.all.count == 1 && lines.all[0].contains(#""password":"(redacted)""#) && lines.all[0].contains(#""client_secret":"(redacted)""#), "\(lines.all)")
        #expect(!lines.all[0].contains("s3cret"))

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString).jsonl").path
        let real = Catalog(targets: sandbox.targets)
        real.journal = try Journal(path: path)
        _ = await run(script, catalog: real)
        real.journal?.close()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains(#""password":"(redacted)""#) && !text.contains("s3cret"), "\(text)")
    }

    /// A dry run of a script that creates (or renames) something and then names it: the later
    /// verb takes the planned id, as the real run would find the new object by its name (the
    /// dry run said "no such name" where the real run would succeed).
    @Test func aDryRunKnowsTheNamesItsPlannedWritesGive() async throws {
        let sandbox = try await LiveSandbox.start()
        let (dry, _) = planning(sandbox)
        let r = await run("box groups create name=\"Night Shift\"\nbox memberships add group=\"Night Shift\" user=hedy@example.com", catalog: dry)
        #expect(r.error?.contains("no Box user is named 'hedy@example.com'") == true, "a name planned later is not known yet: \(r.error ?? "")")
        let fresh = Lines()
        dry.plan = Plan { fresh.add($0) }
        let all = await run("""
            box groups create name="Night Shift"
            box users create name="Hedy Lamarr" login=hedy@example.com
            box memberships add group="Night Shift" user=hedy@example.com
            box groups update id=57002 name="Help Desk"
            box memberships add group="Help Desk" user=linus@example.com
            ld members invite email=new@example.com role=writer
            ld members update id=new@example.com role=reader
            """, catalog: dry)
        #expect(all.error == nil, "\(all.error ?? "")")
        let adds = fresh.all.filter { $0.contains("/2.0/group_memberships") }
        #expect(adds.count == 2 && adds[0].contains(#"{"user":{"id":"planned-2"},"group":{"id":"planned-1"}}"#)
                && adds[1].contains(#""group":{"id":"57002"}"#), "\(adds)")
        #expect(fresh.all.last?.hasPrefix("plan: PATCH \(sandbox.url)/api/v2/members/planned-") == true, "\(fresh.all.last ?? "")")
    }

    /// A planned write names the subjects the run has read; ids it has not read stay ids.
    @Test func plannedWritesNameWhomTheyTouch() async throws {
        let sandbox = try await LiveSandbox.start()
        let (c, lines) = planning(sandbox)
        let r = await run("""
            box memberships remove id=1560001
            ld members delete id=64b000000000000000000003
            let ms = list(box memberships list group=57001)
            let people = list(ld members list)
            let tokens = list(losant tokens list)
            box memberships remove id=1560001
            ld members delete id=64b000000000000000000003
            losant tokens delete id=66a000000000000000000003
            """, catalog: c)
        #expect(r.error == nil, "\(r.error ?? "")")
        let all = lines.all
        #expect(all.count == 5)
        #expect(!all[0].contains("#") && !all[1].contains("#"), "nothing read yet: \(all)")
        #expect(all[2].hasSuffix("/2.0/group_memberships/1560001  # ada@example.com in Engineering"), "\(all)")
        #expect(all[3].hasSuffix("/api/v2/members/64b000000000000000000003  # alan@example.com"), "\(all)")
        #expect(all[4].contains("/tokens/66a000000000000000000003?") && all[4].hasSuffix("  # ci-deploy"), "\(all)")
        // --plan FILE keeps them as records.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString).jsonl").path
        try c.plan!.save(to: path)
        let saved = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(saved.count == 5 && saved[1].contains(#""subjects":[{"id":"64b000000000000000000003"}]"#), "\(saved)")
        #expect(saved[3].contains(#""subjects":[{"id":"64b000000000000000000003","name":"alan@example.com"}]"#), "\(saved)")
    }
}
