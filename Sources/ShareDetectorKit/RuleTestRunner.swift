import Foundation
import GongEngagement
import MailFetching
import MailParsing
import ShareDetection

/// Runs `test INPUT...`: prints the events that would be posted, an `--explain` trace, or `--stats`.
public struct RuleTestRunner {
    /// What to print.
    public enum Mode: Sendable {
        /// The events, readable.
        case events
        /// The events as JSON lines (Gong body plus `source`).
        case json
        /// Every link's decision, then the events.
        case explain
        /// Per-rule hit counts and skipped-link reasons over all inputs.
        case stats
    }

    /// Counts for the summary and exit status.
    public struct Summary: Sendable, Equatable {
        /// Messages read.
        public var messages = 0
        /// Messages that could not be read.
        public var skipped = 0
        /// Events produced.
        public var events = 0
    }

    /// The pipeline.
    public var pipeline: DetectionPipeline
    /// The mode.
    public var mode: Mode

    /// Creates a runner.
    public init(pipeline: DetectionPipeline, mode: Mode) {
        self.pipeline = pipeline
        self.mode = mode
    }

    /// Runs every message of `sources`.
    public func run(sources: [any MessageSource], output: OutputSink, diagnostics: OutputSink) -> Summary {
        var summary = Summary()
        var stats = RuleStats()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for var source in sources {
            while let item = source.next() {
                guard case .message(let raw) = item else {
                    if case .unreadable(let position, let reason) = item {
                        summary.skipped += 1
                        diagnostics.line(
                            "skipped: \(position.file) message \(position.index) at byte \(position.byteOffset): \(reason)"
                        )
                    }
                    continue
                }
                let outcome: DetectionPipeline.Outcome
                do { outcome = try pipeline.process(raw) } catch {
                    summary.skipped += 1
                    diagnostics.line(
                        "skipped: \(raw.position.file) message \(raw.position.index) at byte \(raw.position.byteOffset): \(error)"
                    )
                    continue
                }
                // The same check as scan: a message whose event Gong would reject is skipped (counted as skipped, not
                // read, in every mode), with the fields named; --explain still traces it, --stats counts its rule.
                if let reason = outcome.invalidReason {
                    summary.skipped += 1
                    diagnostics.line(
                        "skipped: \(raw.position.file) message \(raw.position.index) at byte \(raw.position.byteOffset): "
                            + reason)
                    switch mode {
                    case .explain:
                        output.line(ExplainView.render(outcome, raw: raw))
                        output.line("   scan      skips this message: \(reason)")
                    case .stats: stats.addInvalid(outcome)
                    case .events, .json: break
                    }
                    continue
                }
                summary.messages += 1
                summary.events += outcome.events.count
                switch mode {
                case .json:
                    for event in outcome.gongEvents {
                        output.line(
                            bytes: (try? encoder.encode(EventLine(event: event, source: raw.position))) ?? Data())
                    }
                case .events:
                    for event in outcome.events { output.line(EventTextView.render(event, source: raw.position)) }
                case .explain:
                    output.line(ExplainView.render(outcome, raw: raw))
                case .stats:
                    stats.add(outcome)
                }
            }
        }
        if mode == .stats {
            output.line(stats.render(rules: pipeline.detector.rules, messages: summary.messages))
        }
        return summary
    }
}

/// The readable rendering of an event.
public enum EventTextView {
    /// One block per event, of either API.
    public static func render(_ event: GongEvent, source: MessagePosition) -> String {
        switch event {
        case .contentShared(let shared): return render(shared, source: source)
        case .digitalInteraction(let interaction): return render(interaction, source: source)
        }
    }

    /// One block for a digital interaction: the same lines as for content shared, read from its fields.
    public static func render(_ event: DigitalInteractionEvent, source: MessagePosition) -> String {
        var lines = ["── \(source.file)  message \(source.index) at byte \(source.byteOffset)"]
        func add(_ label: String, _ value: String?) { append(&lines, label, value) }
        func field(_ name: String) -> String? { event.customFields?.first { $0.name == name }?.value }
        add("action:", event.eventType)
        add("title:", event.content.contentTitle)
        add("contentId:", event.content.contentId)
        add("url:", event.content.contentUrl)
        add("when:", event.timestamp)
        add("sharer:", field("sharerName").map { "\($0) <\(field("sharerEmail") ?? "")>" } ?? field("sharerEmail"))
        let person = event.person.name.map { "\($0) <\(event.person.email ?? "")>" } ?? event.person.email
        add("to:", ([person] + [field("otherRecipients")]).compactMap { $0 }.joined(separator: ", "))
        add("subject:", field("messageSubject"))
        add("eventId:", event.eventId)
        add("api:", GongAPI.digitalInteraction.rawValue)
        return lines.joined(separator: "\n") + "\n"
    }

