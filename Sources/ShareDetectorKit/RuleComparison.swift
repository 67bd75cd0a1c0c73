import Foundation
import MailFetching
import MailParsing

/// `test --compare-rules OLD`: the events a rule change adds, removes and changes, per rule — what a reviewer reads
/// before merging a rule change.
///
/// Both rule sets run over the same messages through the same pipeline. A share is identified by its message and
/// its link as found in the message (not by `eventId`, which depends on the content id a rule computes), so a rule
/// that changes a content id, a title or an action shows as *changed*, not as one removal and one addition.
public struct RuleComparison: Sendable {
    /// The events of one share under one rule set.
    public struct Side: Sendable, Hashable, Codable {
        /// The rule that matched.
        public var ruleId: String
        /// The content id.
        public var contentId: String
        /// The content URL.
        public var contentUrl: String
        /// The title.
        public var contentTitle: String
        /// The action.
        public var actionName: String
        /// The event id.
        public var eventId: String
    }

    /// One difference.
    public struct Change: Sendable, Hashable, Codable {
        /// `added`, `removed` or `changed`.
        public var change: String
        /// The rule it is filed under: the new rule (added, changed) or the old one (removed).
        public var rule: String
        /// Where the message is.
        public var source: MessagePosition
        /// The link as found in the message.
        public var link: String
        /// The share under the old rules.
        public var old: Side?
        /// The share under the new rules.
        public var new: Side?
        /// The fields that differ (changed only): `contentId`, `contentTitle`, `actionName`, `contentUrl`, `rule`.
        public var fields: [String]
    }

    /// Counts over the whole run.
    public struct Summary: Sendable, Hashable, Codable {
        /// Messages read.
        public var messages = 0
        /// Messages that could not be read.
        public var skipped = 0
        /// Events under the old rules.
        public var oldEvents = 0
        /// Events under the new rules.
        public var newEvents = 0
        /// Shares only the new rules find.
        public var added = 0
        /// Shares only the old rules found.
        public var removed = 0
        /// Shares both find, with different fields.
        public var changed = 0
        /// Messages whose event Gong would reject under the old or the new rules (scan skips them).
        public var invalid = 0
    }

    /// The old rules' pipeline.
    public var old: DetectionPipeline
    /// The new rules' pipeline.
    public var new: DetectionPipeline

    /// Creates a comparison.
    public init(old: DetectionPipeline, new: DetectionPipeline) {
        self.old = old
        self.new = new
    }

    /// The differences of one message (pure: the two outcomes in, the changes out).
    public static func changes(
        old: DetectionPipeline.Outcome?, new: DetectionPipeline.Outcome?, source: MessagePosition
    ) -> [Change] {
        func sides(_ outcome: DetectionPipeline.Outcome?) -> [(String, Side)] {
            guard let outcome, outcome.invalidReason == nil else { return [] }
            return zip(outcome.records, outcome.events).map { record, event in
                (
                    record.link,
                    Side(
                        ruleId: record.content.ruleId, contentId: event.contentId, contentUrl: event.contentUrl,
                        contentTitle: event.contentTitle, actionName: event.actionName ?? "",
                        eventId: event.eventId ?? "")
                )
            }
        }
        let before = sides(old)
        let after = sides(new)
        let beforeByLink = Dictionary(before, uniquingKeysWith: { first, _ in first })
        let afterByLink = Dictionary(after, uniquingKeysWith: { first, _ in first })
        var changes: [Change] = []
        for (link, side) in after {
            guard let previous = beforeByLink[link] else {
                changes.append(
                    Change(
                        change: "added", rule: side.ruleId, source: source, link: link, old: nil, new: side, fields: [])
                )
                continue
            }
            var fields: [String] = []
            if previous.ruleId != side.ruleId { fields.append("rule") }
            if previous.contentId != side.contentId { fields.append("contentId") }
            if previous.contentUrl != side.contentUrl { fields.append("contentUrl") }
            if previous.contentTitle != side.contentTitle { fields.append("contentTitle") }
            if previous.actionName != side.actionName { fields.append("actionName") }
            if !fields.isEmpty {
                changes.append(
                    Change(
                        change: "changed", rule: side.ruleId, source: source, link: link, old: previous, new: side,
                        fields: fields))
            }
        }
        for (link, side) in before where afterByLink[link] == nil {
            changes.append(
                Change(
                    change: "removed", rule: side.ruleId, source: source, link: link, old: side, new: nil, fields: []))
        }
        return changes
    }

