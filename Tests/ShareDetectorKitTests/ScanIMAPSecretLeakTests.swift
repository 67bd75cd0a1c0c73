import Foundation
import Testing

/// `share-detector scan` against an IMAP server that quotes the client's SASL response back in its refusal: neither
/// standard error, standard output nor the ledger holds the secret in any encoding we send it in.
@Suite("scan never leaks an IMAP secret", .serialized, .timeLimit(.minutes(2)))
struct ScanIMAPSecretLeakTests {
    static let username = "rep1@northwind.example"

    @Test(arguments: [
        ("password", "Imap-Pa55word-\"q\"-8f2c"),
        ("oauth2Token", "ya29.a0AfB_scan-token/with+chars=0c1d"),
    ])
    func aRefusedLoginNamesTheServersWordsButNoSecret(key: String, secret: String) throws {
        let server = try EchoingIMAPServer()
        defer { server.stop() }
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("team.yml")
        try Data(
            """
            team: leak-test
            state: state/ledger.sqlite
            gong:
              baseURL: http://127.0.0.1:9
              bearerToken: env:SD_LEAK_GONG_TOKEN
            mailboxes:
              - name: rep1
                imap:
                  url: \(server.url)
                  username: \(Self.username)
                  \(key): env:SD_LEAK_IMAP_SECRET
                  allowInsecure: true
                  folders: [Sent]

            """.utf8
        ).write(to: config)
        let result = try CLI.run(
            ["scan", "--config", config.path],
            environment: ["SD_LEAK_IMAP_SECRET": secret, "SD_LEAK_GONG_TOKEN": "gong-token-not-under-test"])

        // The client did send the secret, and the server did quote it back.
        let received = server.received()
        let sentForms = SecretForms.leaks(of: secret, username: Self.username, in: received)
        #expect(!sentForms.isEmpty, "the client sent: \(received)")
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("imap-authentication-failed"), "\(result.stderr)")
        #expect(result.stderr.contains("AUTHENTICATIONFAILED] you sent"), "the server's words: \(result.stderr)")

        var ledgerBytes = ""
        let state = folder.appendingPathComponent("state")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: state.path)) ?? [] {
            let data = (try? Data(contentsOf: state.appendingPathComponent(name))) ?? Data()
            ledgerBytes += String(decoding: data, as: UTF8.self)
        }
        #expect(!ledgerBytes.isEmpty, "the ledger was created")
        for (name, text) in [("stderr", result.stderr), ("stdout", result.stdout), ("ledger", ledgerBytes)] {
            #expect(SecretForms.leaks(of: secret, username: Self.username, in: text).isEmpty, "\(name): \(text)")
        }
    }
}
