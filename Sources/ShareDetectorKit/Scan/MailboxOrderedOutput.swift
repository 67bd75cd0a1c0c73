import Foundation

/// A dry run's output in config order although mailboxes are read at once, so two dry runs can be compared line by
/// line: the first mailbox not yet finished writes straight through; the lines of later ones are held until every
/// mailbox before them has finished.
///
/// Memory stays bounded: a mailbox holding more than ``maxHeldBytes`` waits (its worker blocks) until its turn comes.
/// The first unfinished mailbox never waits (mailboxes start in config order, so it is always running), so the run
/// always moves on.
final class MailboxOrderedOutput: @unchecked Sendable {
    private let output: OutputSink
    private let condition = NSCondition()
    /// The mailbox whose lines go straight through.
    private var live = 0
    private var held: [Int: [[UInt8]]] = [:]
    private var heldBytes: [Int: Int] = [:]
    private var finished: Set<Int> = []
    /// The most bytes one mailbox holds before it waits for its turn.
    let maxHeldBytes: Int

    /// Writes to `output`.
    init(output: OutputSink, maxHeldBytes: Int = 8 << 20) {
        self.output = output
        self.maxHeldBytes = maxHeldBytes
    }

    /// A line (without its newline) of the mailbox at config index `mailbox`.
    func line(_ bytes: [UInt8], mailbox: Int) {
        condition.lock()
        defer { condition.unlock() }
        while mailbox != live, heldBytes[mailbox, default: 0] + bytes.count > maxHeldBytes { condition.wait() }
        if mailbox == live {
            output.line(bytes: bytes)
        } else {
            held[mailbox, default: []].append(bytes)
            heldBytes[mailbox, default: 0] += bytes.count
        }
    }

    /// The mailbox at `mailbox` has written all it will.
    func finish(mailbox: Int) {
        condition.lock()
        defer { condition.unlock() }
        finished.insert(mailbox)
        while finished.contains(live) {
            live += 1
            for bytes in held.removeValue(forKey: live) ?? [] { output.line(bytes: bytes) }
            heldBytes[live] = nil
        }
        condition.broadcast()
    }

    /// Writes whatever is still held, in order (mailboxes a signal kept from finishing or starting).
    func finishAll() {
        condition.lock()
        defer { condition.unlock() }
        for mailbox in held.keys.sorted() {
            for bytes in held[mailbox] ?? [] { output.line(bytes: bytes) }
        }
        held = [:]
        heldBytes = [:]
    }
}