    /// Runs both rule sets over every message of `sources` and prints the changes grouped by rule (text) or one
    /// JSON object per change and a final `{"summary": …}` (JSON).
    public func run(
        sources: [any MessageSource], json: Bool, output: OutputSink, diagnostics: OutputSink
    ) -> Summary {
        var summary = Summary()
        var changes: [Change] = []
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
                summary.messages += 1
                let before = try? old.process(raw)
                let after = try? new.process(raw)
                if before == nil || after == nil {
                    summary.skipped += 1
                    diagnostics.line(
                        "skipped: \(raw.position.file) message \(raw.position.index) at byte \(raw.position.byteOffset): "
                            + "the message cannot be parsed")
                    continue
                }
                var invalid = false
                for (outcome, label) in [(before, "old"), (after, "new")] {
                    if let reason = outcome?.invalidReason {
                        invalid = true
                        diagnostics.line(
                            "\(label) rules: scan would skip \(raw.position.file) message \(raw.position.index): \(reason)"
                        )
                    }
                }
                if invalid { summary.invalid += 1 }
                summary.oldEvents += before?.invalidReason == nil ? before?.events.count ?? 0 : 0
                summary.newEvents += after?.invalidReason == nil ? after?.events.count ?? 0 : 0
                changes += Self.changes(old: before, new: after, source: raw.position)
            }
        }
        summary.added = changes.filter { $0.change == "added" }.count
        summary.removed = changes.filter { $0.change == "removed" }.count
        summary.changed = changes.filter { $0.change == "changed" }.count
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for change in changes { output.line(bytes: (try? encoder.encode(change)) ?? Data()) }
            output.line(bytes: (try? encoder.encode(["summary": summary])) ?? Data())
        } else {
            output.line(Self.render(changes, summary: summary))
        }
        return summary
    }

    /// The text report: a summary line, then per rule its additions, removals and changes.
    static func render(_ changes: [Change], summary: Summary) -> String {
        var lines = [
            "rule-change impact over \(summary.messages) messages: \(summary.oldEvents) events before, "
                + "\(summary.newEvents) after: \(summary.added) added, \(summary.removed) removed, "
                + "\(summary.changed) changed"
        ]
        for rule in Set(changes.map(\.rule)).sorted() {
            let ofRule = changes.filter { $0.rule == rule }
            let count = { (kind: String) in ofRule.filter { $0.change == kind }.count }
            lines.append("")
            lines.append("\(rule): \(count("added")) added, \(count("removed")) removed, \(count("changed")) changed")
            for change in ofRule {
                let place = "\(change.source.file) message \(change.source.index)"
                switch change.change {
                case "added":
                    if let new = change.new {
                        lines.append("  + \(place): \(new.contentId) \"\(new.contentTitle)\" (\(new.actionName))")
                    }
                case "removed":
                    if let old = change.old {
                        lines.append("  - \(place): \(old.contentId) \"\(old.contentTitle)\" (\(old.actionName))")
                    }
                default:
                    guard let old = change.old, let new = change.new else { continue }
                    let detail = change.fields.map { field -> String in
                        switch field {
                        case "rule": "rule \(old.ruleId) → \(new.ruleId)"
                        case "contentId": "contentId \(old.contentId) → \(new.contentId)"
                        case "contentUrl": "contentUrl \(old.contentUrl) → \(new.contentUrl)"
                        case "contentTitle": "title \"\(old.contentTitle)\" → \"\(new.contentTitle)\""
                        default: "action \(old.actionName) → \(new.actionName)"
                        }
                    }
                    lines.append("  ~ \(place): " + detail.joined(separator: "; "))
                }
            }
        }
        return lines.joined(separator: "\n")
    }
}
