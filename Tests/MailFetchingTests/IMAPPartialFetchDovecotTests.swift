import Foundation
import MailParsing
import Testing

@testable import MailFetching

/// Partial fetching against a real Dovecot: the header and text parts rebuilt from `BODYSTRUCTURE` read as the
/// whole message reads, and the attachments' bytes never cross the wire.
@Suite(
    .serialized, .timeLimit(.minutes(5)),
    .enabled(if: DovecotHarness.isAvailable, Comment(rawValue: DovecotHarness.skipMessage))
)
struct IMAPPartialFetchDovecotTests {
    /// What detection reads of a message: everything but the attachments' sizes.
    struct Reading: Equatable {
        var messageID: String?
        var subject: String?
        var from: [String] = []
        var recipients: [String] = []
        var date: Int64?
        var parts: [String] = ["unparseable"]
        var attachments: [String] = []

        init(_ bytes: [UInt8]) {
            guard let message = try? MailParser().parse(bytes) else { return }
            messageID = message.messageID
            subject = message.subject
            from = message.from.map(\.address)
            recipients = message.recipients.map(\.address)
            date = message.date?.unixTime
            parts = message.bodyParts.map {
                "\($0.kind) \($0.isInAttachedMessage) " + String(decoding: $0.utf8, as: UTF8.self)
            }
            attachments = message.attachments.map { "\($0.fileName ?? "-") \($0.contentType)" }
        }
    }

    /// A sent message with a share in plain and HTML, a forwarded message, and a `size`-byte PDF.
    static func withAttachment(_ index: Int, size: Int) -> DovecotHarness.Message {
        let pdf = Data((0..<(size * 3 / 4)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }).base64EncodedString(
            options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let text = """
            From: Alice Martin <alice@northwind.example>\r
            To: Buyer <buyer\(index)@contoso.example>\r
            Subject: Deck \(index)\r
            Date: Mon, 30 Nov 2026 10:00:00 +0000\r
            Message-ID: <partial-\(index)@northwind.example>\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="outer-\(index)"\r
            \r
            This is a multi-part message in MIME format.\r
            --outer-\(index)\r
            Content-Type: multipart/alternative; boundary="alt-\(index)"\r
            \r
            --alt-\(index)\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            The deck: https://docs.google.com/presentation/d/1Partial\(index)AbCdEfGhIjKl/edit =E2=80=94 Alice\r
            --alt-\(index)\r
            Content-Type: text/html; charset=utf-8\r
            \r
            <p>The <a href="https://docs.google.com/presentation/d/1Partial\(index)AbCdEfGhIjKl/edit">deck</a></p>\r
            --alt-\(index)--\r
            \r
            --outer-\(index)\r
            Content-Type: message/rfc822\r
            \r
            From: Bob <bob@contoso.example>\r
            Subject: the earlier thread\r
            Content-Type: multipart/mixed; boundary="inner-\(index)"\r
            \r
            --inner-\(index)\r
            Content-Type: text/plain\r
            \r
            See https://www.dropbox.com/s/abc\(index)def/plan.pdf?dl=0\r
            --inner-\(index)\r
            Content-Type: image/png; name="logo.png"\r
            Content-Transfer-Encoding: base64\r
            \r
            iVBORw0KGgo=\r
            --inner-\(index)--\r
            \r
            --outer-\(index)\r
            Content-Type: application/pdf; name="deck-\(index).pdf"\r
            Content-Disposition: attachment; filename="deck-\(index).pdf"\r
            Content-Transfer-Encoding: base64\r
            \r
            \(pdf)\r
            --outer-\(index)--\r

            """
        return DovecotHarness.Message(bytes: Array(text.utf8), date: Date(), seen: false)
    }

    static func read(_ harness: DovecotHarness, partial: Bool) throws -> Fetched {
        var options = IMAPFetchOptions()
        options.partial = partial
        options.uidsPerCommand = 50
        return try fetchAll(
            IMAPFolderSource(account: account(harness), folder: "Sent", options: options, onWarning: quiet))
    }

    @Test func attachmentsAreNeverDownloadedAndTheTextReadsTheSame() throws {
        let harness = try DovecotHarness()
        defer { harness.stop() }
        // Half of the messages carry a 2 MB attachment.
        let messages = (0..<20).map { index in
            index % 2 == 0
                ? Self.withAttachment(index, size: 2 << 20)
                : Self.withAttachment(index, size: 1_000)
        }
        try harness.addMessages(user: "rep1", folder: "Sent", messages)
        let folderBytes = messages.reduce(0) { $0 + $1.bytes.count }

        let whole = try Self.read(harness, partial: false)
        let partial = try Self.read(harness, partial: true)
        #expect(whole.messages.count == 20)
        #expect(partial.messages.count == 20)
        // The ten with a 2 MB PDF in parts; the ten with 1 KB attachments whole (not worth a rebuilt message).
        #expect(partial.statistics.partialMessages == 10)
        #expect(partial.statistics.wholeFallbacks == 0)
        #expect(whole.inUIDOrder.map(\.bytes) == messages.map(\.bytes))
        #expect(partial.inUIDOrder.map { Reading($0.bytes) } == whole.inUIDOrder.map { Reading($0.bytes) })
        let first = Reading(partial.inUIDOrder[0].bytes)
        #expect(first.attachments == ["- message/rfc822", "logo.png image/png", "deck-0.pdf application/pdf"])
        #expect(first.parts.contains { $0.contains("dropbox.com/s/abc0def") })
        #expect(partial.inUIDOrder.map(\.envelopeDate) == whole.inUIDOrder.map(\.envelopeDate))
        expectSafeResumeOffsets(partial.messages)
        // What came over the wire: a small fraction of the folder.
        #expect(whole.statistics.bytesReceived > UInt64(folderBytes))
        #expect(
            partial.statistics.bytesReceived * 10 < UInt64(folderBytes),
            "partial: \(partial.statistics.bytesReceived) bytes of a \(folderBytes)-byte folder")
    }

