#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Classifies where byte offsets of a plain-text part sit (new text, quoted, forwarded, signature,
/// boilerplate), one line at a time.
///
/// It is a streaming state machine: ask for offsets in non-decreasing order and it reads only the
/// lines up to the last one asked for (plus a few lines of look-ahead), so a part is read once.
struct PlainTextRegionClassifier {
    private let buf: UnsafeBufferPointer<UInt8>
    private let end: Int
    private var state: RegionState
    /// Start of the next line to read.
    private var next = 0
    /// The line read last, and its region.
    private var lineEnd = -1
    private var lineRegion: LinkRegion = .newText
    private var lineReason: RegionReason = .newText
    /// Lines up to this offset belong to a multi-line attribution.
    private var attributionEnd = -1
    private var attributionStart = 0
    /// Non-blank lines after a forward marker still in that forward's own header.
    private var forwardHeaderLines = 0
    /// A non-blank line of new text was read (a sign-off on the first line is a greeting: "Thanks!").
    private var sawNewText = false
    /// Look-ahead limits.
    private static let headerBlockLines = 8
    private static let attributionLines = 3

    private let context: ThreadContext
    /// An attribution, reply header or forward marker was read: `>` lines below are someone else's text even in
    /// a fresh message.
    private var sawReplyMarker = false
    /// Start of the sender's marked inline comment being read (until a blank line), or `nil`.
    private var commentStart: Int?
    /// Below the first Outlook reply header and before the next one: the sender's marked comments may be here.
    private var commentsOpen = false
    /// Still in the lines of that first header block (up to its blank line).
    private var inFirstHeader = false
    /// The sender's comment marks, computed the first time a quoted line starts with `[`.
    private var marks: [[UInt8]]?
    /// The words of the sender's name, computed at the first sign-off.
    private var nameTokens: [[UInt8]]?

    init(_ buf: UnsafeBufferPointer<UInt8>, context: ThreadContext) {
        self.buf = buf
        self.end = buf.count
        self.context = context
        self.state = RegionState(forwardSubject: context.forwardSubject)
    }

    /// The region of the line holding `offset`; offsets must come in non-decreasing order.
    mutating func region(at offset: Int) -> (LinkRegion, RegionReason) {
        while offset > lineEnd, next <= end { readLine() }
        return (lineRegion, lineReason)
    }

    /// The end (exclusive, before `\n`) of the line starting at `start`.
    private func endOfLine(_ start: Int) -> Int {
        guard start < end, let base = buf.baseAddress else { return end }
        guard let hit = memchr(base + start, 0x0A, end - start) else { return end }
        return UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
    }

    private func isBlank(_ start: Int, _ end: Int) -> Bool { LineMarkers.trimEnd(buf, start, end) == start }

    /// The next non-blank line at or after `start`, as (start, end), or `nil`.
    private func nextNonBlankLine(from start: Int, maxLines: Int = .max) -> (Int, Int)? {
        var s = start
        var seen = 0
        while s < end, seen < maxLines {
            let e = endOfLine(s)
            if !isBlank(s, e) { return (s, e) }
            s = e + 1
            seen += 1
        }
        return nil
    }

    private mutating func readLine() {
        let start = next
        let stop = endOfLine(start)
        lineEnd = stop
        next = stop + 1
        classifyLine(start, stop)
    }

    private mutating func classifyLine(_ start: Int, _ stop: Int) {
        if start <= attributionEnd {
            (lineRegion, lineReason) = (.quoted, .attribution(attributionStart))
            return
        }
        let blank = isBlank(start, stop)
        if blank {
            commentStart = nil
            inFirstHeader = false
        }
        if state.region == .quoted, !blank, commentsOpen, !inFirstHeader {
            if commentStart == nil, opensOlderMessage(start, stop) {
                // The sender comments on the message they answer, not on the older ones quoted in it.
                commentsOpen = false
            } else if commentStart != nil || isMarkedComment(start, stop) {
                if commentStart == nil { commentStart = start }
                (lineRegion, lineReason) = (.newText, .markedComment(commentStart ?? start))
                return
            }
        }
        if state.region == .quoted || blank {
            (lineRegion, lineReason) = (state.region, state.reason)
            return
        }
        if LineMarkers.isQuoted(buf, start, stop) {
            // A quoted block ends a signature above it: the text below it is the sender's again.
            state.endSignature()
            if context.isFresh, !sawReplyMarker {
                (lineRegion, lineReason) = (.newText, .selfQuote)
            } else {
                (lineRegion, lineReason) = (.quoted, .quotePrefix)
            }
            return
        }
        let inForwardHeader = forwardHeaderLines > 0
        if inForwardHeader { forwardHeaderLines -= 1 }
        if LineMarkers.isForwardMarker(buf, start, stop) {
            sawReplyMarker = true
            state.forwardMarker(at: start)
            forwardHeaderLines = 4
        } else if LineMarkers.isOriginalMessage(buf, start, stop) {
            if !inForwardHeader {
                sawReplyMarker = true
                state.replyHeader(.originalMessage(start, forward: state.forwardSubject))
                commentsOpen = state.region == .quoted
                inFirstHeader = commentsOpen
            }
        } else if LineMarkers.isUnderscoreLine(buf, start, stop) {
            if let (s, e) = nextNonBlankLine(from: stop + 1, maxLines: 3) {
                if LineMarkers.headerKind(buf, s, e) == .from, !inForwardHeader, isHeaderBlock(from: s) {
                    sawReplyMarker = true
                    state.replyHeader(.replyHeader(start, forward: state.forwardSubject))
                    commentsOpen = state.region == .quoted
                    inFirstHeader = commentsOpen
                } else if LineMarkers.isMailingListLine(buf, s, e) {
                    state.boilerplate(at: start)
                }
            }
        } else if let kind = LineMarkers.headerKind(buf, start, stop) {
            if kind == .from, !inForwardHeader, isHeaderBlock(from: start) {
                sawReplyMarker = true
                state.replyHeader(.replyHeader(start, forward: state.forwardSubject))
                commentsOpen = state.region == .quoted
                inFirstHeader = commentsOpen
            }
        } else if let attributionLast = attributionEnd(from: start, stop) {
            attributionStart = start
            attributionEnd = attributionLast
            sawReplyMarker = true
            let after = attributionLast + 1
            if let (s, e) = nextNonBlankLine(from: after), LineMarkers.isQuoted(buf, s, e) {
                state.inlineReply(attributionAt: start)
            } else {
                state.quoteAll(attributionAt: start)
            }
            (lineRegion, lineReason) = (.quoted, .attribution(start))
            return
        } else if LineMarkers.isSignatureDelimiter(buf, start, stop) {
            state.signature(at: start)
        } else if LineMarkers.opensBoilerplate(buf, start, stop) {
            state.boilerplate(at: start)
        } else if state.region == .newText {
            if LineMarkers.isMobileSignature(buf, start, stop) {
                state.signOff(.mobileSignature(start))
            } else if sawNewText, let kind = LineMarkers.signOffKind(buf, start, stop), signatureFollows(kind, stop) {
                state.signOff(.signOff(start))
            }
        } else if state.isSignOffSignature, LineMarkers.isPostscript(buf, start, stop) {
            state.resumeNewText()
        }
        if state.region == .newText { sawNewText = true }
        (lineRegion, lineReason) = (state.region, state.reason)
    }

