import Foundation
import GongEngagement
import MailFetching
import ShareDetection
import ShareLedger

extension ScanRunner {
    // MARK: Dry run

    /// Prints the events a scan would record, marking those the ledger already has; writes nothing.
    func dryRun() -> Summary {
        var summary = Summary()
        let ledger: ShareLedger? =
            FileManager.default.fileExists(atPath: config.statePath) ? try? ShareLedger(path: config.statePath) : nil
        for mailbox in config.mailboxes {
            var counts = MailboxSummary(mailbox: mailbox.name)
            let sources: [any MessageSource]
            switch mailbox.source {
            case .mbox(let path), .emlFolder(let path):
                do { sources = try MailInputs.open([path]) } catch {
                    counts.error = error.description
                    summary.mailboxes.append(counts)
                    diagnostics.line(
                        "share-detector: \(mailbox.name): \(error.description)", level: .error,
                        metadata: ["mailbox": "\(mailbox.name)"])
                    continue
                }
            case .imap:
                counts.error = "dry-run reads IMAP mailboxes only in a real scan"
                summary.mailboxes.append(counts)
                continue
            }
            for var source in sources {
                while let item = source.next() {
                    var batch = Batch()
                    handle(item, mailbox: mailbox.name, batch: &batch, counts: &counts)
                    guard case .message(let raw) = item else { continue }
                    for event in batch.events {
                        let known = (try? ledger?.contains(eventId: event.eventId)) == true
                        if !known { counts.newEvents += 1 }
                        if options.json {
                            output.line(
                                bytes: event.body.dropLast(1) + Array(",\"source\":".utf8)
                                    + ((try? Self.encoder.encode(raw.position)) ?? Data()) + Array("}".utf8))
                        } else if let decoded = Self.decode(event) {
                            output.line(
                                EventTextView.render(decoded, source: raw.position)
                                    + (known ? "            (already in the ledger)\n" : ""))
                        }
                    }
                }
            }
            summary.mailboxes.append(counts)
        }
        summary.exitCode = Self.exitCode(summary)
        printSummary(summary)
        return summary
    }

    /// A recorded body read back for the text view, by the API it is for.
    static func decode(_ event: LedgerEvent) -> GongEvent? {
        switch GongAPI(rawValue: event.api) {
        case .contentShared:
            (try? JSONDecoder().decode(ContentSharedEvent.self, from: event.body)).map(GongEvent.contentShared)
        case .digitalInteraction:
            (try? JSONDecoder().decode(DigitalInteractionEvent.self, from: event.body)).map(
                GongEvent.digitalInteraction)
        case nil: nil
        }
    }
}
