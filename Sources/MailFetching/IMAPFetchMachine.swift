import MailParsing

/// The fetch of one folder as a pure state machine: commands out, responses in, messages back. No sockets: the
/// ``IMAPFolderSource`` adapter sends what ``nextCommand()`` gives, reports the tag, feeds every response to
/// ``receive(_:)`` and turns the outputs into ``SourceItem``s; tests drive it with tables of responses.
///
/// What it does, for the UIDs a search found (sorted):
/// - chunks of `uidsPerCommand` UIDs, at most `commandsInFlight` commands at once (pipelining);
/// - with `partial`, UIDs in `large` (`UID SEARCH LARGER`) get `UID FETCH … (UID BODYSTRUCTURE)` first, then one
///   content command per plan (``IMAPPartialFetch``); every other UID is fetched whole (`BODY.PEEK[]`);
/// - a message whose structure is missing or unusable, whose attachments are too small, or whose parts do not come
///   back (or are refused) is fetched whole; an OK to a whole fetch without the message means it was expunged
///   meanwhile; a NO to a whole fetch makes its messages unreadable;
/// - ``resumeUID`` (the checkpoint) only passes UIDs that were yielded, reported or vanished;
/// - ``connectionLost()`` forgets everything in flight: after a reconnect every UID not yet done is asked again.
public struct IMAPFetchMachine: Sendable {
    /// A message or an unreadable one, by UID.
    public enum Output: Sendable, Equatable {
        /// The message's bytes (whole, or rebuilt from its parts) and INTERNALDATE.
        case message(uid: UInt32, bytes: [UInt8], date: MailDate?)
        /// A message that cannot be read, and why.
        case unreadable(uid: UInt32, reason: String)
    }

    /// One command in flight: what it asks for, and the indices (in `uids`) it covers.
    struct InFlight: Sendable {
        enum Request: Sendable, Equatable {
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
    static let envelopeItems = "UID INTERNALDATE RFC822.SIZE"
    /// The fetch items of a whole message.
    static let wholeItems = "BODY.PEEK[]"

    private let uids: [UInt32]
    private let large: Set<UInt32>
    private let options: IMAPFetchOptions
    /// `done[i]` once `uids[i]` was yielded, reported unreadable or found vanished.
    private var done: [Bool]
    private var watermark = 0
    private var nextToRequest = 0
    private var inFlight: [InFlight] = []
    /// Content commands waiting for a free slot: fetch items and the indices they are for.
    private var pendingContent: [(items: String, indices: [Int])] = []
    /// The plan of each message whose structure came back, by UID.
    private var plans: [UInt32: IMAPPartialFetch] = [:]
    /// Indices whose structure came back unusable: fetched whole.
    private var wantsWhole: Set<Int> = []
    /// Indices whose attachments are too small to be worth a partial fetch: fetched whole.
    private var smallWhole: Set<Int> = []
    /// Unreadable messages found by a command's completion, handed out one at a time.
    private var queued: [(index: Int, reason: String)] = []

    /// The highest UID below which every message was yielded (the checkpoint after the last output).
    public private(set) var resumeUID: UInt32?
    /// Counters (``IMAPFetchStatistics``: messages, unreadable, vanished, partial, whole fallbacks).
    public private(set) var statistics = IMAPFetchStatistics()

    /// A fetch of `uids` (sorted, ascending) from a folder whose checkpoint is `resumeUID`; `large` are the UIDs
    /// worth a partial fetch.
    public init(uids: [UInt32], large: Set<UInt32>, resumeUID: UInt32?, options: IMAPFetchOptions) {
        self.uids = uids
        self.large = large
        self.options = options
        self.resumeUID = resumeUID
        done = Array(repeating: false, count: uids.count)
    }

    /// Whether every UID was handled and nothing is in flight or waiting.
    public var isFinished: Bool { watermark >= uids.count && inFlight.isEmpty && queued.isEmpty }

    /// The next command to send (`UID FETCH …`, without tag), when a slot is free and something is left to ask;
    /// report its tag with ``sent(tag:)`` right after sending it.
    public mutating func nextCommand() -> String? {
        guard inFlight.count < max(1, options.commandsInFlight) else { return nil }
        while true {
            if !pendingContent.isEmpty {
                let (items, indices) = pendingContent.removeFirst()
                let set = IMAPFolderSource.sequenceSet(indices.map { uids[$0] })
                let request: InFlight.Request = items == Self.wholeItems ? .whole : .parts
                inFlight.append(InFlight(tag: "", request: request, indices: Set(indices), order: indices))
                return "UID FETCH \(set) (\(Self.envelopeItems) \(items))"
            }
            guard let range = nextChunk() else { return nil }
            let indices = range.filter { !done[$0] }
            let structured = options.partial ? indices.filter { large.contains(uids[$0]) } : []
            let whole = structured.isEmpty ? indices : indices.filter { !large.contains(uids[$0]) }
            if !whole.isEmpty { pendingContent.append((Self.wholeItems, whole)) }
            if !structured.isEmpty {
                let set = IMAPFolderSource.sequenceSet(structured.map { uids[$0] })
                inFlight.append(InFlight(tag: "", request: .structure, indices: Set(structured), order: structured))
                return "UID FETCH \(set) (UID BODYSTRUCTURE)"
            }
        }
    }

    /// The tag the last command from ``nextCommand()`` was sent with.
    public mutating func sent(tag: String) {
        guard let last = inFlight.indices.last, inFlight[last].tag.isEmpty else { return }
        inFlight[last].tag = tag
    }

