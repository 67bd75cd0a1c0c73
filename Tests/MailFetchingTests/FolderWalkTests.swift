import Foundation
import MailParsing
import Testing

@testable import MailFetching

#if canImport(Glibc)
    import Glibc
#endif

/// Folders given as eml inputs: links are followed, loops are safe, and what cannot be read is reported.
@Suite("MailInputs: symbolic links and unreadable entries")
struct FolderWalkTests {
    private func folder() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("walk-\(UUID())")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("real"), withIntermediateDirectories: true)
        try Data("Subject: a\n\nA\n".utf8).write(to: root.appendingPathComponent("real/a.eml"))
        return root
    }

    private func items(_ paths: [String]) throws -> (messages: [String], unreadable: [(String, String)]) {
        var messages: [String] = []
        var unreadable: [(String, String)] = []
        for var source in try MailInputs.open(paths) {
            while let item = source.next() {
                switch item {
                case .message(let raw): messages.append(URL(fileURLWithPath: raw.position.file).lastPathComponent)
                case .unreadable(let position, let reason):
                    unreadable.append((URL(fileURLWithPath: position.file).lastPathComponent, reason))
                }
            }
        }
        return (messages, unreadable)
    }

    @Test("An INPUT that is a symbolic link to a folder, and a linked sub-folder, are followed")
    func followsLinks() throws {
        let root = try folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let link = root.appendingPathComponent("link-to-real").path
        try FileManager.default.createSymbolicLink(
            atPath: link, withDestinationPath: root.appendingPathComponent("real").path)
        #expect(try items([link]).messages == ["a.eml"])
        // Inside a folder: the linked folder is the same folder as real/, so its message is read once.
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("walk-outside-\(UUID())")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: outside) }
        try Data("Subject: b\n\nB\n".utf8).write(to: outside.appendingPathComponent("b.eml"))
        try FileManager.default.createSymbolicLink(
            atPath: root.appendingPathComponent("shared").path, withDestinationPath: outside.path)
        let result = try items([root.path])
        #expect(result.messages == ["a.eml", "b.eml"])
        #expect(result.unreadable.isEmpty)
    }

    @Test("Link loops end: a link to an ancestor is read once, a link to itself is reported")
    func loopsAreSafe() throws {
        let root = try folder()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createSymbolicLink(
            atPath: root.appendingPathComponent("real/up").path, withDestinationPath: root.path)
        try FileManager.default.createSymbolicLink(
            atPath: root.appendingPathComponent("self").path,
            withDestinationPath: root.appendingPathComponent("self").path)
        let result = try items([root.path])
        #expect(result.messages == ["a.eml"])
        #expect(result.unreadable.map(\.0) == ["self"])
        #expect(result.unreadable.first?.1.contains("symbolic link") == true)
    }

    /// Root reads a chmod 000 folder anyway, so the test uses entries that no one can read: a sub-folder link whose
    /// target is gone, and a FIFO named like mail (reading it would block, so it must be reported, not opened). As
    /// another user, a chmod 000 sub-folder is checked too.
    @Test("An unreadable sub-folder or a mail-named FIFO is an unreadable item with its reason, not silence")
    func unreadableEntriesAreReported() throws {
        let root = try folder()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createSymbolicLink(
            atPath: root.appendingPathComponent("gone").path,
            withDestinationPath: root.appendingPathComponent("no-such-folder").path)
        #expect(mkfifo(root.appendingPathComponent("pipe.eml").path, 0o600) == 0)
        var expected = ["gone", "pipe.eml"]
        if getuid() != 0 {
            let locked = root.appendingPathComponent("locked")
            try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
            try Data("Subject: c\n\nC\n".utf8).write(to: locked.appendingPathComponent("c.eml"))
            chmod(locked.path, 0)
            expected.insert("locked", at: 1)
        }
        defer { chmod(root.appendingPathComponent("locked").path, 0o700) }
        let result = try items([root.path])
        #expect(result.messages == ["a.eml"])
        #expect(result.unreadable.map(\.0) == expected)
        let reasons = Dictionary(uniqueKeysWithValues: result.unreadable)
        #expect(reasons["gone"]?.contains("broken or looping symbolic link") == true)
        #expect(reasons["pipe.eml"] == "not a regular file")
        if getuid() != 0 { #expect(reasons["locked"] == "cannot list the folder") }
    }
}
