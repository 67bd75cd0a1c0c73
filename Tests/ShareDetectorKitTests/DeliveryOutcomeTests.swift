import Foundation
import GongEngagement
import ShareDetectorKit
import ShareLedger
import Testing

@Suite("Which answers bind an event to its Gong API")
struct DeliveryOutcomeTests {
    static let cases: [(GongCallResult, Bool)] = [
        (.response(status: 200, requestId: "r", errors: [], retryAfterSeconds: nil), true),
        (.response(status: 409, requestId: "r", errors: [], retryAfterSeconds: nil), true),
        (.response(status: 408, requestId: nil, errors: [], retryAfterSeconds: nil), true),
        (.response(status: 500, requestId: nil, errors: [], retryAfterSeconds: nil), true),
        (.response(status: 503, requestId: nil, errors: [], retryAfterSeconds: nil), true),
        (.transportError(kind: .timeout, message: "t"), true),
        (.transportError(kind: .connectionReset, message: "r"), true),
        (.transportError(kind: .other, message: "o"), true),
        (.response(status: 400, requestId: nil, errors: ["bad"], retryAfterSeconds: nil), false),
        (.response(status: 401, requestId: nil, errors: [], retryAfterSeconds: nil), false),
        (.response(status: 403, requestId: nil, errors: [], retryAfterSeconds: nil), false),
        (.response(status: 404, requestId: nil, errors: [], retryAfterSeconds: nil), false),
        (.response(status: 422, requestId: nil, errors: [], retryAfterSeconds: nil), false),
        (.response(status: 429, requestId: nil, errors: [], retryAfterSeconds: 3), false),
        (.transportError(kind: .connectionRefused, message: "c"), false),
        (.transportError(kind: .dnsFailure, message: "d"), false),
        (.transportError(kind: .tls, message: "t"), false),
    ]

    @Test("an answer that may mean Gong stored the event binds it; a refusal before storing does not", arguments: cases)
    func binding(_ result: GongCallResult, _ reached: Bool) {
        #expect(DeliveryOutcome.mayHaveReachedGong(result) == reached)
    }
}

@Suite("The deliverer after a gong.api switch")
struct DeliveryAPISwitchLoopTests {
    /// A ledger with three content-shared events: `free1`, `free2` never sent, `bound` tried once with a 503.
    static func ledger(_ folder: URL) throws -> ShareLedger {
        let ledger = try ShareLedger(path: folder.appendingPathComponent("ledger.sqlite").path)
        for id in ["bound", "free1", "free2"] {
            try ledger.insert(
                LedgerEvent(
                    eventId: id, contentId: "c-\(id)", messageKey: "mid:\(id)", mailbox: "ae",
                    position: .file(path: "/m/\(id).eml"), body: Data("{}".utf8), detection: nil,
                    api: .contentShared))
        }
        let claim = try #require(try ledger.claimDue(now: Date(), limit: 1).first)
        try ledger.record(
            claim,
            OutboxUpdate(
                state: .retry, attempts: 1, nextAttemptAt: Date(timeIntervalSince1970: 0),
                attempt: AttemptEntry(
                    at: Date(), status: 503, gongRequestId: nil, error: "503", api: .contentShared,
                    mayHaveReachedGong: true)))
        return ledger
    }

    @Test("a bound event its old API refuses is retried later without stopping the run; the others move on")
    func boundRefusalDoesNotStopTheRun() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let ledger = try Self.ledger(folder)
        let account = try GongAccountState(
            path: folder.appendingPathComponent("accounts.sqlite").path, accountKey: "http://x#0")
        var settings = GongSettings()
        settings.api = .digitalInteraction
        var options = Deliverer.Options(settings: settings)
        options.retryWindow = 0
        var sent: [(String, String)] = []
        let report = Deliverer(
            ledger: ledger, account: account, options: options, clock: VirtualClock(Date()),
            rebuild: { claim, api in
                .success(Data("{\"rebuilt\":\"\(claim.eventId)\",\"api\":\"\(api.rawValue)\"}".utf8))
            },
            send: { claim in
                sent.append((claim.eventId, claim.api.rawValue))
                return claim.api == .contentShared
                    ? .response(status: 403, requestId: nil, errors: ["no scope"], retryAfterSeconds: nil)
                    : .response(status: 200, requestId: "r-\(claim.eventId)", errors: [], retryAfterSeconds: nil)
            }
        ).run()
        #expect(report.stop == nil)
        #expect(sent.map(\.0).sorted() == ["bound", "free1", "free2"])
        #expect(sent.first { $0.0 == "bound" }?.1 == "content-shared", "a bound event stays on its API")
        #expect(report.delivered == 2)
        #expect(report.rebound == 2)
        #expect(report.keptOnBoundAPI == 1)
        #expect(report.refusedByBoundAPI == ["bound"])
        let bound = try #require(try ledger.outboxEntry(for: "bound"))
        #expect(bound.state == .retry)
        #expect((bound.nextAttemptAt ?? .distantPast) > Date().addingTimeInterval(3_000), "tried again in an hour")
        #expect(bound.lastError?.contains("Gong's content-shared API refused it") == true)
        #expect(try ledger.api(of: "free1")?.api == .digitalInteraction)
        #expect(String(decoding: try ledger.body(of: "free1") ?? Data(), as: UTF8.self).contains("rebuilt"))
        #expect(try account.consecutiveFailures() == 0, "a refusal by the old API does not open the breaker")

