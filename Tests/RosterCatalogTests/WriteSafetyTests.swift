import Foundation
import GRDB
import Testing
@testable import RosterCatalog
@testable import RosterSandbox
@testable import RosterScript

/// Loses the answer to chosen requests: the request reaches the server (or not), and the
/// client hears nothing, as when a connection resets. Reads can be refused outright.
final class LosingSender: HTTPSender, @unchecked Sendable {
    let inner = Recorder()
    private let lock = NSLock()
    private var toLose: Int
    /// Writes answered before the losing starts.
    private var toSkip: Int
    let deliverLost: Bool
    var refuseReads = false

    init(lose: Int = 1, deliver: Bool = true, skip: Int = 0) {
        toLose = lose
        deliverLost = deliver
        toSkip = skip
    }

    var requests: [WireRequest] { inner.requests }
    var methods: [String] { requests.map(\.method) }

    func send(_ request: WireRequest) async throws(SendFailure) -> WireReply {
        if request.method == "GET", lock.withLock({ refuseReads }) {
            throw SendFailure(mayHaveArrived: false, message: "connection refused")
        }
        let lose = request.method != "GET" && lock.withLock { () -> Bool in
            if toSkip > 0 { toSkip -= 1; return false }
            guard toLose > 0 else { return false }
            toLose -= 1
            return true
        }
        guard lose else { return try await inner.send(request) }
        if deliverLost { _ = try await inner.send(request) }
        throw SendFailure(mayHaveArrived: true, message: "the server closed the connection without answering")
    }
}

/// Loses the first write unsent, and answers every read with a first page of 5,000 holding
/// `entries` (none by default).
final class PartialPageSender: HTTPSender, @unchecked Sendable {
    private let lock = NSLock()
    private var sent: [String] = []
    var methods: [String] { lock.withLock { sent } }
    let entries: String
    init(entries: String = "") { self.entries = entries }

