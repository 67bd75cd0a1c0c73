import MailParsing
import Testing

@testable import MailFetching

/// The folder fetch as a pure state machine, driven by tables of server responses: no socket, no server.
struct IMAPFetchMachineTests {
    static func options(partial: Bool = false, perCommand: Int = 2, inFlight: Int = 2) -> IMAPFetchOptions {
        var options = IMAPFetchOptions()
        options.partial = partial
        options.uidsPerCommand = perCommand
        options.commandsInFlight = inFlight
        return options
    }

    static func whole(_ uid: UInt32, _ text: String = "Subject: x\r\n\r\nhi\r\n") -> IMAPResponse {
        var fetch = IMAPFetch(sequenceNumber: uid)
        fetch.uid = uid
        fetch.body = Array(text.utf8)
        return .fetch(fetch)
    }

    static func ok(_ tag: String) -> IMAPResponse { .tagged(tag: tag, IMAPStatus(kind: .ok, code: nil, text: "done")) }
    static func no(_ tag: String) -> IMAPResponse { .tagged(tag: tag, IMAPStatus(kind: .no, code: nil, text: "busy")) }

    /// Sends every command the machine has, tagging them T1, T2, …; returns them.
    static func send(_ machine: inout IMAPFetchMachine, from counter: inout Int) -> [String] {
        var sent: [String] = []
        while let command = machine.nextCommand() {
            counter += 1
            machine.sent(tag: "T\(counter)")
            sent.append(command)
        }
        return sent
    }

    static func uid(_ output: IMAPFetchMachine.Output?) -> UInt32? {
        switch output {
        case .message(let uid, _, _)?: uid
        case .unreadable(let uid, _)?: uid
        case nil: nil
        }
    }

