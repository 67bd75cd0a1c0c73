import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Exactly-once delivery under crashes and a faulty Gong: kill -9 the scan at random points, rerun until done, and
/// check the sandbox holds every expected event exactly once and the ledger agrees.
@Suite("Fault tolerance: kill -9 and a faulty Gong", .serialized)
struct FaultToleranceTests {
    /// An mbox of `count` messages, each sharing one or two distinct Google documents with an external recipient.
    static func writeMailbox(count: Int, to url: URL) throws {
        var text = ""
        for index in 0..<count {
            let id = String(format: "1FaultTestDoc%04dAbCdEfGhIjKlMnOpQrSt", index)
            let second =
                index % 3 == 0 ? "\nAnd the sheet: https://docs.google.com/spreadsheets/d/\(id)Sheet/edit\n" : ""
            text += """
                From alice@northwind.example Mon Nov  2 09:14:00 2026
                Message-ID: <fault-\(index)@northwind.example>
                Date: Mon, 02 Nov 2026 09:\(String(format: "%02d", index % 60)):00 +0100
                From: Alice Martin <alice@northwind.example>
                To: Buyer \(index) <buyer\(index)@contoso.example>
                Subject: Document \(index)
                Content-Type: text/plain; charset=utf-8

                Hello, here is the document: https://docs.google.com/document/d/\(id)/edit
                \(second)

                """
        }
        try Data(text.utf8).write(to: url)
    }

    @Test func killedScansAndInjectedFaultsLoseAndDuplicateNothing() throws {
        let sandbox = try SandboxProcess(arguments: [
            "--rate", "0", "--fail-rate", "0.1", "--drop-rate", "0.05", "--seed", "7",
        ])
        defer { sandbox.stop() }
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mailbox = folder.appendingPathComponent("sent.mbox")
        try Self.writeMailbox(count: 150, to: mailbox)
        // 200 events at 20 calls/s: about 10 s of sending, so the random kills land mid-flight.
        let team = try TeamFolder(mailbox: mailbox, sandboxURL: sandbox.baseURL, callsPerSecond: 20)
        defer { team.remove() }
        let environment = ScanCommandTests.environment

        let predicted = try CLI.run(["test", "--json", "--config", team.configPath, mailbox.path])
        let expected = try predicted.stdout.split(separator: "\n").map {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["eventId"] as? String ?? ""
        }.sorted()
        #expect(expected.count == 200)

        // Kill -9 the scan at random points until at least 20 runs died mid-flight.
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        var attempts = 0
        while kills < 20 && attempts < 120 {
            attempts += 1
            let process = Process()
            process.executableURL = CLI.binary
            process.arguments = ["scan", "--quiet", "--config", team.configPath]
            var env = ProcessInfo.processInfo.environment
            for (key, value) in environment { env[key] = value }
            env["SHARE_DETECTOR_STATE_DIR"] = folder.appendingPathComponent("state-home").path
            process.environment = env
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: Double.random(in: 0.02...0.4, using: &generator))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
        }
        #expect(kills >= 20)

        // Rerun until everything is delivered.
        var finished = false
        for _ in 0..<20 {
            let run = try CLI.run(["scan", "--quiet", "--config", team.configPath], environment: environment)
            let status = try CLI.run(["status", "--json", "--config", team.configPath])
            let counts =
                (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["events"]
                as? [String: Int] ?? [:]
            if run.status == 0 && counts["delivered"] == expected.count { finished = true; break }
        }
        #expect(finished)

        let stored = try sandbox.storedEventIDs().sorted()
        #expect(stored == expected, "the sandbox holds every expected event exactly once")
        #expect(Set(stored).count == stored.count)
        let status = try CLI.run(["status", "--json", "--config", team.configPath])
        let counts =
            (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["events"]
            as? [String: Int] ?? [:]
        #expect(counts["delivered"] == expected.count)
        #expect(counts["dead"] == 0 && counts["pending"] == 0 && counts["retry"] == 0 && counts["sending"] == 0)
        let stats = try sandbox.get("/api/stats") as? [String: Any] ?? [:]
        print("fault test: \(kills) kills in \(attempts) runs; sandbox stats \(stats)")
        #expect((stats["5xx"] as? Int ?? 0) > 0 && (stats["dropped"] as? Int ?? 0) > 0, "faults were injected")
    }
}
