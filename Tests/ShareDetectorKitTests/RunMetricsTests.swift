import Foundation
import Testing

/// `--metrics-file`: the Prometheus text the textfile collector reads, parsed back, after a scan against a faulty
/// sandbox.
@Suite("Prometheus metrics file", .serialized)
struct RunMetricsTests {
    /// `name{labels} value` samples of a Prometheus text file; fails the test on any line that is not
    /// `# HELP`, `# TYPE` or a well-formed sample.
    static func parse(_ text: String) throws -> [(name: String, labels: [String: String], value: Double)] {
        var samples: [(String, [String: String], Double)] = []
        var typed: Set<String> = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# HELP ") { continue }
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                #expect(parts.count == 4 && parts[3] == "gauge", "\(line)")
                typed.insert(String(parts[2]))
                continue
            }
            let open = try #require(line.firstIndex(of: "{"), "\(line)")
            let close = try #require(line.lastIndex(of: "}"), "\(line)")
            let name = String(line[..<open])
            #expect(typed.contains(name), "\(name) has no # TYPE line")
            var labels: [String: String] = [:]
            for pair in line[line.index(after: open)..<close].split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                #expect(kv.count == 2 && kv[1].hasPrefix("\"") && kv[1].hasSuffix("\""), "\(pair)")
                labels[String(kv[0])] = String(kv[1].dropFirst().dropLast())
            }
            let value = try #require(Double(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)))
            samples.append((name, labels, value))
        }
        return samples
    }

    @Test func aScanUnderFaultsWritesMetricsThatAgreeWithTheLedger() throws {
        let sandbox = try SandboxProcess(arguments: ["--rate", "0", "--fail-rate", "0.3", "--seed", "3"])
        defer { sandbox.stop() }
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mailbox = folder.appendingPathComponent("sent.mbox")
        try FaultToleranceTests.writeMailbox(count: 15, to: mailbox)
        let team = try TeamFolder(mailbox: mailbox, sandboxURL: sandbox.baseURL, callsPerSecond: 50)
        defer { team.remove() }
        let metrics = folder.appendingPathComponent("share-detector.prom").path

        let scan = try CLI.run(
            ["scan", "--quiet", "--metrics-file", metrics, "--config", team.configPath],
            environment: ScanCommandTests.environment)
        let samples = try Self.parse(try String(contentsOfFile: metrics, encoding: .utf8))
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            samples.first { sample in
                sample.name == "share_detector_\(name)" && labels.allSatisfy { sample.labels[$0.key] == $0.value }
            }?.value
        }
        #expect(samples.allSatisfy { $0.labels["team"] == "test-team" && $0.labels["command"] == "scan" })
        #expect(value("last_run_exit_code") == Double(scan.status))
        #expect(value("last_run_messages", ["outcome": "fetched"]) == 15)
        #expect(value("last_run_shares") == 20)
        #expect(value("last_run_new_events") == 20)
        let answers = samples.filter { $0.name == "share_detector_last_run_gong_answers" }
        #expect(answers.reduce(0) { $0 + $1.value } == value("last_run_gong_calls"), "every call has an answer")
        #expect((value("last_run_gong_answers", ["status": "500"]) ?? 0) > 0, "the injected 500s are counted")
        let states = ["pending", "sending", "retry", "delivered", "dead"].map { value("events", ["state": $0]) ?? -1 }
        #expect(states.reduce(0, +) == 20)
        #expect(value("events", ["state": "delivered"]) == Double(try sandbox.storedEventIDs().count))
        #expect((value("last_run_duration_seconds") ?? -1) >= 0)
        #expect((value("last_run_timestamp_seconds") ?? 0) > Date().timeIntervalSince1970 - 600)
        let waiting = (value("events", ["state": "pending"]) ?? 0) + (value("events", ["state": "retry"]) ?? 0)
        #expect(waiting == 0 ? value("oldest_waiting_seconds") == 0 : (value("oldest_waiting_seconds") ?? -1) >= 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "the temporary file was renamed into place")

        // send replaces the file with its own metrics (no message counts).
        let send = try CLI.run(
            ["send", "--quiet", "--metrics-file", metrics, "--config", team.configPath],
            environment: ScanCommandTests.environment)
        let after = try Self.parse(try String(contentsOfFile: metrics, encoding: .utf8))
        #expect(after.allSatisfy { $0.labels["command"] == "send" })
        #expect(!after.contains { $0.name == "share_detector_last_run_messages" })
        #expect(after.first { $0.name == "share_detector_last_run_exit_code" }?.value == Double(send.status))
    }

    @Test func anUnwritableMetricsFileIsSaidAndExits1() throws {
        let sandbox = try SandboxProcess(arguments: ["--rate", "0"])
        defer { sandbox.stop() }
        let team = try TeamFolder(mailbox: ScanCommandTests.mailbox, sandboxURL: sandbox.baseURL, callsPerSecond: 50)
        defer { team.remove() }
        let scan = try CLI.run(
            ["scan", "--quiet", "--metrics-file", "/nonexistent-folder/x.prom", "--config", team.configPath],
            environment: ScanCommandTests.environment)
        #expect(scan.status == 1)
        #expect(scan.stderr.contains("cannot write the metrics file /nonexistent-folder/x.prom"))
        #expect(try sandbox.storedEventIDs().count == 6, "the run itself still did its work")
    }
}

