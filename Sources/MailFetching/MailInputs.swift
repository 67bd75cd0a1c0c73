import Foundation
import MailParsing

/// Turns the paths a user names (mbox files, `.eml` files, folders of them) into message sources.
public enum MailInputs {
    /// File name extensions picked up when walking a folder.
    public static let emlExtensions: Set<String> = ["eml"]
    /// mbox extensions picked up when walking a folder.
    public static let mboxExtensions: Set<String> = ["mbox", "mbx"]

    /// Opens every path: a file is an mbox when it starts with `From `, otherwise one message; a folder is walked
    /// recursively for `*.eml` and `*.mbox` files in name order.
    ///
    /// - Throws: ``InputError`` naming the first path that is missing or unreadable, before anything is read.
    public static func open(
        _ paths: [String], variant: MboxVariant = .mboxrd, maxMessageBytes: Int = 64 << 20
    ) throws(InputError) -> [any MessageSource] {
        var sources: [any MessageSource] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw InputError(.notFound, path: path, detail: "no such file or folder")
            }
            if isDirectory.boolValue {
                let files = try walk(path)
                if files.isEmpty {
                    throw InputError(.empty, path: path, detail: "no .eml or .mbox files in the folder")
                }
                var emlRun: [String] = []
                for file in files {
                    if mboxExtensions.contains((file as NSString).pathExtension.lowercased()) || looksLikeMbox(file) {
                        if !emlRun.isEmpty {
                            sources.append(EMLFilesSource(name: path, files: emlRun, maxMessageBytes: maxMessageBytes))
                            emlRun = []
                        }
                        sources.append(try MboxSource(path: file, variant: variant, maxMessageBytes: maxMessageBytes))
                    } else {
                        emlRun.append(file)
                    }
                }
                if !emlRun.isEmpty {
                    sources.append(EMLFilesSource(name: path, files: emlRun, maxMessageBytes: maxMessageBytes))
                }
            } else {
                guard FileManager.default.isReadableFile(atPath: path) else {
                    throw InputError(.unreadable, path: path, detail: "permission denied")
                }
                if looksLikeMbox(path) {
                    sources.append(try MboxSource(path: path, variant: variant, maxMessageBytes: maxMessageBytes))
                } else {
                    sources.append(EMLFilesSource(name: path, files: [path], maxMessageBytes: maxMessageBytes))
                }
            }
        }
        return sources
    }

    /// True when the file begins with an mbox `From ` line.
    public static func looksLikeMbox(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 5)) ?? Data()
        return head.elementsEqual("From ".utf8)
    }

    private static func walk(_ folder: String) throws(InputError) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else {
            throw InputError(.unreadable, path: folder, detail: "cannot list the folder")
        }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let ext = (relative as NSString).pathExtension.lowercased()
            guard emlExtensions.contains(ext) || mboxExtensions.contains(ext) else { continue }
            let full = (folder as NSString).appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(full)
            }
        }
        return files.sorted()
    }
}
