import Foundation
import Testing

@testable import MailFetching

/// A server that quotes the client's SASL response (or LOGIN line) back in its refusal: the error must carry the
/// server's words, and no form of the secret.
@Suite("IMAP login errors never leak the secret", .serialized, .timeLimit(.minutes(2)))
struct IMAPSecretLeakTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var capabilities: String
        var credential: IMAPCredential
        /// A form of the secret the client must have sent (proves the echo really carried it).
        var sentForm: @Sendable (String, String) -> String

        var description: String { name }
    }

    static let username = "rep1@example.com"
    static let password = #"Pa55-"quoted"\slash-pässword"#
    static let token = "ya29.a0AfB_byC-oauth-token/with+chars="

    static let cases: [Case] = [
        Case(
            name: "AUTHENTICATE PLAIN", capabilities: EchoingIMAPServer.defaultCapabilities,
            credential: .password(password),
            sentForm: { user, secret in
                SecretForms.all(username: user, secret: secret)["base64 PLAIN blob"]!
            }),
        Case(
            name: "AUTHENTICATE PLAIN with SASL-IR", capabilities: "IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=XOAUTH2 LOGIN",
            credential: .password(password),
            sentForm: { user, secret in
                SecretForms.all(username: user, secret: secret)["base64 PLAIN blob"]!
            }),
        Case(
            name: "AUTHENTICATE XOAUTH2", capabilities: EchoingIMAPServer.defaultCapabilities,
            credential: .oauth2Token(token),
            sentForm: { user, secret in
                SecretForms.all(username: user, secret: secret)["base64 XOAUTH2 blob"]!
            }),
        Case(
            name: "LOGIN command", capabilities: "IMAP4rev1", credential: .password(password),
            sentForm: { _, secret in SecretScrubber.imapQuoted(secret) }),
    ]

    @Test(arguments: cases)
    func theRefusalIsReportedWithoutTheSecret(_ testCase: Case) throws {
        let server = try EchoingIMAPServer(capabilities: testCase.capabilities)
        defer { server.stop() }
        let secret = testCase.credential.secret
        let warnings = LeakWarningBox()
        let account = IMAPAccount(
            url: server.url, username: Self.username, credential: testCase.credential, allowInsecure: true,
            connectTimeout: 5, idleTimeout: 5)
        let source = IMAPFolderSource(account: account, folder: "Sent", onWarning: { warnings.add($0) })
        var caught: IMAPError?
        do { _ = try source.open() } catch { caught = error }
        source.close()

        let received = server.received()
        #expect(received.contains(testCase.sentForm(Self.username, secret)), "the client sent: \(received)")
        let error = try #require(caught)
        #expect(error.code == .authenticationFailed, "\(error)")
        #expect(error.description.contains("AUTHENTICATIONFAILED"), "the server's words are kept: \(error)")
        #expect(error.description.contains(SecretScrubber.mask), "\(error)")
        let everything = [error.description, error.detail, String(reflecting: error)] + warnings.all
        for text in everything {
            #expect(SecretForms.leaks(of: secret, username: Self.username, in: text).isEmpty, "\(text)")
            #expect(!text.contains(SecretScrubber.imapQuoted(secret)), "\(text)")
            #expect(!text.contains(testCase.sentForm(Self.username, secret)), "\(text)")
        }
    }
}

/// Collects warnings from any thread.
final class LeakWarningBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ item: String) { lock.withLock { items.append(item) } }
    var all: [String] { lock.withLock { items } }
}
