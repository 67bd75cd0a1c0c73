import Foundation
import MailParsing

/// Tuning for ``IMAPFolderSource``; the defaults suit Dovecot, Gmail and Exchange.
public struct IMAPFetchOptions: Sendable {
    /// Larger messages are skipped (yielded as `.unreadable` with the size) without being kept in memory.
    public var maxMessageBytes = 64 << 20
    /// UIDs per `UID FETCH` command.
    public var uidsPerCommand = 500
    /// `UID FETCH` commands sent ahead of the one being read (pipelining).
    public var commandsInFlight = 4
    /// Waits, in seconds, before each reconnect attempt after the connection drops mid-fetch; the number of
    /// entries is the number of attempts without progress before giving up.
    public var reconnectDelays: [Double] = [0.5, 2, 5]
    /// Reconnects allowed in all, progress or not.
    public var maxReconnects = 10
    /// Fetch only what detection reads: `BODYSTRUCTURE` first, then the header and the text parts, never the
    /// bytes of attachments (``IMAPPartialFetch``). A message whose structure is unusable is fetched whole.
    /// `false`: every message whole (`BODY.PEEK[]`).
    public var partial = true
    /// A message is fetched in parts only when that leaves at least this many bytes of attachments on the
    /// server; smaller ones are fetched whole, byte for byte as stored (no rebuilt MIME for a few kilobytes saved).
    public var partialMinimumSavedBytes: UInt64 = 64 << 10

    /// Default options.
    public init() {}
}

/// What ``IMAPFolderSource/open()`` found.
public struct IMAPFolderStatus: Sendable, Equatable {
    /// The folder read (display form, e.g. `Envoyés`).
    public var folder: String
    /// The folder's UIDVALIDITY: store it with the checkpoint.
    public var uidValidity: UInt32
    /// The server's UIDNEXT, when it sent one.
    public var uidNext: UInt32?
    /// Messages in the folder.
    public var exists: UInt32
    /// The checkpoint's UIDVALIDITY differs from the server's: the `since` window is scanned instead of the UIDs
    /// after `startAfterUID` (the ledger's dedup keeps re-read messages from being posted twice).
    public var uidValidityChanged: Bool
    /// Messages this run will fetch.
    public var toFetch: Int
}

/// Counters of one folder read.
public struct IMAPFetchStatistics: Sendable, Equatable {
    /// IMAP commands sent after login (CAPABILITY, LIST, EXAMINE, UID SEARCH, UID FETCH, LOGOUT), reconnects
    /// included.
    public var commandsSent = 0
    /// Reconnects after a dropped connection.
    public var reconnects = 0
    /// Messages yielded with their bytes.
    public var messages = 0
    /// Messages yielded as unreadable (too large, refused by the server).
    public var unreadable = 0
    /// UIDs the search returned but the fetch did not (expunged meanwhile).
    public var vanished = 0
    /// Bytes received after login.
    public var bytesReceived: UInt64 = 0
    /// Messages read as their header and text parts only.
    public var partialMessages = 0
    /// Messages fetched whole although partial fetching was on (their structure was unusable).
    public var wholeFallbacks = 0
}

