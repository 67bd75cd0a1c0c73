import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A hostile IMAP server on 127.0.0.1 (no TLS): it refuses every login and quotes back, in its failure text, exactly
/// what the client sent: `tag NO [AUTHENTICATIONFAILED] you sent <the AUTHENTICATE line> <the SASL response>` and
/// likewise for `LOGIN`. It serves connections one after another until ``stop()``, and records every byte received,
/// so a test can prove the client really sent the secret (in some encoding) before checking it never shows.
///
/// (Shared by symlink with Tests/ShareDetectorKitTests, as `DovecotHarness` is.)
final class EchoingIMAPServer: @unchecked Sendable {
    /// What the greeting's CAPABILITY announces.
    static let defaultCapabilities = "IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 LOGIN"

    let port: Int
    let capabilities: String
    private let listener: Int32
    private let lock = NSLock()
    private var log: [UInt8] = []
    private var stopped = false

    /// `imap://127.0.0.1:port` (plaintext: use `allowInsecure`).
    var url: String { "imap://127.0.0.1:\(port)" }

    init(capabilities: String = EchoingIMAPServer.defaultCapabilities) throws {
        self.capabilities = capabilities
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        listener = fd
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 8) == 0 else {
            close(fd)
            throw EchoingIMAPServerFailure(description: "bind/listen on 127.0.0.1 failed")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Everything the clients sent, as text.
    func received() -> String { lock.withLock { String(decoding: log, as: UTF8.self) } }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while !lock.withLock({ stopped }) {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            serve(client)
            close(client)
        }
    }

    private func serve(_ client: Int32) {
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        func write(_ text: String) {
            _ = Array(text.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        write("* OK [CAPABILITY \(capabilities)] echoing test server ready\r\n")
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        /// The AUTHENTICATE command waiting for its SASL response: its tag and its line.
        var authenticating: (tag: Substring, line: String)?
        for _ in 0..<200 {
            let count = recv(client, &buffer, buffer.count, 0)
            guard count > 0 else { return }
            lock.withLock { log += buffer[0..<count] }
            pending += buffer[0..<count]
            while let newline = pending.firstIndex(of: 0x0A) {
                var bytes = pending[..<newline]
                if bytes.last == 0x0D { bytes = bytes.dropLast() }
                let line = String(decoding: bytes, as: UTF8.self)
                pending.removeSubrange(...newline)
                if let pendingAuth = authenticating {
                    authenticating = nil
                    write("\(pendingAuth.tag) NO [AUTHENTICATIONFAILED] you sent \(pendingAuth.line) \(line)\r\n")
                    continue
                }
                let parts = line.split(separator: " ")
                guard let tag = parts.first else { continue }
                let command = parts.count > 1 ? parts[1].uppercased() : ""
                let commandLine = line.dropFirst(tag.count + 1)
                switch command {
                case "CAPABILITY":
                    write("* CAPABILITY \(capabilities)\r\n\(tag) OK done\r\n")
                case "AUTHENTICATE" where parts.count > 3:  // SASL-IR: the response is on the command line
                    write("\(tag) NO [AUTHENTICATIONFAILED] you sent \(commandLine)\r\n")
                case "AUTHENTICATE":
                    authenticating = (tag, String(commandLine))
                    write("+ \r\n")
                case "LOGIN":
                    write("\(tag) NO [AUTHENTICATIONFAILED] you sent \(commandLine)\r\n")
                case "LOGOUT":
                    write("* BYE see you\r\n\(tag) OK bye\r\n")
                    return
                default:
                    write("\(tag) BAD you sent \(commandLine)\r\n")
                }
            }
        }
    }
}

struct EchoingIMAPServerFailure: Error, CustomStringConvertible {
    var description: String
}

/// Every encoding of a secret that the client may send, built independently with Foundation, for the assertions.
enum SecretForms {
    static func all(username: String, secret: String) -> [String: String] {
        let bytes = Data(secret.utf8)
        let plain = Data([0]) + Data(username.utf8) + Data([0]) + bytes
        let xoauth2 = Data("user=\(username)\u{1}auth=Bearer \(secret)\u{1}\u{1}".utf8)
        let oauthBearer = Data(
            "n,a=\(username),\u{1}host=127.0.0.1\u{1}port=143\u{1}auth=Bearer \(secret)\u{1}\u{1}".utf8)
        let unreserved = CharacterSet(
            charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return [
            "plain": secret,
            "base64": bytes.base64EncodedString(),
            "base64 PLAIN blob": plain.base64EncodedString(),
            "base64 XOAUTH2 blob": xoauth2.base64EncodedString(),
            "base64 OAUTHBEARER blob": oauthBearer.base64EncodedString(),
            "url-encoded": secret.addingPercentEncoding(withAllowedCharacters: unreserved) ?? secret,
        ]
    }

    /// The names of the forms of `secret` found in `text`.
    static func leaks(of secret: String, username: String, in text: String) -> [String] {
        all(username: username, secret: secret).filter { text.contains($0.value) }.map(\.key).sorted()
    }
}
