import Foundation
import MailFetching
import ShareLedger

extension ScanRunner {
    /// The IMAP account of a mailbox: its secret resolved, or its token source.
    func imapAccount(_ settings: IMAPSettings, mailbox: String) throws(RunFailure) -> IMAPAccount {
        IMAPAccount(
            url: settings.url, username: settings.username,
            credential: try access.credential(for: settings, mailbox: mailbox), caFile: settings.caFile,
            allowInsecure: settings.allowInsecure)
    }

    /// The window a first run (or a UIDVALIDITY change) reads: `since:` or the last `lastDays` days.
    func imapWindowStart(_ settings: IMAPSettings) -> Date? {
        if options.backfill { return nil }
        if let since = settings.since {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd"
            if let date = formatter.date(from: since) { return date }
        }
        return Date().addingTimeInterval(-Double(settings.lastDays) * 86_400)
    }
}
