#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A link candidate found in one part, before per-part deduplication.
struct LinkCandidate: Sendable {
    var url: String
    /// Raw anchor text (HTML, undecoded), decoded only for the links that are kept.
    var anchorRaw: [UInt8]?
    var offset: Int
    var region: LinkRegion
    var reason: RegionReason
}

/// A single-pass, linear HTML scanner that finds `<a href>` links and bare URLs in text nodes and
/// tracks the region (quote blocks, signatures, Outlook reply headers, …) each one sits in.
///
/// It is not an HTML parser: ``HTMLTokenizer`` gives it tags and text (comments and `script`/`style` content
/// skipped); this scanner classifies them into regions, keeping a bounded stack of the quote / signature elements that
/// are open.
struct HTMLScanner {
    private let buf: UnsafeBufferPointer<UInt8>
    private let end: Int
    private let maxCandidates: Int
    private var tail: RegionState
    private var frames: [Frame] = []
    private var depths = [0, 0, 0]
    private var anchor: OpenAnchor?
    private var pendingHeader: PendingHeader?
    private var forwardHeaderUntil = -1
    /// A text node of new text was seen (a sign-off in the first one is a greeting: "Thanks!").
    private var sawNewText = false
    /// A sign-off text node waiting for the next text node to decide whether a signature starts there.
    private var pendingSignOff: (start: Int, candidates: Int)?
    /// The links found, in document order.
    private(set) var candidates: [LinkCandidate] = []
    /// Byte offset of the first quote / signature / forward element that was not tracked because `maxFrames`
    /// elements were already open (its content takes the region of the elements around it).
    private(set) var frameLimitOffset: Int?

    /// Quote / signature / forward elements tracked at once (nested `blockquote`s of a long forwarded thread).
    static let maxFrames = 64
    private static let maxAnchorTextBytes = 2048
    private static let markerWindow = 300
    private static let headerWindow = 2048
    private static let forwardProbeWindow = 1024

    /// An open element that sets a region for its content.
    private struct Frame {
        var tag: Int
        var depth: Int
        var region: LinkRegion
        var reason: RegionReason
        var element: String
        var start: Int
        var probeUntil: Int
        /// Gmail's `div.gmail_quote`: the attribution and `blockquote`s inside are quoted, the text the
        /// sender writes between and after those `blockquote`s is an inline reply (new text).
        var holdsInlineReplies = false
    }

    private struct OpenAnchor {
        var url: String?
        var offset: Int
        var region: LinkRegion
        var reason: RegionReason
        var text: [UInt8] = []
    }

    /// An `<hr>` or border-top `<div>` that may open an Outlook reply header.
    private struct PendingHeader {
        var start: Int
        var deadline: Int
        var element: String
        var from = false
        var date = false
        var target = false
    }

    private let context: ThreadContext
    /// A reply header, forward marker or Gmail quote container was seen: quote elements below are someone else's
    /// text even in a fresh message.
    private var sawReplyMarker = false
    /// Outlook reply headers seen (`#divRplyFwdMsg`, a border-top header block, "-----Original Message-----"); the
    /// markers of one header (`#appendonsend`, `<hr>`, `#divRplyFwdMsg`) count once.
    private var replyHeaders = 0
    /// Text came since the last reply-header marker (so the next marker starts another header).
    private var textSinceReplyHeader = true
    /// Start of the sender's marked inline comment (Outlook's `[Name]`), until the end of its paragraph.
    private var commentStart: Int?
    /// The sender's comment marks, computed the first time a quoted text node starts with `[`.
    private var marks: [[UInt8]]?
    /// The words of the sender's name, computed at the first sign-off.
    private var nameTokens: [[UInt8]]?

    init(_ buf: UnsafeBufferPointer<UInt8>, context: ThreadContext, maxCandidates: Int) {
        self.buf = buf
        self.end = buf.count
        self.context = context
        self.tail = RegionState(forwardSubject: context.forwardSubject)
        self.maxCandidates = maxCandidates
    }

