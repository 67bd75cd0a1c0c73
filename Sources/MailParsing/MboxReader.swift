import Foundation

/// How `>From ` lines inside message bodies are unquoted.
public enum MboxVariant: String, Sendable, CaseIterable, Codable {
    /// mboxrd: any `>+From ` line loses one `>` (reversible quoting; the default).
    case mboxrd
    /// mboxo: only `>From ` becomes `From `; deeper quoting is left alone.
    case mboxo
    /// No unquoting at all: message bytes exactly as stored.
    case raw
}

/// One message read from an mbox file.
public struct MboxEntry: Sendable {
    /// Zero-based index of the message in the file.
    public var index: Int
    /// Byte offset of the message's `From ` line in the file.
    public var offset: UInt64
    /// Byte offset just past the message and its separator: where reading resumes after it.
    public var endOffset: UInt64
    /// The date of the `From ` line (asctime, UTC), when it has one.
    public var envelopeDate: MailDate?
    /// The message bytes, unquoted per the variant; empty when ``oversizedSize`` is set.
    public var bytes: [UInt8]
    /// Set when the message exceeded the reader's cap: its full size; the bytes were dropped.
    public var oversizedSize: UInt64?
}

/// A reading error of the mbox file itself (not of one message).
public struct MboxReadError: Error, Sendable, CustomStringConvertible {
    /// The file.
    public var path: String
    /// What the operating system said.
    public var reason: String

    /// `path: reason`.
    public var description: String { "\(path): \(reason)" }
}

/// Streams the messages of an mbox file in bounded memory.
///
/// Messages are delimited by the jwz rule: a line starting with `From ` at the start of the file or right after a
/// blank line. The blank line before a delimiter belongs to the delimiter. LF and CRLF files both work. Memory use is
/// one read buffer plus the current message (capped by `maxMessageBytes`; a larger message is reported as oversized
/// and skipped without holding it).
public struct MboxReader: Sequence, IteratorProtocol {
    /// The file being read.
    public let path: String
    /// The unquoting rule.
    public let variant: MboxVariant
    /// Messages larger than this are dropped and reported with ``MboxEntry/oversizedSize``.
    public let maxMessageBytes: Int

    private let handle: FileHandle?
    /// The message being read; reused from message to message (replaced when a copy of the reader shares it).
    private var body = ByteAccumulator()
    private var memory: [UInt8]?
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    private var fileOffsetOfBuffer: UInt64
    private var atEOF = false
    private var nextIndex = 0
    private var pendingFromLine: (offset: UInt64, line: [UInt8])?
    private var started = false
    // The message being assembled: `buffer[runStart..<runEnd]` follows what `body` holds (nothing when equal); a
    // blank line held back (it ends the message if a delimiter follows) in `buffer[heldStart..<heldEnd]`; the size so
    // far, counted on past the cap.
    private var runStart = 0
    private var runEnd = 0
    private var heldStart = 0
    private var heldEnd = 0
    private var messageSize: UInt64 = 0
    private var oversized = false
    /// Set when reading the file failed; the reader then ended without handing out the message it was reading,
    /// whose index and `From ` line offset ``unfinishedMessage`` gives.
    public private(set) var readError: MboxReadError?
    /// The message a read error cut short (see ``readError``).
    public private(set) var unfinishedMessage: (index: Int, offset: UInt64)?
    /// The bytes read at a time (tests make it small to put chunk boundaries everywhere).
    var chunkSize = 256 << 10

