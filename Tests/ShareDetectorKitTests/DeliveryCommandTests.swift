import Foundation
import GongEngagement
import ShareDetectorKit
import ShareLedger
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `requeue`, SIGINT/SIGTERM, and usage errors: the built binary against the sandbox binary.
@Suite("requeue, signals and usage errors", .serialized)
struct DeliveryCommandTests {
    static let environment = ScanCommandTests.environment

    @Test func requeueRebuildsDeadLettersWithTheCurrentConfigAndKeepsTheirHistory() throws {
        let sandbox = try SandboxProcess(arguments: ["--rate", "0", "--outage-status", "400"])
        defer { sandbox.stop() }
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mailbox = folder.appendingPathComponent("sent.mbox")
        try FaultToleranceTests.writeMailbox(count: 6, to: mailbox)
        let team = try TeamFolder(mailbox: mailbox, sandboxURL: sandbox.baseURL, callsPerSecond: 50)
        defer { team.remove() }
        try team.setWorkspace("1111")
        let expected = try DeliveryOutageTests.predictedEventIDs(config: team.configPath, mailbox: mailbox)
        #expect(expected.count == 8)

        // Gong rejects every event (400): all dead letters, said on stderr even under --quiet, exit 1.
        let scan = try CLI.run(["scan", "--quiet", "--config", team.configPath], environment: Self.environment)
        #expect(scan.status == 1, "\(scan.stderr)")
        #expect(scan.stderr.contains("8 events rejected by Gong (400) and kept as dead letters (8 in this run)"))
        #expect(scan.stderr.contains("requeue --config"))
        // Every later run says so too (and exits 1) while the dead letters wait, as status does.
        let later = try CLI.run(["send", "--quiet", "--config", team.configPath], environment: Self.environment)
        #expect(later.status == 1)
        #expect(later.stderr.contains("8 events rejected by Gong (400) and kept as dead letters:"))
        let deadStatus = try CLI.run(["status", "--config", team.configPath])
        #expect(deadStatus.status == 1)
        #expect(deadStatus.stdout.contains("dead 8"))
        #expect(deadStatus.stdout.contains("Outage simulated by the sandbox (HTTP 400)"))

        // The operator fixes the config; a dry run changes nothing.
        try team.setWorkspace("2222")
        try sandbox.setOutage(nil)
        let dry = try CLI.run(["requeue", "--config", team.configPath, "--dead", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("requeue: 8 would be requeued, 0 refused"))
        #expect(try ShareLedger(path: team.statePath).status().counts[.dead] == 8)

        let requeue = try CLI.run(["requeue", "--config", team.configPath, "--dead", "--json"])
        #expect(requeue.status == 0, "\(requeue.stderr)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(requeue.stdout.utf8)) as? [String: Any])
        let items = try #require(report["items"] as? [[String: Any]])
        #expect(items.count == 8)
        #expect(items.allSatisfy { $0["outcome"] as? String == "requeued" && $0["rebuilt"] as? Bool == true })
        let ledger = try ShareLedger(path: team.statePath)
        #expect(try ledger.status().counts[.pending] == 8)
        let history = try ledger.requeueHistory(for: expected[0])
        #expect(history.count == 1)
        #expect(history.first?.previousState == .dead)
        #expect(history.first?.previousStatus == 400)
        #expect(try ledger.attempts(for: expected[0]).first?.status == 400, "the attempt log is kept")

        let send = try CLI.run(["send", "--config", team.configPath], environment: Self.environment)
        #expect(send.status == 0, "\(send.stderr)")
        let stored = try sandbox.get("/api/events") as? [[String: Any]] ?? []
        let events = stored.compactMap { $0["event"] as? [String: Any] }
        #expect(events.compactMap { $0["eventId"] as? String }.sorted() == expected, "same eventIds, once each")
        #expect(events.allSatisfy { $0["workspaceId"] as? String == "2222" }, "rebuilt with the current config")

        // Nothing left to requeue; an unknown id is reported; a delivered one is never requeued.
        let none = try CLI.run(["requeue", "--config", team.configPath, "--dead"])
        #expect(none.status == 0)
        #expect(none.stdout.contains("requeue: 0 requeued"))
        let unknown = try CLI.run(["requeue", "--config", team.configPath, "--event", "nope", "--event", expected[0]])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("nope: no such undelivered event"))
        #expect(unknown.stderr.contains("\(expected[0]): no such undelivered event"))
    }

