import MailFetching
import ShareLedger

/// A folder of `.eml` files (or one file), read whole every time: no cursor, the ledger deduplicates.
struct EMLScanStream: ScanStream {
    let path: String
    private var sources: [any MessageSource] = []

    init(path: String) { self.path = path }

    var checkpointKey: String? { nil }
    var name: String { path }
    var cursor: Checkpoint? { nil }

    mutating func open(at checkpoint: Checkpoint?) throws(ScanStreamError) -> [String] {
        do { sources = try MailInputs.open([path]) } catch {
            throw ScanStreamError(message: error.description, stopsMailbox: false)
        }
        return []
    }

    mutating func next() throws(ScanStreamError) -> SourceItem? {
        while !sources.isEmpty {
            if let item = sources[0].next() { return item }
            sources.removeFirst()
        }
        return nil
    }

    func ledgerPosition(of position: MessagePosition) -> SourcePosition {
        position.byteOffset == 0 && position.index == 0
            ? .file(path: position.file)
            : .mbox(file: position.file, index: position.index, offset: Int64(position.byteOffset))
    }

    mutating func finish() {}
    func close() {}
}
