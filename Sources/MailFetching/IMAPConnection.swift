import CCurl
import CurlSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How to log in: a password (SASL PLAIN or LOGIN, whichever the server offers) or an OAuth 2 token (XOAUTH2), given
/// once or asked for at each connection.
public enum IMAPCredential: Sendable, CustomStringConvertible {
    /// A password.
    case password(String)
    /// An OAuth 2 access token, sent with SASL XOAUTH2.
    case oauth2Token(String)
    /// OAuth 2 access tokens from a source asked at each login, so a reconnection late in a long run gets a fresh one.
    case oauth2(any IMAPAccessTokenSource)

    /// The secret itself, for scrubbing texts (empty for a token source: each login scrubs the token it used).
    var secret: String {
        switch self {
        case .password(let value), .oauth2Token(let value): value
        case .oauth2: ""
        }
    }

    /// `password(***)` or `oauth2Token(***)`: never the secret.
    public var description: String {
        switch self {
        case .password: "password(***)"
        case .oauth2Token, .oauth2: "oauth2Token(***)"
        }
    }
}

/// Hands out OAuth 2 access tokens for XOAUTH2 logins (the token cache of a team's OAuth 2 settings).
public protocol IMAPAccessTokenSource: Sendable {
    /// A token to log in with; `rejected` is a token the server has just refused. Throws an
    /// ``IMAPError/Code/authenticationFailed`` error that says what the administrator must fix when none can be had.
    func accessToken(rejecting rejected: String?) throws(IMAPError) -> String
    /// What to check when the server refuses a freshly issued token (a permission on the mailbox, IMAP disabled).
    var loginRefusedHint: String? { get }
}

/// Where and how to connect: the account part of `IMAPSettings`, with the secret already resolved.
public struct IMAPAccount: Sendable {
    /// `imaps://host[:port][/folder]` or `imap://host[:port][/folder]` (STARTTLS is then required).
    public var url: String
    /// Login name.
    public var username: String
    /// Password or token.
    public var credential: IMAPCredential
    /// Extra CA certificates in PEM (a self-signed server certificate, a company CA); `nil`: the system CAs.
    public var caFile: String?
    /// Allow `imap://` to go on in clear when the server offers no STARTTLS (a loud warning is logged).
    public var allowInsecure: Bool
    /// Seconds allowed for connecting, TLS and login together.
    public var connectTimeout: Double
    /// Seconds without any byte from the server, while waiting for one, before the connection counts as lost.
    public var idleTimeout: Double

    /// Creates an account.
    public init(
        url: String, username: String, credential: IMAPCredential, caFile: String? = nil, allowInsecure: Bool = false,
        connectTimeout: Double = 30, idleTimeout: Double = 120
    ) {
        self.url = url
        self.username = username
        self.credential = credential
        self.caFile = caFile
        self.allowInsecure = allowInsecure
        self.connectTimeout = connectTimeout
        self.idleTimeout = idleTimeout
    }
}

/// The parts of an IMAP URL.
struct IMAPServerURL: Sendable, Equatable {
    var isTLS: Bool
    var host: String
    var port: Int
    /// The folder in the URL path (percent-decoded), if any.
    var folder: String?

    /// `host` or `host:port` when the port is not the scheme's default.
    var displayHost: String {
        port == (isTLS ? 993 : 143) ? host : "\(host):\(port)"
    }

    /// The URL libcurl connects to: no user, no path.
    var connectURL: String { "\(isTLS ? "imaps" : "imap")://\(host):\(port)/" }

