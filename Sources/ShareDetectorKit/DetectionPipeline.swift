import GongEngagement
import MailFetching
import MailParsing
import ShareDetection

/// Parse → detect → events for one raw message: the core every command shares.
public struct DetectionPipeline: Sendable {
    /// The parser.
    public var parser: MailParser
    /// The detector (rules and policy).
    public var detector: ShareDetector
    /// The event mapping.
    public var builder: EventBuilder

    /// Builds the pipeline for a team config and its loaded rules.
    public init(config: TeamConfig, rules: RuleSet, parser: MailParser = MailParser()) {
        self.parser = parser
        self.detector = ShareDetector(
            rules: rules,
            policy: DetectionPolicy(
                internalDomains: config.internalDomains, excludedDomains: config.excludedDomains,
                excludedAddresses: Set(config.excludedAddresses)))
        self.builder = EventBuilder(config: config)
    }

    /// What came out of one message.
    public struct Outcome: Sendable {
        /// The parsed message.
        public var message: MailMessage
        /// The detector's verdicts.
        public var detection: DetectionResult
        /// The detection records, one per share (what the ledger keeps beside each event).
        public var records: [DetectionRecord]
        /// The content-shared events of `records`, in their order (the share as `test` shows and checks it).
        public var events: [ContentSharedEvent]
        /// The request bodies to post for the config's `gong.api`, in the order of `records`.
        public var gongEvents: [GongEvent]

        /// Why the message's events cannot be posted, naming the content and the fields: the first body Gong's
        /// schema would reject (`GongEvent.validate`). `scan` skips such a message with this reason; `test` and the
        /// fixtures report it the same way, so a rule that yields a rejected event fails before it is merged.
        public var invalidReason: String? {
            for (body, record) in zip(gongEvents, records) {
                let issues = body.validate()
                if !issues.isEmpty {
                    return "the event for \(record.content.contentId) is invalid: "
                        + issues.map(\.description).joined(separator: "; ")
                }
            }
            return nil
        }
    }

    /// Runs one message through the pipeline.
    public func process(_ raw: RawMessage, mailbox: String? = nil) throws(MailParsingError) -> Outcome {
        let message = try parser.parse(raw.bytes)
        let detection = detector.detect(message)
        let records = builder.records(for: detection, message: message, raw: raw, mailbox: mailbox)
        // Each content-shared event is built once; a digital interaction is mapped from it, not rebuilt.
        let events = records.map { builder.event(from: $0) }
        let gongEvents = zip(records, events).map { record, shared -> GongEvent in
            switch builder.config.gong.api {
            case .contentShared: .contentShared(shared)
            case .digitalInteraction:
                .digitalInteraction(builder.digitalInteraction(from: shared, messageKey: record.messageKey))
            }
        }
        return Outcome(
            message: message, detection: detection, records: records, events: events, gongEvents: gongEvents)
    }

    /// Loads the rules a config names: the built-in rules (unless disabled), the config's rule paths and extra paths.
    public static func loadRules(config: TeamConfig, extraPaths: [String]) throws(RuleError) -> RuleSet {
        var rules = config.useBuiltInRules ? RuleSet.builtIn() : RuleSet.empty
        let paths = config.rulePaths + extraPaths
        if !paths.isEmpty { rules = rules.merged(with: try RuleSet.load(paths: paths)) }
        return rules
    }
}

/// One event as `test --json` prints it: the exact Gong request body (for the config's `gong.api`) plus a `source`
/// object.
public struct EventLine: Encodable {
    /// The Gong body.
    public var event: GongEvent
    /// Where the message came from.
    public var source: MessagePosition

    /// Creates a line.
    public init(event: GongEvent, source: MessagePosition) {
        self.event = event
        self.source = source
    }

    private enum CodingKeys: String, CodingKey { case source }

    /// Encodes the event's fields and `source` side by side.
    public func encode(to encoder: any Encoder) throws {
        try event.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(source, forKey: .source)
    }
}