    // MARK: - Tokens

    /// Scans the whole part: the tokenizer's tags and text, in document order, until the candidate cap.
    mutating func run() {
        var tokenizer = HTMLTokenizer(buf)
        while candidates.count < maxCandidates, let token = tokenizer.next() {
            switch token {
            case .text(let range): text(range.lowerBound, range.upperBound)
            case .startTag(let tag, let start, let attributes, let selfClosing):
                startTag(tag, at: start, attributes, selfClosing: selfClosing)
            case .endTag(let tag): endTag(tag)
            }
        }
        closeAnchor()
    }

    // MARK: - Elements

    private mutating func startTag(_ tag: HTMLTag, at start: Int, _ attributes: HTMLTagAttributes, selfClosing: Bool) {
        switch tag {
        case .a:
            closeAnchor()
            if let name = attributes.name, name.count == 12,
                BareURLScanner.matchesLowercase(buf, at: name.lowerBound, "_mailautosig")
            {
                // Outlook desktop's signature bookmark: the signature starts here.
                tail.signOff(.signatureElement("<a name=_MailAutoSig>", start))
            }
            var opened = OpenAnchor(url: nil, offset: start, region: .newText, reason: .newText)
            (opened.region, opened.reason) = currentRegion()
            if let href = attributes.href {
                let valueStart = LineMarkers.skipSpace(buf, href.lowerBound, href.upperBound)
                opened.offset = valueStart
                opened.url = httpURL(valueStart..<href.upperBound)
            }
            anchor = opened
        case .br, .lineBreaking, .img:
            if tag == .lineBreaking { commentStart = nil }
            if anchor != nil { anchor!.text.append(0x20) }
        case .hr:
            pendingHeader = PendingHeader(start: start, deadline: start + Self.headerWindow, element: "<hr>")
        case .div, .blockquote, .pre:
            commentStart = nil
            if anchor != nil { anchor!.text.append(0x20) }
            guard !selfClosing, let index = tag.depthIndex else { return }
            depths[index] += 1
            regionElement(tag, index: index, at: start, attributes)
        case .rawText, .other:
            break
        }
    }

    private mutating func endTag(_ tag: HTMLTag) {
        if tag == .a {
            closeAnchor()
            return
        }
        if tag == .lineBreaking || tag == .div {
            commentStart = nil
            if anchor != nil { anchor!.text.append(0x20) }
        }
        guard let index = tag.depthIndex, depths[index] > 0 else { return }
        let depth = depths[index]
        if let j = frames.lastIndex(where: { $0.tag == index && $0.depth == depth }) {
            let closedQuote = tag == .blockquote && frames[j].region == .quoted
            frames.removeSubrange(j...)
            if closedQuote, let last = frames.indices.last, frames[last].holdsInlineReplies,
                frames[last].region == .quoted
            {
                frames[last].region = .newText
                frames[last].reason = .inlineReplyElement(frames[last].element, frames[last].start)
            }
        }
        depths[index] -= 1
    }

    /// Class names (without Outlook Web's `x_` prefix) that set a region; `inline`: a quote container whose
    /// text between its `blockquote`s is the sender's inline reply (Gmail's `div.gmail_quote`).
    private static let classRegions: [(name: StaticString, region: LinkRegion, probes: Bool, inline: Bool)] = [
        ("gmail_quote", .quoted, true, true), ("gmail_quote_container", .quoted, true, true),
        ("gmail_signature", .signature, false, false), ("moz-cite-prefix", .quoted, false, false),
        ("moz-signature", .signature, false, false), ("moz-forward-container", .forwarded, false, false),
        ("yahoo_quoted", .quoted, true, false), ("protonmail_quote", .quoted, true, false),
        ("protonmail_signature_block", .signature, false, false),
        ("ms-outlook-mobile-signature", .signature, false, false), ("gmail_extra", .quoted, true, false),
    ]

