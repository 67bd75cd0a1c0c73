import Foundation
import GongEngagement
import GongHTTP
import ShareDetectorKit
import ShareLedger
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A clock for the delivery loop whose `sleep` only moves its own time: hours pass in microseconds.
final class VirtualClock: DeliveryClock {
    private let time: Mutex<Date>

    init(_ start: Date) { time = Mutex(start) }

    func now() -> Date { time.withLock { $0 } }

    func sleep(until date: Date) { time.withLock { $0 = max($0, date) } }

    func advance(by seconds: TimeInterval) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

extension SandboxProcess {
    /// Starts (`status`) or ends (`nil`) an outage: every PUT gets `status` (with `Retry-After` when given).
    func setOutage(_ status: Int?, retryAfter: Int? = nil) throws {
        var request = URLRequest(url: URL(string: baseURL + "/api/outage")!)
        request.httpMethod = "PUT"
        var object: [String: Any] = ["status": status.map { $0 as Any } ?? NSNull()]
        if let retryAfter { object["retryAfter"] = retryAfter }
        request.httpBody = try JSONSerialization.data(withJSONObject: object)
        let semaphore = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var code = 0
        URLSession.shared.dataTask(with: request) { _, response, _ in
            code = (response as? HTTPURLResponse)?.statusCode ?? 0
            semaphore.signal()
        }.resume()
        _ = semaphore.wait(timeout: .now() + 20)
        guard code == 200 else { throw OutageSwitchError(status: code) }
    }

    struct OutageSwitchError: Error { var status: Int }

    /// The sandbox's answer counts by status.
    func stats() throws -> [String: Int] {
        (try get("/api/stats") as? [String: Any] ?? [:]).compactMapValues { $0 as? Int }
    }
}

/// Delivery that survives any outage (issue 8): nothing dead after 30 hours of a down Gong, a 429 pause honoured
/// by every process and config of the account, an unreachable Gong that stops sending instead of burning the budget,
/// and causes printed even under --quiet.
@Suite("Delivery through outages, 429 pauses and unreachable Gong", .serialized)
struct DeliveryOutageTests {
    static let environment = ScanCommandTests.environment

    /// The `summary` object that ends `scan --json` / the object `send --json` prints.
    static func jsonSummary(_ stdout: String) throws -> [String: Any] {
        let last = try #require(stdout.split(separator: "\n").last)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        return (object["summary"] as? [String: Any]) ?? object
    }

    static func predictedEventIDs(config: String, mailbox: URL) throws -> [String] {
        let predicted = try CLI.run(["test", "--json", "--config", config, mailbox.path])
        return try predicted.stdout.split(separator: "\n").map {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["eventId"] as? String ?? ""
        }.sorted()
    }

    @Test func aThirtyHourOutageLosesNothingAndRecoveryDeliversEveryEventOnce() throws {
        let sandbox = try SandboxProcess(arguments: ["--rate", "0", "--outage-status", "503"])
        defer { sandbox.stop() }
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mailbox = folder.appendingPathComponent("sent.mbox")
        try FaultToleranceTests.writeMailbox(count: 30, to: mailbox)
        let team = try TeamFolder(mailbox: mailbox, sandboxURL: sandbox.baseURL, callsPerSecond: 50)
        defer { team.remove() }
        let stateDir = folder.appendingPathComponent("state-home").path
        var environment = Self.environment
        environment["SHARE_DETECTOR_STATE_DIR"] = stateDir
        let expected = try Self.predictedEventIDs(config: team.configPath, mailbox: mailbox)
        #expect(expected.count == 40)

        // Gong answers 503 to everything: the scan records every event, stops sending after 5 failures in a row
        // (not 40), says why under --quiet, and exits 3.
        let scan = try CLI.run(["scan", "--quiet", "--config", team.configPath], environment: environment)
        #expect(scan.status == 3, "\(scan.stderr)")
        #expect(scan.stdout.isEmpty)
        #expect(scan.stderr.contains("Gong failing: 5 consecutive HTTP 503 answers — 40 events pending"))
        #expect(try sandbox.stats()["5xx"] == 5)
        // The next run probes with one call, fails, and stops.
        let probe = try CLI.run(["send", "--quiet", "--config", team.configPath], environment: environment)
        #expect(probe.status == 3)
        #expect(probe.stderr.contains("Gong failing"))
        #expect(try sandbox.stats()["5xx"] == 6)

        // 30 simulated hours of cron runs every 10 minutes, Gong still down: one probe per run, nothing dies.
        let ledger = try ShareLedger(path: team.statePath)
        let lock = try ledger.tryLock()
        defer { lock.release() }
        let config = try TeamConfigLoader.load(path: team.configPath)
        let account = try GongAccountState(
            path: (stateDir as NSString).appendingPathComponent("gong-accounts.sqlite"),
            accountKey: GongAccess.accountKey(
                baseURL: sandbox.baseURL, credentials: .basic(accessKey: "sandbox-key", secret: ScanCommandTests.secret)
            ))
        #expect(try account.consecutiveFailures() == 6, "the breaker state is the CLI runs' (same account key)")
        let clock = VirtualClock(Date())
        let client = GongClient(
            baseURL: sandbox.baseURL, credentials: .basic(accessKey: "sandbox-key", secret: ScanCommandTests.secret),
            totalTimeout: 5)
        var options = Deliverer.Options(settings: config.gong)
        options.retryWindow = 0
        func deliver() -> Deliverer.Report {
            Deliverer(
                ledger: ledger, account: account, client: client, builder: EventBuilder(config: TeamConfig()),
                options: options, clock: clock
            ).run()
        }
        var outageCalls = 0
        for _ in 0..<180 {
            clock.advance(by: 600)
            let report = deliver()
            outageCalls += report.calls
            #expect(report.delivered == 0)
            #expect(report.dead == 0)
        }
        #expect(outageCalls <= 180, "one probe per run while Gong is down, not every due event")
        let during = try ledger.status()
        #expect(during.counts[.dead] == 0, "a transient failure never makes an event dead")
        #expect(during.waiting == 40)
        let alert = DeliverySummary(report: nil, status: during, config: config, now: clock.now())
        #expect(alert.exitCode == 1)
        #expect(alert.problems.contains { $0.contains("longer than gong.alertAfterHours (24 h)") })
        #expect((alert.oldestWaitingHours ?? 0) >= 30)

        // Gong is back: the next runs deliver everything, each event exactly once.
        try sandbox.setOutage(nil)
        for _ in 0..<10 where try ledger.status().waiting > 0 {
            clock.advance(by: 1_800)
            _ = deliver()
        }
        let after = try ledger.status()
        #expect(after.counts[.delivered] == 40)
        #expect(after.waiting == 0)
        #expect(after.counts[.dead] == 0)
        #expect(try sandbox.storedEventIDs().sorted() == expected)
        #expect(try account.consecutiveFailures() == 0)
    }

