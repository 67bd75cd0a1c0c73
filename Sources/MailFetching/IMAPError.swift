/// Why reading an IMAP folder stopped: a stable code, the host and mailbox, and the server's words.
///
/// The description names the host and mailbox and quotes the server's status text (truncated); it never contains
/// the password or token: every text that reaches an `IMAPError` is scrubbed of the credential first.
public struct IMAPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Hashable {
        /// The server refused the login (`[AUTHENTICATIONFAILED]`, a rejected XOAUTH2 token, libcurl 67).
        case authenticationFailed = "imap-authentication-failed"
        /// The server or its authentication service is temporarily unavailable (`[UNAVAILABLE]`, `BYE` at greeting).
        case unavailable = "imap-unavailable"
        /// The host could not be resolved or reached, or the connection or login timed out.
        case unreachable = "imap-unreachable"
        /// TLS failed: certificate not trusted, wrong host name, handshake error, unreadable CA file.
        case tlsFailure = "imap-tls-failure"
        /// `imap://` without STARTTLS while plaintext is not allowed: nothing was sent in clear.
        case plaintextRefused = "imap-plaintext-refused"
        /// The folder does not exist (`[NONEXISTENT]`, `[TRYCREATE]`, or no `\Sent` folder found).
        case mailboxNotFound = "imap-mailbox-not-found"
        /// The folder's UIDVALIDITY changed while it was being read (UIDs are no longer comparable).
        case uidValidityChanged = "imap-uidvalidity-changed"
        /// The connection dropped or went idle past the timeout, and reconnecting did not succeed.
        case connectionLost = "imap-connection-lost"
        /// The server sent something this client cannot follow (malformed framing, over-long line).
        case protocolError = "imap-protocol-error"
        /// A command was refused (`NO`/`BAD`) for another reason.
        case commandFailed = "imap-command-failed"
        /// The settings cannot work (bad URL, no credential, folder name with a line break).
        case invalidConfiguration = "imap-invalid-configuration"
    }

    /// What went wrong.
    public var code: Code
    /// The server as `host[:port]` (no user name).
    public var host: String
    /// The folder concerned, when there is one.
    public var mailbox: String?
    /// Why, in words: the server's status text or libcurl's, scrubbed of the credential.
    public var detail: String
    /// libcurl's result code, when the failure came from libcurl.
    public var curlCode: Int?

    /// Creates an error.
    public init(_ code: Code, host: String, mailbox: String? = nil, detail: String, curlCode: Int? = nil) {
        self.code = code
        self.host = host
        self.mailbox = mailbox
        self.detail = detail
        self.curlCode = curlCode
    }

    /// Whether the whole account is unusable for this run (unreachable, login refused, TLS, plaintext): the scan
    /// loop maps these to exit status 3. Everything else concerns one folder.
    public var isAccountFailure: Bool {
        switch code {
        case .authenticationFailed, .unavailable, .unreachable, .tlsFailure, .plaintextRefused, .invalidConfiguration:
            true
        case .mailboxNotFound, .uidValidityChanged, .connectionLost, .protocolError, .commandFailed:
            false
        }
    }

    /// Whether trying again later may succeed without anyone changing the configuration.
    public var isRetryable: Bool {
        switch code {
        case .unavailable, .unreachable, .connectionLost, .uidValidityChanged: true
        default: false
        }
    }

    /// `imap-…: host mailbox: detail`.
    public var description: String {
        let place = mailbox.map { "\(host) \"\($0)\"" } ?? host
        let curl = curlCode.map { " (libcurl \($0))" } ?? ""
        return "\(code.rawValue): \(place): \(detail)\(curl)"
    }
}

extension IMAPError {
    /// `text` with every form of the secret masked (``SecretScrubber``: plain, base64, the SASL blobs, URL-encoded),
    /// then cut to `limit` characters with control characters replaced. Masking comes first, so a cut never leaves
    /// part of a secret behind.
    static func scrub(_ text: String, _ scrubber: SecretScrubber, limit: Int = 300) -> String {
        let result = scrubber.scrub(text)
        var cleaned = ""
        cleaned.reserveCapacity(min(result.utf8.count, limit))
        for character in result.unicodeScalars.prefix(limit) {
            cleaned.unicodeScalars.append(character.value < 0x20 || character.value == 0x7F ? " " : character)
        }
        return cleaned
    }
}
