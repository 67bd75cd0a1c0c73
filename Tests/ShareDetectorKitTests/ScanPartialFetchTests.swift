import Foundation
import Testing

/// `fetch: parts` against `fetch: whole` over a real Dovecot: the rule fixtures and the labelled list mail of the
/// shared corpus, each also sent again with a 100 KB attachment, give the same events, byte for byte; the partial
/// scan sends a fraction of the bytes.
@Suite(
    "scan over IMAP: header and text parts only (Dovecot)", .serialized,
    .enabled(if: DovecotHarness.isAvailable, Comment(rawValue: DovecotHarness.skipMessage))
)
struct ScanPartialFetchTests {
    static let boundary = "sd-wrap-7f3a9c"

    /// The message with its body moved into the first part of a multipart/mixed that also carries a `size`-byte
    /// PDF: the same mail, sent with an attachment.
    static func withAttachment(_ bytes: [UInt8], size: Int) -> [UInt8] {
        // The header ends at the first empty line (CRLF or LF).
        var end = 0
        var headerEnd: Int?
        while end < bytes.count {
            if bytes[end] == 0x0A, end + 1 < bytes.count {
                if bytes[end + 1] == 0x0A {
                    headerEnd = end + 1
                    break
                }
                if bytes[end + 1] == 0x0D, end + 2 < bytes.count, bytes[end + 2] == 0x0A {
                    headerEnd = end + 1
                    break
                }
            }
            end += 1
        }
        guard let headerEnd else { return bytes }
        var bodyStart = headerEnd
        if bytes[bodyStart] == 0x0D { bodyStart += 1 }
        bodyStart += 1
        // Header fields with their continuation lines; the MIME ones move into the first part.
        var kept: [UInt8] = []
        var moved: [UInt8] = []
        var toMoved = false
        for line in bytes[..<headerEnd].split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
            let text = String(decoding: line.prefix(40), as: UTF8.self).lowercased()
            if line.first != 0x20, line.first != 0x09 {
                toMoved = text.hasPrefix("content-") || text.hasPrefix("mime-version")
            }
            if toMoved { moved += line + [0x0A] } else { kept += line + [0x0A] }
        }
        if !String(decoding: moved, as: UTF8.self).lowercased().contains("content-type") {
            moved += Array("Content-Type: text/plain; charset=us-ascii\r\n".utf8)
        }
        let pdf = Data((0..<(size * 3 / 4)).map { UInt8(truncatingIfNeeded: $0 &* 7) }).base64EncodedString(
            options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        return kept
            + Array("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"\(boundary)\"\r\n\r\n".utf8)
            + Array("--\(boundary)\r\n".utf8) + moved + Array("\r\n".utf8) + Array(bytes[bodyStart...])
            + Array("\r\n--\(boundary)\r\nContent-Type: application/pdf; name=\"terms.pdf\"\r\n".utf8)
            + Array("Content-Transfer-Encoding: base64\r\n\r\n\(pdf)\r\n--\(boundary)--\r\n".utf8)
    }

    /// The rule fixtures and, when the shared corpus is there, its labelled list mail.
    static func sampleMail() throws -> [[UInt8]] {
        var roots = [CLI.packageRoot.appendingPathComponent("rules/tests")]
        let links = CLI.packageRoot.appendingPathComponent("../shared/corpus/links").standardizedFileURL
        if FileManager.default.fileExists(atPath: links.path) { roots.append(links) }
        var messages: [[UInt8]] = []
        for root in roots {
            let files = (FileManager.default.enumerator(atPath: root.path)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".eml") }.sorted()
            for file in files { messages.append([UInt8](try Data(contentsOf: root.appendingPathComponent(file)))) }
        }
        return messages
    }

    /// Bytes Dovecot sent to clients, from its `Logged out … out=N` lines.
    static func bytesSent(_ log: String) -> Int {
        log.split(separator: "\n").filter { $0.contains("Logged out") }.reduce(0) { total, line in
            guard let range = line.range(of: "out=") else { return total }
            return total + (Int(line[range.upperBound...].prefix { $0.isNumber }) ?? 0)
        }
    }

    @Test func partsAndWholeGiveTheSameEvents() throws {
        let dovecot = try DovecotHarness()
        defer { dovecot.stop() }
        let mail = try Self.sampleMail()
        #expect(mail.count > 150)
        let date = Date()
        let messages =
            mail.map { DovecotHarness.Message(bytes: $0, date: date, seen: true) }
            + mail.map { DovecotHarness.Message(bytes: Self.withAttachment($0, size: 100_000), date: date, seen: true) }
        try dovecot.addMessages(user: dovecot.users[0].name, folder: "Sent", messages)
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var environment = ScanCommandTests.environment
        environment["TEST_IMAP_PASSWORD"] = dovecot.users[0].password

        func dryRun(fetch: String) throws -> (events: [String], bytes: Int) {
            let config = """
                team: partial
                internalDomains: [northwind.example, example.com]
                state: state/ledger.sqlite
                mailboxes:
                  - name: alice
                    imap:
                      url: \(dovecot.imapsURL)
                      username: \(dovecot.users[0].name)
                      password: env:TEST_IMAP_PASSWORD
                      caFile: \(dovecot.certificatePath)
                      fetch: \(fetch)
                """
            let path = folder.appendingPathComponent("team-\(fetch).yml").path
            try Data(config.utf8).write(to: URL(fileURLWithPath: path))
            let before = Self.bytesSent(dovecot.log())
            let result = try CLI.run(
                ["scan", "--dry-run", "--backfill", "--json", "--config", path], environment: environment)
            #expect(result.status == 0 || result.status == 1, "\(result.stderr)")
            #expect(!result.stderr.contains("fetched whole"), "\(result.stderr)")
            return (
                result.stdout.split(separator: "\n").map(String.init).sorted(), Self.bytesSent(dovecot.log()) - before
            )
        }
        let whole = try dryRun(fetch: "whole")
        let parts = try dryRun(fetch: "parts")
        #expect(whole.events.count > 100)
        #expect(parts.events == whole.events)
        print(
            "parts vs whole: \(messages.count) messages, \(parts.events.count) events, Dovecot sent \(parts.bytes) "
                + "bytes (parts) and \(whole.bytes) (whole)")
        #expect(parts.bytes * 3 < whole.bytes, "parts: \(parts.bytes) bytes, whole: \(whole.bytes) bytes")
    }
}