    /// Opens a frame or an Outlook header candidate for a `div`, `blockquote` or `pre` start tag.
    private mutating func regionElement(_ tag: HTMLTag, index: Int, at start: Int, _ attributes: HTMLTagAttributes) {
        let tagText = tag == .div ? "div" : tag == .blockquote ? "blockquote" : "pre"
        func push(_ region: LinkRegion, _ element: String, probes: Bool, inlineReplies: Bool = false) {
            guard frames.count < Self.maxFrames else {
                if frameLimitOffset == nil { frameLimitOffset = start }
                return
            }
            var frame = Frame(
                tag: index, depth: depths[index], region: region, reason: .insideElement(element, start),
                element: element, start: start, probeUntil: probes ? start + Self.forwardProbeWindow : -1,
                holdsInlineReplies: inlineReplies)
            if region == .quoted {
                // A quoted block ends a signature above it.
                tail.endSignature()
                if inlineReplies || tag != .blockquote {
                    // A reply's quote container (Gmail's, Thunderbird's cite prefix, Yahoo's, Proton's).
                    sawReplyMarker = true
                } else if tag == .blockquote, context.isFresh, !sawReplyMarker,
                    !frames.contains(where: { $0.region == .quoted || $0.holdsInlineReplies })
                {
                    frame.region = .newText
                    frame.reason = .selfQuoteElement(element, start)
                }
            }
            frames.append(frame)
        }
        if let id = attributes.id {
            var s = id.lowerBound
            if id.count > 2, BareURLScanner.matchesLowercase(buf, at: s, "x_") { s += 2 }
            let length = id.upperBound - s
            func named(_ n: StaticString) -> Bool {
                length == n.utf8CodeUnitCount && BareURLScanner.matchesLowercase(buf, at: s, n)
            }
            if named("divrplyfwdmsg") || named("appendonsend") {
                let element = named("appendonsend") ? "<div id=appendonsend>" : "<div id=divRplyFwdMsg>"
                if start > forwardHeaderUntil {
                    sawReplyMarker = true
                    countReplyHeader(at: start)
                    tail.replyHeader(.afterElement(element, start, forward: tail.forwardSubject))
                }
                pendingHeader = nil
                return
            }
            if named("signature") {
                push(.signature, "<\(tagText) id=Signature>", probes: false)
                return
            }
            if named("ms-outlook-mobile-signature") || named("applemailsignature") {
                let element = named("applemailsignature") ? "AppleMailSignature" : "ms-outlook-mobile-signature"
                push(.signature, "<\(tagText) id=\(element)>", probes: false)
                return
            }
        }
        if let smartmail = attributes.smartmail,
            smartmail.count == 15, BareURLScanner.matchesLowercase(buf, at: smartmail.lowerBound, "gmail_signature")
        {
            push(.signature, "<div data-smartmail=gmail_signature>", probes: false)
            return
        }
        if let classes = attributes.classes {
            var i = classes.lowerBound
            while i < classes.upperBound {
                while i < classes.upperBound, buf[i] <= 0x20 { i += 1 }
                var s = i
                while i < classes.upperBound, buf[i] > 0x20 { i += 1 }
                if i - s > 2, BareURLScanner.matchesLowercase(buf, at: s, "x_") { s += 2 }
                let length = i - s
                guard length > 0 else { continue }
                for entry in Self.classRegions
                where length == entry.name.utf8CodeUnitCount && BareURLScanner.matchesLowercase(buf, at: s, entry.name)
                {
                    push(
                        entry.region, "<\(tagText) class=\(entry.name)>", probes: entry.probes,
                        inlineReplies: entry.inline && tag == .div)
                    return
                }
            }
        }
        if tag == .blockquote, let type = attributes.type, type.count == 4,
            BareURLScanner.matchesLowercase(buf, at: type.lowerBound, "cite")
        {
            push(.quoted, "<blockquote type=cite>", probes: true)
            return
        }
        if tag == .div, let style = attributes.style, contains(style, "border-top") {
            pendingHeader = PendingHeader(
                start: start, deadline: start + Self.headerWindow, element: "<div style=border-top>")
        }
    }

