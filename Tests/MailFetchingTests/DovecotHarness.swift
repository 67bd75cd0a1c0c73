import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A private Dovecot on 127.0.0.1 for tests and benchmarks: its own config, certificate, users and Maildir folders
/// in a temporary directory, plus a tiny OAuth 2 token-introspection endpoint (python3 `http.server`) so XOAUTH2
/// logins really happen. Nothing touches `/etc/dovecot`; ``stop()`` ends every process it started (by pid) and
/// removes the directory.
///
/// Plain Foundation (no test framework), so the benchmark package under `benchmarks/imap` compiles it too.
final class DovecotHarness {
    /// A mail user of the private server.
    struct User {
        var name: String
        var password: String
        var token: String
        var uid: Int
    }

    /// One message to write into a Maildir folder.
    struct Message {
        var bytes: [UInt8]
        var date: Date
        var seen: Bool
    }

    /// Why the harness could not start.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let dovecotPath = "/usr/sbin/dovecot"

    /// The test process blocks most signals and `Process` passes that mask on: without this exec wrapper the
    /// children would ignore SIGTERM.
    static let unblockAndExec = """
        import os, signal, sys
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE): signal.signal(number, signal.SIG_DFL)
        os.execv(sys.argv[1], sys.argv[1:])
        """
    static let doveadmPath = "/usr/bin/doveadm"

