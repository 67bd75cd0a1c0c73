import Foundation

/// What a person watching a scan on a terminal sees below the diagnostics, redrawn in place: the mailboxes being read
/// (messages fetched, parsed, shares) and the total (mailboxes done, messages and rate, shares, new events, events
/// delivered, time left).
///
/// Workers and the sender report here (thread-safe); at most five times a second the board asks its sink to redraw
/// (``OutputSink/redrawFooter()``), which calls ``lines()``. Only on a terminal, never under `--quiet`.
final class ScanProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let sink: OutputSink
    private let started = Date()
    private let mailboxes: Int
    private var running: [(name: String, counts: ScanRunner.MailboxSummary)] = []
    private var finished = 0
    private var finishedCounts = ScanRunner.MailboxSummary(mailbox: "")
    private var delivered = 0
    private var lastDraw = Date.distantPast

    /// A board for a scan of `mailboxes` mailboxes, drawn by `sink`.
    init(mailboxes: Int, sink: OutputSink) {
        self.mailboxes = mailboxes
        self.sink = sink
    }

    /// Starts drawing (when the scan starts, not before: a run that fails earlier leaves nothing on the screen).
    func show() { sink.setFooter { [weak self] width in self?.lines(width: width) ?? [] } }

    /// A mailbox's scan began.
    func started(_ name: String) {
        lock.withLock { running.append((name, ScanRunner.MailboxSummary(mailbox: name))) }
        redraw(force: true)
    }

    /// A mailbox's counts so far.
    func update(_ counts: ScanRunner.MailboxSummary) {
        lock.withLock {
            if let index = running.firstIndex(where: { $0.name == counts.mailbox }) { running[index].counts = counts }
        }
        redraw(force: false)
    }

    /// A mailbox's scan ended (read, failed or interrupted).
    func finished(_ counts: ScanRunner.MailboxSummary) {
        lock.withLock {
            running.removeAll { $0.name == counts.mailbox }
            finished += 1
            finishedCounts.fetched += counts.fetched
            finishedCounts.parsed += counts.parsed
            finishedCounts.shares += counts.shares
            finishedCounts.newEvents += counts.newEvents
        }
        redraw(force: true)
    }

    /// One event was delivered.
    func deliveredOne() {
        lock.withLock { delivered += 1 }
        redraw(force: false)
    }

    /// Removes the board from the terminal (before the summary is printed).
    func close() { sink.setFooter(nil) }

    /// The board's lines, each cut to `width` columns.
    func lines(width: Int, now: Date = Date()) -> [String] {
        lock.withLock {
            var lines: [String] = []
            for (name, counts) in running.prefix(8) {
                lines.append(
                    "  \(name): \(counts.fetched) fetched, \(counts.parsed) parsed, \(counts.shares) shares")
            }
            if running.count > 8 { lines.append("  … and \(running.count - 8) more") }
            let fetched = finishedCounts.fetched + running.reduce(0) { $0 + $1.counts.fetched }
            let shares = finishedCounts.shares + running.reduce(0) { $0 + $1.counts.shares }
            let newEvents = finishedCounts.newEvents + running.reduce(0) { $0 + $1.counts.newEvents }
            let elapsed = max(now.timeIntervalSince(started), 0.001)
            var total =
                "\(finished)/\(mailboxes) mailboxes, \(fetched) messages (\(Int(Double(fetched) / elapsed))/s), "
                + "\(shares) shares, \(newEvents) new events, \(delivered) delivered"
            if finished > 0, finished < mailboxes {
                total += ", about \(Self.duration(elapsed / Double(finished) * Double(mailboxes - finished))) left"
            }
            lines.append(total)
            return lines.map { Self.cut($0, toColumns: width) }
        }
    }

    /// `line` cut to fit `columns` terminal columns, counting anything outside ASCII as two columns (wide
    /// characters in a mailbox name must not wrap: the redraw counts lines).
    static func cut(_ line: String, toColumns columns: Int) -> String {
        var used = 0
        var out = ""
        for character in line {
            let width = character.isASCII ? 1 : 2
            if used + width > max(1, columns - 1) { return out + "…" }
            used += width
            out.append(character)
        }
        return out
    }

    /// `45s`, `3m05s`, `2h10m`.
    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        if whole < 60 { return "\(whole)s" }
        if whole < 3_600 { return "\(whole / 60)m" + String(format: "%02ds", whole % 60) }
        return "\(whole / 3_600)h" + String(format: "%02dm", whole / 60 % 60)
    }

    private func redraw(force: Bool) {
        let now = Date()
        let due = lock.withLock {
            guard force || now.timeIntervalSince(lastDraw) >= 0.2 else { return false }
            lastDraw = now
            return true
        }
        if due { sink.redrawFooter() }
    }
}
