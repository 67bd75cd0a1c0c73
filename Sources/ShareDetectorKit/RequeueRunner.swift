import Foundation
import GongEngagement
import ShareDetection
import ShareLedger

/// Runs `requeue`: puts events back in the outbox, rebuilt from their detection records with the current config
/// and rules, after validating every one.
///
/// The `eventId` never changes (it comes from the message and the recorded `contentId`), so an event Gong already
/// has is answered 409 and recorded as delivered: a requeue can never duplicate. Delivered events are never
/// requeued. Events recorded before the ledger kept detection records keep their stored body, with the config's
/// `reportingSystem` and `workspaceId` applied. The body is built for the configured `gong.api`, except for an event
/// bound to the API an earlier attempt may have reached (docs/delivery.md, "Switching the API").
public struct RequeueRunner {
    /// What one requeue did.
    public struct Report: Sendable, Codable, Equatable {
        /// One event's outcome.
        public struct Item: Sendable, Codable, Equatable {
            /// The event id.
            public var eventId: String
            /// Its state before.
            public var previousState: String
            /// `requeued`, `would requeue` (dry run), `invalid` or `not a share any more`.
            public var outcome: String
            /// Whether the body was rebuilt from the detection record.
            public var rebuilt: Bool
            /// Validation problems or the reason it was left alone.
            public var problems: [String]
            /// The Gong API its body is for now: the configured one, or the one it is bound to.
            public var api: String?
        }

        /// Every selected event.
        public var items: [Item] = []
        /// Event ids that were named with `--event` but are unknown or already delivered.
        public var notFound: [String] = []

        /// Events put back (or that would be, in a dry run).
        public var requeued: Int { items.filter { $0.outcome == "requeued" || $0.outcome == "would requeue" }.count }
        /// Events left alone because their rebuilt body is invalid or no rule classifies them any more.
        public var refused: Int { items.count - requeued }
    }

    /// The team config (the current one: its mapping applies).
    public var config: TeamConfig
    /// The current rules.
    public var rules: RuleSet
    /// Which events: dead letters only, these ids only, recorded since a time only (the filters combine).
    public struct Selection: Sendable, Hashable {
        /// Only dead events.
        public var deadOnly: Bool
        /// Only these event ids (empty: no restriction).
        public var eventIds: [String]
        /// Only events recorded at or after this time.
        public var since: Date?

        /// Creates a selection.
        public init(deadOnly: Bool = false, eventIds: [String] = [], since: Date? = nil) {
            self.deadOnly = deadOnly
            self.eventIds = eventIds
            self.since = since
        }

        /// `YYYY-MM-DD` (midnight UTC) or an ISO 8601 time with offset; `nil` otherwise.
        public static func parseDate(_ text: String) -> Date? {
            let iso = ISO8601DateFormatter()
            if let date = iso.date(from: text) { return date }
            iso.formatOptions = [.withFullDate]
            iso.timeZone = TimeZone(identifier: "UTC")
            return iso.date(from: text)
        }
    }

    /// Which events.
    public var selection: Selection
    /// Only report, change nothing.
    public var dryRun: Bool
    /// Seconds to wait for another run's lock.
    public var lockTimeout: TimeInterval
    /// Move events bound to another API to the configured one anyway (`--move-api`; Gong may show them twice).
    public var moveBound: Bool

    /// Creates a runner.
    public init(
        config: TeamConfig, rules: RuleSet, selection: Selection, dryRun: Bool, lockTimeout: TimeInterval,
        moveBound: Bool = false
    ) {
        self.moveBound = moveBound
        self.config = config
        self.rules = rules
        self.selection = selection
        self.dryRun = dryRun
        self.lockTimeout = lockTimeout
    }

    /// Requeues what `selection` names; holds the run lock while it does.
    public func run() throws(RunFailure) -> Report {
        let session = try DeliverySession.open(config: config, lockTimeout: lockTimeout, create: false)
        defer { session.close() }
        let builder = EventBuilder(config: config)
        var report = Report()
        do {
            let candidates = try session.ledger.requeueCandidates(
                RequeueSelection(deadOnly: selection.deadOnly, eventIds: selection.eventIds, since: selection.since))
            let found = Set(candidates.map(\.eventId))
            report.notFound = selection.eventIds.filter { !found.contains($0) }
            for candidate in candidates {
                var item = Report.Item(
                    eventId: candidate.eventId, previousState: candidate.state.rawValue, outcome: "", rebuilt: false,
                    problems: [])
                // A bound event (an attempt may have reached Gong there) stays on its API; others go to the
                // configured one.
                let api =
                    candidate.apiBound && !moveBound
                    ? candidate.api : config.gong.api
                item.api = api.rawValue
                let body: Data
                switch rebuild(candidate, for: api, builder: builder) {
                case .failure(let reason):
                    item.outcome = reason.reason.hasPrefix("invalid: ") ? "invalid" : "not a share any more"
                    item.problems = [reason.reason]
                    report.items.append(item)
                    continue
                case .success(let (encoded, rebuilt)):
                    item.rebuilt = rebuilt
                    body = encoded
                }
                if dryRun {
                    item.outcome = "would requeue"
                } else {
                    let done = try session.ledger.requeue(
                        eventId: candidate.eventId, body: body, rebuilt: item.rebuilt, api: api,
                        moveBound: moveBound)
                    item.outcome = done ? "requeued" : "already delivered"
                }
                report.items.append(item)
            }
        } catch let failure as RunFailure {
            throw failure
        } catch {
            throw RunFailure(exitCode: 1, message: "requeue stopped: \(error)")
        }
        return report
    }

    /// The event's body for `api`, rebuilt with the current config and rules, and whether it came from a detection
    /// record.
    func rebuild(
        _ stored: RecordedEvent, for api: GongAPI, builder: EventBuilder
    ) -> Result<(Data, Bool), EventRebuildError> {
        var content: DetectionRecord.Content?
        let record = stored.detection.flatMap { try? JSONDecoder().decode(DetectionRecord.self, from: $0) }
        if let record {
            guard case .content(let match, _) = rules.classify(record.link) else {
                return .failure(
                    EventRebuildError(
                        "the current rules no longer classify its link as content (rule \(record.content.ruleId))"))
            }
            content = DetectionRecord.Content(match)
        }
        return builder.rebuild(
            detection: stored.detection, body: stored.body, recordedAPI: stored.api, messageKey: stored.messageKey,
            for: api, content: content
        ).map { ($0, record != nil) }
    }
}