    private func contains(_ range: Range<Int>, _ needle: StaticString) -> Bool {
        let n = needle.utf8CodeUnitCount
        guard range.count >= n else { return false }
        for i in range.lowerBound...(range.upperBound - n) where BareURLScanner.matchesLowercase(buf, at: i, needle) {
            return true
        }
        return false
    }

    // MARK: - Text

    private mutating func text(_ start: Int, _ stop: Int) {
        if anchor != nil {
            let room = Self.maxAnchorTextBytes - anchor!.text.count
            if room > 0 { anchor!.text.append(contentsOf: buf[start..<min(stop, start + room)]) }
        }
        let first = LineMarkers.skipSpace(buf, start, stop, html: true)
        guard first < stop else { return }
        textSinceReplyHeader = true
        markers(first, min(stop, first + Self.markerWindow), textEnd: stop)
        signOffMarkers(first, stop)
        // "On … wrote:" as text (Apple Mail, Outlook for Mac, pasted threads): the quote below is a reply's.
        if !sawReplyMarker, stop - first <= 400, buf[LineMarkers.trimEnd(buf, first, stop, html: true) - 1] == 0x3A,
            LineMarkers.closesAttribution(buf, first, stop)
                || LineMarkers.opensAttribution(buf, first, stop)
                    && LineMarkers.closesAttributionWithVerbInside(buf, first, stop)
        {
            sawReplyMarker = true
        }
        // The sender comments on the message they answer: below the first reply header, outside quote elements.
        if commentStart == nil, buf[first] == 0x5B, context.senderName != nil, replyHeaders == 1,
            tail.region == .quoted, !frames.contains(where: { $0.region == .quoted })
        {
            if marks == nil { marks = context.commentMarks }
            if LineMarkers.startsWithCommentMark(buf, first, stop, marks ?? [], html: true) { commentStart = first }
        }
        guard anchor == nil else { return }
        var found: [(Int, Int)] = []
        BareURLScanner.scan(buf, from: start, to: stop, html: true) { s, e in
            found.append((s, e))
            return found.count + candidates.count < maxCandidates
        }
        guard !found.isEmpty else { return }
        let (region, reason) = currentRegion()
        for (s, e) in found {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(e - s)
            HTMLEntities.appendDecoded(buf, from: s, to: e, into: &bytes)
            candidates.append(
                LinkCandidate(
                    url: String(decoding: bytes, as: UTF8.self), anchorRaw: nil, offset: s, region: region,
                    reason: reason))
        }
    }

    /// Looks for reply / forward / signature / footer markers in a text node.
    private mutating func markers(_ start: Int, _ stop: Int, textEnd: Int) {
        let c = buf[start]
        guard c == 0x2D || c == 0x5F || c == 0x2A || c >= 0x41 else { return }
        if var pending = pendingHeader {
            if start > pending.deadline {
                pendingHeader = nil
            } else if let kind = LineMarkers.headerKind(buf, start, stop, html: true) {
                switch kind {
                case .from: pending.from = true
                case .date: pending.date = pending.from
                case .to, .subject: pending.target = pending.from
                case .cc: break
                }
                if pending.from && pending.date && pending.target {
                    pendingHeader = nil
                    if pending.start > forwardHeaderUntil {
                        commitReplyHeader(.afterElement(pending.element, pending.start, forward: tail.forwardSubject))
                    }
                    return
                }
                pendingHeader = pending
                return
            }
        }
        if c == 0x2D {
            if LineMarkers.isForwardMarker(buf, start, stop, html: true) {
                forwardMarker(at: start)
            } else if LineMarkers.isOriginalMessage(buf, start, stop, html: true) {
                if start > forwardHeaderUntil {
                    commitReplyHeader(.originalMessage(start, forward: tail.forwardSubject))
                }
            } else if isHTMLSignatureDelimiter(start, textEnd: textEnd) {
                tail.signature(at: start)
            }
        } else if c == 0x5F {
            if LineMarkers.isUnderscoreLine(buf, start, stop, html: true) {
                pendingHeader = PendingHeader(start: start, deadline: start + Self.headerWindow, element: "'____' line")
            }
        } else if LineMarkers.isForwardMarker(buf, start, stop, html: true) {
            forwardMarker(at: start)
        } else if LineMarkers.opensBoilerplate(buf, start, stop, html: true) {
            tail.boilerplate(at: start)
        }
    }