    /// Whether Dovecot is installed; tests skip with a message when not.
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: dovecotPath) }

    /// The message tests print when they skip.
    static let skipMessage =
        "SKIPPED: /usr/sbin/dovecot is not installed (apt-get install -y dovecot-imapd openssl, or scripts/setup.sh)"

    let root: String
    let imapPort: Int
    let imapsPort: Int
    let oauthPort: Int
    let users: [User]
    let sentFolder: String
    private var dovecot: Process?
    private var introspection: Process?

    var configPath: String { "\(root)/dovecot/dovecot.conf" }
    var certificatePath: String { "\(root)/dovecot/cert.pem" }
    /// `imaps://127.0.0.1:port`.
    var imapsURL: String { "imaps://127.0.0.1:\(imapsPort)" }
    /// `imap://127.0.0.1:port` (STARTTLS offered).
    var imapURL: String { "imap://127.0.0.1:\(imapPort)" }

    /// Where Dovecot's `oauth2` passdb checks tokens: the built-in endpoint (the fixed ``User/token`` of each user),
    /// or an external token server's introspection URL.
    let introspectionURL: String?
    /// Whether Dovecot requires the token's `username` to be the login name; when off, only the domains must match
    /// (`username_format = %Ld`): an application token opens any mailbox of its domain, as Microsoft 365's app-only
    /// tokens with FullAccess do.
    let checksTokenUsername: Bool

    /// Creates the directory, certificate, config and users, then starts Dovecot and the token endpoint.
    ///
    /// `sentFolder` gets `special_use = \Sent`. `users`: the mail users (default rep1 and rep2). `introspectionURL`:
    /// an external token server's introspection endpoint instead of the built-in one.
    /// Users whose every login is refused, whatever the password or token (as IMAP turned off for them).
    let deniedUsers: [String]

    init(
        sentFolder: String = "Sent", users: [User]? = nil, introspectionURL: String? = nil,
        checksTokenUsername: Bool = true, deniedUsers: [String] = []
    ) throws {
        self.deniedUsers = deniedUsers
        self.sentFolder = sentFolder
        self.introspectionURL = introspectionURL
        self.checksTokenUsername = checksTokenUsername
        var template = Array("/tmp/sdimap-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "mkdtemp failed") }
        root = String(cString: made)
        chmod(root, 0o755)
        let ports = try Self.freePorts(3)
        imapPort = ports[0]
        imapsPort = ports[1]
        oauthPort = ports[2]
        self.users =
            users ?? [
                User(name: "rep1", password: "secret1-Pa55", token: "good-token-rep1", uid: 5000),
                User(name: "rep2", password: "secret2-Pa55", token: "good-token-rep2", uid: 5000),
            ]
        do {
            try writeFiles()
            try start()
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    // MARK: Files

    private func writeFiles() throws {
        let dir = "\(root)/dovecot"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let openssl = try Self.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "\(dir)/key.pem", "-out", "\(dir)/cert.pem", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ])
        guard openssl.status == 0 else { throw Failure(description: "openssl failed: \(openssl.output)") }
        var passwd = ""
        for user in users {
            let home = "\(root)/mail/\(user.name)"
            for sub in ["cur", "new", "tmp"] {
                try FileManager.default.createDirectory(
                    atPath: "\(home)/Maildir/\(sub)", withIntermediateDirectories: true)
            }
            passwd +=
                "\(user.name):{PLAIN}\(user.password):\(user.uid):\(user.uid)::\(home)::"
                + "userdb_mail=maildir:\(home)/Maildir\n"
        }
        try passwd.write(toFile: "\(dir)/passwd", atomically: true, encoding: .utf8)
        try deniedUsers.map { "\($0):\n" }.joined().write(toFile: "\(dir)/denied", atomically: true, encoding: .utf8)
        let introspect = introspectionURL ?? "http://127.0.0.1:\(oauthPort)/introspect"
        let base = introspect.hasSuffix("/introspect") ? String(introspect.dropLast(11)) : introspect
        let oauth = """
            introspection_mode = post
            introspection_url = \(introspect)
            username_attribute = username
            username_format = \(checksTokenUsername ? "%Lu" : "%Ld")
            active_attribute = active
            active_value = true
            tokeninfo_url = \(base)/tokeninfo?access_token=
            """
        try oauth.write(toFile: "\(dir)/oauth2.conf.ext", atomically: true, encoding: .utf8)
        let config = """
            instance_name = sdimap\(imapPort)
            base_dir = \(dir)/run
            state_dir = \(dir)/state
            log_path = \(dir)/dovecot.log
            info_log_path = \(dir)/dovecot.log
            protocols = imap
            listen = 127.0.0.1
            default_login_user = dovenull
            default_internal_user = dovecot
            first_valid_uid = 1000
            ssl = yes
            ssl_cert = <\(dir)/cert.pem
            ssl_key = <\(dir)/key.pem
            disable_plaintext_auth = no
            auth_mechanisms = plain login xoauth2 oauthbearer
            mail_location = maildir:~/Maildir
            verbose_proctitle = yes
            auth_debug = yes
            passdb {
              driver = passwd-file
              deny = yes
              args = \(dir)/denied
            }
            passdb {
              driver = passwd-file
              args = scheme=PLAIN \(dir)/passwd
            }
            passdb {
              driver = oauth2
              mechanisms = xoauth2 oauthbearer
              args = \(dir)/oauth2.conf.ext
            }
            userdb {
              driver = passwd-file
              args = \(dir)/passwd
            }
            namespace inbox {
              inbox = yes
              separator = /
              mailbox "\(sentFolder)" {
                special_use = \\Sent
              }
            }
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = \(imapPort)
              }
              inet_listener imaps {
                address = 127.0.0.1
                port = \(imapsPort)
                ssl = yes
              }
            }

            """
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let script = """
            import http.server, json, sys, urllib.parse
            port = int(sys.argv[1]); tokens = json.loads(sys.argv[2])
            class Handler(http.server.BaseHTTPRequestHandler):
                def answer(self, token):
                    user = tokens.get(token)
                    body = json.dumps({"active": "true", "username": user} if user else {"active": "false"}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def do_POST(self):
                    length = int(self.headers.get("Content-Length", 0))
                    form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                    self.answer(form.get("token", [""])[0])
                def do_GET(self):
                    query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                    self.answer(query.get("access_token", [""])[0])
                def log_message(self, *args):
                    pass
            http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()

            """
        try script.write(toFile: "\(dir)/introspect.py", atomically: true, encoding: .utf8)
        try chownTree("\(root)/mail", uid: users[0].uid)
    }

    // MARK: Processes

    /// The built-in token endpoint: each user's fixed token is valid.
    private func startIntrospection() throws {
        var tokens: [String: String] = [:]
        for user in users { tokens[user.token] = user.name }
        let tokenJSON = String(decoding: try JSONSerialization.data(withJSONObject: tokens), as: UTF8.self)
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = [
            "python3", "-c", Self.unblockAndExec, "/usr/bin/env", "python3", "\(root)/dovecot/introspect.py",
            "\(oauthPort)", tokenJSON,
        ]
        python.standardOutput = FileHandle.nullDevice
        python.standardError = FileHandle.nullDevice
        try python.run()
        introspection = python
    }

    private func start() throws {
        if introspectionURL == nil { try startIntrospection() }
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", "-c", Self.unblockAndExec, Self.dovecotPath, "-F", "-c", configPath]
        server.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        server.standardError = errors
        try server.run()
        dovecot = server
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if !server.isRunning {
                let text = String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
                throw Failure(description: "dovecot exited: \(text) \(log())")
            }
            if Self.canConnect(imapPort), Self.canConnect(imapsPort),
                introspectionURL != nil || Self.canConnect(oauthPort)
            {
                return
            }
            usleep(20_000)
        }
        throw Failure(description: "dovecot did not listen within 15 s: \(log())")
    }

    /// Stops Dovecot and the token endpoint (SIGTERM, then SIGKILL after 5 s) and removes the directory.
    func stop() {
        for process in [dovecot, introspection].compactMap({ $0 }) where process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning, Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        dovecot = nil
        introspection = nil
        if !root.isEmpty, root.hasPrefix("/tmp/sdimap-") { try? FileManager.default.removeItem(atPath: root) }
    }

    /// Stops only the token endpoint (XOAUTH2 logins then meet `[UNAVAILABLE]`).
    func stopIntrospection() {
        guard let introspection, introspection.isRunning else { return }
        kill(introspection.processIdentifier, SIGTERM)
        introspection.waitUntilExit()
    }

    /// Kills (SIGKILL) this instance's `imap` processes serving `user`, found by pid under our own Dovecot master:
    /// a hard connection drop. Returns how many were killed.
    @discardableResult
    func killIMAPProcesses(user: String) -> Int {
        guard let master = dovecot?.processIdentifier else { return 0 }
        var killed = 0
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[1]) == master,
                let commandLine = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
                commandLine.contains("/imap [\(user) ")
            else { continue }
            if kill(pid, SIGKILL) == 0 { killed += 1 }
        }
        return killed
    }

    /// The Dovecot log so far (last 4 KB).
    func log() -> String {
        let text = (try? String(contentsOfFile: "\(root)/dovecot/dovecot.log", encoding: .utf8)) ?? ""
        return String(text.suffix(4096))
    }

    /// Runs `doveadm -c <config> arguments…`.
    @discardableResult
    func doveadm(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try Self.run(Self.doveadmPath, ["-c", configPath] + arguments)
    }

    // MARK: Mail

    /// The Maildir++ directory of `folder` (wire name on disk, modified UTF-7) for `user`.
    func folderPath(user: String, folder: String) -> String {
        let base = "\(root)/mail/\(user)/Maildir"
        guard folder != "INBOX" else { return base }
        return "\(base)/.\(Self.encodeFolder(folder))"
    }

    /// Writes messages into a folder (created if needed) as Dovecot would: `cur/<time>.M<n>P1.host,S=<size>:2,<flags>`
    /// with the file time set to the message date, so UIDs follow the given order.
    func addMessages(user: String, folder: String, _ messages: [Message], startIndex: Int = 0) throws {
        let path = folderPath(user: user, folder: folder)
        for sub in ["cur", "new", "tmp"] {
            try FileManager.default.createDirectory(atPath: "\(path)/\(sub)", withIntermediateDirectories: true)
        }
        if folder != "INBOX" { _ = FileManager.default.createFile(atPath: "\(path)/maildirfolder", contents: nil) }
        let base = 1_700_000_000
        for (offset, message) in messages.enumerated() {
            let number = startIndex + offset
            let name = "\(base + number).M\(number)P1.sdimap,S=\(message.bytes.count):2,\(message.seen ? "S" : "")"
            let file = "\(path)/cur/\(name)"
            guard FileManager.default.createFile(atPath: file, contents: Data(message.bytes)) else {
                throw Failure(description: "cannot write \(file)")
            }
            var times = [
                timeval(tv_sec: Int(message.date.timeIntervalSince1970), tv_usec: 0),
                timeval(tv_sec: Int(message.date.timeIntervalSince1970), tv_usec: 0),
            ]
            utimes(file, &times)
        }
        try chownTree("\(root)/mail/\(user)", uid: users[0].uid)
    }

    /// `\Seen` per UID, from `doveadm fetch`.
    func seenFlags(user: String, folder: String) throws -> [Int: Bool] {
        let result = try doveadm(["fetch", "-u", user, "uid flags", "mailbox", folder, "all"])
        guard result.status == 0 else { throw Failure(description: "doveadm fetch: \(result.output)") }
        var flags: [Int: Bool] = [:]
        var uid: Int?
        for line in result.output.split(separator: "\n") {
            if line.hasPrefix("uid: ") { uid = Int(line.dropFirst(5)) }
            if line.hasPrefix("flags:"), let current = uid { flags[current] = line.contains("\\Seen") }
        }
        return flags
    }

    private func chownTree(_ path: String, uid: Int) throws {
        let result = try Self.run("/bin/chown", ["-R", "\(uid):\(uid)", path])
        guard result.status == 0 else { throw Failure(description: "chown: \(result.output)") }
    }

    // MARK: Helpers

    /// Modified UTF-7 (the on-disk Maildir++ name); a copy so the harness has no dependency.
    static func encodeFolder(_ name: String) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,")
        var output = ""
        var pending: [UInt8] = []
        func flush() {
            guard !pending.isEmpty else { return }
            output += "&"
            var index = 0
            while index < pending.count {
                let b0 = Int(pending[index])
                let b1 = index + 1 < pending.count ? Int(pending[index + 1]) : 0
                let b2 = index + 2 < pending.count ? Int(pending[index + 2]) : 0
                output.append(alphabet[b0 >> 2])
                output.append(alphabet[(b0 & 3) << 4 | b1 >> 4])
                if index + 1 < pending.count { output.append(alphabet[(b1 & 15) << 2 | b2 >> 6]) }
                if index + 2 < pending.count { output.append(alphabet[b2 & 63]) }
                index += 3
            }
            output += "-"
            pending = []
        }
        for scalar in name.unicodeScalars {
            if scalar.value >= 0x20, scalar.value <= 0x7E {
                flush()
                output += scalar == "&" ? "&-" : String(scalar)
            } else {
                for unit in String(scalar).utf16 { pending += [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
            }
        }
        flush()
        return output
    }

    /// Ports the kernel reports free on 127.0.0.1 (bound together, then released).
    static func freePorts(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { for socket in sockets { close(socket) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard socket >= 0 else { throw Failure(description: "socket() failed") }
            sockets.append(socket)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else { throw Failure(description: "bind() failed") }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
            }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func canConnect(_ port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }

    /// Runs a program to completion; output is stdout and stderr together.
    static func run(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// Synthetic sent mail, deterministic for a seed: small multipart messages with CRLF line endings (what IMAP
/// delivers), document links, and a few tricky bodies.
enum SentMailCorpus {
    /// `count` messages, dated one minute apart from 2024-11-01, `seenEvery`-th one unseen.
    static func messages(count: Int, seed: UInt64 = 42, tricky: Bool = true) -> [DovecotHarness.Message] {
        var state = seed
        func random() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let start = Date(timeIntervalSince1970: 1_730_419_200)
        // A pool of body lines keeps generation cheap in debug builds (20,000 messages in about a second).
        let pool: [[UInt8]] = (0..<256).map { number in
            Array("Line \(number): notes \(random()) for the account review, next steps and pricing.\r\n".utf8)
        }
        let tagLines = Array("A005 OK fake completion inside a body\r\n* 3 EXISTS\r\n* BYE not really\r\n".utf8)
        let fromLines = Array("From the desk of the sales team\r\n>From quoted already\r\n".utf8)
        var result: [DovecotHarness.Message] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            let date = start.addingTimeInterval(Double(index) * 60)
            var bytes = Array(
                ("From: Rep One <rep1@example.com>\r\nTo: buyer\(index)@customer.example\r\n"
                    + "Subject: Proposal \(index)\r\nDate: \(rfc2822(date))\r\n"
                    + "Message-ID: <m\(index).\(seed)@example.com>\r\nMIME-Version: 1.0\r\n"
                    + "Content-Type: text/plain; charset=utf-8\r\n\r\n").utf8)
            let lines = 20 + Int(random() % 60)
            for line in 0..<lines {
                bytes += pool[Int(random() % 256)]
                if line == 5 {
                    bytes += Array("Deck: https://docs.google.com/presentation/d/\(random())/edit\r\n".utf8)
                }
            }
            if tricky, index % 7 == 3 {
                bytes += tagLines
                bytes += Array("S\(index % 9 + 1) OK FETCH completed\r\n{12}\r\nnot a literal\r\n".utf8)
            }
            if tricky, index % 11 == 5 { bytes += fromLines }
            result.append(DovecotHarness.Message(bytes: bytes, date: date, seen: index % 3 != 0))
        }
        return result
    }

    /// The messages as an mboxrd file (From_ lines, `>From` quoting).
    static func mbox(_ messages: [DovecotHarness.Message]) -> [UInt8] {
        var output: [UInt8] = []
        for message in messages {
            output += Array("From rep1@example.com Fri Nov  1 00:00:00 2024\r\n".utf8)
            var lineStart = true
            var index = 0
            let bytes = message.bytes
            while index < bytes.count {
                if lineStart {
                    var probe = index
                    while probe < bytes.count, bytes[probe] == UInt8(ascii: ">") { probe += 1 }
                    if bytes[probe...].starts(with: Array("From ".utf8)) { output.append(UInt8(ascii: ">")) }
                }
                output.append(bytes[index])
                lineStart = bytes[index] == 0x0A
                index += 1
            }
            output += Array("\r\n".utf8)
        }
        return output
    }

    static func rfc2822(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(parts.tm_mday) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }
}
