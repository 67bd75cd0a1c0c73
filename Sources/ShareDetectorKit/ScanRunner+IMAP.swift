import ShareLedger

extension ScanRunner {
    /// Scans an IMAP mailbox (see docs/imap.md).
    func scanIMAP(
        _ mailbox: MailboxConfig, ledger: ShareLedger, counts: inout MailboxSummary, noteEvent: (String) -> Void
    ) throws(RunFailure) {
        throw RunFailure(exitCode: 2, message: "IMAP mailboxes are not supported by this build")
    }
}
