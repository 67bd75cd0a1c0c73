import MailParsing

/// Finds the http(s) links in a message's text and HTML parts and says where each one sits
/// (new text, quoted history, forward, signature, footer).
///
/// Pure and linear: a byte scanner over the decoded parts, no regular expressions, no I/O.
/// Plain text follows the GFM autolink / Rust `linkify` rules; HTML yields `<a href>` links
/// (with anchor text) and bare URLs in text outside anchors.
public struct LinkExtractor: Sendable {
    /// At most this many distinct links are kept per part.
    public var maxLinksPerPart: Int
    /// Candidates (before deduplication) read per part before the scan stops.
    public var maxCandidatesPerPart: Int

    /// Creates an extractor with the default bounds (2,000 links per part).
    public init() {
        self.maxLinksPerPart = 2000
        self.maxCandidatesPerPart = 50_000
    }

    /// The links in one part, in order, each URL kept once per region (the first occurrence; when that one has no
    /// anchor text, or only the URL itself as its text, a later occurrence's anchor text is taken).
    ///
    /// - Parameters:
    ///   - part: a decoded text or HTML part.
    ///   - subject: the message subject; a forward subject (`Fwd:`, `FW:` …) makes text below an
    ///     Outlook reply header forwarded rather than quoted.
    public func links(in part: BodyPart, subject: String?) -> [ExtractedLink] {
        var defects: [ParseDefect] = []
        return links(in: part, subject: subject, defects: &defects)
    }

    /// ``links(in:subject:)``, adding a defect to `defects` for each bound the part reached, so that a lost link is
    /// never silent:
    ///
    /// - `link-limit`: more than ``maxLinksPerPart`` distinct links; the rest of the part was not read.
    /// - `candidate-limit`: ``maxCandidatesPerPart`` candidates read; the rest of the part was not scanned.
    /// - `region-nesting-limit` (HTML): more than 64 quote, signature or forward elements open at once; the deeper
    ///   ones take the region of the elements around them.
    ///
    /// Each defect's `item` names the part (`part 1.2 (html)`) and its `offset` is the byte in the decoded part.
    public func links(in part: BodyPart, subject: String?, defects: inout [ParseDefect]) -> [ExtractedLink] {
        links(in: part, context: ThreadContext(subject: subject), defects: &defects)
    }

    /// ``links(in:subject:defects:)`` with the whole message's thread context: a fresh message's own `>` blocks
    /// and the sender's marked inline comments in quoted text are new text.
    public func links(in part: BodyPart, context: ThreadContext, defects: inout [ParseDefect]) -> [ExtractedLink] {
        var frameLimitOffset: Int?
        let candidates = part.utf8.withUnsafeBufferPointer { buf -> [LinkCandidate] in
            switch part.kind {
            case .plain: return plainCandidates(buf, context: context)
            case .html:
                var scanner = HTMLScanner(buf, context: context, maxCandidates: maxCandidatesPerPart)
                scanner.run()
                frameLimitOffset = scanner.frameLimitOffset
                return scanner.candidates
            }
        }
        let partName = "part \(part.path) (\(part.kind.rawValue))"
        if let frameLimitOffset {
            defects.append(
                ParseDefect(
                    code: "region-nesting-limit", offset: Int64(frameLimitOffset),
                    item: "\(partName): more than \(HTMLScanner.maxFrames) nested quote/forward elements"))
        }
        if candidates.count >= maxCandidatesPerPart, let last = candidates.last {
            defects.append(
                ParseDefect(
                    code: "candidate-limit", offset: Int64(last.offset),
                    item: "\(partName): \(maxCandidatesPerPart) URL candidates read, the rest not scanned"))
        }
        var seen: [SeenKey: Int] = [:]
        var result: [ExtractedLink] = []
        for (number, candidate) in candidates.enumerated() {
            var region = candidate.region
            var reason = candidate.reason.text
            if part.isInAttachedMessage {
                if region == .newText {
                    region = .forwarded
                    reason = "in attached message/rfc822"
                } else {
                    reason += " in attached message/rfc822"
                }
            }
            let key = SeenKey(url: candidate.url, region: region)
            if let index = seen[key] {
                if Self.isBareAnchor(result[index].anchorText),
                    let anchor = candidate.anchorRaw.flatMap(HTMLScanner.anchorText), !Self.isBareAnchor(anchor)
                {
                    result[index].anchorText = anchor
                }
                continue
            }
            if result.count >= maxLinksPerPart {
                let dropped = Set(candidates[number...].map { SeenKey(url: $0.url, region: $0.region) })
                    .subtracting(seen.keys).count
                defects.append(
                    ParseDefect(
                        code: "link-limit", offset: Int64(candidate.offset),
                        item: "\(partName): \(maxLinksPerPart) links kept, about \(dropped) more dropped"))
                break
            }
            seen[key] = result.count
            result.append(
                ExtractedLink(
                    url: candidate.url, anchorText: candidate.anchorRaw.flatMap(HTMLScanner.anchorText),
                    partPath: part.path, partKind: part.kind,
                    byteOffset: candidate.offset, region: region, regionReason: reason))
        }
        return result
    }

