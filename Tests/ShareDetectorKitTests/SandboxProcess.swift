import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The built binary's `sandbox` subcommand running as a child process on a free loopback port.
final class SandboxProcess: @unchecked Sendable {
    let process = Process()
    let dataDirectory: URL
    private(set) var baseURL = ""

    /// Starts `share-detector sandbox --port 0 …` and waits until it listens.
    init(arguments: [String] = [], accessKey: String = "sandbox-key", secret: String = "sandbox-secret-value") throws {
        dataDirectory = try CLI.temporaryFolder()
        process.executableURL = CLI.binary
        process.arguments = ["sandbox", "--port", "0", "--data", dataDirectory.path] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SANDBOX_ACCESS_KEY"] = accessKey
        environment["SANDBOX_ACCESS_KEY_SECRET"] = secret
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Read the first line: "gong-sandbox: listening on http://127.0.0.1:PORT".
        var line = Data()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty { break }
            if byte == Data([0x0A]) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "http://") else {
            process.terminate()
            throw SandboxStartError(output: text)
        }
        baseURL = String(text[range.lowerBound...])
    }

    struct SandboxStartError: Error { var output: String }

    /// GET a path and decode JSON.
    func get(_ path: String) throws -> Any {
        let url = URL(string: baseURL + path)!
        nonisolated(unsafe) var result: Data?
        let semaphore = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: url) { data, _, _ in
            result = data
            semaphore.signal()
        }.resume()
        _ = semaphore.wait(timeout: .now() + 20)
        return try JSONSerialization.jsonObject(with: result ?? Data())
    }

    /// The eventIds the sandbox accepted, in order (duplicates kept, to catch them).
    func storedEventIDs() throws -> [String] {
        let stored = try get("/api/events") as? [[String: Any]] ?? []
        return stored.compactMap { ($0["event"] as? [String: Any])?["eventId"] as? String }
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: dataDirectory)
    }

    deinit { stop() }
}

/// A team config in a temp folder pointing at a sandbox.
struct TeamFolder {
    let url: URL
    var configPath: String { url.appendingPathComponent("team.yml").path }
    var statePath: String { url.appendingPathComponent("state/ledger.sqlite").path }

    init(mailbox: URL, sandboxURL: String, callsPerSecond: Int = 3, extra: String = "") throws {
        url = try CLI.temporaryFolder()
        let config = """
            team: test-team
            internalDomains: [northwind.example]
            state: state/ledger.sqlite
            gong:
              baseURL: \(sandboxURL)
              accessKey: env:TEST_GONG_KEY
              accessKeySecret: env:TEST_GONG_SECRET
              reportingSystem: share-detector-test
              callsPerSecond: \(callsPerSecond)
              requestTimeoutSeconds: 5
            mailboxes:
              - name: alice
                mbox: \(mailbox.path)
            \(extra)
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: configPath))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: configPath)
    }

    /// Rewrites the config's `gong.workspaceId`.
    func setWorkspace(_ id: String) throws {
        try setGong("workspaceId", "\"\(id)\"")
    }

    /// Sets (replacing) one key of the config's `gong` block to a YAML value.
    func setGong(_ key: String, _ value: String) throws {
        var lines = String(decoding: try Data(contentsOf: URL(fileURLWithPath: configPath)), as: UTF8.self)
            .components(separatedBy: "\n").filter { !$0.hasPrefix("  \(key):") }
        if let index = lines.firstIndex(where: { $0.hasPrefix("  reportingSystem:") }) {
            lines.insert("  \(key): \(value)", at: index + 1)
        }
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: configPath))
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// A sandbox started with `arguments`, a temporary folder holding a generated mailbox of `messages` messages
/// (`FaultToleranceTests.writeMailbox`), a team config pointing at the sandbox, and the environment for CLI runs:
/// the sandbox credentials and one account-state folder shared by every run of the test (so pauses, the breaker
/// count and the budget carry from run to run). Everything is stopped and removed on deinit.
final class SandboxTeam {
    let sandbox: SandboxProcess
    let folder: URL
    let mailbox: URL
    let team: TeamFolder
    let environment: [String: String]

    init(sandboxArguments: [String], messages: Int, callsPerSecond: Int = 50) throws {
        sandbox = try SandboxProcess(arguments: sandboxArguments)
        folder = try CLI.temporaryFolder()
        mailbox = folder.appendingPathComponent("sent.mbox")
        try FaultToleranceTests.writeMailbox(count: messages, to: mailbox)
        team = try TeamFolder(mailbox: mailbox, sandboxURL: sandbox.baseURL, callsPerSecond: callsPerSecond)
        var environment = ScanCommandTests.environment
        environment["SHARE_DETECTOR_STATE_DIR"] = folder.appendingPathComponent("state-home").path
        self.environment = environment
    }

    /// The event ids `test --json` predicts for the mailbox, sorted.
    func predictedEventIDs() throws -> [String] {
        try DeliveryOutageTests.predictedEventIDs(config: team.configPath, mailbox: mailbox)
    }

    /// Runs the CLI with this team's environment.
    func run(_ arguments: [String]) throws -> CLI.Result {
        try CLI.run(arguments, environment: environment)
    }

    deinit {
        sandbox.stop()
        team.remove()
        try? FileManager.default.removeItem(at: folder)
    }
}
