import Foundation
import MailParsing
import Testing

@testable import MailFetching

#if canImport(Glibc)
    import Glibc
#endif

/// Everything a folder read yielded, plus the source for its counters.
struct Fetched {
    var messages: [RawMessage] = []
    var unreadable: [(MessagePosition, String)] = []
    var status: IMAPFolderStatus?
    var statistics = IMAPFetchStatistics()
}

extension Fetched {
    /// The messages sorted by UID.
    var inUIDOrder: [RawMessage] { messages.sorted { $0.position.index < $1.position.index } }
}

/// Each message's resume offset never passes a UID not yet yielded, never goes back, and ends at the highest UID.
func expectSafeResumeOffsets(_ messages: [RawMessage], sourceLocation: SourceLocation = #_sourceLocation) {
    var yielded = Set<Int>()
    var previous: UInt64 = 0
    for message in messages {
        #expect(yielded.insert(message.position.index).inserted, "duplicate", sourceLocation: sourceLocation)
        #expect(message.resumeOffset >= previous, sourceLocation: sourceLocation)
        let below = (1...max(1, Int(message.resumeOffset))).allSatisfy {
            yielded.contains($0) || message.resumeOffset == 0
        }
        #expect(below, "resume offset \(message.resumeOffset) passes a missing UID", sourceLocation: sourceLocation)
        previous = message.resumeOffset
    }
    #expect(Int(previous) == messages.map(\.position.index).max(), sourceLocation: sourceLocation)
}

/// Reads a whole folder; `afterEach` runs after every yielded message (with how many so far).
func fetchAll(
    _ source: IMAPFolderSource, afterEach: (Int) throws -> Void = { _ in }
) throws -> Fetched {
    var result = Fetched()
    result.status = try source.open()
    while let item = try source.nextItem() {
        switch item {
        case .message(let raw):
            result.messages.append(raw)
            try afterEach(result.messages.count)
        case .unreadable(let position, let reason): result.unreadable.append((position, reason))
        }
    }
    source.close()
    result.statistics = source.fetchStatistics
    return result
}

func account(
    _ harness: DovecotHarness, tls: Bool = true, user: Int = 0, credential: IMAPCredential? = nil,
    caFile: Bool = true, allowInsecure: Bool = false
) -> IMAPAccount {
    let person = harness.users[user]
    return IMAPAccount(
        url: tls ? harness.imapsURL : harness.imapURL, username: person.name,
        credential: credential ?? .password(person.password), caFile: caFile ? harness.certificatePath : nil,
        allowInsecure: allowInsecure, connectTimeout: 10, idleTimeout: 20)
}

let quiet: @Sendable (String) -> Void = { _ in }
let noSleep: @Sendable (Double) -> Void = { _ in }