    @Test func a429PauseIsHonouredByEveryRunAndConfigOfTheAccount() throws {
        let fixture = try SandboxTeam(
            sandboxArguments: ["--rate", "0", "--outage-status", "429", "--outage-retry-after", "120"], messages: 67)
        let (sandbox, team, mailbox, environment) = (
            fixture.sandbox, fixture.team, fixture.mailbox, fixture.environment
        )

        let scan = try CLI.run(["scan", "--quiet", "--json", "--config", team.configPath], environment: environment)
        #expect(scan.status == 1, "\(scan.stderr)")
        let summary = try Self.jsonSummary(scan.stdout)
        let delivery = try #require(summary["delivery"] as? [String: Any])
        #expect(delivery["calls"] as? Int == 1, "Retry-After 120 > gong.maxWaitSeconds 60: one call, not 90")
        #expect(delivery["waiting"] as? Int == 90)
        #expect(scan.stderr.contains("Gong asked to pause (429) until"))
        #expect(scan.stderr.contains("longer than gong.maxWaitSeconds (60 s)"))
        #expect(scan.stderr.contains("90 events pending"))
        #expect(try sandbox.stats()["429"] == 1)

        // Gong would answer now, but the pause is stored for the account: another process with another team
        // config (its own ledger, same Gong credentials) makes no call either.
        try sandbox.setOutage(nil)
        let other = try TeamFolder(mailbox: mailbox, sandboxURL: sandbox.baseURL, callsPerSecond: 50)
        defer { other.remove() }
        let otherScan = try CLI.run(["scan", "--quiet", "--config", other.configPath], environment: environment)
        #expect(otherScan.status == 1)
        #expect(otherScan.stderr.contains("Gong asked to pause (429)"))
        let send = try CLI.run(["send", "--config", team.configPath], environment: environment)
        #expect(send.status == 1)
        #expect(send.stdout.contains("delivery: 0 calls"))
        #expect(try sandbox.stats()["429"] == 1)
        #expect(try sandbox.stats()["200"] ?? 0 == 0)
        // status shows the pause.
        let status = try CLI.run(["status", "--config", team.configPath], environment: environment)
        #expect(status.stdout.contains("Gong paused until"))
    }

    @Test func anUnreachableGongStopsSendingRefundsTheBudgetAndTheNextRunProbesOnce() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mailbox = folder.appendingPathComponent("sent.mbox")
        try FaultToleranceTests.writeMailbox(count: 30, to: mailbox)
        // Port 9 (discard) on loopback: nothing listens, every connection is refused.
        let team = try TeamFolder(mailbox: mailbox, sandboxURL: "http://127.0.0.1:9", callsPerSecond: 50)
        defer { team.remove() }
        var environment = Self.environment
        environment["SHARE_DETECTOR_STATE_DIR"] = folder.appendingPathComponent("state-home").path

