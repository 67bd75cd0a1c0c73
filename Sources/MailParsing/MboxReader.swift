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
        var body: [UInt8] = []
        var bodySize: UInt64 = 0
        var oversized = false
        var previousLineBlank = false
        // The blank line that may precede a delimiter is held back until we know what follows it.
        var heldBlankLine: [UInt8] = []
        while let line = nextLine() {
            if line.startsLine && previousLineBlank && Self.isFromLine(line.bytes) {
                pendingFromLine = (line.offset, Array(line.bytes.prefix(1024)))
                heldBlankLine = []
                break
            }
            if !heldBlankLine.isEmpty {
                append(heldBlankLine[...], to: &body, size: &bodySize, oversized: &oversized)
                heldBlankLine = []
            }
            let blank = line.startsLine && line.endsLine && Self.isBlank(line.bytes)
            if blank {
                heldBlankLine = Array(line.bytes)
            } else {
                append(
                    line.startsLine ? unquoted(line.bytes) : line.bytes, to: &body, size: &bodySize,
                    oversized: &oversized)
            }
            previousLineBlank = blank
        }
        // At the end of the file a held blank line is the final separator, not message content.
        let endOffset = pendingFromLine?.offset ?? (fileOffsetOfBuffer + UInt64(bufferStart))
        let entry = MboxEntry(
            index: nextIndex, offset: fromLine.offset, endOffset: endOffset,
            envelopeDate: MailDate.parseMboxFromLine(fromLine.line), bytes: oversized ? [] : body,
            oversizedSize: oversized ? bodySize : nil)
        nextIndex += 1
        return entry
    }

    // MARK: Lines

    private static func isBlank(_ line: ArraySlice<UInt8>) -> Bool {
        line.count == 1 || (line.count == 2 && line[line.startIndex] == UInt8(ascii: "\r"))
            || (line.count == 0)
    }

    private static let fromPrefix: [UInt8] = Array("From ".utf8)

    static func isFromLine(_ line: ArraySlice<UInt8>) -> Bool {
        line.count >= 5 && line.prefix(5).elementsEqual(fromPrefix)
    }

    private func unquoted(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard line.first == UInt8(ascii: ">") else { return line }
        switch variant {
        case .raw:
            return line
        case .mboxo:
            return Self.isFromLine(line.dropFirst()) ? line.dropFirst() : line
        case .mboxrd:
            let rest = line.drop(while: { $0 == UInt8(ascii: ">") })
            return Self.isFromLine(rest) ? line.dropFirst() : line
        }
    }

    private func append(
        _ bytes: ArraySlice<UInt8>, to body: inout [UInt8], size: inout UInt64, oversized: inout Bool
    ) {
        size += UInt64(bytes.count)
        if oversized { return }
        if size > UInt64(maxMessageBytes) {
            oversized = true
            body = []
            return
        }
        body.append(contentsOf: bytes)
    }

    /// Skips anything before the first `From ` line (a file that does not start with one is tolerated).
    private mutating func skipToFirstFromLine() {
        while let line = nextLine() {
            if line.startsLine && Self.isFromLine(line.bytes) {
                pendingFromLine = (line.offset, Array(line.bytes.prefix(1024)))
                return
            }
        }
    }

    /// The longest piece of one line handed out at once; longer lines come in several pieces, so a file with a
    /// gigabyte-long line still reads in bounded memory.
    private let maxSegmentBytes = 4 << 20
    private var midLine = false

    /// The next line including its `\n` (the last line of the file may lack it), with its file offset. A line longer
    /// than `maxSegmentBytes` arrives in pieces: `startsLine` is false for the continuation pieces and `endsLine` is
    /// false for all but the last. The returned slice is valid until the next call.
    private mutating func nextLine() -> (bytes: ArraySlice<UInt8>, offset: UInt64, startsLine: Bool, endsLine: Bool)? {
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
                    return (buffer[start...newline], fileOffsetOfBuffer + UInt64(start), startsLine, true)
                }
                if atEOF || available >= maxSegmentBytes {
                    bufferStart = buffer.count
                    midLine = !atEOF
                    return (buffer[start...], fileOffsetOfBuffer + UInt64(start), startsLine, atEOF)
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