        var config = TeamConfig()
        config.gong.api = .digitalInteraction
        let summary = DeliverySummary(report: report, status: try ledger.status(), config: config, now: Date())
        #expect(summary.exitCode == 1)
        #expect(
            summary.problems.contains {
                $0.contains("Gong's content-shared API answered 403 (bound)") && $0.contains("--move-api")
            })
    }

    @Test(
        "when only bound events are due and their API refuses the login, the first is called once and the run exits 3")
    func boundRefusalOfTheLoginAlone() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let ledger = try ShareLedger(path: folder.appendingPathComponent("ledger.sqlite").path)
        for id in ["b1", "b2", "b3"] {
            try ledger.insert(
                LedgerEvent(
                    eventId: id, contentId: "c-\(id)", messageKey: "mid:\(id)", mailbox: "ae",
                    position: .file(path: "/m/\(id).eml"), body: Data("{}".utf8), api: .contentShared))
        }
        for claim in try ledger.claimDue(now: Date(), limit: 3) {
            try ledger.record(
                claim,
                OutboxUpdate(
                    state: .retry, attempts: 1, nextAttemptAt: Date(timeIntervalSince1970: 0),
                    attempt: AttemptEntry(
                        at: Date(), status: nil, gongRequestId: nil, error: "timeout", api: .contentShared,
                        mayHaveReachedGong: true)))
        }
        let account = try GongAccountState(
            path: folder.appendingPathComponent("accounts.sqlite").path, accountKey: "http://x#0")
        _ = try account.noteCall(failed: true, lastFailure: "503", now: Date())
        var settings = GongSettings()
        settings.api = .digitalInteraction
        var options = Deliverer.Options(settings: settings)
        options.retryWindow = 0
        var calls = 0
        let report = Deliverer(
            ledger: ledger, account: account, options: options, clock: VirtualClock(Date()),
            send: { _ in
                calls += 1
                return .response(status: 401, requestId: nil, errors: ["denied"], retryAfterSeconds: nil)
            }
        ).run()
        #expect(calls == 1, "the old API's other events are not called again this run")
        #expect(report.refusedByBoundAPI.count == 3)
        #expect(report.boundAPIRefusedLogin)
        #expect(try account.consecutiveFailures() == 1, "the refusal neither counts nor resets the breaker")
        for id in ["b1", "b2", "b3"] { #expect(try ledger.outboxEntry(for: id)?.state == .retry) }
        var config = TeamConfig()
        config.gong.api = .digitalInteraction
        let summary = DeliverySummary(report: report, status: try ledger.status(), config: config, now: Date())
        #expect(summary.exitCode == 3)
        #expect(summary.problems.contains { $0.contains("b1, b2, b3") })
    }

    @Test("an event that cannot be built for the new API becomes a dead letter naming why, and is not sent")
    func unbuildableBecomesDead() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let ledger = try Self.ledger(folder)
        let account = try GongAccountState(
            path: folder.appendingPathComponent("accounts.sqlite").path, accountKey: "http://x#0")
        var settings = GongSettings()
        settings.api = .digitalInteraction
        var options = Deliverer.Options(settings: settings)
        options.retryWindow = 0
        var sent: [String] = []
        let report = Deliverer(
            ledger: ledger, account: account, options: options, clock: VirtualClock(Date()),
            rebuild: { _, _ in .failure(EventRebuildError("invalid: person: needs a name")) },
            send: { claim in
                sent.append(claim.eventId)
                return .response(status: 200, requestId: "r", errors: [], retryAfterSeconds: nil)
            }
        ).run()
        #expect(sent == ["bound"], "only the bound event is sent (to its own API)")
        #expect(report.dead == 2)
        #expect(try ledger.outboxEntry(for: "free1")?.state == .dead)
        #expect(try ledger.outboxEntry(for: "free1")?.lastError?.contains("person: needs a name") == true)
    }
}

@Suite("status says why it does not show the Gong account")
struct StatusAccountTests {
    @Test func aDamagedAccountStateFileIsAProblemAndMissingCredentialsANote() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mailbox = folder.appendingPathComponent("sent.mbox")
        try FaultToleranceTests.writeMailbox(count: 1, to: mailbox)
        let team = try TeamFolder(mailbox: mailbox, sandboxURL: "http://127.0.0.1:9")
        defer { team.remove() }
        _ = try ShareLedger(path: team.statePath)
        let stateDir = folder.appendingPathComponent("state-home")
        var environment = ScanCommandTests.environment
        environment["SHARE_DETECTOR_STATE_DIR"] = stateDir.path

        let fresh = try CLI.run(["status", "--config", team.configPath], environment: environment)
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(fresh.stdout.contains("Gong account: no call made from this machine yet"))

        try FileManager.default.createDirectory(at: stateDir, withIntermediateDirectories: true)
        let stateFile = stateDir.appendingPathComponent("gong-accounts.sqlite")
        try Data("this is not a database, it is damaged".utf8).write(to: stateFile)
        let damaged = try CLI.run(["status", "--config", team.configPath], environment: environment)
        #expect(damaged.status == 1)
        #expect(damaged.stderr.contains("cannot read the Gong account state \(stateFile.path)"), "\(damaged.stderr)")
        let json = try CLI.run(["status", "--json", "--config", team.configPath], environment: environment)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(
            (object["problems"] as? [String])?.contains { $0.contains("cannot read the Gong account state") } == true)

        var noCredentials = environment
        noCredentials["TEST_GONG_SECRET"] = nil
        try FileManager.default.removeItem(at: stateFile)
        _ = try GongAccountState(path: stateFile.path, accountKey: "x")
        let without = try CLI.run(["status", "--config", team.configPath], environment: noCredentials)
        #expect(without.status == 0, "\(without.stderr)")
        #expect(without.stdout.contains("Gong account: credentials not resolvable here"))
        #expect(without.stdout.contains("TEST_GONG_SECRET"), "names the missing reference, never a value")
    }
}
