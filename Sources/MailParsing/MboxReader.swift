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
    private let chunkSize = 1 << 20

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

    /// Reads the next message, or `nil` at the end of the file.
    public mutating func next() -> MboxEntry? {
        if !started {
            started = true
            skipToFirstFromLine()
        }
        guard let fromLine = pendingFromLine else { return nil }
        pendingFromLine = nil
        if !isKnownUniquelyReferenced(&body) { body = ByteAccumulator() }
        body.removeAll()
        var bodySize: UInt64 = 0
        var oversized = false
        var previousLineBlank = false
        // The blank line that may precede a delimiter is held back until we know what follows it.
        var heldBlankLine: [UInt8] = []
        // Lines are located by index into `buffer` and copied straight from its storage: no slice, retain or
        // per-line allocation on this path, which runs once per line of the file.
        while let line = nextLine() {
            let isDelimiter = line.startsLine && previousLineBlank && isFromLine(at: line.start, end: line.end)
            if isDelimiter {
                pendingFromLine = (line.offset, Array(buffer[line.start..<Swift.min(line.end, line.start + 1024)]))
                heldBlankLine = []
                break
            }
            if !heldBlankLine.isEmpty {
                heldBlankLine.withUnsafeBufferPointer { append($0, size: &bodySize, oversized: &oversized) }
                heldBlankLine.removeAll(keepingCapacity: true)
            }
            let blank = line.startsLine && line.endsLine && isBlank(at: line.start, end: line.end)
            buffer.withUnsafeBufferPointer { whole in
                let bytes = UnsafeBufferPointer(rebasing: whole[line.start..<line.end])
                if blank {
                    heldBlankLine.append(contentsOf: bytes)
                } else {
                    append(line.startsLine ? unquoted(bytes) : bytes, size: &bodySize, oversized: &oversized)
                }
            }
            previousLineBlank = blank
        }
        // At the end of the file a held blank line is the final separator, not message content.
        let endOffset = pendingFromLine?.offset ?? (fileOffsetOfBuffer + UInt64(bufferStart))
        let entry = MboxEntry(
            index: nextIndex, offset: fromLine.offset, endOffset: endOffset,
            envelopeDate: Self.envelopeDate(fromLine.line), bytes: oversized ? [] : body.takeArray(),
            oversizedSize: oversized ? bodySize : nil)
        nextIndex += 1
        return entry
    }

    // MARK: Lines

    /// Whether `buffer[start..<end]` is a blank line: `\n` or `\r\n` (or any single byte / `\r` + byte: the
    /// caller only asks for whole lines).
    private func isBlank(at start: Int, end: Int) -> Bool {
        let count = end - start
        return count == 1 || (count == 2 && buffer[start] == UInt8(ascii: "\r")) || count == 0
    }

    private static let fromPrefix: [UInt8] = Array("From ".utf8)

    static func isFromLine(_ line: ArraySlice<UInt8>) -> Bool {
        line.count >= 5 && line.prefix(5).elementsEqual(fromPrefix)
    }

    /// Whether `buffer[start..<end]` starts with `From `.
    private func isFromLine(at start: Int, end: Int) -> Bool {
        end - start >= 5 && buffer[start] == UInt8(ascii: "F") && buffer[start + 1] == UInt8(ascii: "r")
            && buffer[start + 2] == UInt8(ascii: "o") && buffer[start + 3] == UInt8(ascii: "m")
            && buffer[start + 4] == UInt8(ascii: " ")
    }

    private static func isFromLine(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        line.count >= 5 && line[0] == UInt8(ascii: "F") && line[1] == UInt8(ascii: "r") && line[2] == UInt8(ascii: "o")
            && line[3] == UInt8(ascii: "m") && line[4] == UInt8(ascii: " ")
    }

    private func unquoted(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard let first = line.first, first == UInt8(ascii: ">") else { return line }
        switch variant {
        case .raw:
            return line
        case .mboxo:
            let rest = UnsafeBufferPointer(rebasing: line[1...])
            return Self.isFromLine(rest) ? rest : line
        case .mboxrd:
            var index = 1
            while index < line.count, line[index] == UInt8(ascii: ">") { index += 1 }
            let afterQuotes = UnsafeBufferPointer(rebasing: line[index...])
            return Self.isFromLine(afterQuotes) ? UnsafeBufferPointer(rebasing: line[1...]) : line
        }
    }

    private func append(
        _ bytes: UnsafeBufferPointer<UInt8>, size: inout UInt64, oversized: inout Bool
    ) {
        size += UInt64(bytes.count)
        if oversized { return }
        if size > UInt64(maxMessageBytes) {
            oversized = true
            body.removeAll()
            return
        }
        body.append(bytes)
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
    private let maxSegmentBytes = 4 << 20
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

    /// Moves the unread tail to the front and appends the next chunk.
    private mutating func refill() {
        if bufferStart > 0 {
            fileOffsetOfBuffer += UInt64(bufferStart)
            buffer.removeSubrange(0..<bufferStart)
            bufferStart = 0
        }
        if let memory {
            // Hand out the in-memory file in the same chunk sizes as a real file, so both paths behave alike.
            let consumed = Int(fileOffsetOfBuffer) + buffer.count
            let end = Swift.min(memory.count, consumed + chunkSize)
            if consumed < end { buffer.append(contentsOf: memory[consumed..<end]) } else { atEOF = true }
            return
        }
        let chunk = (try? handle?.read(upToCount: chunkSize)) ?? nil
        if let chunk, !chunk.isEmpty {
            buffer.append(contentsOf: chunk)
        } else {
            atEOF = true
        }
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
