/// A stream that cannot go on.
struct ScanStreamError: Error {
    /// What went wrong, naming the stream, without secrets.
    var message: String
    /// The account itself failed (a login refused, a server that cannot be reached): the mailbox's other streams
    /// would fail the same way, so the mailbox stops with exit status 3.
    var stopsMailbox: Bool
}
