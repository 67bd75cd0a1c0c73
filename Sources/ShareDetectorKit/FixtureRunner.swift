import Foundation
import GongEngagement
import MailFetching
import MailParsing
import ShareDetection
import Yams

/// Runs rule fixtures: `.eml` files with their expected events in a sidecar `NAME.expected.yml`.
///
/// A sidecar lists the expected events in order (`events: []` for a negative); each event names only the fields
/// it checks. Optional `internalDomains` overrides the default (the sender's domain).
public struct FixtureRunner {
    /// A fixture's expectations, as written in its sidecar.
    public struct Expectation: Codable, Sendable {
        /// What the fixture shows.
        public var description: String?
        /// Internal domains for this fixture.
        public var internalDomains: [String]?
        /// The expected events, in order.
        public var events: [ExpectedEvent]
    }

    /// The fields of one expected event; a field left out is not checked.
    public struct ExpectedEvent: Codable, Sendable {
        /// Expected `contentId`.
        public var contentId: String?
        /// Expected `contentUrl`.
        public var contentUrl: String?
        /// Expected `contentTitle`.
        public var contentTitle: String?
        /// Expected `actionName`.
        public var actionName: String?
        /// Expected recipient emails, in order.
        public var recipients: [String]?
        /// Expected sharer email.
        public var sharer: String?
        /// Expected `eventTimestamp`.
        public var eventTimestamp: String?
        /// Expected `sharingMessageSubject`.
        public var subject: String?
        /// Expected content properties (a subset).
        public var contentProperties: [String: String]?
    }

    /// One fixture's verdict.
    public struct Result: Sendable {
        /// The `.eml` file.
        public var file: String
        /// Empty when it passed.
        public var failures: [String]
        /// True when it passed.
        public var passed: Bool { failures.isEmpty }
    }

    /// The base config (Gong settings, exclusions); fixtures override internal domains.
    public var config: TeamConfig
    /// The rules under test.
    public var rules: RuleSet

    /// Creates a runner.
    public init(config: TeamConfig, rules: RuleSet) {
        self.config = config
        self.rules = rules
    }

    /// The `.eml` fixtures under `folder`, recursively, in name order.
    public static func fixtures(in folder: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if relative.lowercased().hasSuffix(".eml") {
                files.append((folder as NSString).appendingPathComponent(relative))
            }
        }
        return files.sorted()
    }

    /// The sidecar path of a fixture.
    public static func sidecar(of fixture: String) -> String {
        (fixture as NSString).deletingPathExtension + ".expected.yml"
    }

    /// Runs one fixture.
    public func run(fixture: String) -> Result {
        var failures: [String] = []
        let sidecarPath = Self.sidecar(of: fixture)
        guard let sidecarData = FileManager.default.contents(atPath: sidecarPath) else {
            return Result(file: fixture, failures: ["missing sidecar \(sidecarPath)"])
        }
        let expectation: Expectation
        do {
            expectation = try YAMLDecoder().decode(Expectation.self, from: String(decoding: sidecarData, as: UTF8.self))
        } catch {
            return Result(file: fixture, failures: ["\(sidecarPath): cannot read: \(error)"])
        }
        var fixtureConfig = config
        if let domains = expectation.internalDomains { fixtureConfig.internalDomains = domains.map { $0.lowercased() } }
        let pipeline = DetectionPipeline(config: fixtureConfig, rules: rules)
        guard let data = FileManager.default.contents(atPath: fixture) else {
            return Result(file: fixture, failures: ["cannot read the fixture"])
        }
        let raw = RawMessage(
            bytes: [UInt8](data), position: MessagePosition(file: fixture, index: 0, byteOffset: 0), envelopeDate: nil,
            resumeOffset: UInt64(data.count))
        let events: [ContentSharedEvent]
        do {
            let outcome = try pipeline.process(raw)
            if let reason = outcome.invalidReason { failures.append("scan would skip the message: \(reason)") }
            events = outcome.events
        } catch {
            return Result(file: fixture, failures: ["unreadable: \(error)"])
        }
        if events.count != expectation.events.count {
            failures.append(
                "expected \(expectation.events.count) event(s), got \(events.count): "
                    + (events.isEmpty ? "none" : events.map(\.contentId).joined(separator: ", ")))
        }
        for (index, (expected, actual)) in zip(expectation.events, events).enumerated() {
            func check(_ name: String, _ want: String?, _ got: String?) {
                if let want, want != got {
                    failures.append("event \(index + 1) \(name): expected \"\(want)\", got \"\(got ?? "nil")\"")
                }
            }
            check("contentId", expected.contentId, actual.contentId)
            check("contentUrl", expected.contentUrl, actual.contentUrl)
            check("contentTitle", expected.contentTitle, actual.contentTitle)
            check("actionName", expected.actionName, actual.actionName)
            check("sharer", expected.sharer, actual.sharer?.email)
            check("eventTimestamp", expected.eventTimestamp, actual.eventTimestamp)
            check("subject", expected.subject, actual.sharingMessageSubject)
            if let want = expected.recipients {
                let got = actual.recipients?.compactMap(\.email) ?? []
                if want != got { failures.append("event \(index + 1) recipients: expected \(want), got \(got)") }
            }
            for (name, value) in expected.contentProperties ?? [:] {
                let got = actual.contentProperties?.first(where: { $0.name == name })?.value
                check("contentProperties.\(name)", value, got)
            }
        }
        return Result(file: fixture, failures: failures)
    }
}