    @Test func wholeMessagesArePipelinedAndTheCheckpointWaitsForGaps() {
        var machine = IMAPFetchMachine(uids: [1, 2, 3, 4, 5], large: [], resumeUID: nil, options: Self.options())
        var tags = 0
        #expect(
            Self.send(&machine, from: &tags) == [
                "UID FETCH 1:2 (UID INTERNALDATE RFC822.SIZE BODY.PEEK[])",
                "UID FETCH 3:4 (UID INTERNALDATE RFC822.SIZE BODY.PEEK[])",
            ])
        // Out of order: UID 2 first; the checkpoint does not pass UID 1.
        #expect(Self.uid(machine.receive(Self.whole(2), scrub: { $0 })) == 2)
        #expect(machine.resumeUID == nil)
        #expect(Self.uid(machine.receive(Self.whole(1), scrub: { $0 })) == 1)
        #expect(machine.resumeUID == 2)
        // A FETCH nobody asked for (flags only), and one for a UID not in the set, are ignored.
        var flags = IMAPFetch(sequenceNumber: 9)
        flags.uid = 3
        flags.flags = ["\\Seen"]
        #expect(machine.receive(.fetch(flags), scrub: { $0 }) == nil)
        #expect(machine.receive(Self.whole(77), scrub: { $0 }) == nil)
        #expect(machine.receive(Self.ok("T1"), scrub: { $0 }) == nil)
        #expect(Self.send(&machine, from: &tags) == ["UID FETCH 5 (UID INTERNALDATE RFC822.SIZE BODY.PEEK[])"])
        #expect(Self.uid(machine.receive(Self.whole(3), scrub: { $0 })) == 3)
        // UID 4 never came: expunged meanwhile; the checkpoint passes it once its command completes.
        #expect(machine.receive(Self.ok("T2"), scrub: { $0 }) == nil)
        #expect(machine.resumeUID == 4)
        #expect(machine.statistics.vanished == 1)
        #expect(Self.uid(machine.receive(Self.whole(5), scrub: { $0 })) == 5)
        #expect(machine.receive(Self.ok("T3"), scrub: { $0 }) == nil)
        #expect(machine.isFinished)
        #expect(machine.resumeUID == 5)
        #expect(machine.statistics.messages == 4)
    }

    @Test func aRefusedFetchMakesItsMissingMessagesUnreadableWithAScrubbedReason() {
        var machine = IMAPFetchMachine(uids: [10, 11], large: [], resumeUID: 9, options: Self.options())
        var tags = 0
        _ = Self.send(&machine, from: &tags)
        #expect(Self.uid(machine.receive(Self.whole(10), scrub: { $0 })) == 10)
        #expect(machine.receive(Self.no("T1"), scrub: { $0.replacingOccurrences(of: "busy", with: "[x]") }) == nil)
        #expect(!machine.isFinished)
        #expect(machine.takeQueued() == .unreadable(uid: 11, reason: "the server did not return it: [x]"))
        #expect(machine.takeQueued() == nil)
        #expect(machine.isFinished)
        #expect(machine.resumeUID == 11)
    }

    /// Message 2 has a 2 MB PDF (parts), message 3 only a 1 KB one (whole), message 1 is small (whole at once).
    static let mixed = IMAPBodyStructure.multipart(
        subtype: "mixed", boundary: "b",
        parts: [
            .part(.init(type: "text", subtype: "plain", size: 100)),
            .part(.init(type: "application", subtype: "pdf", size: 2_000_000)),
        ])
    static let small = IMAPBodyStructure.multipart(
        subtype: "mixed", boundary: "b",
        parts: [
            .part(.init(type: "text", subtype: "plain", size: 100)),
            .part(.init(type: "application", subtype: "pdf", size: 1_000)),
        ])

    static func structure(_ uid: UInt32, _ structure: IMAPBodyStructure) -> IMAPResponse {
        var fetch = IMAPFetch(sequenceNumber: uid)
        fetch.uid = uid
        fetch.bodyStructure = structure
        return .fetch(fetch)
    }

    static func parts(_ uid: UInt32, header: String = "Content-Type: multipart/mixed; boundary=b\r\n\r\n")
        -> IMAPResponse
    {
        var fetch = IMAPFetch(sequenceNumber: uid)
        fetch.uid = uid
        fetch.sections = [
            "HEADER": Array(header.utf8), "1.MIME": Array("Content-Type: text/plain\r\n\r\n".utf8),
            "1": Array("see the doc".utf8), "2.MIME": Array("Content-Type: application/pdf\r\n\r\n".utf8),
        ]
        return .fetch(fetch)
    }

    @Test func largeMessagesGoThroughTheirStructureAndTheRestIsFetchedWhole() {
        var machine = IMAPFetchMachine(
            uids: [1, 2, 3], large: [2, 3], resumeUID: nil,
            options: Self.options(partial: true, perCommand: 10, inFlight: 4))
        var tags = 0
        #expect(
            Self.send(&machine, from: &tags) == [
                "UID FETCH 2:3 (UID BODYSTRUCTURE)",
                "UID FETCH 1 (UID INTERNALDATE RFC822.SIZE BODY.PEEK[])",
            ])
        #expect(machine.receive(Self.structure(2, Self.mixed), scrub: { $0 }) == nil)
        #expect(machine.receive(Self.structure(3, Self.small), scrub: { $0 }) == nil)
        #expect(machine.receive(Self.ok("T1"), scrub: { $0 }) == nil)
        #expect(
            Self.send(&machine, from: &tags) == [
                "UID FETCH 2 (UID INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER] BODY.PEEK[1.MIME] BODY.PEEK[1] "
                    + "BODY.PEEK[2.MIME])",
                "UID FETCH 3 (UID INTERNALDATE RFC822.SIZE BODY.PEEK[])",
            ])
        guard case .message(2, let bytes, _)? = machine.receive(Self.parts(2), scrub: { $0 }) else {
            Issue.record("no message 2")
            return
        }
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain"))
        #expect(text.hasSuffix("--b--\r\n"))
        #expect(!text.contains("JVBER"), "no attachment bytes")
        #expect(Self.uid(machine.receive(Self.whole(1), scrub: { $0 })) == 1)
        #expect(Self.uid(machine.receive(Self.whole(3), scrub: { $0 })) == 3)
        for tag in ["T2", "T3", "T4"] { _ = machine.receive(Self.ok(tag), scrub: { $0 }) }
        #expect(machine.isFinished)
        #expect(machine.statistics.partialMessages == 1)
        #expect(machine.statistics.messages == 3)
        #expect(machine.statistics.wholeFallbacks == 0)
    }

    @Test func aRebuildThatFailsFallsBackToTheWholeMessage() {
        var machine = IMAPFetchMachine(
            uids: [7], large: [7], resumeUID: nil, options: Self.options(partial: true, perCommand: 10, inFlight: 4))
        var tags = 0
        _ = Self.send(&machine, from: &tags)
        _ = machine.receive(Self.structure(7, Self.mixed), scrub: { $0 })
        _ = machine.receive(Self.ok("T1"), scrub: { $0 })
        _ = Self.send(&machine, from: &tags)
        // The header does not declare the boundary the server reported: the message is fetched whole.
        #expect(machine.receive(Self.parts(7, header: "Content-Type: text/plain\r\n\r\n"), scrub: { $0 }) == nil)
        #expect(Self.send(&machine, from: &tags) == ["UID FETCH 7 (UID INTERNALDATE RFC822.SIZE BODY.PEEK[])"])
        // The parts command completes first: the message is awaited, not vanished.
        #expect(machine.receive(Self.ok("T2"), scrub: { $0 }) == nil)
        #expect(machine.statistics.vanished == 0)
        #expect(Self.uid(machine.receive(Self.whole(7), scrub: { $0 })) == 7)
        _ = machine.receive(Self.ok("T3"), scrub: { $0 })
        #expect(machine.isFinished)
        #expect(machine.statistics.wholeFallbacks == 1)
    }

    @Test func anUnusableStructureOrARefusedStructureFetchFallsBackToWholeMessages() {
        var machine = IMAPFetchMachine(
            uids: [1, 2], large: [1, 2], resumeUID: nil, options: Self.options(partial: true, perCommand: 10))
        var tags = 0
        _ = Self.send(&machine, from: &tags)
        var unusable = IMAPFetch(sequenceNumber: 1)
        unusable.uid = 1
        unusable.bodyStructureUnusable = true
        _ = machine.receive(.fetch(unusable), scrub: { $0 })
        _ = machine.receive(Self.ok("T1"), scrub: { $0 })
        // UID 1's structure is unusable; UID 2 had none in the OK answer (expunged, or a response the reader could
        // not parse): both are fetched whole, and the whole fetch's answer tells whether UID 2 still exists.
        #expect(Self.send(&machine, from: &tags) == ["UID FETCH 1:2 (UID INTERNALDATE RFC822.SIZE BODY.PEEK[])"])
        #expect(Self.uid(machine.receive(Self.whole(1), scrub: { $0 })) == 1)
        _ = machine.receive(Self.ok("T2"), scrub: { $0 })
        #expect(machine.statistics.vanished == 1)
        #expect(machine.isFinished)

        var refused = IMAPFetchMachine(
            uids: [5, 6], large: [5, 6], resumeUID: nil, options: Self.options(partial: true, perCommand: 10))
        var more = 0
        _ = Self.send(&refused, from: &more)
        _ = refused.receive(Self.no("T1"), scrub: { $0 })
        #expect(Self.send(&refused, from: &more) == ["UID FETCH 5:6 (UID INTERNALDATE RFC822.SIZE BODY.PEEK[])"])
        #expect(refused.statistics.wholeFallbacks == 2)
    }

    @Test func aRefusedPartsCommandFetchesItsMessagesWhole() {
        var machine = IMAPFetchMachine(
            uids: [4, 5], large: [4, 5], resumeUID: nil, options: Self.options(partial: true, perCommand: 10))
        var tags = 0
        _ = Self.send(&machine, from: &tags)
        _ = machine.receive(Self.structure(4, Self.mixed), scrub: { $0 })
        _ = machine.receive(Self.structure(5, Self.mixed), scrub: { $0 })
        _ = machine.receive(Self.ok("T1"), scrub: { $0 })
        #expect(Self.send(&machine, from: &tags).count == 1)
        #expect(Self.uid(machine.receive(Self.parts(4), scrub: { $0 })) == 4)
        #expect(machine.receive(Self.no("T2"), scrub: { $0 }) == nil)
        #expect(machine.takeQueued() == nil, "not unreadable")
        #expect(Self.send(&machine, from: &tags) == ["UID FETCH 5 (UID INTERNALDATE RFC822.SIZE BODY.PEEK[])"])
        #expect(Self.uid(machine.receive(Self.whole(5), scrub: { $0 })) == 5)
        _ = machine.receive(Self.ok("T3"), scrub: { $0 })
        #expect(machine.isFinished)
        #expect(machine.statistics.wholeFallbacks == 1)
    }

    @Test func aHeaderSectionWithoutItsBlankLineIsEndedBeforeTheContent() throws {
        let plan = try #require(IMAPPartialFetch(Self.mixed))
        let sections: [String: [UInt8]] = [
            "HEADER": Array("Subject: s\r\nContent-Type: multipart/mixed; boundary=b".utf8),
            "1.MIME": [], "1": Array("Link: https://x.example/doc".utf8),
            "2.MIME": Array("Content-Type: application/pdf\r\n".utf8),
        ]
        let text = String(decoding: try #require(plan.assemble(sections)), as: UTF8.self)
        // A part header that is only the blank line (no fields) is complete as it is.
        var blank = sections
        blank["1.MIME"] = Array("\r\n".utf8)
        let withBlank = String(decoding: try #require(plan.assemble(blank)), as: UTF8.self)
        #expect(withBlank.contains("--b\r\n\r\nLink:"))
        #expect(text.hasPrefix("Subject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nLink:"))
        #expect(text.contains("Content-Type: application/pdf\r\n\r\n\r\n--b--"))
        let message = try MailParser().parse(Array(text.utf8))
        #expect(message.textParts.map { String(decoding: $0.utf8, as: UTF8.self) } == ["Link: https://x.example/doc"])
    }

    @Test func aStructureTooWideForTheTreeIsSkippedAndTheMessageFetchedWhole() throws {
        let addresses = (0..<300).map { "(NIL NIL \"u\($0)\" \"x.example\")" }.joined()
        let line =
            "* 1 FETCH (UID 8 BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1)(\"message\" \"rfc822\" NIL "
            + "NIL NIL \"7bit\" 9 (NIL \"s\" NIL NIL NIL (\(addresses)) NIL NIL NIL NIL) (\"text\" \"plain\" NIL NIL NIL "
            + "\"7bit\" 1 1) 1) \"mixed\" (\"boundary\" \"b\")) RFC822.SIZE 99)\r\n"
        var reader = IMAPResponseReader()
        reader.feed(Array(line.utf8))
        guard case .fetch(let fetch)? = try reader.next() else {
            Issue.record("not a FETCH")
            return
        }
        #expect(fetch.uid == 8)
        #expect(fetch.size == 99, "the rest of the response is read")
        #expect(fetch.bodyStructure == nil)
        #expect(fetch.bodyStructureUnusable)
    }

    @Test func aLostConnectionAsksAgainForEverythingNotYetDone() {
        var machine = IMAPFetchMachine(uids: [1, 2, 3, 4], large: [], resumeUID: nil, options: Self.options())
        var tags = 0
        _ = Self.send(&machine, from: &tags)
        #expect(Self.uid(machine.receive(Self.whole(1), scrub: { $0 })) == 1)
        #expect(Self.uid(machine.receive(Self.whole(3), scrub: { $0 })) == 3)
        machine.connectionLost()
        // A late answer from the old connection is not taken.
        #expect(machine.receive(Self.whole(2), scrub: { $0 }) == nil)
        #expect(
            Self.send(&machine, from: &tags) == [
                "UID FETCH 2,4 (UID INTERNALDATE RFC822.SIZE BODY.PEEK[])"
            ])
        #expect(Self.uid(machine.receive(Self.whole(2), scrub: { $0 })) == 2)
        #expect(Self.uid(machine.receive(Self.whole(4), scrub: { $0 })) == 4)
        _ = machine.receive(Self.ok("T3"), scrub: { $0 })
        #expect(machine.isFinished)
        #expect(machine.resumeUID == 4)
        #expect(machine.statistics.messages == 4)
    }
}
