/// What `EXAMINE` reported about a folder.
public struct IMAPMailboxStatus: Sendable, Equatable {
    /// `[UIDVALIDITY n]`.
    public var uidValidity: UInt32?
    /// `[UIDNEXT n]`.
    public var uidNext: UInt32?
    /// `n EXISTS`.
    public var exists: UInt32

    /// Creates a status.
    public init(uidValidity: UInt32?, uidNext: UInt32?, exists: UInt32) {
        self.uidValidity = uidValidity
        self.uidNext = uidNext
        self.exists = exists
    }
}

/// Our IMAP dialogue over one logged-in ``IMAPConnection``: tagged commands, responses through an
/// ``IMAPResponseReader``, and the few commands a read-only scan needs (CAPABILITY, LIST, EXAMINE, UID SEARCH,
/// pipelined UID FETCH, LOGOUT). Never SELECT, never a command that changes flags.
final class IMAPSession {
    let connection: IMAPConnection
    private(set) var reader: IMAPResponseReader
    private var tagNumber = 0
    /// Commands sent since login.
    private(set) var commandsSent = 0
    private var capabilitySet: Set<String>?
    private let receiveBuffer: UnsafeMutableRawBufferPointer
    /// The folder concerned, for error messages.
    var mailbox: String?
    /// Set when the server said `BYE`: its text.
    private(set) var byeText: String?

    init(connection: IMAPConnection, maxMessageBytes: Int) {
        self.connection = connection
        reader = IMAPResponseReader(maxLiteralBytes: maxMessageBytes)
        receiveBuffer = .allocate(byteCount: 256 << 10, alignment: 16)
        if let announced = connection.loginCapabilities { capabilitySet = Set(announced) }
    }

    deinit { receiveBuffer.deallocate() }

    var host: String { connection.server.displayHost }

    /// Sends `command` with a new tag and returns the tag.
    @discardableResult
    func send(_ command: String) throws(IMAPError) -> String {
        tagNumber += 1
        let tag = "S\(tagNumber)"
        try connection.send(Array("\(tag) \(command)\r\n".utf8))
        commandsSent += 1
        return tag
    }

    /// The next response, reading from the connection as needed.
    func nextResponse() throws(IMAPError) -> IMAPResponse {
        while true {
            let parsed: IMAPResponse?
            do {
                parsed = try reader.next()
            } catch {
                throw IMAPError(.protocolError, host: host, mailbox: mailbox, detail: error.detail)
            }
            if let parsed {
                if case .untaggedStatus(let status) = parsed, status.kind == .bye {
                    byeText = IMAPError.scrub(status.text, connection.scrubber)
                }
                return parsed
            }
            var count: Int
            do {
                count = try connection.receive(into: receiveBuffer)
            } catch {
                var lost = error
                lost.mailbox = mailbox
                if let byeText { lost.detail += " (after BYE: \(byeText))" }
                throw lost
            }
            reader.feed(UnsafeRawBufferPointer(rebasing: receiveBuffer[0..<count]))
        }
    }

    /// Sends `command`, hands every untagged response to `untagged`, and returns the tagged completion.
    func run(_ command: String, untagged: (IMAPResponse) -> Void = { _ in }) throws(IMAPError) -> IMAPStatus {
        let tag = try send(command)
        while true {
            let response = try nextResponse()
            if case .tagged(let doneTag, let status) = response, doneTag == tag { return status }
            untagged(response)
        }
    }

    /// The server's capabilities (from the login, else one `CAPABILITY` command), upper-cased.
    func capabilities() throws(IMAPError) -> Set<String> {
        if let capabilitySet { return capabilitySet }
        var found: [String] = []
        _ = try run("CAPABILITY") { response in
            if case .capability(let names) = response { found += names }
        }
        capabilitySet = Set(found)
        return Set(found)
    }