    /// A signature without the `-- ` delimiter: a sign-off text node ("Best,") whose next text node is a
    /// name ("Omar Farouk"), or "Thanks, Omar" not followed by prose; a mobile client's "Sent from my
    /// iPhone". A link between the two nodes cancels it; "P.S." below it resumes new text. Only the
    /// sequential state changes: the sender's new text outside quote and signature elements.
    private mutating func signOffMarkers(_ start: Int, _ stop: Int) {
        if let pending = pendingSignOff {
            pendingSignOff = nil
            if pending.candidates == candidates.count, anchor?.url == nil, currentRegion().0 == .newText,
                LineMarkers.namesSender(buf, start, stop, tokens: senderNameTokens(), html: true)
            {
                tail.signOff(.signOff(pending.start))
                return
            }
        }
        if !sawNewText {
            if currentRegion().0 == .newText { sawNewText = true }
            return
        }
        if tail.isSignOffSignature {
            if LineMarkers.isPostscript(buf, start, stop, html: true) { tail.resumeNewText() }
            return
        }
        // Only a short text node can be a sign-off or a mobile signature line.
        guard stop - start <= 160 else { return }
        if LineMarkers.isMobileSignature(buf, start, stop, html: true) {
            if currentRegion().0 == .newText { tail.signOff(.mobileSignature(start)) }
        } else if anchor?.url == nil, let kind = LineMarkers.signOffKind(buf, start, stop, html: true),
            currentRegion().0 == .newText
        {
            switch kind {
            case .alone:
                pendingSignOff = (start, candidates.count)
            case .withName(let nameStart):
                // "Thanks, Omar" in one text node: a signature when it names the sender.
                if LineMarkers.namesSender(buf, nameStart, stop, tokens: senderNameTokens(), html: true) {
                    tail.signOff(.signOff(start))
                }
            }
        }
    }

    private mutating func senderNameTokens() -> [[UInt8]] {
        if nameTokens == nil { nameTokens = context.nameTokens }
        return nameTokens ?? []
    }

    /// A forwarded-message marker: the quote element that starts with it holds a forward (or, outside one, the
    /// rest of the part does). A signature above it ends there.
    private mutating func forwardMarker(at start: Int) {
        sawReplyMarker = true
        if let last = frames.indices.last, frames[last].probeUntil >= start {
            frames[last].region = .forwarded
            frames[last].reason = .forwardedElement(frames[last].element, frames[last].start)
            frames[last].probeUntil = -1
            tail.endSignature()
        } else {
            tail.forwardMarker(at: start)
        }
        forwardHeaderUntil = start + Self.headerWindow
    }

    /// A text node that is `--` or `-- ` alone, followed by `<br>` or an end tag.
    private func isHTMLSignatureDelimiter(_ start: Int, textEnd: Int) -> Bool {
        guard textEnd - start >= 2, buf[start] == 0x2D, buf[start + 1] == 0x2D,
            LineMarkers.trimEnd(buf, start + 2, textEnd, html: true) == start + 2, textEnd + 2 < end
        else { return false }
        return buf[textEnd + 1] == 0x2F || BareURLScanner.matchesLowercase(buf, at: textEnd + 1, "br")
    }

    private mutating func countReplyHeader(at start: Int) {
        if textSinceReplyHeader { replyHeaders += 1 }
        textSinceReplyHeader = false
    }

