import GongEngagement

/// Everything a `GongSandbox` can be told: where to listen, where to keep events, whom to let in, how fast,
/// which faults to inject, and which users `GET /v2/users` lists.
public struct GongSandboxConfiguration: Sendable {
    /// The address to listen on. Keep the default: the sandbox is for this machine only.
    public var host: String
    /// The port; 0 picks any free port (read the bound one from `RunningGongSandbox.port`).
    public var port: Int
    /// A directory for `events.jsonl` (accepted events, one JSON object a line, reloaded on start so a 409
    /// survives a restart); `nil` keeps events in memory only.
    public var dataDirectory: String?
    /// Which credentials the API routes (both event APIs and the users list) accept; with none configured they
    /// accept any request.
    public var credentials: SandboxCredentials
    /// Calls per second before a 429 (Gong's default is 3); 0 turns the limit off.
    public var callsPerSecond: Int
    /// Calls per UTC day before a 429 (Gong's default is 10,000); 0 turns the limit off.
    public var callsPerDay: Int
    /// Injected faults.
    public var faults: SandboxFaults
    /// Seed of the fault dice: the same seed and the same sequence of valid requests give the same faults.
    public var seed: UInt64
    /// The largest request body accepted, in bytes.
    public var maxBodyBytes: Int
    /// Whether the server logs each started listener and errors (`false` keeps tests quiet).
    public var logging: Bool
    /// The users `GET /v2/users` lists, in this order (see `SandboxUsers` for the rules they must meet); none gives
    /// Gong's 404.
    public var users: [GongUser]
    /// Users per page of `GET /v2/users` (Gong's is 100); at least 1.
    public var usersPageSize: Int

    /// Creates a configuration; every argument has a default.
    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        dataDirectory: String? = nil,
        credentials: SandboxCredentials = SandboxCredentials(),
        callsPerSecond: Int = 3,
        callsPerDay: Int = 10_000,
        faults: SandboxFaults = SandboxFaults(),
        seed: UInt64 = 1,
        maxBodyBytes: Int = 4 << 20,
        logging: Bool = false,
        users: [GongUser] = [],
        usersPageSize: Int = 100
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.credentials = credentials
        self.callsPerSecond = callsPerSecond
        self.callsPerDay = callsPerDay
        self.faults = faults
        self.seed = seed
        self.maxBodyBytes = maxBodyBytes
        self.logging = logging
        self.users = users
        self.usersPageSize = usersPageSize
    }
}

/// The credentials the sandbox accepts: an access key pair (Basic), a Bearer token, or both.
///
/// `description` never shows a secret.
public struct SandboxCredentials: Sendable, Hashable, CustomStringConvertible {
    /// The Gong access key for Basic auth.
    public var accessKey: String?
    /// The access key's secret.
    public var accessKeySecret: String?
    /// The accepted Bearer token.
    public var bearerToken: String?

    /// Creates credentials; leave all `nil` for an open sandbox.
    public init(accessKey: String? = nil, accessKeySecret: String? = nil, bearerToken: String? = nil) {
        self.accessKey = accessKey
        self.accessKeySecret = accessKeySecret
        self.bearerToken = bearerToken
    }

    /// Whether any credential is configured (otherwise every request is let in).
    public var isConfigured: Bool { (accessKey != nil && accessKeySecret != nil) || bearerToken != nil }

    /// Which kinds are configured, never the values.
    public var description: String {
        var kinds: [String] = []
        if accessKey != nil && accessKeySecret != nil { kinds.append("basic") }
        if bearerToken != nil { kinds.append("bearer") }
        return kinds.isEmpty ? "none (open)" : kinds.joined(separator: " + ")
    }
}

/// Faults the sandbox injects into valid calls of either Gong event API that passed auth and the rate limit.
///
/// Each valid request rolls the seeded dice once: with probability `failRate` it gets a 500 and nothing is
/// stored; else with probability `dropRate` the event *is* stored (or found to be a duplicate) and the connection
/// is then reset with no response. `latencyMilliseconds` delays every API call before it is processed, so a client
/// that times out may still have had its event stored, as with the real service. `GET /v2/users` gets the outage and
/// the latency, never the dice (so a seed gives the same event faults whether or not users are listed).
public struct SandboxFaults: Sendable, Hashable {
    /// Probability (0...1) of a 500 response.
    public var failRate: Double
    /// Probability (0...1) of storing the event and then resetting the connection without a response.
    public var dropRate: Double
    /// Delay added to every API call, in milliseconds.
    public var latencyMilliseconds: Int
    /// An outage: every authorised API call is answered with this status (e.g. 503, or 429) and nothing is stored;
    /// `nil` for none. Can be switched while the sandbox runs (`PUT /api/outage`).
    public var outageStatus: Int?
    /// The `Retry-After` seconds sent with an outage's answers, when set.
    public var outageRetryAfter: Int?

    /// Creates a fault plan; the default injects nothing.
    public init(
        failRate: Double = 0, dropRate: Double = 0, latencyMilliseconds: Int = 0, outageStatus: Int? = nil,
        outageRetryAfter: Int? = nil
    ) {
        self.failRate = failRate
        self.dropRate = dropRate
        self.latencyMilliseconds = latencyMilliseconds
        self.outageStatus = outageStatus
        self.outageRetryAfter = outageRetryAfter
    }
}