    func send(_ request: WireRequest) async throws(SendFailure) -> WireReply {
        lock.withLock { sent.append(request.method) }
        if request.method != "GET" { throw SendFailure(mayHaveArrived: true, message: "the server closed the connection without answering") }
        return WireReply(status: 200, headers: [("Content-Type", "application/json")],
                         body: Array(#"{"entries": [\#(entries)], "total_count": 5000, "offset": 0, "limit": 1000}"#.utf8))
    }
}

/// The first create goes through and its answer is held back half a second (out, its object
/// made); the second is lost before it reaches the server.
final class TwinSender: HTTPSender, @unchecked Sendable {
    let inner = Recorder()
    private let lock = NSLock()
    private var posts = 0
    private var made = false
    /// The first one's answer is lost too (it was made): both are in doubt.
    let firstAnswerLost: Bool
    init(firstAnswerLost: Bool = false) { self.firstAnswerLost = firstAnswerLost }

    func send(_ request: WireRequest) async throws(SendFailure) -> WireReply {
        guard request.method == "POST" else { return try await inner.send(request) }
        let n = lock.withLock { posts += 1; return posts }
        switch n {
        case 1:
            let reply = try await inner.send(request)
            lock.withLock { made = true }
            if firstAnswerLost { throw SendFailure(mayHaveArrived: true, message: "the server closed the connection without answering") }
            try? await Task.sleep(nanoseconds: 500_000_000)
            return reply
        case 2:
            // Lost once the first one's token is made (its answer still held back).
            for _ in 0..<200 where !lock.withLock({ made }) { try? await Task.sleep(nanoseconds: 10_000_000) }
            throw SendFailure(mayHaveArrived: true, message: "the server closed the connection without answering")
        default:
            return try await inner.send(request)
        }
    }
}

@Suite(.serialized) struct WriteSafetyTests {
    func count(_ sandbox: LiveSandbox, _ sql: String) throws -> Int {
        try sandbox.store.db.read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
    }

    func catalog(_ sandbox: LiveSandbox, _ sender: any HTTPSender, journal: Journal? = nil) -> Catalog {
        var policy = RetryPolicy()
        policy.baseDelay = 0.001
        let c = Catalog(targets: sandbox.targets, transport: Transport(sender: sender, policy: policy))
        c.journal = journal
        return c
    }

    /// A create retried after a loss that applied nothing, where the object already existed
    /// before the write (Ada's account since 2023): not taken for the write's result (it was,
    /// and the run said "created"), but sent again, and the 409 is what the user hears.
    @Test func aCreateInDoubtIsNeverSettledByAnObjectMadeBeforeIt() async throws {
        let sandbox = try await LiveSandbox.start()
        let sender = LosingSender(lose: 1, deliver: false)
        let r = await run("print (box users create name=Ada login=ada@example.com).id", catalog: catalog(sandbox, sender))
        #expect(r.output.isEmpty && r.error?.contains("409") == true, "\(r.output) \(r.error ?? "")")
        #expect(sender.methods == ["GET", "POST"], "(the lost POST never reached the server) looked, found only the old account, sent again: \(sender.methods)")
        // A membership the user already had, with another role: the same.
        let membership = LosingSender(lose: 1, deliver: false)
        let m = await run("print (box memberships add user=20000002 group=57001 role=admin).role", catalog: catalog(sandbox, membership))
        #expect(m.output.isEmpty && m.error?.contains("409") == true, "\(m.output) \(m.error ?? "")")
    }

    /// Two identical creates at once (two Losant tokens of one name, a parallel loop), the first
    /// made. The second's request is lost unsent while the first's is still out (its answer held
    /// back), or both answers are lost (`bothInDoubt`). The second's lookup waits for its twin to
    /// land, runs alone and claims what it finds, so the two never take one token (both were
    /// recorded done with one token, and one write was never applied).
    @Test(arguments: [false, true])
    func twinsNeverShareOneResult(bothInDoubt: Bool) async throws {
        let sandbox = try await LiveSandbox.start()
        let sender = TwinSender(firstAnswerLost: bothInDoubt)
        let r = await run("""
            for i in range(2) --parallel 2 { let t = losant tokens create name=twin scope=["all.Instance.read"]; print $t.id }
            """, catalog: catalog(sandbox, sender))
        #expect(r.error == nil, "\(r.error ?? "")")
        #expect(Set(r.output).count == 2, "two writes, two tokens: \(r.output)")
        #expect(try count(sandbox, "SELECT COUNT(*) FROM losant_token WHERE name = 'twin'") == 2)
    }

    @Test func aCreateWhoseAnswerWasLostIsFoundNotMadeTwice() async throws {
        let sandbox = try await LiveSandbox.start()
        let sender = LosingSender()
        let r = await run("print (box users create name=Ada login=lost@example.com).login", catalog: catalog(sandbox, sender))
        #expect(r.output == ["lost@example.com"], "\(r.error ?? "")")
        #expect(sender.methods == ["POST", "GET"], "the lookup found it: no second POST")
        #expect(try count(sandbox, "SELECT COUNT(*) FROM box_user WHERE login = 'lost@example.com'") == 1)
    }

    /// An app user has no login: in doubt, it is found by its name among the users made since
    /// the write was sent (it was sent again blindly, making a second one), and an older app
    /// user of that name is not taken for it.
    @Test func anAppUserInDoubtIsFoundByNameAndTime() async throws {
        let sandbox = try await LiveSandbox.start()
        let create = #"box users create name="Build Bot" is_platform_access_only=true"#
        let old = await run("print (\(create)).name", catalog: catalog(sandbox, Recorder()))
        #expect(old.output == ["Build Bot"], "\(old.error ?? "")")
        // Made long ago (by a day at least, whatever the column's unit).
        try await sandbox.store.db.write { db in try db.execute(sql: "UPDATE box_user SET created_at = created_at - 86400000 WHERE name = 'Build Bot'") }
        let arrived = LosingSender()
        let r = await run("print (\(create)).name", catalog: catalog(sandbox, arrived))
        #expect(r.output == ["Build Bot"], "\(r.error ?? "")")
        #expect(arrived.methods == ["POST", "GET"], "found by looking: not made twice: \(arrived.methods)")
        #expect(try count(sandbox, "SELECT COUNT(*) FROM box_user WHERE name = 'Build Bot'") == 2)
        // Lost before it arrived: the old ones are not it, so it is made.
        try await sandbox.store.db.write { db in try db.execute(sql: "UPDATE box_user SET created_at = created_at - 86400000 WHERE name = 'Build Bot'") }
        let lost = LosingSender(deliver: false)
        let again = await run("print (\(create)).name", catalog: catalog(sandbox, lost))
        #expect(again.output == ["Build Bot"] && lost.methods == ["GET", "POST"], "\(lost.methods) \(again.error ?? "")")
        #expect(try count(sandbox, "SELECT COUNT(*) FROM box_user WHERE name = 'Build Bot'") == 3)
        // A managed user of the name, made just now, is not it either; and a login typed for an
        // app user (Box ignores it) does not stop it being found.
        try await sandbox.store.db.write { db in try db.execute(sql: "UPDATE box_user SET created_at = created_at - 86400000 WHERE name = 'Build Bot'") }
        let managed = await run(#"print (box users create name="Build Bot" login=bot@example.com).name"#, catalog: catalog(sandbox, Recorder()))
        #expect(managed.output == ["Build Bot"], "\(managed.error ?? "")")
        let unsent = LosingSender(deliver: false)
        let third = await run("print (\(create) login=ignored@example.com).login", catalog: catalog(sandbox, unsent))
        #expect(unsent.methods == ["GET", "POST"] && third.output.first?.hasPrefix("AppUser_") == true, "\(unsent.methods) \(third.output) \(third.error ?? "")")
        try await sandbox.store.db.write { db in try db.execute(sql: "UPDATE box_user SET created_at = created_at - 86400000 WHERE name = 'Build Bot'") }
        let delivered = LosingSender()
        let fourth = await run("print (\(create) login=ignored@example.com).login", catalog: catalog(sandbox, delivered))
        #expect(delivered.methods == ["POST", "GET"] && fourth.output.first?.hasPrefix("AppUser_") == true, "\(delivered.methods) \(fourth.output) \(fourth.error ?? "")")
        #expect(try count(sandbox, "SELECT COUNT(*) FROM box_user WHERE name = 'Build Bot'") == 6)
    }

    /// A lookup that reads one page of many candidates and finds nothing there proves nothing:
    /// the write stays in doubt rather than being sent again.
    @Test func aLookupThatSeesOnlyPartOfTheCandidatesDoesNotSendAgain() async throws {
        let sandbox = try await LiveSandbox.start()
        let sender = PartialPageSender()
        let r = await run("print (box users create name=Someone login=someone@example.com).id", catalog: catalog(sandbox, sender))
        #expect(r.output.isEmpty && r.error?.contains("first page of 5000 candidates") == true, "\(r.output) \(r.error ?? "")")
        #expect(sender.methods == ["POST", "GET"], "\(sender.methods)")
        #expect(try count(sandbox, "SELECT COUNT(*) FROM box_user WHERE login = 'someone@example.com'") == 0)
        // An app user of the name on that page, made just now: names repeat, and the newest come
        // last, so it may not be the one.
        let now = ISOTime.format(Date().timeIntervalSince1970)
        let appUser = #"{"type": "user", "id": "77", "name": "Bot", "login": "AppUser_77@boxdevedition.com", "is_platform_access_only": true, "created_at": "\#(now)"}"#
        let repeated = PartialPageSender(entries: appUser)
        let a = await run(#"print (box users create name=Bot is_platform_access_only=true).id"#, catalog: catalog(sandbox, repeated))
        #expect(a.output.isEmpty && a.error?.contains("first page of 5000 candidates") == true, "\(a.output) \(a.error ?? "")")
        // A login is unique: found on the first page, it is the one.
        let login = #"{"type": "user", "id": "78", "name": "Someone", "login": "someone@example.com", "created_at": "\#(now)"}"#
        let unique = PartialPageSender(entries: login)
        let u = await run("print (box users create name=Someone login=someone@example.com).id", catalog: catalog(sandbox, unique))
        #expect(u.output == ["78"], "\(u.output) \(u.error ?? "")")
    }

    @Test func aCreateThatNeverArrivedIsSentAgain() async throws {
        let sandbox = try await LiveSandbox.start()
        let sender = LosingSender(deliver: false)
        let r = await run("print (box groups create name=Lost).name", catalog: catalog(sandbox, sender))
        #expect(r.output == ["Lost"], "\(r.error ?? "")")
        #expect(sender.methods == ["GET", "POST"], "the lost POST never reached the server; the lookup found nothing, so it went again")
        #expect(try count(sandbox, "SELECT COUNT(*) FROM box_group WHERE name = 'Lost'") == 1)
    }

    @Test func invitesInDoubtAreLookedUpOneByOne() async throws {
        let sandbox = try await LiveSandbox.start()
        let sender = LosingSender()
        let r = await run("""
            let members = ld members invite members=[{email: "one@example.com", role: "reader"}, {email: "two@example.com", role: "writer"}]
            print len($members) $members[1].role
            """, catalog: catalog(sandbox, sender))
        #expect(r.output == ["2 writer"], "\(r.error ?? "")")
        #expect(sender.methods == ["POST", "GET", "GET"])
        #expect(try count(sandbox, "SELECT COUNT(*) FROM ld_member WHERE email IN ('one@example.com', 'two@example.com')") == 2)
    }

    @Test func aLosantTokenInDoubtIsFoundByNameAndTime() async throws {
        let sandbox = try await LiveSandbox.start()
        let sender = LosingSender()
        let r = await run("print (losant tokens create name=rotated scope=[\"all.Instance.read\"]).name", catalog: catalog(sandbox, sender))
        #expect(r.output == ["rotated"], "\(r.error ?? "")")
        #expect(sender.methods == ["POST", "GET"])
        #expect(try count(sandbox, "SELECT COUNT(*) FROM losant_token WHERE name = 'rotated'") == 1)
    }

    /// Losant names are not unique: a token lost before it arrived must be made, even when an
    /// older token has its name (rotating a token into one of the same name). Only a token
    /// created since the write was first sent counts as found.
    @Test func aLosantTokenLostBeforeArrivingIsMadeEvenWhenAnOldOneHasItsName() async throws {
        let sandbox = try await LiveSandbox.start()
        let sender = LosingSender(deliver: false)
        let r = await run(#"print (losant tokens create name=ci-deploy scope=["all.Instance.read"]).name"#, catalog: catalog(sandbox, sender))
        #expect(r.output == ["ci-deploy"], "\(r.error ?? "")")
        #expect(sender.methods == ["GET", "POST"], "the lost POST never arrived; the old ci-deploy is not it: sent again")
        #expect(try count(sandbox, "SELECT COUNT(*) FROM losant_token WHERE name = 'ci-deploy'") == 2)
    }

    /// Two tokens of one name in one run, the second's answer lost: the first token (this
    /// run's own result) is not the second's. Arrived, the second is found; not arrived, it is
    /// made; either way two tokens, and two ids.
    @Test(arguments: [true, false])
    func aSecondTokenOfTheSameNameIsNeverTakenForTheFirst(arrived: Bool) async throws {
        let sandbox = try await LiveSandbox.start()
        let sender = LosingSender(deliver: arrived, skip: 1)
        let script = """
            let a = losant tokens create name=twin scope=["all.Instance.read"]
            let b = losant tokens create name=twin scope=["all.Instance.read"]
            print ($a.id != $b.id)
            """
        let r = await run(script, catalog: catalog(sandbox, sender))
        #expect(r.output == ["true"], "\(r.error ?? "")")
        #expect(sender.methods == (arrived ? ["POST", "POST", "GET"] : ["POST", "GET", "POST"]), "(a lost POST that never arrived is not recorded)")
        #expect(try count(sandbox, "SELECT COUNT(*) FROM losant_token WHERE name = 'twin'") == 2)
    }

    /// Tokens of one name that this run cannot tell apart (made by another hand meanwhile):
    /// the write stays in doubt rather than taking one at random.
    @Test func tokensThatCannotBeToldApartLeaveTheWriteInDoubt() async throws {
        let sandbox = try await LiveSandbox.start()
        let other = await run(#"losant tokens create name=twin scope=["all.Instance.read"]"#, catalog: catalog(sandbox, LosingSender(lose: 0)))
        #expect(other.error == nil)
        let r = await run(#"losant tokens create name=twin scope=["all.Instance.read"]"#, catalog: catalog(sandbox, LosingSender()))
        #expect(r.error?.contains("looking finds 2 that it could have made") == true, "\(r.error ?? "no error")")
        #expect(try count(sandbox, "SELECT COUNT(*) FROM losant_token WHERE name = 'twin'") == 2)
    }

    /// An invite in doubt is found by its exact email, however many members' emails contain it
    /// (`query:` matches substrings, a page at a time).
    @Test func anInviteInDoubtIsFoundAmongManyLookAlikes() async throws {
        let sandbox = try await LiveSandbox.start()
        let alikes = (0..<130).map { "{email: \"x\($0)an@acme.example.com\", role: \"reader\"}" }.joined(separator: ", ")
        let before = await run("ld members invite members=[\(alikes)]", catalog: catalog(sandbox, LosingSender(lose: 0)))
        #expect(before.error == nil, "\(before.error ?? "")")
        let sender = LosingSender()
        let r = await run("print (ld members invite email=an@acme.example.com role=reader).email", catalog: catalog(sandbox, sender))
        #expect(r.output == ["an@acme.example.com"], "\(r.error ?? "") \(sender.requests.map(\.url))")
        #expect(sender.methods == ["POST", "GET"], "found by looking: not sent again")
        #expect(try count(sandbox, "SELECT COUNT(*) FROM ld_member WHERE email = 'an@acme.example.com'") == 1)
    }

    /// A chunk of invites in doubt where some arrived: those found are kept, only the rest are
    /// sent again, and the answer holds all of them.
    @Test func invitesInDoubtOfWhichSomeArrivedSendOnlyTheRest() async throws {
        let sandbox = try await LiveSandbox.start()
        let before = await run(#"ld members invite email=early@example.com role=reader"#, catalog: catalog(sandbox, LosingSender(lose: 0)))
        #expect(before.error == nil)
        let sender = LosingSender(deliver: false)
        let r = await run("""
            let ms = ld members invite members=[{email: "early@example.com", role: "reader"}, {email: "late1@example.com", role: "reader"}, {email: "late2@example.com", role: "writer"}]
            print (to_json(list($ms | each { .email })))
            """, catalog: catalog(sandbox, sender))
        #expect(r.output == [#"["early@example.com","late1@example.com","late2@example.com"]"#], "\(r.error ?? "")")
        #expect(sender.methods == ["GET", "GET", "GET", "POST"], "the lost POST never arrived; one lookup per invite, then the rest")
        #expect(sender.requests.last?.bodyText?.contains("early@") == false, "only the missing ones were sent again")
        #expect(try count(sandbox, "SELECT COUNT(*) FROM ld_member WHERE email IN ('early@example.com', 'late1@example.com', 'late2@example.com')") == 3)
    }

    @Test func aDeleteInDoubtIsSentAgainAndA404MeansDone() async throws {
        let sandbox = try await LiveSandbox.start()
        let sender = LosingSender()
        let r = await run("box memberships remove id=1560001\nprint \"gone\"", catalog: catalog(sandbox, sender))
        #expect(r.output == ["gone"], "\(r.error ?? "")")
        #expect(sender.methods == ["DELETE", "DELETE"])
    }

    /// A rerun answers finished writes from the journal, sending nothing; the token value a
    /// create answered with is shown once and never kept.
    @Test func theJournalReplaysFinishedWrites() async throws {
        let sandbox = try await LiveSandbox.start()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString).jsonl").path
        let script = """
            for login in ["j1@example.com", "j2@example.com"] {
                let u = box users create name=J login=$login
                print $u.id
            }
            let t = losant tokens create name=journaled scope=["all.Instance.read"]
            print $t.token
            """
        let first = LosingSender(lose: 0)
        let journal1 = try Journal(path: path)
        let firstRun = await run(script, catalog: catalog(sandbox, first, journal: journal1))
        journal1.close()
        #expect(firstRun.error == nil && firstRun.output.count == 3, "\(firstRun.error ?? "")")
        let ids = Array(firstRun.output.prefix(2))

        // A second run replays everything: nothing is sent.
        let second = LosingSender(lose: 0)
        let journal = try Journal(path: path)
        let replaying = catalog(sandbox, second, journal: journal)
        let warnings = Lines()
        replaying.warn = { warnings.add($0) }
        let replay = await run(script, catalog: replaying)
        #expect(warnings.all == ["test.roster:5:9: warning: losant tokens create was done by an earlier run with this journal, so it is not sent again; its answer's token was shown once, then, and is not kept, so it reads (redacted) here"],
                "\(warnings.all)")
        #expect(replay.output.prefix(2) == ids[...], "\(replay.error ?? "")")
        #expect(replay.output.last == "(redacted)", "the token value is not kept in the journal")
        #expect(second.methods.isEmpty)
        #expect(journal.counts.skipped == 3)

        let text = try String(contentsOfFile: path, encoding: .utf8)
        let value = firstRun.output.last ?? ""
        #expect(value.count > 20 && !text.contains(value), "the token the create answered with is not in the journal")
        #expect(text.contains(#""token":"(redacted)""#))
    }

    /// The same write to another profile is a different write: one journal used against one
    /// profile and then another must not answer the second from the first.
    @Test func aJournalTellsProfilesApart() async throws {
        let sandbox = try await LiveSandbox.start()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString).jsonl").path
        let script = "let u = box users create name=P login=profiled@example.com\nprint $u.login"
        let first = LosingSender(lose: 0)
        let journal2 = try Journal(path: path)
        let firstRun = await run(script, catalog: catalog(sandbox, first, journal: journal2))
        journal2.close()
        #expect(firstRun.error == nil && first.methods == ["POST"], "\(firstRun.error ?? "")")

        let profiles = try Profiles.parse("[profiles.other]\nbox = { url = \"\(sandbox.url)\", token_env = \"OTHER_BOX\" }\n", path: "test.toml")
        let other = LosingSender(lose: 0)
        let url = sandbox.url
        let c = Catalog(targets: try SessionTargets(profiles: profiles, environment: ["OTHER_BOX": "box-sandbox-admin"]) { url },
                        transport: Transport(sender: other))
        c.journal = try Journal(path: path)
        c.profile = "other"
        let second = await run(script, catalog: c)
        #expect(other.methods == ["POST"], "sent, not answered from the journal")
        #expect(second.error?.contains("409") == true, "the login exists now: \(second.error ?? "no error")")
    }

    @Test func aWriteLeftInDoubtByACrashIsCheckedBeforeItIsSentAgain() async throws {
        let sandbox = try await LiveSandbox.start()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString).jsonl").path
        let script = "print (box users create name=Crash login=crash@example.com).login"
        // The create arrives, its answer is lost, and the lookup cannot reach the server: in doubt.
        let first = LosingSender()
        first.refuseReads = true
        let journal3 = try Journal(path: path)
        let crashed = await run(script, catalog: catalog(sandbox, first, journal: journal3))
        journal3.close()
        #expect(crashed.error != nil)
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("\"intent\""))
        let summary = try Journal.summary(of: path)
        #expect(summary.contains("in doubt (checked before being sent again"), "\(summary)")

        let second = LosingSender(lose: 0)
        let journal = try Journal(path: path)
        let resumed = await run(script, catalog: catalog(sandbox, second, journal: journal))
        #expect(resumed.output == ["crash@example.com"], "\(resumed.error ?? "")")
        #expect(second.methods == ["GET"], "found by the lookup, not created again")
        #expect(journal.counts.settled == 1)
        #expect(try count(sandbox, "SELECT COUNT(*) FROM box_user WHERE login = 'crash@example.com'") == 1)
    }

    /// A write is named by what it does, not where: the same writes made from other lines, in
    /// another order, are found; identical writes in one run are each sent once.
    @Test func aJournalKeysWritesByWhatTheyDoCountingIdenticalOnes() async throws {
        let sandbox = try await LiveSandbox.start()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString).jsonl").path
        let tokens = { try self.count(sandbox, "SELECT COUNT(*) FROM losant_token WHERE name = 'twin'") }
        let twice = "losant tokens create name=twin scope=[\"all.Instance.read\"]\nlosant tokens create name=twin scope=[\"all.Instance.read\"]"
        let first = LosingSender(lose: 0)
        let journal1 = try Journal(path: path)
        let r1 = await run(twice, catalog: catalog(sandbox, first, journal: journal1))
        journal1.close()
        #expect(r1.error == nil && first.methods == ["POST", "POST"], "identical writes are two writes: \(r1.error ?? "")")
        #expect(try tokens() == 2)

        // Moved lines, arguments in another order, a new write between them: only the new one goes out.
        let moved = """
            print "moved"
            losant tokens create scope=["all.Instance.read"] name=twin
            box groups create name=Between
            losant tokens create name=twin scope=["all.Instance.read"]
            """
        let second = LosingSender(lose: 0)
        let journal2 = try Journal(path: path)
        let r2 = await run(moved, catalog: catalog(sandbox, second, journal: journal2))
        journal2.close()
        #expect(r2.error == nil && second.methods == ["POST"], "\(r2.error ?? "") \(second.requests.map(\.url))")
        #expect(second.requests.allSatisfy { $0.url.hasSuffix("/2.0/groups") })
        #expect(journal2.counts.skipped == 2 && journal2.counts.applied == 1)
        #expect(try tokens() == 2)

        // A third and fourth identical write are new ones.
        let third = LosingSender(lose: 0)
        let journal3 = try Journal(path: path)
        let r3 = await run(twice + "\n" + twice, catalog: catalog(sandbox, third, journal: journal3))
        #expect(r3.error == nil && third.methods == ["POST", "POST"], "occurrences 2 and 3 are new: \(r3.error ?? "")")
        #expect(try tokens() == 4)
    }

    /// Invites under a journal are writes of their own: a list reordered and grown between runs
    /// sends only the new ones, and an invite made in a list (its fields in another order) is
    /// found when made alone.
    @Test func invitesAreJournaledOneByOneWhateverTheirChunks() async throws {
        let sandbox = try await LiveSandbox.start()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString).jsonl").path
        func invites(_ numbers: [Int]) -> String {
            "let ms = ld members invite members=[" + numbers.map { "{role: \"reader\", email: \"inv\($0)@example.com\"}" }.joined(separator: ", ") + "]\nprint len($ms)"
        }
        let first = LosingSender(lose: 0)
        let journal1 = try Journal(path: path)
        let r1 = await run(invites(Array(0..<60)), catalog: catalog(sandbox, first, journal: journal1))
        journal1.close()
        #expect(r1.output == ["60"] && first.methods == ["POST", "POST"], "\(r1.error ?? "")")

        var seed: UInt64 = 7
        var order = Array(0..<63)
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            order.swapAt(i, Int(seed >> 33) % (i + 1))
        }
        let second = LosingSender(lose: 0)
        let journal2 = try Journal(path: path)
        let r2 = await run(invites(order), catalog: catalog(sandbox, second, journal: journal2))
        journal2.close()
        #expect(r2.output == ["63"], "\(r2.error ?? "")")
        #expect(second.methods == ["POST"] && (second.requests.first?.bodyText?.components(separatedBy: "@example.com").count ?? 0) == 4,
                "one request with the 3 new invites: \(second.requests.map { $0.bodyText ?? "" })")
        #expect(journal2.counts.skipped == 60 && journal2.counts.applied == 3)