private func expectIMAPError(
    _ code: IMAPError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> IMAPError? {
    do {
        try body()
        Issue.record("expected \(code), got success", sourceLocation: sourceLocation)
    } catch let error as IMAPError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected IMAPError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

@Suite(
    .serialized, .timeLimit(.minutes(3)),
    .enabled(if: DovecotHarness.isAvailable, Comment(rawValue: DovecotHarness.skipMessage))
)
struct IMAPDovecotTests {
    @Test func fullFetchEqualsTheMboxAndLeavesSeenAlone() throws {
        let harness = try DovecotHarness()
        defer { harness.stop() }
        let corpus = SentMailCorpus.messages(count: 300)
        try harness.addMessages(user: "rep1", folder: "Sent", corpus)
        let before = try harness.seenFlags(user: "rep1", folder: "Sent")
        #expect(before.values.filter { !$0 }.count == 100)

        var options = IMAPFetchOptions()
        options.uidsPerCommand = 40
        options.partial = false
        let source = IMAPFolderSource(account: account(harness), folder: "Sent", options: options, onWarning: quiet)
        let fetched = try fetchAll(source)

        var mbox = MboxReader(bytes: SentMailCorpus.mbox(corpus), variant: .mboxrd)
        var expected: [[UInt8]] = []
        while let entry = mbox.next() { expected.append(entry.bytes) }
        #expect(expected.count == 300)
        #expect(fetched.messages.count == 300)
        // Dovecot may run pipelined FETCH commands concurrently, so UIDs can arrive out of order: compare by UID.
        let byUID = fetched.inUIDOrder
        #expect(byUID.map(\.bytes) == expected)
        #expect(byUID.map(\.position.index) == Array(1...300))
        expectSafeResumeOffsets(fetched.messages)
        #expect(fetched.messages.allSatisfy { $0.position.file == "imap://127.0.0.1:\(harness.imapsPort)/Sent" })
        #expect(byUID.map { $0.envelopeDate?.unixTime } == corpus.map { Int64($0.date.timeIntervalSince1970) })
        #expect(fetched.status?.toFetch == 300)
        #expect(fetched.statistics.messages == 300)
        #expect(source.resumeUID == 300)
        // BODY.PEEK[] only: the 100 unseen messages are still unseen.
        #expect(try harness.seenFlags(user: "rep1", folder: "Sent") == before)
    }

    @Test func incrementalRunsFetchOnlyNewMailInFewCommands() throws {
        let harness = try DovecotHarness()
        defer { harness.stop() }
        try harness.addMessages(user: "rep1", folder: "Sent", SentMailCorpus.messages(count: 50))
        let first = try fetchAll(IMAPFolderSource(account: account(harness), folder: "Sent", onWarning: quiet))
        let validity = try #require(first.status?.uidValidity)
        let last = try #require(first.messages.last.map { UInt32($0.resumeOffset) })
        #expect(last == 50)

        let again = try fetchAll(
            IMAPFolderSource(
                account: account(harness), folder: "Sent", startAfterUID: last, knownUIDValidity: validity,
                onWarning: quiet))
        #expect(again.messages.isEmpty)
        #expect(again.status?.uidValidityChanged == false)
        // EXAMINE, LOGOUT: UIDNEXT shows nothing is new, so no SEARCH.
        #expect(again.statistics.commandsSent <= 5)
        #expect(again.statistics.commandsSent == 2)

        let more = SentMailCorpus.messages(count: 55, seed: 7).suffix(5)
        try harness.addMessages(user: "rep1", folder: "Sent", Array(more), startIndex: 1000)
        let third = try fetchAll(
            IMAPFolderSource(
                account: account(harness), folder: "Sent", startAfterUID: last, knownUIDValidity: validity,
                onWarning: quiet))
        #expect(third.inUIDOrder.map(\.position.index) == Array(51...55))
        #expect(third.inUIDOrder.map(\.bytes) == more.map(\.bytes))
    }

    @Test func droppedConnectionResumesWithoutLossOrDuplicates() throws {
        let harness = try DovecotHarness()
        defer { harness.stop() }
        let corpus = SentMailCorpus.messages(count: 3000)
        try harness.addMessages(user: "rep1", folder: "Sent", corpus)
        var options = IMAPFetchOptions()
        options.uidsPerCommand = 100
        options.commandsInFlight = 2
        let source = IMAPFolderSource(
            account: account(harness), folder: "Sent", options: options, onWarning: quiet, sleep: noSleep)
        var kicked = 0
        let fetched = try fetchAll(source) { count in
            if count == 150 || count == 1700 {
                #expect(harness.killIMAPProcesses(user: "rep1") == 1)
                kicked += 1
            }
        }
        #expect(kicked == 2)
        #expect(fetched.statistics.reconnects == 2)
        #expect(fetched.unreadable.isEmpty)
        #expect(fetched.messages.count == 3000)
        #expect(fetched.inUIDOrder.map(\.position.index) == Array(1...3000))
        #expect(fetched.inUIDOrder.map(\.bytes) == corpus.map(\.bytes))
        expectSafeResumeOffsets(fetched.messages)
        #expect(try harness.seenFlags(user: "rep1", folder: "Sent").values.filter { !$0 }.count == 1000)
    }

    @Test func bodiesWithTagLinesAcrossManySmallCommands() throws {
        let harness = try DovecotHarness()
        defer { harness.stop() }
        // Every body holds `A005 OK fake`, `* 3 EXISTS`, `* BYE` and `S<n> OK FETCH completed` for our own tags.
        let corpus = SentMailCorpus.messages(count: 70).enumerated().filter { $0.offset % 7 == 3 }.map(\.element)
        try harness.addMessages(user: "rep1", folder: "Sent", corpus)
        var options = IMAPFetchOptions()
        options.uidsPerCommand = 1
        options.commandsInFlight = 3
        let fetched = try fetchAll(
            IMAPFolderSource(account: account(harness), folder: "Sent", options: options, onWarning: quiet))
        #expect(fetched.messages.count == 10)
        #expect(fetched.inUIDOrder.map(\.bytes) == corpus.map(\.bytes))
        #expect(fetched.messages.allSatisfy { String(decoding: $0.bytes, as: UTF8.self).contains("A005 OK fake") })
    }

    @Test func uidValidityChangeIsDetectedAndTheWindowRescanned() throws {
        let harness = try DovecotHarness()
        defer { harness.stop() }
        let corpus = SentMailCorpus.messages(count: 40)
        try harness.addMessages(user: "rep1", folder: "Sent", corpus)
        let first = try fetchAll(IMAPFolderSource(account: account(harness), folder: "Sent", onWarning: quiet))
        let validity = try #require(first.status?.uidValidity)
        let update = try harness.doveadm([
            "mailbox", "update", "-u", "rep1", "--uid-validity", "\(validity &+ 77)", "Sent",
        ])
        #expect(update.status == 0, "\(update.output)")

        // The window: messages from index 20 on (one minute apart, so from that message's day on).
        let since = corpus[20].date
        let source = IMAPFolderSource(
            account: account(harness), folder: "Sent", startAfterUID: 40, knownUIDValidity: validity, since: since,
            onWarning: quiet)
        let second = try fetchAll(source)
        #expect(second.status?.uidValidityChanged == true)
        #expect(source.uidValidityChanged)
        #expect(second.status?.uidValidity == validity &+ 77)
        // SINCE has day granularity; the corpus is within one day, so the whole day comes back.
        #expect(second.messages.count == 40)
    }

    @Test func sinceWindowOnAFirstRun() throws {
        let harness = try DovecotHarness()
        defer { harness.stop() }
        var corpus = SentMailCorpus.messages(count: 30)
        for index in corpus.indices {
            corpus[index].date = Date(timeIntervalSince1970: 1_730_419_200 + Double(index) * 86_400)
        }
        try harness.addMessages(user: "rep1", folder: "Sent", corpus)
        let fetched = try fetchAll(
            IMAPFolderSource(
                account: account(harness), folder: "Sent", since: corpus[25].date.addingTimeInterval(3600),
                onWarning: quiet))
        #expect(fetched.inUIDOrder.map(\.position.index) == Array(26...30))
    }

    @Test func wrongPasswordIsAnAuthenticationError() throws {
        let harness = try DovecotHarness()
        defer { harness.stop() }
        let secret = "not-the-Pa55word"
        let error = expectIMAPError(.authenticationFailed) {
            _ = try IMAPFolderSource(
                account: account(harness, credential: .password(secret)), folder: "Sent", onWarning: quiet
            ).open()
        }
        #expect(error?.isAccountFailure == true)
        #expect(error.map { !"\($0)".contains(secret) } == true)
        #expect(error.map { "\($0)".contains("127.0.0.1") } == true)
    }

    @Test func xoauth2LogsInWithAGoodTokenAndFailsWithABadOne() throws {
        let harness = try DovecotHarness()
        defer { harness.stop() }
        try harness.addMessages(user: "rep1", folder: "Sent", SentMailCorpus.messages(count: 5))
        let good = try fetchAll(
            IMAPFolderSource(
                account: account(harness, credential: .oauth2Token(harness.users[0].token)), folder: "Sent",
                onWarning: quiet))
        #expect(good.messages.count == 5)

        let badToken = "bad-token-ya29.secret"
        let error = expectIMAPError(.authenticationFailed) {
            _ = try IMAPFolderSource(
                account: account(harness, credential: .oauth2Token(badToken)), folder: "Sent", onWarning: quiet
            ).open()
        }
        #expect(error.map { !"\($0)".contains(badToken) } == true)

        harness.stopIntrospection()
        let down = expectIMAPError(.unavailable) {
            _ = try IMAPFolderSource(
                account: account(harness, credential: .oauth2Token(harness.users[0].token)), folder: "Sent",
                onWarning: quiet
            ).open()
        }
        #expect(down?.isRetryable == true)
    }

    /// A token source that first hands out a token the server refuses, then, told it was refused, a good one.
    final class ScriptedTokens: IMAPAccessTokenSource, @unchecked Sendable {
        let lock = NSLock()
        var tokens: [String]
        var rejected: [String] = []
        init(_ tokens: [String]) { self.tokens = tokens }
        func accessToken(rejecting refused: String?) throws(IMAPError) -> String {
            lock.withLock {
                if let refused {
                    rejected.append(refused)
                    if tokens.count > 1 { tokens.removeFirst() }
                }
                return tokens[0]
            }
        }
        var loginRefusedHint: String? { "check the mailbox's permission" }
    }

    @Test func aRefusedTokenFromASourceIsReportedAndTheLoginTriedOnceWithTheNextOne() throws {
        let harness = try DovecotHarness()
        defer { harness.stop() }
        try harness.addMessages(user: "rep1", folder: "Sent", SentMailCorpus.messages(count: 3))
        let revoked = "revoked-token-ya29.x1"
        let tokens = ScriptedTokens([revoked, harness.users[0].token])
        let fetched = try fetchAll(
            IMAPFolderSource(account: account(harness, credential: .oauth2(tokens)), folder: "Sent", onWarning: quiet))
        #expect(fetched.messages.count == 3)
        #expect(tokens.rejected == [revoked])

        // A source that has nothing better: one retry at most, the refusal reported with the source's hint.
        let stuck = ScriptedTokens([revoked])
        let error = expectIMAPError(.authenticationFailed) {
            _ = try IMAPFolderSource(
                account: account(harness, credential: .oauth2(stuck)), folder: "Sent", onWarning: quiet
            )
            .open()
        }
        #expect(stuck.rejected == [revoked])
        #expect(error.map { "\($0)".contains("A fresh token was refused: check the mailbox's permission") } == true)
        #expect(error.map { !"\($0)".contains(revoked) } == true)
    }

    @Test func imapsWithASelfSignedCertificateNeedsTheCAFile() throws {
        let harness = try DovecotHarness()
        defer { harness.stop() }
        let error = expectIMAPError(.tlsFailure) {
            _ = try IMAPFolderSource(account: account(harness, caFile: false), folder: "INBOX", onWarning: quiet)
                .open()
        }
        #expect(error?.isAccountFailure == true)
        let status = try IMAPFolderSource(account: account(harness), folder: "INBOX", onWarning: quiet).open()
        #expect(status.exists == 0)
        // STARTTLS on imap:// with the CA file works too; without it, the certificate is refused.
        let startTLS = try IMAPFolderSource(account: account(harness, tls: false), folder: "INBOX", onWarning: quiet)
            .open()
        #expect(startTLS.folder == "INBOX")
        _ = expectIMAPError(.tlsFailure) {
            _ = try IMAPFolderSource(
                account: account(harness, tls: false, caFile: false), folder: "INBOX", onWarning: quiet
            ).open()
        }
    }

    @Test func sentSpecialUseDiscoveryWithAModifiedUTF7Folder() throws {
        let harness = try DovecotHarness(sentFolder: "Envoyés")
        defer { harness.stop() }
        try harness.addMessages(user: "rep1", folder: "Envoyés", SentMailCorpus.messages(count: 12))
        try harness.addMessages(user: "rep1", folder: "Sent", SentMailCorpus.messages(count: 3))
        let source = IMAPFolderSource(account: account(harness), onWarning: quiet)
        let fetched = try fetchAll(source)
        #expect(fetched.status?.folder == "Envoyés")
        #expect(fetched.messages.count == 12)
        #expect(fetched.messages.first?.position.file == "imap://127.0.0.1:\(harness.imapsPort)/Envoyés")
        #expect(source.name == "imap://127.0.0.1:\(harness.imapsPort)/Envoyés")

        let named = try fetchAll(IMAPFolderSource(account: account(harness), folder: "Envoyés", onWarning: quiet))
        #expect(named.messages.count == 12)
        var inURL = account(harness)
        inURL.url += "/Envoy%C3%A9s"
        #expect(try fetchAll(IMAPFolderSource(account: inURL, onWarning: quiet)).messages.count == 12)
    }

    @Test func missingFolderIsAFolderErrorNotAnAccountError() throws {
        let harness = try DovecotHarness()
        defer { harness.stop() }
        let error = expectIMAPError(.mailboxNotFound) {
            _ = try IMAPFolderSource(account: account(harness), folder: "Nope", onWarning: quiet).open()
        }
        #expect(error?.isAccountFailure == false)
        #expect(error?.mailbox == "Nope")
    }

    @Test func oversizedMessagesAreReportedAndTheRestRead() throws {
        let harness = try DovecotHarness()
        defer { harness.stop() }
        var corpus = SentMailCorpus.messages(count: 20, tricky: false)
        corpus[4].bytes += [UInt8](repeating: UInt8(ascii: "y"), count: 300_000) + Array("\r\n".utf8)
        try harness.addMessages(user: "rep1", folder: "Sent", corpus)
        var options = IMAPFetchOptions()
        options.maxMessageBytes = 100_000
        let source = IMAPFolderSource(account: account(harness), folder: "Sent", options: options, onWarning: quiet)
        let fetched = try fetchAll(source)
        #expect(fetched.messages.count == 19)
        #expect(fetched.unreadable.map(\.0.index) == [5])
        #expect(fetched.unreadable.first?.1.contains("exceeds") == true)
        #expect(source.resumeUID == 20)
    }

    @Test func plaintextIsRefusedWithoutStartTLSAndNothingIsSentInClear() throws {
        let server = try FakeIMAPServer()
        defer { server.stop() }
        let secret = "plain-Secret-1"
        let account = IMAPAccount(
            url: "imap://127.0.0.1:\(server.port)", username: "rep1", credential: .password(secret), connectTimeout: 5,
            idleTimeout: 5)
        let error = expectIMAPError(.plaintextRefused) {
            _ = try IMAPFolderSource(account: account, folder: "Sent", onWarning: quiet).open()
        }
        #expect(error?.isAccountFailure == true)
        let received = server.received()
        #expect(!received.uppercased().contains("AUTHENTICATE"))
        #expect(!received.uppercased().contains("LOGIN"))
        #expect(!received.contains(secret))
    }

    @Test func allowInsecureWarnsLoudly() throws {
        let harness = try DovecotHarness()
        defer { harness.stop() }
        let warnings = WarningBox()
        let status = try IMAPFolderSource(
            account: account(harness, tls: false, allowInsecure: true), folder: "INBOX",
            onWarning: { warnings.add($0) }
        ).open()
        #expect(status.folder == "INBOX")
        #expect(warnings.all.contains { $0.contains("UNENCRYPTED") })
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["IMAP_LARGE_TESTS"] != nil))
    func twentyThousandMessages() throws {
        let harness = try DovecotHarness()
        defer { harness.stop() }
        let corpus = SentMailCorpus.messages(count: 20_000, tricky: false)
        try harness.addMessages(user: "rep1", folder: "Sent", corpus)
        let start = Date()
        let fetched = try fetchAll(IMAPFolderSource(account: account(harness), folder: "Sent", onWarning: quiet))
        let seconds = Date().timeIntervalSince(start)
        print("IMAP 20k: \(fetched.messages.count) messages in \(seconds) s")
        #expect(fetched.messages.count == 20_000)
    }
}

/// Collects warnings from any thread.
final class WarningBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ item: String) { lock.withLock { items.append(item) } }
    var all: [String] { lock.withLock { items } }
}

