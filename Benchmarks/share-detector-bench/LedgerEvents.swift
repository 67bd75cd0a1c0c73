import Foundation
import MailFetching
import ShareDetection
import ShareDetectorKit
import ShareLedger

/// Realistic ledger events for the shared-ledger benchmark: a sent message sharing a Google Doc with two external
/// recipients goes through the real pipeline (parse, detect, Gong event mapping with the message excerpt), and the
/// event is stored as `scan` stores it (the Gong `content-shared` body plus the detection record, both JSON).
struct LedgerEventFactory {
    /// The mailbox every event comes from.
    static let mailbox = "alice.martin@northwind.example"
    private let pipeline: DetectionPipeline

    init() {
        var config = TeamConfig()
        config.team = "bench"
        config.internalDomains = ["northwind.example"]
        config.gong.reportingSystem = "share-detector"
        pipeline = DetectionPipeline(config: config, rules: RuleSet.builtIn())
    }

    /// The event of message `index` (distinct ids, recipients, documents and subjects for distinct indexes); `run`
    /// keeps the ids of separate runs apart.
    func event(_ index: Int, run: String = "") -> LedgerEvent {
        let raw = RawMessage(
            bytes: Array(Self.message(index, run: run).utf8),
            position: MessagePosition(file: "imap:Sent", index: index, byteOffset: 0), envelopeDate: nil,
            resumeOffset: 0)
        guard let outcome = try? pipeline.process(raw, mailbox: Self.mailbox),
            let event = outcome.gongEvents.first, let record = outcome.records.first,
            let body = try? ScanRunner.encoder.encode(event), let detection = try? ScanRunner.encoder.encode(record)
        else { fail("the benchmark message \(index) gave no event") }
        return LedgerEvent(
            eventId: event.eventId, contentId: record.content.contentId,
            messageKey: EventBuilder.messageKey(outcome.message), mailbox: Self.mailbox,
            position: .imap(folder: "Sent", uidValidity: 1_700_000_000, uid: UInt32(truncatingIfNeeded: index + 1)),
            body: body, detection: detection, api: event.api)
    }

    /// `count` events starting at `first`, for one commit.
    func events(_ first: Int, count: Int, run: String = "") -> [LedgerEvent] {
        (first..<first + count).map { event($0, run: run) }
    }

    /// A sent message as a sales rep writes it: a greeting, a link to the proposal, a paragraph, a signature.
    static func message(_ index: Int, run: String) -> String {
        let company = "contoso\(index % 97)"
        let document = "1Bench\(run)\(String(index, radix: 36))AbCdEfGhIjKlMnOpQrStUvWx"
        let minute = String(format: "%02d", index % 60)
        return """
            Message-ID: <bench-\(run)-\(index)@northwind.example>
            Date: Mon, 02 Nov 2026 10:\(minute):00 +0100
            From: Alice Martin <alice.martin@northwind.example>
            To: Dana Whitfield <dana.whitfield\(index)@\(company).example>, Procurement <procurement@\(company).example>
            Cc: Bob Stone <bob.stone@northwind.example>
            Subject: Proposal for \(company.capitalized) (#\(index)): pricing and next steps
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8

            Hi Dana,

            Thanks again for your time on Thursday. As promised, here is the proposal with the pricing we discussed
            for the 250-seat rollout:

            https://docs.google.com/document/d/\(document)/edit?usp=sharing

            Section 3 covers the implementation plan and section 5 the service levels your legal team asked about.
            I have left comments where we still need your input on the data residency options. Happy to walk your
            procurement team through it next week; Tuesday or Wednesday afternoon would work on our side.

            Best regards,
            Alice Martin
            Account Executive, Northwind Traders
            +1 555 0100

            """.replacingOccurrences(of: "\n", with: "\r\n")
    }
}