        let third = LosingSender(lose: 0)
        let journal3 = try Journal(path: path)
        let r3 = await run("print (ld members invite email=inv42@example.com role=reader).email", catalog: catalog(sandbox, third, journal: journal3))
        #expect(r3.output == ["inv42@example.com"] && third.methods.isEmpty, "\(r3.error ?? "")")
        #expect(try count(sandbox, "SELECT COUNT(*) FROM ld_member WHERE email LIKE 'inv%@example.com'") == 63)
    }

    @Test func aJournalThatNamedWritesByPlaceIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString).jsonl").path
        let old = #"{"journal":"roster","version":1,"run":"2026-01-01T00:00:00.000Z"}"# + "\n"
            + #"{"intent":"00ff","op":"box users create","method":"POST","path":"/2.0/users","at":"a.roster:1:1","time":1}"# + "\n"
        try old.write(toFile: path, atomically: true, encoding: .utf8)
        #expect { _ = try Journal(path: path) } throws: { ($0 as? ErrorValue)?.code == "old_journal" }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == old, "left as it was")
        // A journal that only ever had run headers holds no names to match.
        try (#"{"journal":"roster","version":1,"run":"2026-01-01T00:00:00.000Z"}"# + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        _ = try Journal(path: path)
    }

    /// An intent is on disk before its request leaves: at each write's sending, every line the
    /// journal appended (its intent among them) has been synced.
    @Test func anIntentIsSyncedBeforeItsRequestLeaves() async throws {
        final class Checking: HTTPSender, @unchecked Sendable {
            let inner = Recorder()
            let lock = NSLock()
            var journal: Journal?
            var unsyncedAtSend: [Int] = []
            func send(_ request: WireRequest) async throws(SendFailure) -> WireReply {
                if request.method != "GET", let journal = lock.withLock({ self.journal }) {
                    let n = journal.unsyncedLines
                    lock.withLock { unsyncedAtSend.append(n) }
                }
                return try await inner.send(request)
            }
        }
        let sandbox = try await LiveSandbox.start()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString).jsonl").path
        let sender = Checking()
        let journal = try Journal(path: path)
        sender.journal = journal
        let r = await run("for i in range(5) { box groups create name=\"synced-$i\" }", catalog: catalog(sandbox, sender, journal: journal))
        journal.close()
        #expect(r.error == nil, "\(r.error ?? "")")
        #expect(sender.unsyncedAtSend == [0, 0, 0, 0, 0])
    }

    @Test func aTornLastLineIsCutOffAndAForeignFileRefused() throws {
        let dir = FileManager.default.temporaryDirectory
        let path = dir.appendingPathComponent("journal-\(UUID().uuidString).jsonl").path
        let header = #"{"journal":"roster","version":2,"run":"2026-01-01T00:00:00.000Z"}"# + "\n"
        try (header + #"{"intent":"00ff","op":"box us"#).write(toFile: path, atomically: true, encoding: .utf8)
        _ = try Journal(path: path)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2 && lines.allSatisfy { $0.hasPrefix(#"{"journal":"roster""#) }, "\(lines)")

        let foreign = dir.appendingPathComponent("notes-\(UUID().uuidString).txt").path
        try "{\"hello\": 1}\n".write(toFile: foreign, atomically: true, encoding: .utf8)
        #expect(throws: ErrorValue.self) { _ = try Journal(path: foreign) }
        #expect(try String(contentsOfFile: foreign, encoding: .utf8) == "{\"hello\": 1}\n", "left as it was")
    }

    /// A disk that fills mid-line and then has room again (a log rotated): the cut line is cut
    /// off, so the lines after it start clean and the journal loads on the next run.
    @Test func aLineCutShortByAFullDiskIsCutOffAndTheJournalStillLoads() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString).jsonl").path
        let journal = try Journal(path: path)
        func done(_ n: Int) -> Value { .record(["done": .string(Journal.hex(UInt128(n))), "result": .record(["id": .int(n)])]) }
        try journal.append(done(1))
        final class Calls: @unchecked Sendable { var n = 0 }
        let calls = Calls()
        journal.writeBytes = { fd, bytes, count in
            calls.n += 1
            if calls.n == 1 { return Foundation.write(fd, bytes, count / 2) }
            errno = ENOSPC
            return -1
        }
        #expect(throws: ErrorValue.self) { try journal.append(done(2)) }
        #expect(calls.n == 2, "half a line went out, then the disk was full")
        journal.writeBytes = { Foundation.write($0, $1, $2) }
        try journal.append(done(3))
        journal.close()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4 && lines[1].contains("\"id\":1") && lines[2].contains("\"id\":3") && lines[3].isEmpty, "\(lines)")
        _ = try Journal(path: path)
    }
}