        let scan = try CLI.run(["scan", "--quiet", "--json", "--config", team.configPath], environment: environment)
        #expect(scan.status == 3)
        let delivery = try #require(try Self.jsonSummary(scan.stdout)["delivery"] as? [String: Any])
        #expect(delivery["calls"] as? Int == 5)
        #expect(delivery["waiting"] as? Int == 40)
        #expect(
            scan.stderr.contains("Gong unreachable: connection refused to 127.0.0.1:9"), "\(scan.stderr)")
        #expect(scan.stderr.contains("40 events pending, will retry"))
        let again = try CLI.run(["send", "--json", "--config", team.configPath], environment: environment)
        #expect(again.status == 3)
        #expect(try Self.jsonSummary(again.stdout)["calls"] as? Int == 1, "the next run probes once")
        // Refused calls never reached Gong: they do not count against the daily budget.
        let status = try CLI.run(["status", "--json", "--config", team.configPath], environment: environment)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let gong = try #require(object["gong"] as? [String: Any])
        #expect(gong["callsToday"] as? Int == 0)
        #expect(gong["consecutiveFailures"] as? Int == 6)
        let undelivered = try #require(object["undelivered"] as? [[String: Any]])
        #expect(undelivered.count == 40)
        let first = try #require(undelivered.first)
        #expect((first["messageId"] as? String)?.hasPrefix("fault-") == true)
        #expect(first["mailbox"] as? String == "alice")
        #expect((first["subject"] as? String)?.hasPrefix("Document ") == true)
        #expect((first["contentId"] as? String)?.hasPrefix("gdoc:") == true)
        #expect(first["ageHours"] as? Double != nil)
        #expect(undelivered.contains { ($0["lastError"] as? String)?.contains("connection") == true })
        #expect(status.status == 0, "not waiting long enough yet for the alert")

        // An event that waited longer than gong.alertAfterHours: status, send and scan exit 1 and say so.
        try team.setGong("alertAfterHours", "0.0002")  // 0.72 s
        Thread.sleep(forTimeInterval: 1)
        let alert = try CLI.run(["status", "--config", team.configPath], environment: environment)
        #expect(alert.status == 1)
        #expect(alert.stderr.contains("has waited"))
        #expect(alert.stderr.contains("longer than gong.alertAfterHours"))
        #expect(alert.stdout.contains("not delivered (oldest first):"))
        let quietScan = try CLI.run(["scan", "--quiet", "--config", team.configPath], environment: environment)
        #expect(quietScan.status == 3, "unreachable Gong still wins: 3 > 1")
        #expect(quietScan.stderr.contains("longer than gong.alertAfterHours"))
    }

    @Test func a429OnTheLastEventStillStopsWithThePauseLine() throws {
        let sandbox = try SandboxProcess(arguments: [
            "--rate", "0", "--outage-status", "429", "--outage-retry-after", "120",
        ])
        defer { sandbox.stop() }
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mailbox = folder.appendingPathComponent("sent.mbox")
        // One message, one share: the 429 comes on the last (only) event, so no later call meets the pause.
        let message = """
            From alice@northwind.example Mon Nov  2 09:14:00 2026
            Message-ID: <last-429@northwind.example>
            Date: Mon, 02 Nov 2026 09:14:00 +0100
            From: Alice Martin <alice@northwind.example>
            To: Buyer <buyer@contoso.example>
            Subject: The one document
            Content-Type: text/plain; charset=utf-8

            Here it is: https://docs.google.com/document/d/1LastEventDoc0000AbCdEfGhIjKlMnOpQrSt/edit

            """
        try Data(message.utf8).write(to: mailbox)
        let team = try TeamFolder(mailbox: mailbox, sandboxURL: sandbox.baseURL, callsPerSecond: 50)
        defer { team.remove() }
        let scan = try CLI.run(["scan", "--quiet", "--config", team.configPath], environment: Self.environment)
        #expect(scan.status == 1, "\(scan.stderr)")
        #expect(scan.stderr.contains("Gong asked to pause (429) until"))
        #expect(scan.stderr.contains("1 event pending"))
    }

    @Test func aStormOf429sWithoutRetryAfterEndsTheRunAfterAFewCalls() throws {
        let sandbox = try SandboxProcess(arguments: ["--rate", "0", "--outage-status", "429"])
        defer { sandbox.stop() }
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mailbox = folder.appendingPathComponent("sent.mbox")
        try FaultToleranceTests.writeMailbox(count: 30, to: mailbox)
        let team = try TeamFolder(mailbox: mailbox, sandboxURL: sandbox.baseURL, callsPerSecond: 50)
        defer { team.remove() }
        try team.setGong("maxWaitSeconds", "5")
        // Pauses of 2 s and 4 s are waited out; the third (8 s) is longer than gong.maxWaitSeconds: 3 calls, not 40.
        let scan = try CLI.run(
            ["scan", "--quiet", "--json", "--config", team.configPath], environment: Self.environment)
        #expect(scan.status == 1, "\(scan.stderr)")
        let delivery = try #require(try Self.jsonSummary(scan.stdout)["delivery"] as? [String: Any])
        #expect(delivery["calls"] as? Int == 3)
        #expect(try sandbox.stats()["429"] == 3)
        #expect(scan.stderr.contains("longer than gong.maxWaitSeconds (5 s)"))
    }
}