    @Test func versionAndCompletionScripts() throws {
        let version = try CLI.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout == ShareDetectorVersion.current + "\n")
        for shell in ["bash", "zsh", "fish"] {
            let script = try CLI.run(["--generate-completion-script", shell])
            #expect(script.status == 0, "\(shell): \(script.stderr)")
            #expect(script.stdout.contains("share-detector"))
            #expect(script.stdout.contains("requeue") && script.stdout.contains("compare-rules"))
        }
    }

    @Test func usageErrorsExitWith2() throws {
        let noConfig = try CLI.run(["scan"])
        #expect(noConfig.status == 2)
        #expect(noConfig.stderr.contains("--config"))
        let noSelection = try CLI.run(["requeue", "--config", "examples/config.yml"])
        #expect(noSelection.status == 2)
        #expect(noSelection.stderr.contains("--dead, --event ID or --since DATE"))
        let badDate = try CLI.run(["requeue", "--config", "examples/config.yml", "--since", "yesterday"])
        #expect(badDate.status == 2)
        let unknownFlag = try CLI.run(["send", "--config", "examples/config.yml", "--frobnicate"])
        #expect(unknownFlag.status == 2)
        let help = try CLI.run(["requeue", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--dead"))
    }

    /// Starts the binary with `arguments`, returning the process and its stderr pipe.
    static func start(_ arguments: [String], environment: [String: String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["SHARE_DETECTOR_STATE_DIR"] = try CLI.temporaryFolder().path
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        return (process, err)
    }

    @Test func sigtermFinishesTheCallInFlightCommitsReleasesTheLockAndExits143() throws {
        let sandbox = try SandboxProcess(arguments: ["--rate", "0", "--latency-ms", "150"])
        defer { sandbox.stop() }
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mailbox = folder.appendingPathComponent("sent.mbox")
        try FaultToleranceTests.writeMailbox(count: 30, to: mailbox)
        let team = try TeamFolder(mailbox: mailbox, sandboxURL: sandbox.baseURL, callsPerSecond: 50)
        defer { team.remove() }
        let expected = try DeliveryOutageTests.predictedEventIDs(config: team.configPath, mailbox: mailbox)

        let (process, err) = try Self.start(["scan", "--config", team.configPath], environment: Self.environment)
        // Wait until a few events are delivered (40 events × 150 ms ≈ 6 s of sending), then SIGTERM.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, (try? sandbox.storedEventIDs().count) ?? 0 < 3 { usleep(50_000) }
        kill(process.processIdentifier, SIGTERM)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 143, "\(stderr)")
        #expect(stderr.contains("interrupted by SIGTERM"))
        let ledger = try ShareLedger(path: team.statePath)
        let status = try ledger.status()
        #expect(status.counts[.sending] == 0, "the call in flight was recorded, the rest released")
        let delivered = status.counts[.delivered] ?? 0
        #expect(delivered >= 3 && delivered < 40)
        #expect(try sandbox.storedEventIDs().count == delivered)
        let lock = try ledger.tryLock()  // released
        lock.release()

        let rest = try CLI.run(["send", "--config", team.configPath], environment: Self.environment)
        #expect(rest.status == 0, "\(rest.stderr)")
        #expect(try sandbox.storedEventIDs().sorted() == expected)
    }

    @Test func aSecondSignalExitsAtOnce() throws {
        let sandbox = try SandboxProcess(arguments: ["--rate", "0", "--latency-ms", "3000"])
        defer { sandbox.stop() }
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mailbox = folder.appendingPathComponent("sent.mbox")
        try FaultToleranceTests.writeMailbox(count: 3, to: mailbox)
        let team = try TeamFolder(mailbox: mailbox, sandboxURL: sandbox.baseURL, callsPerSecond: 50)
        defer { team.remove() }
        let (process, err) = try Self.start(["scan", "--config", team.configPath], environment: Self.environment)
        // The first call waits 3 s in the sandbox; interrupt twice while it is in flight.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, !FileManager.default.fileExists(atPath: team.statePath) { usleep(20_000) }
        usleep(800_000)
        kill(process.processIdentifier, SIGINT)
        usleep(100_000)
        kill(process.processIdentifier, SIGINT)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("second signal: exiting now"))
        #expect(!stderr.contains("interrupted by SIGINT"), "it did not wait for the call in flight to finish")
    }

    @Test(arguments: [400, 413, 422])
    func definitiveRejectionsMakeDeadLettersOthersStopTheRun(status: Int) {
        let input = DeliveryOutcome.input(
            for: .response(status: status, requestId: "r", errors: ["too big"], retryAfterSeconds: nil))
        #expect(input == .badRequest(errors: ["too big"], requestId: "r"))
        let unexpected = DeliveryOutcome.input(
            for: .response(status: 404, requestId: nil, errors: [], retryAfterSeconds: nil))
        #expect(unexpected == .unexpectedStatus(status: 404, requestId: nil))
    }
}