/// One IMAP folder as a ``MessageSource``: read-only (`EXAMINE`, `BODY.PEEK`, so `\Seen` is never set),
/// incremental by UID, pipelined `UID FETCH` in chunks, reconnecting after a drop without loss or duplicates.
///
/// Each chunk is fetched in two steps: `BODYSTRUCTURE`, then, grouped by structure, the header and text parts
/// (``IMAPPartialFetch``): attachments are never downloaded. A message whose structure the reader does not
/// understand, or whose parts do not come back, is fetched whole (``IMAPFetchStatistics/wholeFallbacks``; said
/// once per folder). ``IMAPFetchOptions/partial`` `false` fetches every message whole.
///
/// Each yielded ``RawMessage`` has `position.file` = `imap://host[:port]/Folder`, `position.index` = the UID,
/// `position.byteOffset` = 0, `envelopeDate` = INTERNALDATE, and **`resumeOffset` = the UID to store as the
/// checkpoint** once the message is handled (`startAfterUID` of the next run): the highest UID up to which every
/// message has been yielded. Usually that is the message's own UID; but servers may answer pipelined commands
/// concurrently (Dovecot does), so messages can come slightly out of UID order, and then the checkpoint waits for the
/// gap to fill. It never skips a message.
///
/// The scan loop:
/// ```swift
/// let source = IMAPFolderSource(account: account, folder: "Sent", startAfterUID: checkpoint?.uid,
///                               knownUIDValidity: checkpoint?.uidValidity, since: windowStart)
/// do {
///     let status = try source.open()           // connect, TLS, login, find folder, EXAMINE, UID SEARCH
///     if status.uidValidityChanged { log("UIDVALIDITY changed; rescanning the window") }
///     while let item = try source.nextItem() {  // throws IMAPError when the folder cannot go on
///         switch item {
///         case .message(let raw): handle(raw); checkpoint(status.uidValidity, UInt32(raw.resumeOffset))
///         case .unreadable(let position, let reason): report(position, reason)
///         }
///     }
///     source.close()                           // LOGOUT
/// } catch { if error.isAccountFailure { exit(3) } else { report folder error, go on with the next folder } }
/// ```
/// `next()` (the ``MessageSource`` requirement) does the same but ends the stream on an error and leaves it in
/// ``failure``.
public final class IMAPFolderSource: MessageSource {
    /// `imap://host[:port]/Folder` (the folder once known; no user name, no secret).
    public private(set) var name: String
    /// Set when ``open()`` ran: the folder's UIDVALIDITY.
    public private(set) var uidValidity: UInt32?
    /// Whether the checkpoint's UIDVALIDITY differed from the server's.
    public private(set) var uidValidityChanged = false
    /// The error that ended ``next()``, if any.
    public private(set) var failure: IMAPError?
    /// The highest UID below which every message was yielded (the checkpoint after the last yielded item).
    public var resumeUID: UInt32? { machine.map(\.resumeUID) ?? (uidValidityChanged ? nil : startAfterUID) }

    private let account: IMAPAccount
    private let requestedFolder: String?
    private let startAfterUID: UInt32?
    private let knownUIDValidity: UInt32?
    private let since: Date?
    private let options: IMAPFetchOptions
    private let warn: @Sendable (String) -> Void
    private let sleep: @Sendable (Double) -> Void

    private var session: IMAPSession?
    private var opened = false
    private var finished = false
    private var displayHost = ""
    private var folder = ""
    private var wireFolder = ""
    /// Connection counters (commands, reconnects, bytes); the fetch's own are the machine's.
    private var statistics = IMAPFetchStatistics()
    private var commandsBeforeSession = 0

    /// The fetch itself (pure): what to send, what each response means, the checkpoint.
    private var machine: IMAPFetchMachine?
    /// Whether the folder's fallback to whole messages was said.
    private var saidFallback = false
    private var failedAttempts = 0

    /// Describes one folder read; nothing happens until ``open()`` or the first ``nextItem()``.
    ///
    /// - Parameters:
    ///   - account: server, login and TLS settings (secret resolved).
    ///   - folder: the folder's display name (`Envoyés`, `[Gmail]/Sent Mail`); `nil`: the URL's path, else the
    ///     folder with the `\Sent` special-use attribute.
    ///   - startAfterUID: the checkpoint's UID: fetch only later UIDs.
    ///   - knownUIDValidity: the checkpoint's UIDVALIDITY; when the server's differs, `since` is used instead.
    ///   - since: the window for a first run, a backfill or a UIDVALIDITY change (`UID SEARCH SINCE`, day
    ///     granularity in the server's time zone); `nil`: the whole folder.
    ///   - options: batching, caps and reconnects.
    ///   - onWarning: operator warnings (plaintext allowed); default: standard error.
    ///   - sleep: how to wait between reconnects (injected by tests).
    public init(
        account: IMAPAccount, folder: String? = nil, startAfterUID: UInt32? = nil, knownUIDValidity: UInt32? = nil,
        since: Date? = nil, options: IMAPFetchOptions = IMAPFetchOptions(),
        onWarning: @escaping @Sendable (String) -> Void = { message in
            FileHandle.standardError.write(Data("share-detector: \(message)\n".utf8))
        },
        sleep: @escaping @Sendable (Double) -> Void = { seconds in
            usleep(UInt32(min(max(seconds, 0), 60) * 1_000_000))
        }
    ) {
        self.account = account
        self.requestedFolder = folder
        self.startAfterUID = startAfterUID
        self.knownUIDValidity = knownUIDValidity
        self.since = since
        self.options = options
        self.warn = onWarning
        self.sleep = sleep
        let server = try? IMAPServerURL(account.url)
        displayHost = server?.displayHost ?? "?"
        name = "imap://\(displayHost)/\(folder ?? server?.folder ?? "")"
    }

    deinit { session?.connection.close() }