/// A one-connection IMAP server on 127.0.0.1 without STARTTLS: it records what the client sends.
final class FakeIMAPServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var log: [UInt8] = []
    private var thread: Thread?

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        listener = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 4) == 0 else { throw DovecotHarness.Failure(description: "bind/listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in serve() }
        self.thread = thread
        thread.start()
    }

    func received() -> String { lock.withLock { String(decoding: log, as: UTF8.self) } }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        let client = accept(listener, nil, nil)
        guard client >= 0 else { return }
        defer { close(client) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        func write(_ text: String) {
            _ = Array(text.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, 0) }
        }
        write("* OK IMAP4rev1 fake server ready\r\n")
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<100 {
            let count = recv(client, &buffer, buffer.count, 0)
            guard count > 0 else { return }
            lock.withLock { log += buffer[0..<count] }
            pending += buffer[0..<count]
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                let parts = line.split(separator: " ")
                guard let tag = parts.first else { continue }
                if parts.count > 1, parts[1].uppercased().hasPrefix("CAPABILITY") {
                    write("* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN\r\n\(tag) OK done\r\n")
                } else if parts.count > 1, parts[1].uppercased().hasPrefix("LOGOUT") {
                    write("* BYE\r\n\(tag) OK bye\r\n")
                    return
                } else {
                    write("\(tag) BAD not expected\r\n")
                }
            }
        }
    }
}