/// `--log-format json` and `--log-level`: every diagnostic as one JSON object a line, with its ids as fields.
@Suite("Structured logs", .serialized)
struct StructuredLogTests {
    @Test func jsonLogsUnderFaultsParseAndCarryIdsButNoSecret() throws {
        let sandbox = try SandboxProcess(arguments: ["--rate", "0", "--outage-status", "400"])
        defer { sandbox.stop() }
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mailbox = folder.appendingPathComponent("sent.mbox")
        try FaultToleranceTests.writeMailbox(count: 3, to: mailbox)
        let team = try TeamFolder(mailbox: mailbox, sandboxURL: sandbox.baseURL, callsPerSecond: 50)
        defer { team.remove() }
        let expected = try DeliveryOutageTests.predictedEventIDs(config: team.configPath, mailbox: mailbox)

        let scan = try CLI.run(
            ["scan", "--quiet", "--log-format", "json", "--config", team.configPath],
            environment: ScanCommandTests.environment)
        #expect(scan.status == 1)
        #expect(!scan.stderr.contains(ScanCommandTests.secret))
        let records = try scan.stderr.split(separator: "\n").map { line in
            try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
        }
        #expect(records.allSatisfy { $0["time"] is String && $0["level"] is String && $0["message"] is String })
        let deadLetters = records.filter { ($0["message"] as? String)?.hasPrefix("dead letter") == true }
        #expect((deadLetters.compactMap { $0["eventId"] as? String }).sorted() == expected)
        #expect(deadLetters.allSatisfy { $0["level"] as? String == "warning" && $0["status"] as? String == "400" })
        let problem = try #require(records.first { ($0["message"] as? String)?.contains("rejected by Gong") == true })
        #expect(problem["team"] as? String == "test-team")
        #expect(!(problem["message"] as? String ?? "").hasPrefix("share-detector:"), "the JSON message has no prefix")

        // --log-level error keeps only errors: this run's causes are warnings.
        let quiet = try CLI.run(
            ["send", "--quiet", "--log-format", "json", "--log-level", "error", "--config", team.configPath],
            environment: ScanCommandTests.environment)
        #expect(quiet.status == 1)
        #expect(quiet.stderr.isEmpty)
        // Text stays what it was.
        let text = try CLI.run(
            ["send", "--quiet", "--config", team.configPath], environment: ScanCommandTests.environment)
        #expect(text.stderr.hasPrefix("share-detector: 4 events rejected by Gong (400)"))
        let bad = try CLI.run(["send", "--log-format", "xml", "--config", team.configPath])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--log-format takes text or json"))
    }
}
