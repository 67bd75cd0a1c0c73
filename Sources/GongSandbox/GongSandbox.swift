import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A local, Gong-compatible server for `PUT /v2/customer-engagement/content/shared` and its successor
/// `POST /v2/digital-interaction`, Gong's users list `GET /v2/users`, and a timeline page.
///
/// Both endpoints run one pipeline and enforce the documented contract: Basic or Bearer auth (401), schema
/// validation with `EventValidator` (400 with Gong's `{requestId, errors[]}` and one `path: message` line per
/// issue), 409 for an already accepted event id *of the same API* (`(reportingSystem, eventId)` for content shared,
/// `eventId` for a digital interaction), and 429 with `Retry-After` above the call rate, which both APIs share as one
/// account. It can inject 500s, resets after storing (accept-then-drop), latency and outages, from a seed.
/// `GET /v2/users` lists `configuration.users` in pages with Gong's opaque cursors (400 for a cursor it did not hand
/// out, 404 when there are no users), behind the same auth, outage, latency and rate limit. Routes:
///
/// | route | does |
/// |---|---|
/// | `PUT /v2/customer-engagement/content/shared` | Gong's engagement endpoint |
/// | `POST /v2/digital-interaction` | Gong's digital-interaction endpoint |
/// | `GET /v2/users` | Gong's users list (`?cursor=…`), `usersPageSize` a page |
/// | `GET /` | the timeline page (`?sharer=EMAIL&domain=DOMAIN`), events of both APIs |
/// | `GET /api/events` | stored events as a JSON array of `StoredEvent` (each with its `api`) |
/// | `GET /api/stats` | `SandboxStats` as JSON (totals, per API, and the users calls) |
/// | `PUT /api/outage` | starts or ends a simulated outage |
/// | `GET /healthz` | `ok` |
///
/// In a test: `let server = try await GongSandbox.start(GongSandboxConfiguration(...))`, use
/// `server.baseURL`, then `await server.stop()`. For route tests without a socket, use `makeApplication()` with
/// HummingbirdTesting.
public struct GongSandbox: Sendable {
    /// The configuration it was created with.
    public let configuration: GongSandboxConfiguration
    let state: SandboxState

    /// Creates a sandbox, loading the events persisted in `configuration.dataDirectory`.
    ///
    /// - Throws: `SandboxError` when the data directory or its `events.jsonl` cannot be opened, or when the users
    ///   break `SandboxUsers`' rules or `usersPageSize` is below 1.
    public init(configuration: GongSandboxConfiguration = GongSandboxConfiguration()) throws {
        guard configuration.usersPageSize >= 1 else {
            throw SandboxError(message: "usersPageSize must be at least 1, not \(configuration.usersPageSize)")
        }
        let problems = SandboxUsers.problems(in: configuration.users)
        guard problems.isEmpty else {
            throw SandboxError(message: "users: " + problems.prefix(10).joined(separator: "; "))
        }
        self.configuration = configuration
        state = try SandboxState(configuration: configuration)
    }

    /// Lines of `events.jsonl` skipped at load because they were not a complete event (a torn write).
    public var skippedLines: Int { state.skippedLines }

    /// The Hummingbird application: bind it with `run`, or test its routes in process with HummingbirdTesting.
    ///
    /// - Parameter onReady: called with the bound port once the server listens.
    public func makeApplication(
        onReady: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        var logger = Logger(label: "gong-sandbox")
        logger.logLevel = configuration.logging ? .info : .critical
        return Application(
            router: SandboxRoutes(state: state, configuration: configuration).router(),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "gong-sandbox"),
            onServerRunning: { channel in await onReady(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// Runs the server until SIGINT or SIGTERM (when `handleSignals`) or until the task is cancelled.
    ///
    /// - Parameters:
    ///   - handleSignals: shut down gracefully on SIGINT and SIGTERM.
    ///   - onReady: called with the bound port once the server listens.
    public func run(handleSignals: Bool, onReady: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = makeApplication(onReady: onReady)
        if handleSignals {
            try await app.runService()
        } else {
            try await app.run()
        }
    }

    /// Starts a sandbox in this process on `configuration.port` (0 = any free port) and returns once it listens.
    ///
    /// - Throws: `SandboxError` when the data directory cannot be used or the port cannot be bound.
    public static func start(
        _ configuration: GongSandboxConfiguration = GongSandboxConfiguration()
    ) async throws -> RunningGongSandbox {
        let sandbox = try GongSandbox(configuration: configuration)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = sandbox.makeApplication { port in
            continuation.yield(port)
            continuation.finish()
        }
        var logger = Logger(label: "gong-sandbox")
        logger.logLevel = .critical
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var bound: Int?
        for await port in ports { bound = port }
        guard let bound, bound > 0 else {
            let reason: String
            do {
                try await task.value
                reason = "the server stopped before listening"
            } catch {
                reason = "\(error)"
            }
            throw SandboxError(
                message: "cannot start the sandbox on \(configuration.host):\(configuration.port): \(reason)")
        }
        return RunningGongSandbox(sandbox: sandbox, host: configuration.host, port: bound, group: group, task: task)
    }

    /// Every stored event, in the order accepted.
    public func storedEvents() async -> [StoredEvent] { await state.allEvents() }

    /// The response counters so far.
    public func stats() async -> SandboxStats { await state.stats() }
}

/// A sandbox started in this process by `GongSandbox.start`; stop it with `stop()`.
public struct RunningGongSandbox: Sendable {
    /// The sandbox (for its events and stats).
    public let sandbox: GongSandbox
    /// The address it listens on.
    public let host: String
    /// The bound port.
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    init(sandbox: GongSandbox, host: String, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.sandbox = sandbox
        self.host = host
        self.port = port
        self.group = group
        self.task = task
    }

    /// `http://HOST:PORT`: the base URL for `GongClient`.
    public var baseURL: String { "http://\(host):\(port)" }

    /// Every stored event, in the order accepted.
    public func storedEvents() async -> [StoredEvent] { await sandbox.storedEvents() }

    /// The response counters so far.
    public func stats() async -> SandboxStats { await sandbox.stats() }

    /// Shuts the server down gracefully (cancelling it after 5 s) and waits until the port is closed.
    public func stop() async {
        await group.triggerGracefulShutdown()
        let task = self.task
        let watchdog = Task {
            try await Task.sleep(for: .seconds(5))
            task.cancel()
        }
        _ = try? await task.value
        watchdog.cancel()
    }
}