    /// A connection dropped twice in the middle of a mixed folder (messages in parts and whole, structure and
    /// content commands in flight): every message once, in parts where it was large, the checkpoint never ahead.
    @Test func aDroppedConnectionMidPartialFetchLosesAndRepeatsNothing() throws {
        let harness = try DovecotHarness()
        defer { harness.stop() }
        let messages = (0..<120).map { index in
            index % 3 == 0 ? Self.withAttachment(index, size: 200_000) : Self.withAttachment(index, size: 500)
        }
        try harness.addMessages(user: "rep1", folder: "Sent", messages)
        var options = IMAPFetchOptions()
        options.uidsPerCommand = 7
        options.commandsInFlight = 3
        let source = IMAPFolderSource(
            account: account(harness), folder: "Sent", options: options, onWarning: quiet, sleep: noSleep)
        var kicked = 0
        let fetched = try fetchAll(source) { count in
            if count == 20 || count == 75 {
                #expect(harness.killIMAPProcesses(user: "rep1") == 1)
                kicked += 1
            }
        }
        #expect(kicked == 2)
        #expect(fetched.statistics.reconnects == 2)
        #expect(fetched.unreadable.isEmpty)
        #expect(fetched.inUIDOrder.map(\.position.index) == Array(1...120))
        #expect(fetched.statistics.partialMessages >= 40, "the large ones in parts: \(fetched.statistics)")
        let whole = try Self.read(harness, partial: false)
        #expect(fetched.inUIDOrder.map { Reading($0.bytes) } == whole.inUIDOrder.map { Reading($0.bytes) })
        expectSafeResumeOffsets(fetched.messages)
    }

    /// Every message of the shared corpus's hostile-MIME collections: what the parser reads is the same fetched
    /// partially or whole. (Rebuilding every one from Dovecot's BODYSTRUCTURE, before the 64 KiB floor and the
    /// boundary check, read 31 of 459 differently: Dovecot and GMime repair broken MIME differently. Both
    /// keep such messages whole.)
    @Test(.enabled(if: Corpus.isPresent, Corpus.absentMessage))
    func theRobustnessCorpusReadsTheSamePartialOrWhole() throws {
        let harness = try DovecotHarness()
        defer { harness.stop() }
        let root = Corpus.root.appendingPathComponent("robustness")
        let files = (FileManager.default.enumerator(atPath: root.path)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".eml") }.sorted()
        #expect(files.count > 400)
        let messages = try files.map { file in
            DovecotHarness.Message(
                bytes: [UInt8](try Data(contentsOf: root.appendingPathComponent(file))), date: Date(), seen: false)
        }
        try harness.addMessages(user: "rep1", folder: "Sent", messages)
        let whole = try Self.read(harness, partial: false)
        let partial = try Self.read(harness, partial: true)
        #expect(whole.messages.count == messages.count)
        #expect(partial.messages.count == messages.count)
        var differing: [String] = []
        for (index, (a, b)) in zip(whole.inUIDOrder, partial.inUIDOrder).enumerated()
        where Reading(a.bytes) != Reading(b.bytes) {
            differing.append(files[index])
        }
        #expect(differing.isEmpty, "read differently when fetched partially: \(differing.prefix(20))")
        print(
            "robustness corpus: \(messages.count) messages, \(partial.statistics.partialMessages) partial, "
                + "\(partial.statistics.wholeFallbacks) whole fallbacks, bytes \(partial.statistics.bytesReceived) "
                + "vs \(whole.statistics.bytesReceived)")
    }
}
