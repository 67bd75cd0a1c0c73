import Foundation
import ShareLedger

/// A fresh temporary folder (and ledger path inside a not-yet-existing subfolder) per test.
struct TemporaryLedger: ~Copyable {
    let folder: URL
    let path: String

    init() {
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("ShareLedgerTests-\(UUID().uuidString)")
        path = folder.appendingPathComponent("state/ledger.sqlite").path
    }

    func open() throws -> ShareLedger {
        try ShareLedger(path: path)
    }

    /// A Gong account state file in the same folder.
    func openAccount(key: String = "https://gong.example#0123456789abcdef") throws -> GongAccountState {
        try GongAccountState(path: folder.appendingPathComponent("state/accounts.sqlite").path, accountKey: key)
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }
}

/// A sample event whose body is a small Gong JSON body.
func sampleEvent(_ id: String, message: String = "<m1@example.com>", index: Int = 0) -> LedgerEvent {
    let body = #"{"reportingSystem":"acme","eventId":"\#(id)","contentId":"gdoc:document:\#(id)"}"#
    return LedgerEvent(
        eventId: id, contentId: "gdoc:document:\(id)", messageKey: message, mailbox: "ae@acme.example",
        position: .mbox(file: "/mail/Sent.mbox", index: index, offset: Int64(index) * 1_000), body: Data(body.utf8))
}

/// `st_mode & 0o777` of a file.
func permissions(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

let t0 = Date(timeIntervalSince1970: 1_750_000_000)