    /// Opens `path` and positions the reader at `startOffset`, which must be the offset of a `From ` line
    /// (0, or an ``MboxEntry/endOffset`` of an earlier read).
    public init(
        path: String, variant: MboxVariant = .mboxrd, maxMessageBytes: Int = 64 << 20, startOffset: UInt64 = 0,
        firstIndex: Int = 0
    ) throws(MboxReadError) {
        self.path = path
        self.variant = variant
        self.maxMessageBytes = maxMessageBytes
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw MboxReadError(path: path, reason: String(cString: strerror(errno)))
        }
        self.handle = handle
        if startOffset > 0 {
            do { try handle.seek(toOffset: startOffset) } catch {
                throw MboxReadError(path: path, reason: "cannot seek to \(startOffset)")
            }
        }
        self.fileOffsetOfBuffer = startOffset
        self.nextIndex = firstIndex
    }

    /// Reads an mbox held in memory (tests, fuzzing); `name` stands in for the path in reports.
    public init(
        bytes: [UInt8], name: String = "<memory>", variant: MboxVariant = .mboxrd, maxMessageBytes: Int = 64 << 20
    ) {
        self.path = name
        self.variant = variant
        self.maxMessageBytes = maxMessageBytes
        self.handle = nil
        self.memory = bytes
        self.fileOffsetOfBuffer = 0
    }

    /// Reads the next message, or `nil` at the end of the file (or when reading failed: see ``readError``).
    public mutating func next() -> MboxEntry? {
        if !started {
            started = true
            skipToFirstFromLine()
        }
        guard let fromLine = pendingFromLine else {
            if readError != nil, unfinishedMessage == nil {
                unfinishedMessage = (nextIndex, fileOffsetOfBuffer + UInt64(bufferStart))
            }
            return nil
        }
        pendingFromLine = nil
        if !isKnownUniquelyReferenced(&body) { body = ByteAccumulator() }
        body.removeAll()
        resetAssembly()
        var previousLineBlank = false
        // Lines are located by index into `buffer`; consecutive lines that go into the message unchanged form one run
        // of the buffer, copied once when the message is complete (or into `body` before the buffer moves on).
        while true {
            // Whole lines already in the buffer go through the loop below without a call per line.
            if !midLine, takeWholeLines(previousLineBlank: &previousLineBlank) { break }
            guard let line = nextLine() else { break }
            if take(
                start: line.start, end: line.end, offset: line.offset, startsLine: line.startsLine,
                endsLine: line.endsLine, previousLineBlank: &previousLineBlank)
            {
                break
            }
        }
        // A message cut short by a read error is not handed out: whoever reads on resumes at its `From ` line.
        if readError != nil {
            unfinishedMessage = (nextIndex, fromLine.offset)
            return nil
        }
        // At the end of the file a held blank line is the final separator, not message content.
        let endOffset = pendingFromLine?.offset ?? (fileOffsetOfBuffer + UInt64(bufferStart))
        let bytes: [UInt8]
        if oversized {
            bytes = []
        } else if body.count == 0 {
            bytes = runStart < runEnd ? Array(buffer[runStart..<runEnd]) : []
        } else {
            flushRun()
            bytes = body.takeArray()
        }
        let entry = MboxEntry(
            index: nextIndex, offset: fromLine.offset, endOffset: endOffset,
            envelopeDate: Self.envelopeDate(fromLine.line), bytes: bytes,
            oversizedSize: oversized ? messageSize : nil)
        resetAssembly()
        nextIndex += 1
        return entry
    }

    /// One line of the message being read, `buffer[start..<end]` (a piece of one, when not `startsLine` or not
    /// `endsLine`): a delimiter ends the message (sets `pendingFromLine`, returns `true`); a blank line is held back
    /// until we know what follows it; anything else joins the message, unquoted per the variant.
    @inline(__always)
    private mutating func take(
        start: Int, end: Int, offset: UInt64, startsLine: Bool, endsLine: Bool, previousLineBlank: inout Bool
    ) -> Bool {
        if startsLine, previousLineBlank, isFromLine(at: start, end: end) {
            pendingFromLine = (offset, Array(buffer[start..<Swift.min(end, start + 1024)]))
            // The blank line before a delimiter belongs to the delimiter.
            heldStart = 0
            heldEnd = 0
            return true
        }
        releaseHeldBlankLine()
        let blank = startsLine && endsLine && isBlank(at: start, end: end)
        if blank {
            heldStart = start
            heldEnd = end
        } else {
            add(start: startsLine && dropsQuote(at: start, end: end) ? start + 1 : start, end: end)
        }
        previousLineBlank = blank
        return false
    }

    /// ``take(start:end:offset:startsLine:endsLine:previousLineBlank:)`` for each whole line in the buffer after
    /// `bufferStart`, with one `memchr` per line and no other call. Returns `true` at a delimiter (`bufferStart` is
    /// then past it); `false` when no whole line is left.
    private mutating func takeWholeLines(previousLineBlank: inout Bool) -> Bool {
        let storage = buffer
        return storage.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else { return false }
            var start = bufferStart
            defer { bufferStart = start }
            while start < bytes.count, let found = memchr(base + start, 0x0A, bytes.count - start) {
                let end = base.distance(to: found.assumingMemoryBound(to: UInt8.self)) + 1
                let line = start
                start = end
                if take(
                    start: line, end: end, offset: fileOffsetOfBuffer + UInt64(line), startsLine: true,
                    endsLine: true, previousLineBlank: &previousLineBlank)
                {
                    return true
                }
            }
            return false
        }
    }

    // MARK: Message assembly

    /// Adds `buffer[start..<end]` to the message: it extends the run when it follows it.
    @inline(__always)
    private mutating func add(start: Int, end: Int) {
        guard count(end - start) else { return }
        if runStart < runEnd, runEnd == start {
            runEnd = end
        } else {
            flushRun()
            runStart = start
            runEnd = end
        }
    }

    /// Counts `length` more bytes of message; `false` when the message is (now) over the cap and the bytes are dropped.
    @inline(__always)
    private mutating func count(_ length: Int) -> Bool {
        messageSize += UInt64(length)
        if oversized { return false }
        if messageSize > UInt64(maxMessageBytes) {
            oversized = true
            body.removeAll()
            runStart = 0
            runEnd = 0
            return false
        }
        return true
    }

    /// Copies the run into `body`.
    private mutating func flushRun() {
        guard runStart < runEnd else { return }
        let (start, end) = (runStart, runEnd)
        buffer.withUnsafeBufferPointer { body.append(UnsafeBufferPointer(rebasing: $0[start..<end])) }
        runStart = 0
        runEnd = 0
    }

    /// The held blank line turned out to be content: adds it.
    @inline(__always)
    private mutating func releaseHeldBlankLine() {
        guard heldStart < heldEnd else { return }
        let (start, end) = (heldStart, heldEnd)
        heldStart = 0
        heldEnd = 0
        add(start: start, end: end)
    }

    /// How many bytes at the front of the buffer can go before a refill: those before the unread ones, except the
    /// message's run while it is short (a message is then copied once, when it is complete, even across refills)
    /// and a held blank line. A long run goes into `body` first. The indices into the buffer are moved accordingly.
    private mutating func releasableBytes() -> Int {
        if runStart < runEnd, bufferStart - runStart > chunkSize / 2 { flushRun() }
        var keep = bufferStart
        if runStart < runEnd { keep = Swift.min(keep, runStart) }
        if heldStart < heldEnd { keep = Swift.min(keep, heldStart) }
        guard keep > 0 else { return 0 }
        bufferStart -= keep
        if runStart < runEnd {
            runStart -= keep
            runEnd -= keep
        }
        if heldStart < heldEnd {
            heldStart -= keep
            heldEnd -= keep
        }
        fileOffsetOfBuffer += UInt64(keep)
        return keep
    }

    /// Forgets the message being assembled.
    private mutating func resetAssembly() {
        runStart = 0
        runEnd = 0
        heldStart = 0
        heldEnd = 0
        messageSize = 0
        oversized = false
    }

    // MARK: Lines

    /// Whether `buffer[start..<end]` is a blank line: `\n` or `\r\n`. (A last line of one byte and no newline is not
    /// blank: it was once taken for one, and dropped from the end of its message.)
    @inline(__always)
    private func isBlank(at start: Int, end: Int) -> Bool {
        switch end - start {
        case 1: buffer[start] == UInt8(ascii: "\n")
        case 2: buffer[start] == UInt8(ascii: "\r") && buffer[start + 1] == UInt8(ascii: "\n")
        default: false
        }
    }

    private static let fromPrefix: [UInt8] = Array("From ".utf8)

    static func isFromLine(_ line: ArraySlice<UInt8>) -> Bool {
        line.count >= 5 && line.prefix(5).elementsEqual(fromPrefix)
    }

    /// Whether `buffer[start..<end]` starts with `From `.
    @inline(__always)
    private func isFromLine(at start: Int, end: Int) -> Bool {
        end - start >= 5 && buffer[start] == UInt8(ascii: "F") && buffer[start + 1] == UInt8(ascii: "r")
            && buffer[start + 2] == UInt8(ascii: "o") && buffer[start + 3] == UInt8(ascii: "m")
            && buffer[start + 4] == UInt8(ascii: " ")
    }

    /// Whether the line `buffer[start..<end]` loses its first `>` under the variant.
    @inline(__always)
    private func dropsQuote(at start: Int, end: Int) -> Bool {
        guard start < end, buffer[start] == UInt8(ascii: ">") else { return false }
        switch variant {
        case .raw:
            return false
        case .mboxo:
            return isFromLine(at: start + 1, end: end)
        case .mboxrd:
            var index = start + 1
            while index < end, buffer[index] == UInt8(ascii: ">") { index += 1 }
            return isFromLine(at: index, end: end)
        }
    }

    /// The envelope date of a `From ` line. The usual asctime shape (`From sender Www Mmm dd hh:mm:ss yyyy`) is read
    /// straight from the bytes; anything else goes through ``MailDate/parseMboxFromLine(_:)``, whose result the fast
    /// path reproduces exactly for the lines it accepts.
    ///
    /// The line's ending is cut off first: a CRLF line would otherwise reach the general parser with `\r\n`, which
    /// Swift's `String` treats as one `Character` that is neither `\r` nor `\n`, so the year never parsed.
    static func envelopeDate(_ line: [UInt8]) -> MailDate? {
        var end = line.count
        if end > 0, line[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        if end > 0, line[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let content = line[..<end]
        if let fast = content.withUnsafeBufferPointer(asctimeEnvelopeDate) { return fast }
        return MailDate.parseMboxFromLine(content)
    }

    private static let monthNames: [UInt32] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ].map { name in name.utf8.reduce(0) { $0 << 8 | UInt32($1) } }

    /// The month number (0-based) of a three-letter ASCII word, case-insensitive.
    private static func month(_ word: UnsafeBufferPointer<UInt8>) -> Int? {
        guard word.count == 3 else { return nil }
        let key = word.reduce(UInt32(0)) { $0 << 8 | UInt32($1 | 0x20) }
        guard word.allSatisfy({ $0 < 0x80 }) else { return nil }
        return monthNames.firstIndex(of: key)
    }

    /// The value of an all-digit ASCII word of 1 to `maxDigits` digits.
    private static func digits(_ word: UnsafeBufferPointer<UInt8>, maxDigits: Int) -> Int? {
        guard !word.isEmpty, word.count <= maxDigits else { return nil }
        var value = 0
        for byte in word {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// The fast path of ``envelopeDate(_:)``: exactly seven words, all ASCII, neither the second nor the third word a
    /// month name (so the general parser's first match is the fourth word), then `Mmm d[d] h[h]:mm:ss yyyy` with
    /// plain digits. Returns `nil` (meaning "ask the general parser") for anything else.
    private static func asctimeEnvelopeDate(_ line: UnsafeBufferPointer<UInt8>) -> MailDate? {
        var words: [UnsafeBufferPointer<UInt8>] = []
        words.reserveCapacity(8)
        var index = 0
        while index < line.count {
            let byte = line[index]
            if byte >= 0x80 { return nil }
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
                || byte == UInt8(ascii: "\n")
            {
                index += 1
                continue
            }
            let start = index
            while index < line.count, line[index] != UInt8(ascii: " "), line[index] != UInt8(ascii: "\t"),
                line[index] != UInt8(ascii: "\r"), line[index] != UInt8(ascii: "\n")
            {
                if line[index] >= 0x80 { return nil }
                index += 1
            }
            guard words.count < 7 else { return nil }
            words.append(UnsafeBufferPointer(rebasing: line[start..<index]))
        }
        guard words.count == 7, month(words[1]) == nil, month(words[2]) == nil, let month = month(words[3]),
            let day = digits(words[4], maxDigits: 2), (1...31).contains(day),
            let year = digits(words[6], maxDigits: 4), (1970...9999).contains(year)
        else { return nil }
        let clock = words[5]
        guard clock.count >= 7, clock.count <= 8, clock[clock.count - 3] == UInt8(ascii: ":"),
            clock[clock.count - 6] == UInt8(ascii: ":"),
            let hour = digits(UnsafeBufferPointer(rebasing: clock[..<(clock.count - 6)]), maxDigits: 2),
            let minute = digits(
                UnsafeBufferPointer(rebasing: clock[(clock.count - 5)..<(clock.count - 3)]), maxDigits: 2),
            let second = digits(UnsafeBufferPointer(rebasing: clock[(clock.count - 2)...]), maxDigits: 2)
        else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        return MailDate(unixTime: Int64(timegm(&parts)), utcOffsetSeconds: 0)
    }

    /// Skips anything before the first `From ` line (a file that does not start with one is tolerated).
    private mutating func skipToFirstFromLine() {
        while let line = nextLine() {
            if line.startsLine && isFromLine(at: line.start, end: line.end) {
                pendingFromLine = (line.offset, Array(buffer[line.start..<Swift.min(line.end, line.start + 1024)]))
                return
            }
        }
    }

    /// The longest piece of one line handed out at once; longer lines come in several pieces, so a file with a
    /// gigabyte-long line still reads in bounded memory.
    var maxSegmentBytes = 4 << 20
    private var midLine = false

    /// The next line including its `\n` (the last line of the file may lack it), as `buffer[start..<end]`, with its
    /// file offset. A line longer than `maxSegmentBytes` arrives in pieces: `startsLine` is false for the
    /// continuation pieces and `endsLine` is false for all but the last. The indices are valid until the next call.
    private mutating func nextLine() -> (start: Int, end: Int, offset: UInt64, startsLine: Bool, endsLine: Bool)? {
        while true {
            let available = buffer.count - bufferStart
            let startsLine = !midLine
            if available > 0 {
                let newline: Int? = buffer.withUnsafeBytes { raw in
                    guard let found = memchr(raw.baseAddress! + bufferStart, 0x0A, available) else { return nil }
                    return raw.baseAddress!.distance(to: UnsafeRawPointer(found))
                }
                let start = bufferStart
                if let newline {
                    bufferStart = newline + 1
                    midLine = false
                    return (start, newline + 1, fileOffsetOfBuffer + UInt64(start), startsLine, true)
                }
                if atEOF || available >= maxSegmentBytes {
                    bufferStart = buffer.count
                    midLine = !atEOF
                    return (start, buffer.count, fileOffsetOfBuffer + UInt64(start), startsLine, atEOF)
                }
            } else if atEOF {
                return nil
            }
            refill()
        }
    }

    /// Drops what the buffer no longer needs from its front and appends the next chunk, read straight into it.
    private mutating func refill() {
        let drop = releasableBytes()
        if let memory {
            // Hand out the in-memory file in the same chunk sizes as a real file, so both paths behave alike.
            buffer.removeSubrange(0..<drop)
            let consumed = Int(fileOffsetOfBuffer) + buffer.count
            let end = Swift.min(memory.count, consumed + chunkSize)
            if consumed < end { buffer.append(contentsOf: memory[consumed..<end]) } else { atEOF = true }
            return
        }
        guard let descriptor = handle?.fileDescriptor else {
            atEOF = true
            return
        }
        // A new array: the bytes kept, then the chunk read straight after them (no zero-filling, one copy of what is
        // kept); the old buffer is freed whole.
        let kept = buffer.count - drop
        var got = 0
        buffer = [UInt8](unsafeUninitializedCapacity: kept + chunkSize) { storage, initialized in
            let base = storage.baseAddress!
            if kept > 0 { buffer.withUnsafeBufferPointer { base.update(from: $0.baseAddress! + drop, count: kept) } }
            repeat { got = read(descriptor, base + kept, chunkSize) } while got < 0 && errno == EINTR
            initialized = kept + Swift.max(got, 0)
        }
        if got < 0 { readError = MboxReadError(path: path, reason: String(cString: strerror(errno))) }
        if got <= 0 { atEOF = true }
    }
}

/// A growable byte buffer reused from message to message: appending a line is a capacity check and a `memcpy`,
/// where `Array.append(contentsOf:)` costs a few hundred instructions per call.
private final class ByteAccumulator {
    private(set) var count = 0
    private var capacity = 0
    private var storage: UnsafeMutableRawPointer?

    deinit { storage?.deallocate() }

    func removeAll() { count = 0 }

    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        if count + bytes.count > capacity { grow(to: count + bytes.count) }
        (storage! + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    private func grow(to needed: Int) {
        let newCapacity = Swift.max(needed, capacity * 2, 64 << 10)
        let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        if let storage {
            newStorage.copyMemory(from: storage, byteCount: count)
            storage.deallocate()
        }
        storage = newStorage
        capacity = newCapacity
    }

    /// The bytes as an array, leaving the accumulator empty; storage that grew past 4 MiB is released so one huge
    /// message does not keep its memory for the rest of the file.
    func takeArray() -> [UInt8] {
        let result = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0, let storage, let target = buffer.baseAddress {
                UnsafeMutableRawPointer(target).copyMemory(from: storage, byteCount: count)
            }
            initialized = count
        }
        count = 0
        if capacity > 4 << 20 {
            storage?.deallocate()
            storage = nil
            capacity = 0
        }
        return result
    }
}