    /// Whether a line in quoted text opens an older message: an Outlook header block, "-----Original Message-----",
    /// a `____` line, an attribution or a `>` line.
    private func opensOlderMessage(_ start: Int, _ stop: Int) -> Bool {
        if LineMarkers.isQuoted(buf, start, stop) || LineMarkers.isOriginalMessage(buf, start, stop)
            || LineMarkers.isUnderscoreLine(buf, start, stop) || LineMarkers.opensAttribution(buf, start, stop)
        {
            return true
        }
        return LineMarkers.headerKind(buf, start, stop) == .from && isHeaderBlock(from: start)
    }

    /// Whether a quoted line starts with the sender's `[Name]` mark.
    private mutating func isMarkedComment(_ start: Int, _ stop: Int) -> Bool {
        let i = LineMarkers.skipSpace(buf, start, stop)
        guard i < stop, buf[i] == 0x5B, context.senderName != nil else { return false }
        if marks == nil { marks = context.commentMarks }
        return LineMarkers.startsWithCommentMark(buf, i, stop, marks ?? [])
    }

    /// Whether a sign-off ending at `stop` starts a signature: the next line names the sender ("Best," / "Omar
    /// Farouk"), or, after "Thanks, Omar", the name is the sender's and running prose does not follow ("Thanks
    /// Julia," / "I wanted to follow up on …" is a greeting).
    private mutating func signatureFollows(_ kind: LineMarkers.SignOff, _ stop: Int) -> Bool {
        if nameTokens == nil { nameTokens = context.nameTokens }
        let tokens = nameTokens ?? []
        let next = nextNonBlankLine(from: stop + 1, maxLines: 2)
        switch kind {
        case .alone:
            guard let (s, e) = next else { return false }
            return LineMarkers.namesSender(buf, s, e, tokens: tokens)
        case .withName(let nameStart):
            guard LineMarkers.namesSender(buf, nameStart, stop, tokens: tokens) else { return false }
            guard let (s, e) = next else { return true }
            return !LineMarkers.isProse(buf, s, e)
        }
    }

    /// Whether the `From:` line at `start` opens an Outlook header block: a date line (`Sent:`,
    /// `Date:`) and a `To:` or `Subject:` line within the next few lines.
    private func isHeaderBlock(from start: Int) -> Bool {
        var s = endOfLine(start) + 1
        var hasDate = false
        var hasTarget = false
        var lines = 0
        while s < end, lines < Self.headerBlockLines {
            let e = endOfLine(s)
            if isBlank(s, e) { break }
            switch LineMarkers.headerKind(buf, s, e) {
            case .date: hasDate = true
            case .to, .subject: hasTarget = true
            default: break
            }
            if hasDate && hasTarget { return true }
            s = e + 1
            lines += 1
        }
        return false
    }

    /// If the line at `start` opens an attribution, the end of its last line (it may wrap over
    /// up to three lines); a line "… wrote:" without an opener counts when `>` lines follow.
    private func attributionEnd(from start: Int, _ stop: Int) -> Int? {
        if LineMarkers.opensAttribution(buf, start, stop) {
            var s = start
            var e = stop
            for _ in 0..<Self.attributionLines {
                if LineMarkers.isQuoted(buf, s, e) { return nil }
                if LineMarkers.closesAttribution(buf, s, e) || LineMarkers.closesAttributionWithVerbInside(buf, s, e) {
                    return e
                }
                s = e + 1
                guard s < end else { return nil }
                e = endOfLine(s)
                if isBlank(s, e) { return nil }
            }
            return nil
        }
        guard LineMarkers.closesAttribution(buf, start, stop),
            let (s, e) = nextNonBlankLine(from: stop + 1), LineMarkers.isQuoted(buf, s, e)
        else { return nil }
        return stop
    }
}
