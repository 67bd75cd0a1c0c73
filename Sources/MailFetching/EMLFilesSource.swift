import Foundation
import MailParsing

/// Single-message files (`.eml`), one message per file, read in the order given.
public struct EMLFilesSource: MessageSource {
    /// A name for reports: the folder or file the list came from.
    public let name: String
    /// The files, in reading order.
    public let files: [String]
    /// Entries of `files` that are known to be unreadable (a sub-folder that cannot be listed, a broken link), with
    /// the reason: each is reported as an unreadable item in its place.
    public let unreadable: [String: String]
    /// Larger files are reported as unreadable without being read.
    public let maxMessageBytes: Int
    private var nextFile = 0

    /// Creates a source over `files`.
    public init(name: String, files: [String], unreadable: [String: String] = [:], maxMessageBytes: Int = 64 << 20) {
        self.name = name
        self.files = files
        self.unreadable = unreadable
        self.maxMessageBytes = maxMessageBytes
    }

    /// Reads the next file.
    public mutating func next() -> SourceItem? {
        guard nextFile < files.count else { return nil }
        let path = files[nextFile]
        nextFile += 1
        let position = MessagePosition(file: path, index: 0, byteOffset: 0)
        if let reason = unreadable[path] { return .unreadable(position, reason: reason) }
        do {
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64 ?? 0
            if size > UInt64(maxMessageBytes) {
                return .unreadable(position, reason: "message of \(size) bytes exceeds the \(maxMessageBytes)-byte cap")
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                return .unreadable(position, reason: "cannot read the file")
            }
            let bytes = [UInt8](data)
            return .message(
                RawMessage(
                    bytes: bytes, position: position, envelopeDate: nil, resumeOffset: UInt64(bytes.count)))
        } catch {
            return .unreadable(position, reason: "cannot read the file")
        }
    }
}
