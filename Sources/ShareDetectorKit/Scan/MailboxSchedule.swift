/// Which mailbox a scan worker reads next: the pure state of a parallel scan, tested without threads or sockets.
///
/// Mailboxes are started in config order, at most `concurrency` at once, and at most `maxPerHost` at once on one
/// IMAP server (`host:port`; mbox and `.eml` mailboxes have no host). A mailbox whose server is full is passed over
/// for a later one on another server, so one busy server never idles the workers. ``MailboxPool`` drives it.
package struct MailboxSchedule: Sendable, Equatable {
    /// What a worker is told.
    package enum Step: Sendable, Equatable {
        /// Read the mailbox at this index in the config.
        case scan(Int)
        /// Wait until a running mailbox completes (its server, or every worker slot, is full).
        case wait
        /// Nothing is left to start: the worker ends.
        case finished
    }

    /// The server of each mailbox, `nil` for a local one.
    package let hosts: [String?]
    package let concurrency: Int
    package let maxPerHost: Int
    /// Indices not started yet, in config order.
    package private(set) var pending: [Int]
    /// Mailboxes running per server.
    package private(set) var runningPerHost: [String: Int] = [:]
    /// Mailboxes running.
    package private(set) var running = 0
    /// Whether new mailboxes may start (false once the run is interrupted).
    package private(set) var accepting = true

    /// A schedule for mailboxes on `hosts` (one entry per mailbox, in config order).
    package init(hosts: [String?], concurrency: Int, maxPerHost: Int) {
        self.hosts = hosts
        self.concurrency = max(1, concurrency)
        self.maxPerHost = max(1, maxPerHost)
        pending = Array(hosts.indices)
    }

    /// The next step for a worker that is free; `.scan` marks the mailbox running.
    package mutating func next() -> Step {
        guard accepting, !pending.isEmpty else { return .finished }
        guard running < concurrency else { return .wait }
        guard
            let position = pending.firstIndex(where: { index in
                hosts[index].map { runningPerHost[$0, default: 0] < maxPerHost } ?? true
            })
        else { return .wait }
        let index = pending.remove(at: position)
        running += 1
        if let host = hosts[index] { runningPerHost[host, default: 0] += 1 }
        return .scan(index)
    }

    /// A running mailbox is done (read, failed or interrupted): its worker slot and server slot are free again.
    package mutating func complete(_ index: Int) {
        running -= 1
        if let host = hosts[index] {
            runningPerHost[host, default: 1] -= 1
            if runningPerHost[host] == 0 { runningPerHost[host] = nil }
        }
    }

    /// Starts no more mailboxes (a signal arrived); the running ones finish.
    package mutating func stopAccepting() { accepting = false }

    /// The server of an IMAP URL as the per-host limit counts it: `host:port`, lowercased (the scheme's port when
    /// the URL has none).
    package static func host(ofURL url: String) -> String {
        let lowered = url.lowercased()
        let secure = lowered.hasPrefix("imaps://")
        var rest = Substring(lowered)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) { rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        let hasPort: Bool
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            hasPort = rest[close...].contains(":")
        } else {
            hasPort = rest.contains(":")
        }
        return hasPort ? String(rest) : "\(rest):\(secure ? 993 : 143)"
    }
}