    /// Counters so far (commands sent after login, reconnects, messages…).
    public var fetchStatistics: IMAPFetchStatistics {
        var result = statistics
        if let counted = machine?.statistics {
            result.messages = counted.messages
            result.unreadable = counted.unreadable
            result.vanished = counted.vanished
            result.partialMessages = counted.partialMessages
            result.wholeFallbacks = counted.wholeFallbacks
        }
        result.commandsSent = commandsBeforeSession + (session?.commandsSent ?? 0)
        result.bytesReceived += session?.connection.bytesReceived ?? 0
        return result
    }

    /// Connects, logs in, finds the folder, `EXAMINE`s it and searches the UIDs to fetch.
    ///
    /// Throws an ``IMAPError``: ``IMAPError/isAccountFailure`` tells "server unreachable / login refused / TLS"
    /// (stop the account, exit 3) from folder problems (missing folder …).
    @discardableResult
    public func open() throws(IMAPError) -> IMAPFolderStatus {
        let session = try connect()
        if let requestedFolder {
            folder = requestedFolder
        } else if let fromURL = session.connection.server.folder {
            folder = fromURL
        } else {
            let entries = try session.listAll()
            guard let sent = entries.first(where: { $0.hasAttribute("\\Sent") }) else {
                throw IMAPError(
                    .mailboxNotFound, host: displayHost,
                    detail: "no folder has the \\Sent special-use attribute; name the folder in the settings")
            }
            folder = sent.name
        }
        wireFolder = IMAPModifiedUTF7.encode(folder)
        name = "imap://\(displayHost)/\(folder)"
        session.mailbox = folder
        let mailboxStatus = try session.examine(wireName: wireFolder)
        guard let validity = mailboxStatus.uidValidity else {
            throw IMAPError(
                .protocolError, host: displayHost, mailbox: folder, detail: "EXAMINE returned no UIDVALIDITY")
        }
        uidValidity = validity
        uidValidityChanged = knownUIDValidity.map { $0 != validity } ?? false

        var criteria: String?
        var floor: UInt32 = 0
        if let startAfterUID, !uidValidityChanged {
            floor = startAfterUID
            let nothingNew =
                startAfterUID == UInt32.max || (mailboxStatus.uidNext.map { $0 <= startAfterUID + 1 } ?? false)
            criteria = nothingNew ? nil : "UID \(startAfterUID + 1):*"
        } else {
            criteria = since.map { "SINCE \(Self.imapDate($0))" } ?? "ALL"
        }
        if mailboxStatus.exists == 0 { criteria = nil }
        var uids: [UInt32] = []
        var large: Set<UInt32> = []
        if let criteria {
            let limit = Int(mailboxStatus.exists) + 100_000
            // `UID n:*` always matches the highest UID, even below n: keep only UIDs above the checkpoint.
            uids = try session.uidSearch(criteria, limit: limit).filter { $0 > floor }
            if options.partial, !uids.isEmpty {
                // Only messages large enough to hold attachments worth leaving on the server go through
                // BODYSTRUCTURE; the others are fetched whole at once, as before (one command, no extra pass).
                do {
                    large = Set(
                        try session.uidSearch("LARGER \(options.partialMinimumSavedBytes) \(criteria)", limit: limit))
                } catch {
                    guard error.code == .protocolError || error.code == .commandFailed else { throw error }
                    large = Set(uids)
                }
            }
        }
        machine = IMAPFetchMachine(
            uids: uids, large: large, resumeUID: uidValidityChanged ? nil : startAfterUID, options: options)
        opened = true
        return IMAPFolderStatus(
            folder: folder, uidValidity: validity, uidNext: mailboxStatus.uidNext, exists: mailboxStatus.exists,
            uidValidityChanged: uidValidityChanged, toFetch: uids.count)
    }

    /// The next message or unreadable message, `nil` when the folder is done; throws when it cannot go on.
    public func nextItem() throws(IMAPError) -> SourceItem? {
        if !opened { try open() }
        while !finished, var machine {
            defer { self.machine = machine }
            if let output = machine.takeQueued() { return item(output, machine: machine) }
            if machine.isFinished {
                finished = true
                let fallbacks = machine.statistics.wholeFallbacks
                if fallbacks > 0, !saidFallback {
                    saidFallback = true
                    warn(
                        "\(name): \(fallbacks) message(s) fetched whole: the server's BODYSTRUCTURE was unusable for "
                            + "them or their parts did not come back")
                }
                return nil
            }
            do throws(IMAPError) {
                guard let session else {
                    throw IMAPError(.connectionLost, host: displayHost, detail: "not connected")
                }
                while let command = machine.nextCommand() { machine.sent(tag: try session.send(command)) }
                let response = try session.nextResponse()
                let scrubber = session.connection.scrubber
                if let output = machine.receive(response, scrub: { IMAPError.scrub($0, scrubber) }) {
                    return item(output, machine: machine)
                }
            } catch {
                guard error.code == .connectionLost else { throw error }
                machine.connectionLost()
                self.machine = machine
                try reconnect(after: error)
                machine = self.machine ?? machine
            }
        }
        return nil
    }

