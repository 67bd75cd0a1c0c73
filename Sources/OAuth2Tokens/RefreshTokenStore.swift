import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a refresh token lives, so a rotated one can be saved before it is used.
public protocol RefreshTokenStore: AnyObject, Sendable {
    /// Names the store in errors and identities (a path or a reference; never the token).
    var name: String { get }
    /// The refresh token to send now.
    func current() -> String
    /// Keeps `token` as the one to send from now on (in memory at least); a store that cannot make it outlive the run
    /// reports that itself (the access token that came with it is still used).
    func replace(with token: String)
}

/// A refresh token read from a file; a rotated one replaces the file atomically (a new file beside it, created
/// exclusively with mode 0600 and never through a symbolic link, synced, then renamed over the old one), so a crash
/// leaves either token whole, never half of one.
public final class RefreshTokenFile: RefreshTokenStore, @unchecked Sendable {
    /// The file's path.
    public let path: String
    private let lock = NSLock()
    private var token: String
    private let onSaveFailure: @Sendable (String) -> Void

    /// Reads `path` (surrounding white space removed); `onSaveFailure` gets a message (never the token) when a rotated
    /// token cannot be written back.
    public init(path: String, onSaveFailure: @escaping @Sendable (String) -> Void = { _ in }) throws(OAuth2Error) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw OAuth2Error(.invalidCredential, detail: "cannot read the refresh token file \(path)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            throw OAuth2Error(.invalidCredential, detail: "the refresh token file \(path) is empty")
        }
        self.path = path
        token = text
        self.onSaveFailure = onSaveFailure
    }

    /// `file:PATH`.
    public var name: String { "file:\(path)" }

    /// The token to send.
    public func current() -> String { lock.withLock { token } }

    /// Writes `token` to a new file beside ``path`` (`O_EXCL | O_NOFOLLOW`, mode 0600 before any byte), syncs it,
    /// renames it over ``path``, syncs the folder. When that fails, the token is kept for this run and the failure
    /// reported: the old file is left as it was.
    public func replace(with newToken: String) {
        lock.lock()
        defer { lock.unlock() }
        token = newToken
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = "\(path).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            onSaveFailure(
                "the refresh token was rotated but no new file can be created beside \(path) (errno \(errno)): "
                    + "the next run sends the old one and may be refused; let the scanner write to \(directory)")
            return
        }
        _ = fchmod(descriptor, 0o600)
        let bytes = Array((newToken + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            onSaveFailure(
                "the refresh token was rotated but \(path) cannot be replaced: the next run sends the old one and "
                    + "may be refused")
            return
        }
        let folder = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
        if folder >= 0 {
            _ = fsync(folder)
            close(folder)
        }
    }
}

/// A refresh token from the environment or a command: a rotated one is kept for this run only, and the rotation is
/// reported, since the next run will send the old one again.
public final class RefreshTokenValue: RefreshTokenStore, @unchecked Sendable {
    /// The reference it came from (`env:NAME`, `command:…`).
    public let name: String
    private let lock = NSLock()
    private var token: String
    private let onRotation: @Sendable (String) -> Void

    /// Keeps `token`; `onRotation` is told (with the store's ``name``, never the token) when it rotates.
    public init(token: String, name: String, onRotation: @escaping @Sendable (String) -> Void) {
        self.token = token
        self.name = name
        self.onRotation = onRotation
    }

    /// The token to send.
    public func current() -> String { lock.withLock { token } }

    /// Keeps the new token in memory and reports that it could not be saved.
    public func replace(with newToken: String) {
        lock.withLock { token = newToken }
        onRotation(name)
    }
}

extension RefreshTokenFile: CustomStringConvertible, CustomReflectable {
    /// `RefreshTokenFile(path)`: never the token.
    public var description: String { "RefreshTokenFile(\(path))" }
    /// No children: `dump` never reaches the token.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

extension RefreshTokenValue: CustomStringConvertible, CustomReflectable {
    /// `RefreshTokenValue(env:NAME)`: never the token.
    public var description: String { "RefreshTokenValue(\(name))" }
    /// No children: `dump` never reaches the token.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
