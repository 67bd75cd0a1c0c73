import MailFetching
import ShareLedger

#if canImport(Glibc)
    import Glibc
#endif

/// An mbox file, resumed at the byte offset of its last message read (see ``MboxCheckpoint``).
struct MboxScanStream: ScanStream {
    let path: String
    private var source: MboxSource?
    private(set) var cursor: Checkpoint?

    init(path: String) { self.path = path }

    var checkpointKey: String? { "mbox:" + path }
    var name: String { path }

    mutating func open(at checkpoint: Checkpoint?) throws(ScanStreamError) -> [String] {
        guard let identity = Self.fileIdentity(path) else {
            throw ScanStreamError(message: "\(path): cannot read the mbox file", stopsMailbox: false)
        }
        var notes: [String] = []
        var start = MboxCheckpoint(
            device: identity.device, inode: identity.inode, size: identity.size, offset: 0, nextIndex: 0)
        if case .mbox(let known)? = checkpoint {
            if known.device == identity.device && known.inode == identity.inode && identity.size >= known.size
                && identity.size >= known.offset
            {
                start.offset = known.offset
                start.nextIndex = known.nextIndex
            } else {
                notes.append("\(path) was replaced or shrank: reading it again from the start")
            }
        }
        do {
            source = try MboxSource(path: path, startOffset: UInt64(start.offset), firstIndex: start.nextIndex)
        } catch {
            throw ScanStreamError(message: error.description, stopsMailbox: false)
        }
        cursor = .mbox(start)
        return notes
    }

    mutating func next() throws(ScanStreamError) -> SourceItem? {
        guard let item = source?.next() else { return nil }
        // The cursor points at the start of the latest message read: the last message of a file may still be being
        // appended to, so it is read again next time (its events are then known: no duplicates).
        let position: MessagePosition
        switch item {
        case .message(let raw): position = raw.position
        case .unreadable(let at, _): position = at
        }
        if case .mbox(var checkpoint)? = cursor {
            checkpoint.offset = Int64(position.byteOffset)
            checkpoint.nextIndex = position.index
            cursor = .mbox(checkpoint)
        }
        return item
    }

    func ledgerPosition(of position: MessagePosition) -> SourcePosition {
        .mbox(file: position.file, index: position.index, offset: Int64(position.byteOffset))
    }

    mutating func finish() {}
    func close() {}

    /// The identity of a file: device, inode, size.
    static func fileIdentity(_ path: String) -> (device: UInt64, inode: UInt64, size: Int64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino), Int64(info.st_size))
    }
}
