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
    public private(set) var resumeUID: UInt32?

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
    private var statistics = IMAPFetchStatistics()
    private var commandsBeforeSession = 0

    // Fetch state: `uids` sorted; `done[i]` once uids[i] was yielded (or vanished).
    private var uids: [UInt32] = []
    private var done: [Bool] = []
    private var watermark = 0
    private var nextToRequest = 0
    private var inFlight: [InFlight] = []
    /// Content commands waiting for a free slot: fetch items and the indices they are for.
    private var pendingContent: [(items: String, indices: [Int])] = []
    /// The plan of each message whose structure came back, by UID.
    private var plans: [UInt32: IMAPPartialFetch] = [:]
    /// Whether the folder's fallback to whole messages was said.
    private var saidFallback = false
    private var queued: [SourceItem] = []
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
        self.resumeUID = startAfterUID
        let server = try? IMAPServerURL(account.url)
        displayHost = server?.displayHost ?? "?"
        name = "imap://\(displayHost)/\(folder ?? server?.folder ?? "")"
    }

    deinit { session?.connection.close() }

    /// Counters so far (commands sent after login, reconnects, messages…).
    public var fetchStatistics: IMAPFetchStatistics {
        var result = statistics
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
            if uidValidityChanged { resumeUID = nil }
            criteria = since.map { "SINCE \(Self.imapDate($0))" } ?? "ALL"
        }
        if mailboxStatus.exists == 0 { criteria = nil }
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
        done = Array(repeating: false, count: uids.count)
        opened = true
        return IMAPFolderStatus(
            folder: folder, uidValidity: validity, uidNext: mailboxStatus.uidNext, exists: mailboxStatus.exists,
            uidValidityChanged: uidValidityChanged, toFetch: uids.count)
    }

    /// The next message or unreadable message, `nil` when the folder is done; throws when it cannot go on.
    public func nextItem() throws(IMAPError) -> SourceItem? {
        if !opened { try open() }
        while true {
            if !queued.isEmpty {
                let item = queued.removeFirst()
                if case .unreadable(let position, _) = item { markDone(uid: UInt32(position.index)) }
                return item
            }
            if finished || (watermark >= uids.count && inFlight.isEmpty) {
                finished = true
                if statistics.wholeFallbacks > 0, !saidFallback {
                    saidFallback = true
                    warn(
                        "\(name): \(statistics.wholeFallbacks) message(s) fetched whole: the server's BODYSTRUCTURE "
                            + "was unusable for them or their parts did not come back")
                }
                return nil
            }
            do {
                if let item = try step() { return item }
            } catch {
                guard error.code == .connectionLost else { throw error }
                try reconnect(after: error)
            }
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

    /// Logs out and closes the connection (also done when the source is released).
    public func close() {
        if let session {
            session.logout()
            session.connection.close()
            statistics.bytesReceived += session.connection.bytesReceived
            commandsBeforeSession += session.commandsSent
        }
        session = nil
        finished = true
    }

    // MARK: Fetching

    /// One command in flight: its tag, what it asks for, and the indices (in `uids`) it covers.
    private struct InFlight {
        enum Request {
            /// `BODYSTRUCTURE` of a chunk.
            case structure
            /// Header and text parts of messages with one plan.
            case parts
            /// Whole messages.
            case whole
        }

        var tag: String
        var request: Request
        var indices: Set<Int>
        var order: [Int]
    }

    /// `UID INTERNALDATE RFC822.SIZE`, asked with every message's content.
    private static let envelopeItems = "UID INTERNALDATE RFC822.SIZE"

    /// Sends fetches up to the in-flight limit, then handles one response; returns an item when it yields one.
    private func step() throws(IMAPError) -> SourceItem? {
        guard let session else { throw IMAPError(.connectionLost, host: displayHost, detail: "not connected") }
        while inFlight.count < max(1, options.commandsInFlight) {
            if !pendingContent.isEmpty {
                let (items, indices) = pendingContent.removeFirst()
                let set = Self.sequenceSet(indices.map { uids[$0] })
                let tag = try session.send("UID FETCH \(set) (\(Self.envelopeItems) \(items))")
                let request: InFlight.Request = items == "BODY.PEEK[]" ? .whole : .parts
                inFlight.append(InFlight(tag: tag, request: request, indices: Set(indices), order: indices))
                continue
            }
            guard let range = nextChunk() else { break }
            let indices = range.filter { !done[$0] }
            let structured = options.partial ? indices.filter { large.contains(uids[$0]) } : []
            let whole = structured.isEmpty ? indices : indices.filter { !large.contains(uids[$0]) }
            if !whole.isEmpty { pendingContent.append(("BODY.PEEK[]", whole)) }
            if !structured.isEmpty {
                let set = Self.sequenceSet(structured.map { uids[$0] })
                let tag = try session.send("UID FETCH \(set) (UID BODYSTRUCTURE)")
                inFlight.append(InFlight(tag: tag, request: .structure, indices: Set(structured), order: structured))
            }
        }
        switch try session.nextResponse() {
        case .fetch(let fetch):
            return handle(fetch)
        case .tagged(let tag, let status):
            guard let slot = inFlight.firstIndex(where: { $0.tag == tag }) else { return nil }
            let command = inFlight.remove(at: slot)
            if command.request == .structure {
                planContent(after: command, status: status)
                return nil
            }
            for index in command.order where !done[index] && !isQueued(uids[index]) && !isAwaited(index) {
                if status.kind == .ok {
                    statistics.vanished += 1
                    done[index] = true
                } else {
                    statistics.unreadable += 1
                    let reason = IMAPError.scrub(
                        "the server did not return it: \(status.text)", session.connection.scrubber)
                    queued.append(.unreadable(position(uids[index]), reason: reason))
                }
            }
            advanceWatermark()
            return nil
        case .untaggedStatus(let status) where status.kind == .bye:
            return nil
        default:
            return nil
        }
    }

    /// After a chunk's structures: one content command per plan (in chunks), whole fetches for the rest. A
    /// message without a structure in an OK answer was expunged meanwhile; a refused structure fetch falls back to
    /// whole messages.
    private func planContent(after command: InFlight, status: IMAPStatus) {
        var groups: [String: [Int]] = [:]
        var order: [String] = []
        for index in command.order where !done[index] {
            let items: String
            if let plan = plans[uids[index]] {
                items = plan.fetchItems
            } else if smallWhole.remove(index) != nil {
                items = "BODY.PEEK[]"
            } else if status.kind == .ok, !wantsWhole.contains(index) {
                statistics.vanished += 1
                done[index] = true
                continue
            } else {
                items = "BODY.PEEK[]"
                wantsWhole.remove(index)
                statistics.wholeFallbacks += 1
            }
            if groups[items] == nil { order.append(items) }
            groups[items, default: []].append(index)
        }
        for items in order {
            let indices = groups[items] ?? []
            var start = 0
            while start < indices.count {
                let end = min(indices.count, start + max(1, options.uidsPerCommand))
                pendingContent.append((items, Array(indices[start..<end])))
                start = end
            }
        }
        advanceWatermark()
    }

    /// UIDs over the partial-fetch floor (`UID SEARCH LARGER`): only these go through BODYSTRUCTURE.
    private var large: Set<UInt32> = []
    /// Indices whose structure came back unusable: fetched whole.
    private var wantsWhole: Set<Int> = []
    /// Indices whose attachments are too small to be worth a partial fetch: fetched whole.
    private var smallWhole: Set<Int> = []

    /// Whether a later command (a whole fetch after a failed assembly) is to bring this index.
    private func isAwaited(_ index: Int) -> Bool {
        pendingContent.contains { $0.indices.contains(index) }
            || inFlight.contains { $0.request != .structure && $0.indices.contains(index) }
    }

    private func isQueued(_ uid: UInt32) -> Bool {
        queued.contains { item in
            if case .unreadable(let position, _) = item { return position.index == Int(uid) }
            return false
        }
    }

    /// The next range of `uids` to request, skipping UIDs already done.
    private func nextChunk() -> Range<Int>? {
        while nextToRequest < uids.count, done[nextToRequest] { nextToRequest += 1 }
        guard nextToRequest < uids.count else { return nil }
        let start = nextToRequest
        var end = start
        var count = 0
        while end < uids.count, count < max(1, options.uidsPerCommand) {
            if !done[end] { count += 1 }
            end += 1
        }
        nextToRequest = end
        return start..<end
    }

    /// A FETCH response: a structure noted, or a message (parts or whole) yielded. A response is taken only for a
    /// command of its kind in flight for that UID (an unsolicited FETCH, or a late answer after a reconnect, is not).
    private func handle(_ fetch: IMAPFetch) -> SourceItem? {
        guard let uid = fetch.uid, let index = indexOf(uid), !done[index], queued.isEmpty || !isQueued(uid) else {
            return nil
        }
        let kind: InFlight.Request
        if fetch.body != nil || fetch.skippedBodySize != nil {
            kind = .whole
        } else if !fetch.sections.isEmpty || fetch.skippedSectionSize != nil {
            kind = .parts
        } else if fetch.bodyStructure != nil || fetch.bodyStructureUnusable {
            kind = .structure
        } else {
            return nil
        }
        guard inFlight.contains(where: { $0.request == kind && $0.indices.contains(index) }) else { return nil }
        switch kind {
        case .structure:
            if let structure = fetch.bodyStructure, let plan = IMAPPartialFetch(structure) {
                if plan.skippedBytes >= options.partialMinimumSavedBytes {
                    plans[uid] = plan
                } else {
                    smallWhole.insert(index)
                }
            } else {
                wantsWhole.insert(index)
            }
            return nil
        case .parts:
            if let skipped = fetch.skippedSectionSize { return unreadable(index, uid: uid, size: skipped) }
            guard let plan = plans[uid], let bytes = plan.assemble(fetch.sections) else {
                // A section did not come back: the whole message, in a command of its own.
                statistics.wholeFallbacks += 1
                pendingContent.append(("BODY.PEEK[]", [index]))
                return nil
            }
            plans[uid] = nil
            if bytes.count > options.maxMessageBytes { return unreadable(index, uid: uid, size: UInt64(bytes.count)) }
            statistics.partialMessages += 1
            return yield(bytes, index: index, uid: uid, date: fetch.internalDate)
        case .whole:
            if let skipped = fetch.skippedBodySize { return unreadable(index, uid: uid, size: skipped) }
            plans[uid] = nil
            return yield(fetch.body ?? [], index: index, uid: uid, date: fetch.internalDate)
        }
    }

    private func yield(_ bytes: [UInt8], index: Int, uid: UInt32, date: MailDate?) -> SourceItem {
        statistics.messages += 1
        failedAttempts = 0
        markDone(index: index)
        return .message(
            RawMessage(
                bytes: bytes, position: position(uid), envelopeDate: date, resumeOffset: UInt64(resumeUID ?? 0)))
    }

    private func unreadable(_ index: Int, uid: UInt32, size: UInt64) -> SourceItem {
        statistics.unreadable += 1
        markDone(index: index)
        plans[uid] = nil
        return .unreadable(
            position(uid), reason: "message of \(size) bytes exceeds the \(options.maxMessageBytes)-byte cap")
    }

    private func position(_ uid: UInt32) -> MessagePosition {
        MessagePosition(file: name, index: Int(uid), byteOffset: 0)
    }

    private func indexOf(_ uid: UInt32) -> Int? {
        var low = 0
        var high = uids.count
        while low < high {
            let middle = (low + high) / 2
            if uids[middle] < uid { low = middle + 1 } else { high = middle }
        }
        return low < uids.count && uids[low] == uid ? low : nil
    }

    private func markDone(uid: UInt32) {
        if let index = indexOf(uid) { markDone(index: index) }
    }

    private func markDone(index: Int) {
        done[index] = true
        advanceWatermark()
    }

    private func advanceWatermark() {
        while watermark < uids.count, done[watermark] {
            resumeUID = uids[watermark]
            watermark += 1
        }
    }

    // MARK: Connections

    private func connect() throws(IMAPError) -> IMAPSession {
        if let session { return session }
        let connection = try IMAPConnection(account: account, warn: warn)
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
        inFlight.removeAll()
        pendingContent.removeAll()
        plans.removeAll()
        wantsWhole.removeAll()
        smallWhole.removeAll()
        nextToRequest = watermark
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