    /// A machine output as the item the scan loop reads.
    private func item(_ output: IMAPFetchMachine.Output, machine: IMAPFetchMachine) -> SourceItem {
        switch output {
        case .message(let uid, let bytes, let date):
            failedAttempts = 0
            return .message(
                RawMessage(
                    bytes: bytes, position: position(uid), envelopeDate: date,
                    resumeOffset: UInt64(machine.resumeUID ?? 0)))
        case .unreadable(let uid, let reason):
            return .unreadable(position(uid), reason: reason)
        }
    }

    /// ``MessageSource`` conformance: like ``nextItem()``, but an error ends the stream and is kept in ``failure``.
    public func next() -> SourceItem? {
        guard failure == nil else { return nil }
        do {
            return try nextItem()
        } catch {
            failure = error
            return nil
        }
    }

    /// Logs out (unless told not to: a LOGOUT first reads the answers of every command in flight) and closes the
    /// connection (also done when the source is released).
    public func close(loggingOut: Bool = true) {
        if let session {
            if loggingOut { session.logout() }
            session.connection.close()
            statistics.bytesReceived += session.connection.bytesReceived
            commandsBeforeSession += session.commandsSent
        }
        session = nil
        finished = true
    }

    private func position(_ uid: UInt32) -> MessagePosition {
        MessagePosition(file: name, index: Int(uid), byteOffset: 0)
    }

    // MARK: Connections

    private func connect() throws(IMAPError) -> IMAPSession {
        if let session { return session }
        let connection = try IMAPConnection.open(account: account, warn: warn)
        let created = IMAPSession(connection: connection, maxMessageBytes: options.maxMessageBytes)
        session = created
        return created
    }

    /// Reconnects after a drop and lets the fetch resume with every UID not yet yielded.
    private func reconnect(after error: IMAPError) throws(IMAPError) {
        if let old = session {
            old.connection.close()
            commandsBeforeSession += old.commandsSent
            statistics.bytesReceived += old.connection.bytesReceived
        }
        session = nil
        var lastError = error
        while true {
            guard failedAttempts < options.reconnectDelays.count, statistics.reconnects < options.maxReconnects else {
                var giveUp = lastError
                giveUp.code = .connectionLost
                giveUp.mailbox = folder
                giveUp.detail = "connection lost, \(statistics.reconnects) reconnects: \(lastError.detail)"
                throw giveUp
            }
            sleep(options.reconnectDelays[failedAttempts])
            failedAttempts += 1
            statistics.reconnects += 1
            do throws(IMAPError) {
                let session = try connect()
                session.mailbox = folder
                let status = try session.examine(wireName: wireFolder)
                guard status.uidValidity == uidValidity else {
                    throw IMAPError(
                        .uidValidityChanged, host: displayHost, mailbox: folder,
                        detail: "UIDVALIDITY changed from \(uidValidity ?? 0) to \(status.uidValidity ?? 0) "
                            + "while reading; the next run rescans the window")
                }
                return
            } catch {
                switch error.code {
                case .connectionLost, .unreachable, .unavailable:
                    session?.connection.close()
                    if let old = session { commandsBeforeSession += old.commandsSent }
                    session = nil
                    lastError = error
                default:
                    throw error
                }
            }
        }
    }

    // MARK: Formatting

    /// `1:500` / `3,5:9` for sorted UIDs.
    static func sequenceSet(_ sorted: [UInt32]) -> String {
        var parts: [String] = []
        var index = 0
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count, sorted[end + 1] == sorted[end] + 1 { end += 1 }
            parts.append(end == index ? "\(sorted[index])" : "\(sorted[index]):\(sorted[end])")
            index = end + 1
        }
        return parts.joined(separator: ",")
    }

    /// `1-Dec-2024` (UTC) for SEARCH SINCE.
    static func imapDate(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(parts.tm_mday)-\(months[Int(parts.tm_mon)])-\(Int(parts.tm_year) + 1900)"
    }
}
