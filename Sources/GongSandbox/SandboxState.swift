import Foundation
import GongEngagement

/// The sandbox's mutable state behind one actor: stored events, the dedup keys, the rate limiter, the fault dice
/// and the stats. Accepted events are appended to `events.jsonl` (and `fsync`ed) before the 200 is sent.
actor SandboxState {
    private var events: [StoredEvent] = []
    private var keys: Set<DedupKey> = []
    private var limiter: RateLimiter
    private var dice: FaultDice
    private var counters = SandboxStats()
    private var faults: SandboxFaults
    private let logFile: Int32?
    /// Lines of `events.jsonl` that could not be read at start (a torn last line after a crash).
    let skippedLines: Int
    /// The users of `GET /v2/users`, in pages, with this sandbox's cursors.
    let usersListing: UsersListing

    /// What makes two events the same, per API: an event id stored under one API never makes the other API's
    /// event a duplicate (Gong documents no dedup across them, and a client's double-send across APIs must show).
    struct DedupKey: Hashable {
        let api: GongAPI
        /// `reportingSystem` for content shared; empty for a digital interaction, which Gong dedups by `eventId`.
        let scope: String
        let eventId: String

        /// The key of `event`, or `nil` when it has no `eventId` (never a duplicate).
        init?(_ event: GongEvent) {
            switch event {
            case .contentShared(let event):
                guard let eventId = event.eventId else { return nil }
                self.init(api: .contentShared, scope: event.reportingSystem, eventId: eventId)
            case .digitalInteraction(let event):
                self.init(api: .digitalInteraction, scope: "", eventId: event.eventId)
            }
        }

        init(api: GongAPI, scope: String, eventId: String) {
            self.api = api
            self.scope = scope
            self.eventId = eventId
        }

        /// How a 409 names the key, e.g. `reportingSystem=x, eventId=y`.
        var description: String {
            switch api {
            case .contentShared: "reportingSystem=\(scope), eventId=\(eventId)"
            case .digitalInteraction: "eventId=\(eventId)"
            }
        }
    }

    /// Loads `events.jsonl` from `dataDirectory` (creating the directory) or starts empty in memory.
    init(configuration: GongSandboxConfiguration) throws {
        limiter = RateLimiter(perSecond: configuration.callsPerSecond, perDay: configuration.callsPerDay)
        dice = FaultDice(seed: configuration.seed)
        faults = configuration.faults
        usersListing = UsersListing(users: configuration.users, pageSize: configuration.usersPageSize)
        guard let directory = configuration.dataDirectory else {
            logFile = nil
            skippedLines = 0
            return
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("events.jsonl")
        var loaded: [StoredEvent] = []
        var skipped = 0
        if let data = FileManager.default.contents(atPath: path) {
            let decoder = JSONDecoder()
            for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
                if let stored = try? decoder.decode(StoredEvent.self, from: Data(line)) {
                    loaded.append(stored)
                } else {
                    skipped += 1
                }
            }
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw SandboxError(message: "cannot open \(path) for appending (errno \(errno))")
        }
        // A torn last line (crash mid-write) must not glue itself to the next event.
        if let data = FileManager.default.contents(atPath: path), let last = data.last, last != UInt8(ascii: "\n") {
            _ = write(descriptor, "\n", 1)
        }
        logFile = descriptor
        skippedLines = skipped
        events = loaded
        keys = Set(loaded.compactMap { DedupKey($0.event) })
        for stored in loaded { counters[stored.api].events += 1 }
        counters.events = loaded.count
    }

    deinit {
        if let logFile { close(logFile) }
    }

    private func remember(_ stored: StoredEvent) {
        events.append(stored)
        if let key = DedupKey(stored.event) { keys.insert(key) }
        counters[stored.api].events += 1
        counters.events = events.count
    }

    /// Applies the rate limits to one call of any API (the event APIs and the users list: one account, one budget):
    /// `nil` admits it, else the `Retry-After` seconds.
    func admit() -> Int? {
        limiter.admit(now: Date().timeIntervalSince1970)
    }

    /// The outage in force: the status every authorised call of either API gets, and its `Retry-After`.
    func outage() -> (status: Int, retryAfter: Int?)? {
        faults.outageStatus.map { ($0, faults.outageRetryAfter) }
    }

    /// Starts (`status` set) or ends (`nil`) an outage.
    func setOutage(status: Int?, retryAfter: Int?) {
        faults.outageStatus = status
        faults.outageRetryAfter = retryAfter
    }

    /// Rolls the fault dice once for a valid request.
    func rollFault() -> FaultDecision {
        guard faults.failRate > 0 || faults.dropRate > 0 else { return .none }
        let roll = dice.unit()
        if roll < faults.failRate { return .fail }
        if roll < faults.failRate + faults.dropRate { return .drop }
        return .none
    }

    /// The outcome of `accept`.
    enum Outcome: Sendable {
        /// Stored under this request id.
        case stored(StoredEvent)
        /// The event's key was already accepted under its API; the key as a 409 names it.
        case duplicate(key: String)
    }

    /// Stores `event` unless its key was accepted before under the same API: `(reportingSystem, eventId)` for
    /// content shared, `eventId` for a digital interaction. Content-shared events without an `eventId` are never
    /// duplicates (Gong documents no dedup rule for them).
    func accept(_ event: GongEvent, requestId: String) throws -> Outcome {
        let key = DedupKey(event)
        if let key, keys.contains(key) {
            return .duplicate(key: key.description)
        }
        let stored = StoredEvent(
            requestId: requestId, receivedAt: EventTime.isoUTC(Date().timeIntervalSince1970), event: event)
        if let logFile {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var line = Array(try encoder.encode(stored))
            line.append(UInt8(ascii: "\n"))
            try line.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(logFile, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw SandboxError(message: "cannot append to events.jsonl (errno \(errno))")
                    }
                    offset += written
                }
            }
            fsync(logFile)
        }
        remember(stored)
        return .stored(stored)
    }

    /// Counts one answer of `api`.
    func count(_ keyPath: WritableKeyPath<SandboxCounts, Int>, api: GongAPI) {
        counters.count(keyPath, api: api)
    }

    /// Counts one answer of `GET /v2/users` (and the call).
    func countUsers(_ keyPath: WritableKeyPath<SandboxUsersCounts, Int>) {
        counters.users.calls += 1
        counters.users[keyPath: keyPath] += 1
    }

    /// Every stored event, in the order accepted.
    func allEvents() -> [StoredEvent] { events }

    /// The counters so far.
    func stats() -> SandboxStats { counters }
}