    init(_ url: String) throws(IMAPError) {
        let lower = url.lowercased()
        let rest: Substring
        if lower.hasPrefix("imaps://") {
            isTLS = true
            rest = url.dropFirst(8)
        } else if lower.hasPrefix("imap://") {
            isTLS = false
            rest = url.dropFirst(7)
        } else {
            throw IMAPError(.invalidConfiguration, host: "", detail: "the URL must start with imaps:// or imap://")
        }
        var authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count).dropFirst()
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var hostPart = authority
        var portNumber = isTLS ? 993 : 143
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") {
            hostPart = authority[..<colon]
            guard let value = Int(authority[authority.index(after: colon)...]), (1...65535).contains(value) else {
                throw IMAPError(.invalidConfiguration, host: String(hostPart), detail: "the URL has a bad port")
            }
            portNumber = value
        }
        guard !hostPart.isEmpty, !hostPart.contains(where: { $0 == " " || $0 == "?" || $0 == "#" }) else {
            throw IMAPError(.invalidConfiguration, host: "", detail: "the URL has no valid host")
        }
        host = String(hostPart)
        port = portNumber
        let decoded = Self.percentDecode(path.prefix { $0 != ";" && $0 != "?" })
        folder = decoded.isEmpty ? nil : decoded
    }

    private static func percentDecode(_ text: Substring) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let value = UInt8(String(decoding: bytes[index + 1...index + 2], as: UTF8.self), radix: 16)
            {
                output.append(value)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// What libcurl's debug callback kept of the login dialogue: the server's lines only (never ours, which carry the
/// credential), scrubbed of every form of the secret (a server may echo our SASL response back), bounded.
final class IMAPLoginTrace {
    let scrubber: SecretScrubber
    var serverLines: [String] = []
    var capabilities: [String]?

    init(scrubber: SecretScrubber) {
        self.scrubber = scrubber
    }

    func record(_ rawLine: String) {
        // Scrub before cutting: a cut through an echoed blob would leave a fragment the scrubber cannot match.
        let line = scrubber.scrub(rawLine)
        if serverLines.count >= 40 { serverLines.removeFirst() }
        serverLines.append(String(line.prefix(400)))
        // The tagged OK that ends AUTHENTICATE usually carries the post-login capabilities.
        if !line.hasPrefix("*"), !line.hasPrefix("+"), let range = line.range(of: "[CAPABILITY ") {
            let rest = line[range.upperBound...].prefix { $0 != "]" }
            capabilities = rest.split(separator: " ").map { $0.uppercased() }
        }
    }
}

/// Logs the server's protocol lines (CURLINFO_HEADER_IN) into the trace; everything else, including our own
/// AUTHENTICATE line, is ignored.
private let imapDebugCallback: curl_debug_callback = { _, type, data, size, userdata in
    guard type == CURLINFO_HEADER_IN, let data, let userdata, size > 0 else { return 0 }
    let trace = Unmanaged<IMAPLoginTrace>.fromOpaque(userdata).takeUnretainedValue()
    var bytes = UnsafeRawBufferPointer(start: data, count: size)[...]
    while let last = bytes.last, last == 10 || last == 13 { bytes = bytes.dropLast() }
    trace.record(String(decoding: bytes, as: UTF8.self))
    return 0
}

/// One logged-in IMAP connection: libcurl connects, does TLS or STARTTLS and SASL (`CURLOPT_CONNECT_ONLY`), then
/// this class moves raw bytes with `curl_easy_send`/`curl_easy_recv`, waiting with `poll` on the socket.
///
/// Not thread-safe; one owner at a time.
final class IMAPConnection {
    let server: IMAPServerURL
    /// The package's one libcurl layer; its raw handle is valid until ``close()``.
    private let easy = CurlEasy()
    private let handle: UnsafeMutableRawPointer
    private let trace: IMAPLoginTrace
    private var socket: curl_socket_t = -1
    private let idleTimeoutMilliseconds: Int32
    /// Removes the credential, in every encoding it was sent in, from any text bound for an error or a log.
    let scrubber: SecretScrubber
    private var closed = false
    /// Bytes received since login.
    private(set) var bytesReceived: UInt64 = 0

    /// Capabilities announced with the login's tagged OK, when the server sent them there.
    var loginCapabilities: [String]? { trace.capabilities }

    /// Connects and logs in; throws a classified ``IMAPError`` (never containing the secret). With a token source, a
    /// refused token is reported to the source and the login tried once more with the token it gives instead (when it
    /// gives another one).
    static func open(account: IMAPAccount, warn: (String) -> Void) throws(IMAPError) -> IMAPConnection {
        guard case .oauth2(let source) = account.credential else {
            return try IMAPConnection(account: account, credential: account.credential, warn: warn)
        }
        let token = try source.accessToken(rejecting: nil)
        do {
            return try IMAPConnection(account: account, credential: .oauth2Token(token), warn: warn)
        } catch  where error.code == .authenticationFailed {
            let next = try source.accessToken(rejecting: token)
            var refused = error
            if let hint = source.loginRefusedHint { refused.detail += ". A fresh token was refused: \(hint)" }
            guard next != token else { throw refused }
            do {
                return try IMAPConnection(account: account, credential: .oauth2Token(next), warn: warn)
            } catch  where error.code == .authenticationFailed {
                throw refused
            }
        }
    }

    /// Connects and logs in with `credential` (a password or a token, not a token source).
    private init(account: IMAPAccount, credential: IMAPCredential, warn: (String) -> Void) throws(IMAPError) {
        server = try IMAPServerURL(account.url)
        scrubber = SecretScrubber(username: account.username, credential: credential)
        trace = IMAPLoginTrace(scrubber: scrubber)
        idleTimeoutMilliseconds = Int32(clamping: Int((account.idleTimeout * 1000).rounded()))
        guard let created = easy.handle else {
            throw IMAPError(.unreachable, host: server.displayHost, detail: "libcurl could not create a handle")
        }
        handle = created
        if !server.isTLS {
            if account.allowInsecure {
                warn(
                    "WARNING: allowInsecure is set for imap://\(server.displayHost): if the server offers no "
                        + "STARTTLS, the login and all mail cross the network UNENCRYPTED")
            }
        }
        _ = ccurl_setopt_str(handle, CURLOPT_URL, server.connectURL)
        _ = ccurl_setopt_long(handle, CURLOPT_CONNECT_ONLY, 1)
        _ = ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = ccurl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        let connectMilliseconds = Int((account.connectTimeout * 1000).rounded())
        _ = ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, connectMilliseconds)
        _ = ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, connectMilliseconds + Int(idleTimeoutMilliseconds))
        _ = ccurl_setopt_str(handle, CURLOPT_PROTOCOLS_STR, "imap,imaps")
        _ = ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
        _ = ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
        if !server.isTLS {
            let level = account.allowInsecure ? CURLUSESSL_TRY : CURLUSESSL_ALL
            _ = ccurl_setopt_long(handle, CURLOPT_USE_SSL, Int(level.rawValue))
        }
        if let caFile = account.caFile {
            _ = ccurl_setopt_str(handle, CURLOPT_CAINFO, caFile)
        }
        _ = ccurl_setopt_str(handle, CURLOPT_USERNAME, account.username)
        switch credential {
        case .password(let password):
            _ = ccurl_setopt_str(handle, CURLOPT_PASSWORD, password)
        case .oauth2Token(let token):
            _ = ccurl_setopt_str(handle, CURLOPT_XOAUTH2_BEARER, token)
            _ = ccurl_setopt_str(handle, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2")
        case .oauth2:
            closeHandle()
            throw IMAPError(
                .invalidConfiguration, host: server.displayHost, detail: "a token source is resolved by open")
        }
        _ = ccurl_setopt_long(handle, CURLOPT_VERBOSE, 1)
        _ = ccurl_setopt_debug_cb(handle, CURLOPT_DEBUGFUNCTION, imapDebugCallback)
        _ = ccurl_setopt_ptr(handle, CURLOPT_DEBUGDATA, Unmanaged.passUnretained(trace).toOpaque())

        let code = easy.perform()
        _ = ccurl_setopt_long(handle, CURLOPT_VERBOSE, 0)
        // The options held the secret; libcurl keeps its own copies, wipe them now the login is done.
        _ = ccurl_setopt_ptr(handle, CURLOPT_PASSWORD, nil)
        _ = ccurl_setopt_ptr(handle, CURLOPT_XOAUTH2_BEARER, nil)
        guard code == CURLE_OK else {
            let error = classify(code)
            closeHandle()
            throw error
        }
        let activeSocket = easy.activeSocket
        guard activeSocket >= 0 else {
            closeHandle()
            throw IMAPError(.connectionLost, host: server.displayHost, detail: "libcurl gave no socket after login")
        }
        socket = activeSocket
    }

    deinit { closeHandle() }

    /// Closes the connection without waiting for anything (libcurl's own LOGOUT at cleanup then fails at once).
    func close() { closeHandle() }

    private func closeHandle() {
        guard !closed else { return }
        closed = true
        if socket >= 0 { _ = shutdown(socket, Int32(SHUT_RDWR)) }
        easy.cleanup()
    }

    /// Sends all of `bytes`, waiting for the socket to take them.
    func send(_ bytes: [UInt8]) throws(IMAPError) {
        var offset = 0
        while offset < bytes.count {
            var sent = 0
            let code = bytes.withUnsafeBytes { raw in
                curl_easy_send(handle, raw.baseAddress! + offset, raw.count - offset, &sent)
            }
            if code == CURLE_AGAIN {
                try wait(for: Int16(POLLOUT))
                continue
            }
            guard code == CURLE_OK else { throw lost(code, doing: "sending") }
            offset += sent
        }
    }

    /// Receives at least one byte into `buffer`; throws ``IMAPError/Code-swift.enum/connectionLost`` on end of
    /// stream, an error, or no byte within the idle timeout.
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws(IMAPError) -> Int {
        while true {
            var received = 0
            let code = curl_easy_recv(handle, buffer.baseAddress!, buffer.count, &received)
            if code == CURLE_AGAIN {
                try wait(for: Int16(POLLIN))
                continue
            }
            guard code == CURLE_OK else { throw lost(code, doing: "receiving") }
            guard received > 0 else {
                throw IMAPError(.connectionLost, host: server.displayHost, detail: "the server closed the connection")
            }
            bytesReceived += UInt64(received)
            return received
        }
    }

    private func wait(for events: Int16) throws(IMAPError) {
        var descriptor = pollfd(fd: socket, events: events, revents: 0)
        let ready = poll(&descriptor, 1, idleTimeoutMilliseconds)
        if ready == 0 {
            throw IMAPError(
                .connectionLost, host: server.displayHost,
                detail: "no data from the server for \(idleTimeoutMilliseconds / 1000) s")
        }
        if ready < 0, errno != EINTR {
            throw IMAPError(.connectionLost, host: server.displayHost, detail: "poll failed (errno \(errno))")
        }
    }

    private func lost(_ code: CURLcode, doing action: String) -> IMAPError {
        IMAPError(
            .connectionLost, host: server.displayHost, detail: "\(action) failed: \(curlText(code))",
            curlCode: Int(code.rawValue))
    }

    private func curlText(_ code: CURLcode) -> String {
        IMAPError.scrub(easy.errorText(code), scrubber)
    }

    /// Maps a failed login perform to an error code, reading the server's own words where libcurl is ambiguous
    /// (67 is both "wrong password" and "authentication service down").
    private func classify(_ code: CURLcode) -> IMAPError {
        let host = server.displayHost
        let curlCode = Int(code.rawValue)
        let lastServerLine = trace.serverLines.last { !$0.hasPrefix("* CAPABILITY") && !$0.hasPrefix("+") }
        let serverSaid = lastServerLine.map { IMAPError.scrub($0, scrubber) }
        let unavailable = trace.serverLines.contains { $0.uppercased().contains("[UNAVAILABLE]") }
        func make(_ kind: IMAPError.Code, _ detail: String) -> IMAPError {
            IMAPError(kind, host: host, detail: detail, curlCode: curlCode)
        }
        switch CurlFailure(code) {
        case .loginDenied:
            if unavailable {
                return make(
                    .unavailable, "the server could not check the login now: \(serverSaid ?? "no reason given")")
            }
            return make(.authenticationFailed, "login refused: \(serverSaid ?? curlText(code))")
        case .tlsRequired:
            return make(
                .plaintextRefused,
                "the server offers no STARTTLS; nothing was sent (use imaps://, or allowInsecure to permit plaintext)")
        case .tls:
            return make(.tlsFailure, curlText(code))
        case .dnsFailure, .connectionRefused, .timeout:
            return make(.unreachable, curlText(code))
        case .setup:
            return make(.invalidConfiguration, curlText(code))
        case .connectionReset, .other:
            if unavailable || trace.serverLines.contains(where: { $0.uppercased().hasPrefix("* BYE") }) {
                return make(.unavailable, "the server said: \(serverSaid ?? curlText(code))")
            }
            return make(.unreachable, "\(curlText(code))\(serverSaid.map { "; the server said: \($0)" } ?? "")")
        }
    }
}