    private static func append(_ lines: inout [String], _ label: String, _ value: String?) {
        guard let value, !value.isEmpty else { return }
        lines.append(label.padding(toLength: 12, withPad: " ", startingAt: 0) + value)
    }

    /// One block per event.
    public static func render(_ event: ContentSharedEvent, source: MessagePosition) -> String {
        var lines = ["── \(source.file)  message \(source.index) at byte \(source.byteOffset)"]
        func add(_ label: String, _ value: String?) { append(&lines, label, value) }
        add("action:", event.actionName)
        add("title:", event.contentTitle)
        add("contentId:", event.contentId)
        add("url:", event.contentUrl)
        add("when:", event.eventTimestamp)
        add("sharer:", event.sharer.map { s in s.name.map { "\($0) <\(s.email ?? "")>" } ?? s.email ?? "" })
        add(
            "to:",
            event.recipients?.map { r in r.name.map { "\($0) <\(r.email ?? "")>" } ?? r.email ?? "" }
                .joined(separator: ", "))
        add("subject:", event.sharingMessageSubject)
        add("eventId:", event.eventId)
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The `--explain` trace of one message.
public enum ExplainView {
    /// Every link: part, position, region, unwrap chain, rule or why none, and the fields it produced.
    public static func render(_ outcome: DetectionPipeline.Outcome, raw: RawMessage) -> String {
        let message = outcome.message
        let detection = outcome.detection
        var lines: [String] = []
        lines.append(
            "── \(raw.position.file)  message \(raw.position.index) at byte \(raw.position.byteOffset)"
                + (message.messageID.map { "  <\($0)>" } ?? ""))
        lines.append("   subject   \(message.subject ?? "(none)")")
        lines.append("   sharer    \(detection.sharer?.address ?? "(no From)")")
        lines.append(
            "   internal  \(detection.internalDomains.isEmpty ? "(none known)" : detection.internalDomains.joined(separator: ", "))"
        )
        lines.append(
            "   external  "
                + (detection.externalRecipients.isEmpty
                    ? "(none)" : detection.externalRecipients.map(\.address).joined(separator: ", ")))
        if let reason = detection.messageSkipReason { lines.append("   message   no events: \(reason)") }
        if detection.decisions.isEmpty { lines.append("   links     none found in the text or HTML parts") }
        for (index, decision) in detection.decisions.enumerated() {
            let link = decision.link
            lines.append(
                "   link \(index + 1)    part \(link.partPath) (\(link.partKind.rawValue)) byte \(link.byteOffset), "
                    + "region \(link.region.rawValue): \(link.regionReason)")
            lines.append("     url       \(link.url)")
            if let anchor = link.anchorText, !anchor.isEmpty { lines.append("     anchor    \"\(anchor)\"") }
            let unwrap = decision.classification.unwrap
            for step in unwrap.chain { lines.append("     unwrap    \(step.wrapper) → \(step.to)") }
            if let wrapper = unwrap.undecodableWrapper {
                lines.append("     unwrap    \(wrapper): cannot be decoded offline")
            }
            switch decision.classification {
            case .content(let match, _):
                lines.append(
                    "     rule      \(match.ruleID)\(match.ruleLocation.isEmpty ? "" : " (\(match.ruleLocation))")"
                        + " pattern \(match.matchedPattern)")
                lines.append("     content   \(match.contentId) (\(match.provider) \(match.kind))")
            case .notContent(let reason, _): lines.append("     rule      none: \(reason)")
            case .excluded(let reason, _): lines.append("     rule      excluded: \(reason)")
            case .undecodableWrapper: break
            }
            switch decision.outcome {
            case .share(let contentId):
                if let share = outcome.detection.shares.first(where: { $0.content.contentId == contentId }) {
                    lines.append(
                        "     → share   contentTitle \"\(share.title)\" (\(share.titleSource.rawValue)), "
                            + "actionName \"\(share.content.actionName)\", contentUrl \(share.content.contentUrl)")
                }
            case .sameContentAs(let contentId): lines.append("     → same content as an earlier link (\(contentId))")
            case .skipped(let reason): lines.append("     → skipped: \(reason)")
            }
        }
        for defect in message.defects + detection.defects {
            lines.append("   defect    " + DefectText.render(defect))
        }
        for (index, event) in outcome.events.enumerated() {
            lines.append(
                "   event \(index + 1)   \(event.contentId)  eventId \(event.eventId ?? "")  at \(event.eventTimestamp)"
            )
        }
        if !detection.shares.isEmpty && outcome.events.isEmpty {
            lines.append("   events    none: the message has no usable date")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// One defect as one line: `code at byte N: item`.
enum DefectText {
    static func render(_ defect: ParseDefect) -> String {
        var text = defect.code
        if let offset = defect.offset { text += " at byte \(offset)" }
        if let item = defect.item, !item.isEmpty { text += ": " + item }
        return text
    }
}

/// Per-rule hits and skipped-link reasons over a mailbox (`test --stats`).
struct RuleStats {
    /// Detection defects by code (`regex-limit`, `link-limit`, …): bounds reached, each a possibly lost link.
    var defects: [String: Int] = [:]
    /// `regex-limit` hits by pattern and location.
    var limitHits: [String: Int] = [:]
    var hits: [String: Int] = [:]
    var skippedContent: [String: Int] = [:]
    var skippedReasons: [String: Int] = [:]
    var links = 0
    var events = 0

    mutating func add(_ outcome: DetectionPipeline.Outcome) {
        events += outcome.events.count
        for defect in outcome.detection.defects {
            defects[defect.code, default: 0] += 1
            if defect.code == "regex-limit", let item = defect.item, let range = item.range(of: "pattern /") {
                limitHits[String(item[range.lowerBound...]), default: 0] += 1
            }
        }
        for decision in outcome.detection.decisions {
            links += 1
            switch decision.outcome {
            case .share:
                if let rule = decision.classification.contentMatch?.ruleID { hits[rule, default: 0] += 1 }
            case .sameContentAs:
                skippedReasons["same content as an earlier link", default: 0] += 1
            case .skipped(let reason):
                if let rule = decision.classification.contentMatch?.ruleID { skippedContent[rule, default: 0] += 1 }
                skippedReasons[Self.reasonClass(decision, reason), default: 0] += 1
            }
        }
    }

    /// A message whose event Gong would reject: its rules' hits count as content skipped, under one reason.
    mutating func addInvalid(_ outcome: DetectionPipeline.Outcome) {
        for record in outcome.records {
            skippedContent[record.content.ruleId, default: 0] += 1
            skippedReasons["event Gong would reject (scan skips the message)", default: 0] += 1
        }
    }

    /// Groups skip reasons into a handful of classes.
    static func reasonClass(_ decision: LinkDecision, _ reason: String) -> String {
        switch decision.classification {
        case .content:
            return decision.link.region.isSenderContent
                ? "message: \(reason.prefix(40))" : "content link in \(decision.link.region.rawValue)"
        case .notContent: return decision.link.url.contains("://") ? "not content (no rule matched)" : "not a URL"
        case .excluded: return "excluded by a rule"
        case .undecodableWrapper(let wrapper, _): return "undecodable wrapper \(wrapper)"
        }
    }

    func render(rules: RuleSet, messages: Int) -> String {
        var lines = ["Rule statistics over \(messages) messages, \(links) links, \(events) events", ""]
        lines.append("rule".padding(toLength: 36, withPad: " ", startingAt: 0) + "shares  content-skipped")
        for rule in rules.providerRules.map(\.id).sorted() {
            let hit = hits[rule] ?? 0
            let skipped = skippedContent[rule] ?? 0
            let note = hit == 0 && skipped == 0 ? "  (no hits)" : ""
            lines.append(
                rule.padding(toLength: 36, withPad: " ", startingAt: 0)
                    + String(hit).padding(toLength: 8, withPad: " ", startingAt: 0) + String(skipped) + note)
        }
        lines.append("")
        lines.append("skipped links by reason")
        for (reason, count) in skippedReasons.sorted(by: { $0.value > $1.value }) {
            lines.append("  " + String(count).padding(toLength: 7, withPad: " ", startingAt: 0) + reason)
        }
        if !defects.isEmpty {
            lines.append("")
            lines.append("limits reached (links may be lost; see test --explain)")
            for (code, count) in defects.sorted(by: { $0.key < $1.key }) {
                lines.append("  " + String(count).padding(toLength: 7, withPad: " ", startingAt: 0) + code)
            }
            for (hit, count) in limitHits.sorted(by: { $0.value > $1.value }) {
                lines.append("  " + String(count).padding(toLength: 7, withPad: " ", startingAt: 0) + hit)
            }
        }
        return lines.joined(separator: "\n")
    }
}
