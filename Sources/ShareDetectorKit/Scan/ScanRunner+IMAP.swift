import Foundation
import MailFetching
import ShareLedger

extension ScanRunner {
    /// The IMAP account of a mailbox, its secret resolved.
    func imapAccount(_ settings: IMAPSettings, mailbox: String) throws(RunFailure) -> IMAPAccount {
        let credential: IMAPCredential
        do {
            if let token = settings.oauth2Token {
                credential = .oauth2Token(try config.resolve(token))
            } else if let password = settings.password {
                credential = .password(try config.resolve(password))
            } else {
                throw RunFailure(exitCode: 2, message: "\(config.file): mailbox \(mailbox): no password or oauth2Token")
            }
        } catch let error as SecretError {
            throw RunFailure(exitCode: 2, message: "\(config.file): mailbox \(mailbox): \(error)")
        } catch let error as RunFailure {
            throw error
        } catch {
            throw RunFailure(exitCode: 2, message: "\(config.file): mailbox \(mailbox): the secret cannot be read")
        }
        return IMAPAccount(
            url: settings.url, username: settings.username, credential: credential, caFile: settings.caFile,
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
