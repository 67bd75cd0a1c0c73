import MailParsing

#if canImport(Glibc)
    import Glibc
#endif

/// Where the sender's own content of a body part ends: the trailing quoted history, signature and boilerplate
/// start there. Used to trim `sharingMessageBody`.
public enum SenderContentBoundary {
    /// The byte offset just past the last line (plain text) or before the first reply-history container (HTML) of
    /// sender content; `part.utf8.count` when nothing trails.
    public static func end(of part: BodyPart, subject: String?) -> Int {
        end(of: part, context: ThreadContext(subject: subject))
    }

    /// ``end(of:subject:)`` with the whole message's thread context (fresh message, the sender's comment marks).
    public static func end(of part: BodyPart, context: ThreadContext) -> Int {
        part.utf8.withUnsafeBufferPointer { buf in
            part.kind == .html
                ? htmlEnd(buf, forward: context.forwardSubject, fresh: context.isFresh)
                : plainEnd(buf, context: context)
        }
    }

    private static func plainEnd(_ buf: UnsafeBufferPointer<UInt8>, context: ThreadContext) -> Int {
        guard let base = buf.baseAddress, !buf.isEmpty else { return 0 }
        var classifier = PlainTextRegionClassifier(buf, context: context)
        var lastSenderEnd = 0
        var start = 0
        while start < buf.count {
            let stop =
                memchr(base + start, 0x0A, buf.count - start).map {
                    UnsafePointer<UInt8>($0.assumingMemoryBound(to: UInt8.self)) - base
                } ?? buf.count
            let blank = LineMarkers.trimEnd(buf, start, stop) == start
            // The sender's marked comments inside the quoted message do not stretch the body over that message.
            if !blank, case let (region, reason) = classifier.region(at: start), region.isSenderContent,
                !reason.isMarkedComment
            {
                lastSenderEnd = Swift.min(stop + 1, buf.count)
            }
            start = stop + 1
        }
        return lastSenderEnd
    }

    /// Markers of reply-history containers in mail HTML, lowercased.
    private static let historyMarkers: [[UInt8]] = [
        "class=\"gmail_quote", "type=\"cite\"", "id=\"divrplyfwdmsg\"", "id=\"appendonsend\"",
        "class=\"moz-cite-prefix\"", "id=\"mail-editor-reference-message-container\"", "class=\"yahoo_quoted\"",
    ].map { Array($0.utf8) }

    /// The Outlook reply containers: the only history markers a fresh message's HTML can hold (its quote elements are
    /// the sender's own).
    private static let outlookHistoryMarkers: [[UInt8]] = ["id=\"divrplyfwdmsg\"", "id=\"appendonsend\""].map {
        Array($0.utf8)
    }

    private static func htmlEnd(_ buf: UnsafeBufferPointer<UInt8>, forward: Bool, fresh: Bool) -> Int {
        // A forward keeps its forwarded content: it is part of what the sender shares.
        guard !forward, let base = buf.baseAddress else { return buf.count }
        let markers = fresh ? outlookHistoryMarkers : historyMarkers
        var earliest = buf.count
        var index = 0
        while index < buf.count, let hit = memchr(base + index, 0x3C, buf.count - index) {
            let lt = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
            let close =
                memchr(base + lt, 0x3E, Swift.min(buf.count - lt, 2048)).map {
                    UnsafePointer<UInt8>($0.assumingMemoryBound(to: UInt8.self)) - base
                } ?? Swift.min(buf.count, lt + 2048)
            if markers.contains(where: { contains(buf, lt, close, $0) }) {
                earliest = lt
                break
            }
            index = close + 1
        }
        return earliest
    }

    private static func contains(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ needle: [UInt8]) -> Bool
    {
        guard end - start >= needle.count else { return false }
        var i = start
        while i + needle.count <= end {
            var matched = true
            for (offset, byte) in needle.enumerated()
            where buf[i + offset] | (buf[i + offset] >= 0x41 && buf[i + offset] <= 0x5A ? 0x20 : 0) != byte {
                matched = false
                break
            }
            if matched { return true }
            i += 1
        }
        return false
    }
}
