import Foundation
import MailParsing
import Testing

@testable import MailFetching

@Suite("MailInputs and sources")
struct MailInputsTests {
    private func makeFolder() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("inputs-\(UUID())")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("sub/deeper"), withIntermediateDirectories: true)
        try Data("Subject: a\n\nA\n".utf8).write(to: root.appendingPathComponent("b.eml"))
        try Data("Subject: b\n\nB\n".utf8).write(to: root.appendingPathComponent("sub/deeper/a.eml"))
        try Data(
            "From x Thu May 10 12:50:00 2001\nSubject: m1\n\n1\n\nFrom y Thu May 10 12:50:00 2001\nSubject: m2\n\n2\n"
                .utf8
        )
        .write(to: root.appendingPathComponent("sub/box.mbox"))
        try Data("not mail".utf8).write(to: root.appendingPathComponent("notes.txt"))
        return root
    }

    private func drain(_ sources: [any MessageSource]) -> [SourceItem] {
        var items: [SourceItem] = []
        for var source in sources {
            while let item = source.next() { items.append(item) }
        }
        return items
    }

    @Test func walksFoldersRecursivelyInNameOrder() throws {
        let root = try makeFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let items = drain(try MailInputs.open([root.path]))
        let positions = items.compactMap { item -> MessagePosition? in
            if case .message(let raw) = item { return raw.position }
            return nil
        }
        let names = positions.map { URL(fileURLWithPath: $0.file).lastPathComponent + "#\($0.index)" }
        #expect(names == ["b.eml#0", "box.mbox#0", "box.mbox#1", "a.eml#0"])
        #expect(positions[2].byteOffset > 0)
    }

    @Test func sniffsMboxWhateverTheExtension() throws {
        let root = try makeFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let renamed = root.appendingPathComponent("sent-items")
        try FileManager.default.copyItem(at: root.appendingPathComponent("sub/box.mbox"), to: renamed)
        #expect(drain(try MailInputs.open([renamed.path])).count == 2)
        #expect(drain(try MailInputs.open([root.appendingPathComponent("b.eml").path])).count == 1)
    }

    @Test func missingPathsAreErrorsNamingThePath() {
        #expect {
            try MailInputs.open(["/definitely/missing.mbox"])
        } throws: { error in
            guard let error = error as? InputError else { return false }
            return error.code == .notFound && error.path == "/definitely/missing.mbox"
        }
    }

    @Test func emptyFolderIsAnError() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(throws: InputError.self) { try MailInputs.open([root.path]) }
    }

    @Test func oversizedEmlIsReportedNotRead() throws {
        let root = try makeFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        var source = EMLFilesSource(name: "t", files: [root.appendingPathComponent("b.eml").path], maxMessageBytes: 4)
        guard case .unreadable(_, let reason) = source.next() else {
            Issue.record("expected the file to be skipped")
            return
        }
        #expect(reason.contains("exceeds"))
    }

    @Test func mboxSourceReportsResumeOffsets() throws {
        let root = try makeFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("sub/box.mbox").path
        var source = try MboxSource(path: path)
        let item = source.next()
        guard case .message(let first) = item else {
            Issue.record("expected a message, got \(String(describing: item))")
            return
        }
        var resumed = try MboxSource(path: path, startOffset: first.resumeOffset, firstIndex: 1)
        guard case .message(let second) = resumed.next() else {
            Issue.record("expected a message")
            return
        }
        #expect(second.position.index == 1)
        #expect(String(decoding: second.bytes, as: UTF8.self).hasPrefix("Subject: m2"))
        #expect(resumed.next() == nil)
    }

    /// A file that cannot be read (here a folder opened as an mbox: `read` fails with EISDIR) ends the source with one
    /// unreadable item naming the error, not silently as if the file were empty.
    @Test func aReadErrorComesOutAsUnreadable() throws {
        let root = try makeFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        var source = try MboxSource(path: root.path)
        guard case .unreadable(let position, let reason) = source.next() else {
            Issue.record("expected an unreadable item")
            return
        }
        #expect(reason.hasPrefix("reading the file stopped: "))
        #expect(reason.lowercased().contains("directory"))
        #expect(position.index == 0 && position.byteOffset == 0)
        #expect(source.next() == nil)
    }
}