    /// Switches the rest of the part to reply history, including links already found after the
    /// header's start.
    private mutating func commitReplyHeader(_ reason: RegionReason) {
        let start: Int
        switch reason {
        case .afterElement(_, let at, _), .originalMessage(let at, _): start = at
        default: start = end
        }
        sawReplyMarker = true
        countReplyHeader(at: start)
        tail.replyHeader(reason)
        var k = candidates.count - 1
        while k >= 0, candidates[k].offset >= start {
            if Self.priority(candidates[k].region) < Self.priority(tail.region) {
                candidates[k].region = tail.region
                candidates[k].reason = tail.reason
            }
            k -= 1
        }
        if var open = anchor, open.offset >= start, Self.priority(open.region) < Self.priority(tail.region) {
            open.region = tail.region
            open.reason = tail.reason
            anchor = open
        }
    }

    // MARK: - Regions and links

    private static func priority(_ region: LinkRegion) -> Int {
        switch region {
        case .newText: 0
        case .forwarded: 1
        case .signature, .boilerplate: 2
        case .quoted: 3
        }
    }

    /// The region here: the strongest of the sequential state and the open elements
    /// (quoted > signature/boilerplate > forwarded > new; the innermost wins a tie).
    private func currentRegion() -> (LinkRegion, RegionReason) {
        if let commentStart { return (.newText, .markedComment(commentStart)) }
        var best = (tail.region, tail.reason)
        var bestPriority = Self.priority(tail.region)
        for frame in frames {
            let p = Self.priority(frame.region)
            if p >= bestPriority {
                best = (frame.region, frame.reason)
                bestPriority = p
            }
        }
        return best
    }

    /// The entity-decoded `href` value when it is an http(s) URL of acceptable length.
    private func httpURL(_ range: Range<Int>) -> String? {
        guard range.count >= 8, range.count <= BareURLScanner.maxURLLength * 2 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(range.count)
        HTMLEntities.appendDecoded(
            buf, from: range.lowerBound, to: range.upperBound, into: &bytes, dropsControlWhitespace: true)
        while let last = bytes.last, last == 0x20 || last == 0x0C { bytes.removeLast() }
        guard bytes.count <= BareURLScanner.maxURLLength else { return nil }
        let lower = bytes.prefix(8).map(BareURLScanner.asciiLower)
        let isHTTP = lower.starts(with: Array("http://".utf8)) || lower.starts(with: Array("https://".utf8))
        guard isHTTP, bytes.count > (lower[4] == 0x73 ? 8 : 7) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Emits the open anchor, if it has an http(s) URL.
    private mutating func closeAnchor() {
        guard let open = anchor else { return }
        anchor = nil
        guard let url = open.url, candidates.count < maxCandidates else { return }
        candidates.append(
            LinkCandidate(
                url: url, anchorRaw: open.text, offset: open.offset, region: open.region,
                reason: open.reason))
    }

    /// Anchor text: entities decoded, whitespace (and NBSP) collapsed, trimmed; `nil` when empty.
    static func anchorText(_ raw: [UInt8]) -> String? {
        guard !raw.isEmpty else { return nil }
        var decoded: [UInt8] = []
        raw.withUnsafeBufferPointer { HTMLEntities.appendDecoded($0, from: 0, to: $0.count, into: &decoded) }
        var out: [UInt8] = []
        out.reserveCapacity(decoded.count)
        var pendingSpace = false
        var i = 0
        while i < decoded.count {
            let c = decoded[i]
            if c <= 0x20 {
                pendingSpace = true
                i += 1
                continue
            }
            if c == 0xC2, i + 1 < decoded.count, decoded[i + 1] == 0xA0 {
                pendingSpace = true
                i += 2
                continue
            }
            if pendingSpace, !out.isEmpty { out.append(0x20) }
            pendingSpace = false
            out.append(c)
            i += 1
        }
        return out.isEmpty ? nil : String(decoding: out, as: UTF8.self)
    }
}
