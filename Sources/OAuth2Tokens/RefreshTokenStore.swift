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
    /// Keeps `token` as the one to send from now on; throws when it cannot be made to outlive this run.
    func replace(with token: String) throws(OAuth2Error)
}

/// A refresh token read from a file; a rotated one replaces the file atomically (a new file, mode 0600, synced, then
/// renamed over the old one), so a crash leaves either token whole, never half of one.
public final class RefreshTokenFile: RefreshTokenStore, @unchecked Sendable {
    /// The file's path.
    public let path: String
    private let lock = NSLock()
    private var token: String

    /// Reads `path` (surrounding white space removed).
    public init(path: String) throws(OAuth2Error) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw OAuth2Error(.invalidCredential, detail: "cannot read the refresh token file \(path)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            throw OAuth2Error(.invalidCredential, detail: "the refresh token file \(path) is empty")
        }
        self.path = path
        token = text
    }

    /// `file:PATH`.
    public var name: String { "file:\(path)" }

    /// The token to send.
    public func current() -> String { lock.withLock { token } }

    /// Writes `token` to a temporary file beside ``path`` (0600), syncs it, renames it over ``path``, syncs the folder.
    public func replace(with newToken: String) throws(OAuth2Error) {
        lock.lock()
        defer { lock.unlock() }
        do {
            let directory = (path as NSString).deletingLastPathComponent
            let temporary = "\(path).\(getpid()).tmp"
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                throw OAuth2Error(
                    .invalidCredential,
                    detail: "the refresh token was rotated but \(temporary) cannot be created (errno \(errno))",
                    hint: "let the scanner write to \(directory)")
            }
            let bytes = Array((newToken + "\n").utf8)
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            let synced = fsync(descriptor) == 0
            _ = fchmod(descriptor, 0o600)
            close(descriptor)
            guard written == bytes.count, synced, rename(temporary, path) == 0 else {
                unlink(temporary)
                throw OAuth2Error(
                    .invalidCredential, detail: "the refresh token was rotated but \(path) cannot be replaced",
                    hint: "let the scanner write to \(directory)")
            }
            let folder = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
            if folder >= 0 {
                _ = fsync(folder)
                close(folder)
            }
            token = newToken
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
    public func replace(with newToken: String) throws(OAuth2Error) {
        lock.withLock { token = newToken }
        onRotation(name)
    }
}
