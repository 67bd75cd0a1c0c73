/// How far a message source has been scanned; stored per source key as a small JSON value.
public enum Checkpoint: Sendable, Hashable, Codable {
    /// An mbox file: its identity and the position after the last complete message.
    case mbox(MboxCheckpoint)
    /// An IMAP folder: UIDVALIDITY and the highest UID seen.
    case imap(IMAPCheckpoint)

    private enum CodingKeys: String, CodingKey {
        case kind, mbox, imap
    }

    /// Decodes `{"kind": "mbox", "mbox": {…}}` or `{"kind": "imap", "imap": {…}}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .kind) {
        case "mbox": self = .mbox(try container.decode(MboxCheckpoint.self, forKey: .mbox))
        case "imap": self = .imap(try container.decode(IMAPCheckpoint.self, forKey: .imap))
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container, debugDescription: "unknown checkpoint kind \(other)")
        }
    }

    /// Encodes `{"kind": …, "<kind>": {…}}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .mbox(let value):
            try container.encode("mbox", forKey: .kind)
            try container.encode(value, forKey: .mbox)
        case .imap(let value):
            try container.encode("imap", forKey: .kind)
            try container.encode(value, forKey: .imap)
        }
    }
}

/// The position in an mbox file after the last complete message whose events are in the ledger.
///
/// A file whose `device`/`inode` changed, or that is now shorter than `offset`, was replaced or truncated: the scanner rescans it from the start and the ledger's dedup keeps Gong from seeing repeats.
public struct MboxCheckpoint: Sendable, Hashable, Codable {
    /// `st_dev` of the file.
    public var device: UInt64
    /// `st_ino` of the file.
    public var inode: UInt64
    /// The file's size when the checkpoint was taken, in bytes.
    public var size: Int64
    /// Byte offset just after the last complete message scanned.
    public var offset: Int64
    /// Zero-based index of the next message.
    public var nextIndex: Int

    /// Creates an mbox checkpoint.
    public init(device: UInt64, inode: UInt64, size: Int64, offset: Int64, nextIndex: Int) {
        self.device = device
        self.inode = inode
        self.size = size
        self.offset = offset
        self.nextIndex = nextIndex
    }
}

/// The position in an IMAP folder: the next run fetches UIDs above `lastUID` while UIDVALIDITY is unchanged.
public struct IMAPCheckpoint: Sendable, Hashable, Codable {
    /// The folder's UIDVALIDITY when `lastUID` was seen.
    public var uidValidity: UInt32
    /// The highest UID whose events are in the ledger.
    public var lastUID: UInt32

    /// Creates an IMAP checkpoint.
    public init(uidValidity: UInt32, lastUID: UInt32) {
        self.uidValidity = uidValidity
        self.lastUID = lastUID
    }
}