    /// `LIST "" "*"`.
    func listAll() throws(IMAPError) -> [IMAPListEntry] {
        var entries: [IMAPListEntry] = []
        let status = try run("LIST \"\" \"*\"") { response in
            if case .list(let entry) = response { entries.append(entry) }
        }
        guard status.kind == .ok else { throw failure(status, doing: "LIST") }
        return entries
    }

    /// `EXAMINE` (read-only select) of a folder given by its wire name.
    func examine(wireName: String) throws(IMAPError) -> IMAPMailboxStatus {
        var result = IMAPMailboxStatus(uidValidity: nil, uidNext: nil, exists: 0)
        let status = try run("EXAMINE \(try quoted(wireName))") { response in
            switch response {
            case .exists(let count): result.exists = count
            case .untaggedStatus(let status):
                switch status.code {
                case .uidValidity(let value): result.uidValidity = value
                case .uidNext(let value): result.uidNext = value
                default: break
                }
            default: break
            }
        }
        guard status.kind == .ok else { throw failure(status, doing: "EXAMINE") }
        if case .uidValidity(let value) = status.code { result.uidValidity = value }
        return result
    }

    /// `UID SEARCH <criteria>`: with ESEARCH `RETURN (ALL)` when offered (a compact answer), else the classic form.
    /// The UIDs come back sorted and unique; at most `limit` of them, else a protocol error.
    func uidSearch(_ criteria: String, limit: Int) throws(IMAPError) -> [UInt32] {
        let useESearch = try capabilities().contains("ESEARCH")
        var uids: [UInt32] = []
        var tooMany = false
        let command = useESearch ? "UID SEARCH RETURN (ALL) \(criteria)" : "UID SEARCH \(criteria)"
        let status = try run(command) { response in
            switch response {
            case .search(let found):
                if uids.count + found.count > limit { tooMany = true } else { uids += found }
            case .esearch(let result):
                for range in result.all {
                    if uids.count + range.count > limit {
                        tooMany = true
                        break
                    }
                    uids += range
                }
            default: break
            }
        }
        guard status.kind == .ok else { throw failure(status, doing: "UID SEARCH") }
        if tooMany {
            throw IMAPError(
                .protocolError, host: host, mailbox: mailbox, detail: "UID SEARCH returned more than \(limit) UIDs")
        }
        uids.sort()
        var unique: [UInt32] = []
        unique.reserveCapacity(uids.count)
        for uid in uids where unique.last != uid { unique.append(uid) }
        return unique
    }

    /// Sends `LOGOUT` and reads until the server closes or confirms; errors are ignored (the work is done).
    func logout() {
        guard let tag = try? send("LOGOUT") else { return }
        for _ in 0..<10_000 {
            guard let response = try? nextResponse() else { return }
            if case .tagged(let doneTag, _) = response, doneTag == tag { return }
        }
    }

    /// An error for a refused command, by response code.
    func failure(_ status: IMAPStatus, doing command: String) -> IMAPError {
        let text = IMAPError.scrub("\(command): \(status.kind.rawValue) \(status.text)", connection.scrubber)
        let code: IMAPError.Code =
            switch status.code {
            case .nonexistent, .tryCreate: .mailboxNotFound
            case .unavailable: .unavailable
            case .authenticationFailed, .authorizationFailed: .authenticationFailed
            default: command == "EXAMINE" && status.kind == .no ? .mailboxNotFound : .commandFailed
            }
        return IMAPError(code, host: host, mailbox: mailbox, detail: text)
    }

    /// A mailbox name as an IMAP quoted string.
    func quoted(_ wireName: String) throws(IMAPError) -> String {
        guard !wireName.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 }) else {
            throw IMAPError(
                .invalidConfiguration, host: host, mailbox: mailbox, detail: "a folder name holds a line break")
        }
        var result = "\""
        for character in wireName {
            if character == "\"" || character == "\\" { result.append("\\") }
            result.append(character)
        }
        return result + "\""
    }
}
