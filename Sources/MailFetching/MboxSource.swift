import MailParsing

/// Messages of one mbox file, streamed in bounded memory.
public struct MboxSource: MessageSource {
    /// The mbox file.
    public let name: String
    private var reader: MboxReader

    /// Opens `path`, optionally resuming at `startOffset` (an earlier ``RawMessage/resumeOffset``).
    public init(
        path: String, variant: MboxVariant = .mboxrd, maxMessageBytes: Int = 64 << 20, startOffset: UInt64 = 0,
        firstIndex: Int = 0
    ) throws(InputError) {
        self.name = path
        do {
            reader = try MboxReader(
                path: path, variant: variant, maxMessageBytes: maxMessageBytes, startOffset: startOffset,
                firstIndex: firstIndex)
        } catch {
            throw InputError(.unreadable, path: path, detail: error.reason)
        }
    }

    private var readErrorReported = false

    /// The next message of the file. When reading the file fails, the message it cut short comes out as unreadable,
    /// naming the error, and the source ends (a scan's checkpoint then stays at that message).
    public mutating func next() -> SourceItem? {
        guard let entry = reader.next() else {
            guard !readErrorReported, let error = reader.readError, let cut = reader.unfinishedMessage else {
                return nil
            }
            readErrorReported = true
            return .unreadable(
                MessagePosition(file: name, index: cut.index, byteOffset: cut.offset),
                reason: "reading the file stopped: \(error.reason)")
        }
        let position = MessagePosition(file: name, index: entry.index, byteOffset: entry.offset)
        if let size = entry.oversizedSize {
            return .unreadable(
                position, reason: "message of \(size) bytes exceeds the \(reader.maxMessageBytes)-byte cap")
        }
        return .message(
            RawMessage(
                bytes: entry.bytes, position: position, envelopeDate: entry.envelopeDate,
                resumeOffset: entry.endOffset))
    }
}
