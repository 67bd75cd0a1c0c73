import Foundation
import MailParsing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
                var problems: [String: String] = [:]
                func flushEML() {
                    guard !emlRun.isEmpty else { return }
                    sources.append(
                        EMLFilesSource(
                            name: path, files: emlRun, unreadable: problems, maxMessageBytes: maxMessageBytes))
                    emlRun = []
                    problems = [:]
                }
                for entry in files {
                    if let problem = entry.problem {
                        emlRun.append(entry.path)
                        problems[entry.path] = problem
                    } else if mboxExtensions.contains((entry.path as NSString).pathExtension.lowercased())
                        || looksLikeMbox(entry.path)
                    {
                        flushEML()
                        sources.append(
                            try MboxSource(path: entry.path, variant: variant, maxMessageBytes: maxMessageBytes))
                    } else {
                        emlRun.append(entry.path)
                    }
                }
                flushEML()
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

    /// One thing found while walking a folder: a mail file, or something that should have been read and could not
    /// (with the reason), reported by the source as an unreadable item.
    struct FolderEntry {
        var path: String
        var problem: String?
    }

    /// The `*.eml` and `*.mbox` files under `folder`, recursively, in path order, following symbolic links to files
    /// and folders. A folder reached twice (a link loop, or two links to one folder) is read once. A sub-folder that
    /// cannot be listed, a broken or looping link, and a mail-named entry that is not a regular file (a FIFO would
    /// block the read) are entries with a problem, so that nothing is skipped silently.
    ///
    /// - Throws: ``InputError`` when `folder` itself cannot be listed.
    static func walk(_ folder: String) throws(InputError) -> [FolderEntry] {
        var visited: Set<FileIdentity.ID> = []
        var entries: [FolderEntry] = []
        guard let identity = FileIdentity(path: folder) else {
            throw InputError(.unreadable, path: folder, detail: "cannot list the folder")
        }
        visited.insert(identity.id)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw InputError(.unreadable, path: folder, detail: "cannot list the folder")
        }
        walk(folder, names: names, visited: &visited, into: &entries)
        return entries.sorted { $0.path < $1.path }
    }

    private static func walk(
        _ folder: String, names: [String], visited: inout Set<FileIdentity.ID>, into entries: inout [FolderEntry]
    ) {
        for name in names.sorted() {
            let full = (folder as NSString).appendingPathComponent(name)
            let ext = (name as NSString).pathExtension.lowercased()
            let isMailName = emlExtensions.contains(ext) || mboxExtensions.contains(ext)
            guard let target = FileIdentity(path: full) else {
                // stat failed: a broken link, a link loop, or no permission on the way.
                let reason =
                    FileIdentity.isSymbolicLink(full)
                    ? "broken or looping symbolic link (\(String(cString: strerror(errno))))"
                    : "cannot read it (\(String(cString: strerror(errno))))"
                entries.append(FolderEntry(path: full, problem: reason))
                continue
            }
            switch target.kind {
            case .directory:
                guard visited.insert(target.id).inserted else { continue }
                guard let children = try? FileManager.default.contentsOfDirectory(atPath: full) else {
                    entries.append(FolderEntry(path: full, problem: "cannot list the folder"))
                    continue
                }
                walk(full, names: children, visited: &visited, into: &entries)
            case .regular:
                if isMailName { entries.append(FolderEntry(path: full, problem: nil)) }
            case .other:
                if isMailName { entries.append(FolderEntry(path: full, problem: "not a regular file")) }
            }
        }
    }
}

/// What `stat` (following links) says about a path: its device and inode, and its kind.
struct FileIdentity {
    struct ID: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    enum Kind { case directory, regular, other }

    var id: ID
    var kind: Kind

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        id = ID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        switch info.st_mode & S_IFMT {
        case S_IFDIR: kind = .directory
        case S_IFREG: kind = .regular
        default: kind = .other
        }
    }

    static func isSymbolicLink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK
    }
}
