import Foundation
import MailParsing

/// Finds the shares in a parsed message: links the sender put there, that a rule classifies as content, sent to at
/// least one external recipient. Pure: no I/O.
public struct ShareDetector: Sendable {
    /// The rules.
    public var rules: RuleSet
    /// Internal domains and exclusions.
    public var policy: DetectionPolicy
    /// The link extractor.
    public var extractor: LinkExtractor

    /// Creates a detector.
    public init(rules: RuleSet, policy: DetectionPolicy = DetectionPolicy(), extractor: LinkExtractor = LinkExtractor())
    {
        self.rules = rules
        self.policy = policy
        self.extractor = extractor
    }

    /// Detects the shares of `message`.
    public func detect(_ message: MailMessage) -> DetectionResult {
        let sharer = Self.effectiveSharer(message)
        let internalDomains =
            policy.internalDomains.isEmpty
            ? (sharer.map { [$0.domain] }.flatMap { $0 == [""] ? nil : $0 } ?? [])
            : policy.internalDomains
        var seenRecipients: Set<String> = []
        var external: [MailAddress] = []
        for recipient in message.to + message.cc + message.bcc {
            let address = recipient.address.lowercased()
            guard address.contains("@"), seenRecipients.insert(address).inserted else { continue }
            let domain = recipient.domain
            if DetectionPolicy.domain(domain, isIn: internalDomains) { continue }
            if policy.excludedAddresses.contains(address) || rules.exclusions.excludes(address: address) { continue }
            if DetectionPolicy.domain(domain, isIn: policy.excludedDomains) { continue }
            external.append(recipient)
        }

        var messageSkipReason: String?
        if let sharer,
            policy.excludedAddresses.contains(sharer.address.lowercased())
                || rules.exclusions.excludes(address: sharer.address)
                || DetectionPolicy.domain(sharer.domain, isIn: policy.excludedDomains)
        {
            messageSkipReason = "the sender \(sharer.address) is excluded"
        } else if external.isEmpty {
            messageSkipReason =
                seenRecipients.isEmpty
                ? "no recipients"
                : "no external recipient (internal: \(internalDomains.isEmpty ? "none known" : internalDomains.joined(separator: ", ")))"
        }

        var decisions: [LinkDecision] = []
        var shares: [DetectedShare] = []
        var indexByContent: [String: Int] = [:]
        var defects: [ParseDefect] = []
        for link in extractor.links(in: message, defects: &defects) {
            var limitHits: [PatternLimitHit] = []
            let classification = rules.classify(link.url, limitHits: &limitHits)
            for hit in limitHits {
                defects.append(
                    ParseDefect(
                        code: "regex-limit", offset: Int64(link.byteOffset),
                        item: "part \(link.partPath) (\(link.partKind.rawValue)) link \(link.url.prefix(200)): \(hit)"))
            }
            let outcome: LinkDecision.Outcome
            switch classification {
            case .content(let match, let unwrap):
                if !link.region.isSenderContent {
                    outcome = .skipped(reason: "in \(link.region.rawValue) (\(link.regionReason))")
                } else if let messageSkipReason {
                    outcome = .skipped(reason: messageSkipReason)
                } else if let index = indexByContent[match.contentId] {
                    outcome = .sameContentAs(contentId: match.contentId)
                    // A later occurrence with meaningful anchor text gives the share a better title.
                    if shares[index].titleSource != .anchorText,
                        let anchor = ContentTitle.meaningfulAnchor(link.anchorText)
                    {
                        shares[index].title = anchor
                        shares[index].titleSource = .anchorText
                    }
                } else {
                    indexByContent[match.contentId] = shares.count
                    let (title, source) = ContentTitle.choose(
                        anchor: link.anchorText, match: match, subject: message.subject)
                    shares.append(
                        DetectedShare(
                            content: match, link: link, unwrapChain: unwrap.chain, title: title, titleSource: source))
                    outcome = .share(contentId: match.contentId)
                }
            case .notContent(let reason, _):
                outcome = .skipped(reason: reason)
            case .excluded(let reason, _):
                outcome = .skipped(reason: reason)
            case .undecodableWrapper(let wrapper, _):
                outcome = .skipped(reason: "wrapped by \(wrapper), which cannot be decoded offline")
            }
            decisions.append(LinkDecision(link: link, classification: classification, outcome: outcome))
        }
        return DetectionResult(
            sharer: sharer, externalRecipients: messageSkipReason == nil ? external : [],
            messageSkipReason: messageSkipReason, shares: messageSkipReason == nil ? shares : [],
            decisions: decisions, internalDomains: internalDomains, defects: defects)
    }

    /// The person who shared: `From:`, unless the message was sent on someone's behalf.
    ///
    /// Mailing lists that rewrite `From:` for DMARC (`"Ann via Cake" <cake@lists.example>`) and services that send
    /// on a person's behalf (`"Ann (via Google Docs)" <drive-shares-noreply@google.com>`) put the person in
    /// `Reply-To:`. When `From:`'s name says "via …", or its address is one of the recipients (the list itself),
    /// and `Reply-To:` names someone else, that person is the sharer.
    public static func effectiveSharer(_ message: MailMessage) -> MailAddress? {
        guard let from = message.from.first else { return message.sender.first }
        guard let replyTo = message.replyTo.first, replyTo.address.lowercased() != from.address.lowercased() else {
            return from
        }
        let name = from.name ?? ""
        // The regular expression only where it can match: ASCII text without "via" in any case cannot.
        let saysVia =
            ASCIIText.mayContain(name, lowercasedASCII: "via")
            && name.range(of: #"\bvia\b"#, options: [.regularExpression, .caseInsensitive]) != nil
        let fromIsARecipient = message.recipients.contains { $0.address.lowercased() == from.address.lowercased() }
        guard saysVia || fromIsARecipient else { return from }
        return MailAddress(name: replyTo.name ?? personName(fromVia: name), address: replyTo.address)
    }

    /// `'Ann Lee (via Google Docs)' via List` → `Ann Lee`.
    static func personName(fromVia name: String) -> String? {
        var text = name
        if let via = text.range(of: #"\s*\(?\bvia\b.*$"#, options: [.regularExpression, .caseInsensitive]) {
            text.removeSubrange(via)
        }
        text = text.trimmingCharacters(in: CharacterSet(charactersIn: " '\"()"))
        return text.isEmpty ? nil : text
    }
}