    /// An unreadable message waiting to be handed out (found by a command's completion), if any.
    public mutating func takeQueued() -> Output? {
        guard !queued.isEmpty else { return nil }
        let (index, reason) = queued.removeFirst()
        markDone(index: index)
        return .unreadable(uid: uids[index], reason: reason)
    }

    /// Takes one server response; returns a message when it completes one. `scrub` cleans server text bound for a
    /// reason (it may quote the login).
    public mutating func receive(_ response: IMAPResponse, scrub: (String) -> String) -> Output? {
        switch response {
        case .fetch(let fetch):
            return handle(fetch)
        case .tagged(let tag, let status):
            guard let slot = inFlight.firstIndex(where: { $0.tag == tag }) else { return nil }
            let command = inFlight.remove(at: slot)
            if command.request == .structure {
                planContent(after: command, status: status)
                return nil
            }
            if command.request == .parts, status.kind != .ok {
                // The server refused the sections (a part specifier it does not take, a passing NO): the messages
                // not yet read are fetched whole.
                let remaining = command.order.filter { !done[$0] && !isQueued($0) && !isAwaited($0) }
                statistics.wholeFallbacks += remaining.count
                if !remaining.isEmpty { pendingContent.append((Self.wholeItems, remaining)) }
                return nil
            }
            for index in command.order where !done[index] && !isQueued(index) && !isAwaited(index) {
                if status.kind == .ok {
                    statistics.vanished += 1
                    done[index] = true
                } else {
                    statistics.unreadable += 1
                    queued.append((index, scrub("the server did not return it: \(status.text)")))
                }
            }
            advanceWatermark()
            return nil
        default:
            return nil
        }
    }

    /// The connection dropped: everything in flight or planned is forgotten; every UID not yet done is asked again
    /// from the checkpoint on.
    public mutating func connectionLost() {
        inFlight.removeAll()
        pendingContent.removeAll()
        plans.removeAll()
        wantsWhole.removeAll()
        smallWhole.removeAll()
        nextToRequest = watermark
    }

    // MARK: Responses

    /// A FETCH response: a structure noted, or a message (parts or whole) completed. A response is taken only for a
    /// command of its kind in flight for that UID (an unsolicited FETCH, or a late answer after a reconnect, is not).
    private mutating func handle(_ fetch: IMAPFetch) -> Output? {
        guard let uid = fetch.uid, let index = indexOf(uid), !done[index], !isQueued(index) else { return nil }
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
            if let skipped = fetch.skippedSectionSize { return unreadable(index, size: skipped) }
            guard let plan = plans[uid], let bytes = plan.assemble(fetch.sections) else {
                // A section did not come back, or a boundary is not where the server said: the whole message, in a
                // command of its own.
                statistics.wholeFallbacks += 1
                pendingContent.append((Self.wholeItems, [index]))
                return nil
            }
            plans[uid] = nil
            if bytes.count > options.maxMessageBytes { return unreadable(index, size: UInt64(bytes.count)) }
            statistics.partialMessages += 1
            return message(bytes, index: index, date: fetch.internalDate)
        case .whole:
            if let skipped = fetch.skippedBodySize { return unreadable(index, size: skipped) }
            plans[uid] = nil
            return message(fetch.body ?? [], index: index, date: fetch.internalDate)
        }
    }

    /// After a chunk's structures: one content command per plan (in chunks), whole fetches for the rest. A message
    /// without a structure in an OK answer was expunged meanwhile; a refused structure fetch falls back to whole
    /// messages.
    private mutating func planContent(after command: InFlight, status: IMAPStatus) {
        var groups: [String: [Int]] = [:]
        var order: [String] = []
        for index in command.order where !done[index] {
            let items: String
            if let plan = plans[uids[index]] {
                items = plan.fetchItems
            } else if smallWhole.remove(index) != nil {
                items = Self.wholeItems
            } else {
                // No usable structure: an unusable one, a refused command, or none at all in an OK answer (expunged
                // meanwhile, or a response the reader could not parse): the whole message, whose own answer tells
                // whether it still exists.
                items = Self.wholeItems
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

    private mutating func message(_ bytes: [UInt8], index: Int, date: MailDate?) -> Output {
        statistics.messages += 1
        markDone(index: index)
        return .message(uid: uids[index], bytes: bytes, date: date)
    }

    private mutating func unreadable(_ index: Int, size: UInt64) -> Output {
        statistics.unreadable += 1
        markDone(index: index)
        plans[uids[index]] = nil
        return .unreadable(
            uid: uids[index], reason: "message of \(size) bytes exceeds the \(options.maxMessageBytes)-byte cap")
    }

    // MARK: Bookkeeping

    /// Whether a later command (a whole fetch after a failed rebuild) is to bring this index.
    private func isAwaited(_ index: Int) -> Bool {
        pendingContent.contains { $0.indices.contains(index) }
            || inFlight.contains { $0.request != .structure && $0.indices.contains(index) }
    }

    private func isQueued(_ index: Int) -> Bool { queued.contains { $0.index == index } }

    /// The next range of `uids` to request, skipping UIDs already done.
    private mutating func nextChunk() -> Range<Int>? {
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

    private func indexOf(_ uid: UInt32) -> Int? {
        var low = 0
        var high = uids.count
        while low < high {
            let middle = (low + high) / 2
            if uids[middle] < uid { low = middle + 1 } else { high = middle }
        }
        return low < uids.count && uids[low] == uid ? low : nil
    }

    private mutating func markDone(index: Int) {
        done[index] = true
        advanceWatermark()
    }

    private mutating func advanceWatermark() {
        while watermark < uids.count, done[watermark] {
            resumeUID = uids[watermark]
            watermark += 1
        }
    }
}
