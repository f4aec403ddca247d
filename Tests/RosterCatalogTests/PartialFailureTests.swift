import Foundation
import Testing
import RosterCatalog
@testable import RosterScript

/// A write that succeeds for some items and not others is a failure the admin sees: one
/// warning per item naming who and why, an error the script can catch with what was done.
@Suite(.serialized) struct PartialFailureTests {
    func catalog(_ sandbox: LiveSandbox, _ warnings: Lines, journal: Journal? = nil) -> Catalog {
        let c = Catalog(targets: sandbox.targets)
        c.warn = { warnings.add($0) }
        c.journal = journal
        return c
    }

    /// The sandbox token's own member (Ada) cannot be changed: the other two are, and the
    /// failure names Ada by the email the run read earlier.
    @Test func aSemanticPatchWithARefusedMemberIsAFailureNamingTheMember() async throws {
        let sandbox = try await LiveSandbox.start()
        let warnings = Lines()
        let script = """
            let people = list(ld members list | where .email == "ada@example.com" or .email == "grace@example.com" or .email == "katherine@example.com")
            try {
                ld members replace-roles role=reader ids=list($people | each { ._id })
                print "no error"
            } catch e {
                print $e.code
                print (to_json($e.partial.members))
                print (to_json($e.partial.failed))
                print $e.message
            }
            ld members replace-roles role=reader ids=list($people | each { ._id })
            """
        let r = await run(script, catalog: catalog(sandbox, warnings))
        #expect(r.output == [
            "partial_failure",
            #"["64b000000000000000000002","64b000000000000000000004"]"#,
            #"[{"id":"64b000000000000000000001","message":"you cannot modify your own role","email":"ada@example.com"}]"#,
            "1 of 3 members not changed: ada@example.com (64b000000000000000000001); the others were",
        ])
        #expect(r.error?.contains("test.roster:11:1: error: ld members replace-roles: 1 of 3 members not changed: ada@example.com") == true,
                "uncaught, it stops the script: \(r.error ?? "no error")")
        #expect(warnings.all == Array(repeating: "test.roster:3:5: warning: ld members replace-roles: ada@example.com (64b000000000000000000001) not changed: you cannot modify your own role", count: 1)
                + ["test.roster:11:1: warning: ld members replace-roles: ada@example.com (64b000000000000000000001) not changed: you cannot modify your own role"])
    }

    /// A journal records a partial failure as refused, so a rerun (once the cause is fixed)
    /// sends it again rather than replaying the failure.
    @Test func aJournalSendsAPartlyRefusedPatchAgain() async throws {
        let sandbox = try await LiveSandbox.start()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString).jsonl").path
        let script = #"ld members replace-roles role=reader ids=["64b000000000000000000001", "64b000000000000000000002"]"#
        let journal = try Journal(path: path)
        let first = await run(script, catalog: catalog(sandbox, Lines(), journal: journal))
        journal.close()
        #expect(first.error?.contains("1 of 2 members not changed") == true, "\(first.error ?? "no error")")
        #expect(journal.counts.refused == 1)
        let again = try Journal(path: path)
        _ = await run(script, catalog: catalog(sandbox, Lines(), journal: again))
        #expect(again.counts.refused == 1 && again.counts.skipped == 0, "sent again, not replayed")
        let summary = try Journal.summary(of: path)
        #expect(summary.contains("2 runs") && summary.contains(", 1 write\n"), "\(summary)")
        #expect(summary.contains("ld members replace-roles       0       1       0\n"), "refused, not done nor in doubt: \(summary)")
    }

    /// Invites go 50 to a request, each request all or nothing: a refused chunk does not stop
    /// the others, and the error lists each invite that was not made.
    @Test func aRefusedChunkOfInvitesIsAPartialFailureListingItsEmails() async throws {
        let sandbox = try await LiveSandbox.start()
        let warnings = Lines()
        // 60 invites: the first chunk of 50 is new, the second holds an existing member.
        var forms = (0..<59).map { #"{email: "chunk\#($0)@example.com", role: "reader"}"# }
        forms.insert(#"{email: "grace@example.com", role: "reader"}"#, at: 55)
        let script = """
            try {
                ld members invite members=[\(forms.joined(separator: ", "))]
            } catch e {
                print $e.code $e.status len($e.partial.items) len($e.partial.failed)
                print $e.partial.failed[5].email
                print $e.message
            }
            print len(list(ld members list filter=query:chunk))
            """
        let r = await run(script, catalog: catalog(sandbox, warnings))
        #expect(r.output.count == 4, "\(r.error ?? "") \(r.output)")
        #expect(r.output.first == "partial_failure 400 50 10")
        #expect(r.output.dropFirst().first == "grace@example.com")
        #expect(r.output.dropFirst(2).first?.hasPrefix("10 of 60 invites refused: chunk50@example.com, chunk51@example.com, chunk52@example.com and 7 more") == true)
        #expect(r.output.last == "50", "the first chunk was made")
        #expect(warnings.all.count == 10 && warnings.all.allSatisfy { $0.contains("warning: ld members invite: ") && $0.contains(" not invited: 400 email_already_exists_in_account: ") })
    }
}
