import ArgumentParser
import Foundation
import GongSandbox

/// `share-detector sandbox`: runs the local Gong-compatible server with its timeline page until SIGINT/SIGTERM.
struct SandboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run a local Gong-compatible server (both event APIs, users list, timeline page) on 127.0.0.1.",
        discussion: """
            Serves PUT /v2/customer-engagement/content/shared and POST /v2/digital-interaction with Gong's auth, \
            validation, 409 and 429 rules (one rate limit for both; 409 per API), and the timeline of both at \
            GET /. GET /v2/users lists the users of --users FILE (a JSON array of objects with id, emailAddress, \
            active and optionally firstName, lastName, title, emailAliases) in pages of --users-page-size, with \
            Gong's cursors; it shares the rate limit. Credentials come from SANDBOX_ACCESS_KEY / SANDBOX_ACCESS_KEY_SECRET / \
            SANDBOX_BEARER_TOKEN (preferred: flags show in the process list) or the flags below; with none the \
            sandbox accepts any request. Prints "gong-sandbox: listening on http://127.0.0.1:PORT" once bound. \
            See docs/sandbox.md.
            """
    )

    @Option(name: .long, help: "Port to listen on (0 = any free port).")
    var port: Int = 8085

    @Option(name: .long, help: "Directory for events.jsonl (accepted events survive a restart); none = memory.")
    var data: String?

    @Option(name: .long, help: "Accepted access key (or env SANDBOX_ACCESS_KEY).")
    var accessKey: String?

    @Option(name: .long, help: "Accepted access key secret (prefer env SANDBOX_ACCESS_KEY_SECRET).")
    var accessKeySecret: String?

    @Option(name: .long, help: "Accepted Bearer token (prefer env SANDBOX_BEARER_TOKEN).")
    var bearerToken: String?

    @Option(name: .long, help: "Calls per second before 429 (0 = unlimited).")
    var rate: Int = 3

    @Option(name: .long, help: "Calls per UTC day before 429 (0 = unlimited).")
    var dailyLimit: Int = 10_000

    @Option(name: .long, help: "Probability (0-1) of an injected 500 for a valid request.")
    var failRate: Double = 0

    @Option(name: .long, help: "Probability (0-1) of storing a valid event and then resetting the connection.")
    var dropRate: Double = 0

    @Option(name: .long, help: "Milliseconds of latency added to every API call.")
    var latencyMs: Int = 0

    @Option(name: .long, help: "Seed for the fault dice.")
    var seed: UInt64 = 1

    @Option(
        name: .long,
        help: """
            Start in an outage: answer every authorised API call with this status (e.g. 503 or 429); \
            PUT /api/outage switches it at run time.
            """)
    var outageStatus: Int?

    @Option(name: .long, help: "The Retry-After seconds sent with the outage's answers.")
    var outageRetryAfter: Int?

    @Option(
        name: .long,
        help: """
            JSON array of the users GET /v2/users lists (id as a string of digits, emailAddress, active; optional \
            firstName, lastName, title, emailAliases); none = a 404 as from Gong.
            """)
    var users: String?

    @Option(name: .long, help: "Users per page of GET /v2/users (Gong's is 100).")
    var usersPageSize: Int = 100

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        func nonEmpty(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }
        let credentials = SandboxCredentials(
            accessKey: nonEmpty(accessKey) ?? nonEmpty(environment["SANDBOX_ACCESS_KEY"]),
            accessKeySecret: nonEmpty(accessKeySecret) ?? nonEmpty(environment["SANDBOX_ACCESS_KEY_SECRET"]),
            bearerToken: nonEmpty(bearerToken) ?? nonEmpty(environment["SANDBOX_BEARER_TOKEN"])
        )
        var problems: [String] = []
        if (credentials.accessKey == nil) != (credentials.accessKeySecret == nil) {
            problems.append("an access key needs its secret and the other way round")
        }
        if !(0...65_535).contains(port) { problems.append("--port must be 0...65535") }
        if !(0...1).contains(failRate) || !(0...1).contains(dropRate) || failRate + dropRate > 1 {
            problems.append("--fail-rate and --drop-rate must be in 0...1 and add up to at most 1")
        }
        if let outageStatus, !(400...599).contains(outageStatus) {
            problems.append("--outage-status must be 400...599")
        }
        if rate < 0 || dailyLimit < 0 || latencyMs < 0 {
            problems.append("--rate, --daily-limit and --latency-ms must not be negative")
        }
        if usersPageSize < 1 { problems.append("--users-page-size must be at least 1") }
        var configuration = GongSandboxConfiguration(
            port: port, dataDirectory: data, credentials: credentials, callsPerSecond: rate,
            callsPerDay: dailyLimit,
            faults: SandboxFaults(
                failRate: failRate, dropRate: dropRate, latencyMilliseconds: latencyMs, outageStatus: outageStatus,
                outageRetryAfter: outageRetryAfter),
            seed: seed, usersPageSize: usersPageSize)
        if let users {
            do throws(SandboxError) {
                configuration.users = try SandboxUsers.load(path: users)
            } catch {
                problems.append("--users: \(error)")
            }
        }
        if accessKeySecret != nil || bearerToken != nil {
            warn("a secret given as a flag is visible in the process list; prefer the SANDBOX_* variables")
        }
        guard problems.isEmpty else {
            for problem in problems { warn(problem) }
            throw ExitCode(2)
        }
        let sandbox: GongSandbox
        do { sandbox = try GongSandbox(configuration: configuration) } catch {
            warn("\(error)")
            throw ExitCode(2)
        }
        if sandbox.skippedLines > 0 {
            warn("skipped \(sandbox.skippedLines) unreadable line(s) of events.jsonl")
        }
        let finished = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        let summary =
            "auth: \(credentials), rate: \(rate)/s, faults: fail \(failRate), drop \(dropRate), "
            + "latency \(latencyMs) ms, seed \(seed), users: \(configuration.users.count) (\(usersPageSize) a page)"
        Task {
            do {
                try await sandbox.run(handleSignals: true) { boundPort in
                    print("gong-sandbox: listening on http://127.0.0.1:\(boundPort)")
                    print("gong-sandbox: \(summary)")
                    fflush(nil)
                }
            } catch {
                failure.set("\(error)")
            }
            finished.signal()
        }
        finished.wait()
        if let message = failure.get() {
            warn("cannot run the sandbox: \(message)")
            throw ExitCode(2)
        }
    }

    private func warn(_ message: String) {
        FileHandle.standardError.write(Data("share-detector sandbox: \(message)\n".utf8))
    }
}

/// Carries a failure message out of the server task.
private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var message: String?

    func set(_ text: String) { lock.withLock { message = text } }
    func get() -> String? { lock.withLock { message } }
}
