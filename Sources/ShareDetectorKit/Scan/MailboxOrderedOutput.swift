import Foundation

/// A dry run's output in config order although mailboxes are read at once, so two dry runs can be compared line by
/// line: the first mailbox not yet finished writes straight through; the lines of later ones are held until every
/// mailbox before them has finished.
final class MailboxOrderedOutput: @unchecked Sendable {
    private let output: OutputSink
    private let lock = NSLock()
    /// The mailbox whose lines go straight through.
    private var live = 0
    private var held: [Int: [[UInt8]]] = [:]
    private var finished: Set<Int> = []

    /// Writes to `output`.
    init(output: OutputSink) {
        self.output = output
    }

    /// A line (without its newline) of the mailbox at config index `mailbox`.
    func line(_ bytes: [UInt8], mailbox: Int) {
        lock.lock()
        defer { lock.unlock() }
        if mailbox == live {
            output.line(bytes: bytes)
        } else {
            held[mailbox, default: []].append(bytes)
        }
    }

    /// The mailbox at `mailbox` has written all it will.
    func finish(mailbox: Int) {
        lock.lock()
        defer { lock.unlock() }
        finished.insert(mailbox)
        while finished.contains(live) {
            live += 1
            for bytes in held.removeValue(forKey: live) ?? [] { output.line(bytes: bytes) }
        }
    }

    /// Writes whatever is still held, in order (mailboxes a signal kept from finishing or starting).
    func finishAll() {
        lock.lock()
        defer { lock.unlock() }
        for mailbox in held.keys.sorted() {
            for bytes in held[mailbox] ?? [] { output.line(bytes: bytes) }
        }
        held = [:]
    }
}