    /// True for no anchor text, or anchor text that is just a URL.
    static func isBareAnchor(_ anchor: String?) -> Bool {
        guard let anchor, !anchor.isEmpty else { return true }
        return anchor.contains("://") || anchor.lowercased().hasPrefix("www.")
    }

    private struct SeenKey: Hashable {
        var url: String
        var region: LinkRegion
    }

    private func plainCandidates(_ buf: UnsafeBufferPointer<UInt8>, context: ThreadContext) -> [LinkCandidate] {
        var classifier = PlainTextRegionClassifier(buf, context: context)
        var candidates: [LinkCandidate] = []
        BareURLScanner.scan(buf, from: 0, to: buf.count, html: false) { start, end in
            let (region, reason) = classifier.region(at: start)
            let url = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<end]), as: UTF8.self)
            candidates.append(LinkCandidate(url: url, anchorRaw: nil, offset: start, region: region, reason: reason))
            return candidates.count < maxCandidatesPerPart
        }
        return candidates
    }

    /// All links of a message, deduplicated across the `text/plain` and `text/html` alternatives.
    ///
    /// The same URL in both alternatives is one link: the HTML occurrence is preferred (it has
    /// anchor text). When the alternatives disagree between new text and a region found by a marker
    /// (quoted, signature, boilerplate, forwarded), the marker wins: "new" is only the absence of
    /// evidence, and each format hides some markers (HTML quoting with `&gt;`, plain signatures
    /// without `-- `) that the other shows. A URL
    /// that occurs in several regions is kept once per region. Parts inside an attached
    /// `message/rfc822` are deduplicated among themselves, apart from the outer message's parts.
    /// The result is in part order, then byte order.
    public func links(in message: MailMessage) -> [ExtractedLink] {
        var defects: [ParseDefect] = []
        return links(in: message, defects: &defects)
    }

    /// ``links(in:)-(MailMessage)``, adding a defect for each bound a part reached (see
    /// ``links(in:subject:defects:)``).
    public func links(in message: MailMessage, defects: inout [ParseDefect]) -> [ExtractedLink] {
        let context = ThreadContext(message: message)
        var perPart: [[ExtractedLink]] = message.bodyParts.map { links(in: $0, context: context, defects: &defects) }
        var kept: [(part: Int, link: ExtractedLink)] = []
        for attached in [false, true] {
            let indices = message.bodyParts.indices.filter { message.bodyParts[$0].isInAttachedMessage == attached }
            kept += merge(indices.map { ($0, perPart[$0]) })
        }
        perPart.removeAll()
        kept.sort { ($0.part, $0.link.byteOffset) < ($1.part, $1.link.byteOffset) }
        return kept.map(\.link)
    }

    /// Merges the links of alternative parts (see ``links(in:)-(MailMessage)``).
    private func merge(_ parts: [(index: Int, links: [ExtractedLink])]) -> [(part: Int, link: ExtractedLink)] {
        // Per URL: the first occurrence per region, HTML and plain apart.
        struct Occurrences {
            var order: Int
            var html: [(part: Int, link: ExtractedLink)] = []
            var plain: [(part: Int, link: ExtractedLink)] = []
        }
        var byURL: [String: Occurrences] = [:]
        var order = 0
        for (index, links) in parts {
            for link in links {
                var entry = byURL[link.url] ?? Occurrences(order: order)
                if entry.order == order { order += 1 }
                if link.partKind == .html {
                    if !entry.html.contains(where: { $0.link.region == link.region }) {
                        entry.html.append((index, link))
                    }
                } else if !entry.plain.contains(where: { $0.link.region == link.region }) {
                    entry.plain.append((index, link))
                }
                byURL[link.url] = entry
            }
        }
        var result: [(part: Int, link: ExtractedLink)] = []
        for entry in byURL.values.sorted(by: { $0.order < $1.order }) {
            var html = entry.html
            var plain = entry.plain
            // Regions both alternatives agree on: the HTML occurrence.
            let agreed = Set(html.map(\.link.region)).intersection(plain.map(\.link.region))
            result += html.filter { agreed.contains($0.link.region) }
            html.removeAll { agreed.contains($0.link.region) }
            plain.removeAll { agreed.contains($0.link.region) }
            // The rest pair up in order: one link per pair; a region found by a marker beats "new".
            while !html.isEmpty, !plain.isEmpty {
                var (part, link) = html.removeFirst()
                let other = plain.removeFirst().link
                if link.region == .newText, other.region != .newText {
                    link.regionReason =
                        "\(other.region.rawValue) in the text/plain alternative (part \(other.partPath)): "
                        + "\(other.regionReason); HTML said new: \(link.regionReason)"
                    link.region = other.region
                }
                result.append((part, link))
            }
            result += html
            result += plain
        }
        return result
    }
}
