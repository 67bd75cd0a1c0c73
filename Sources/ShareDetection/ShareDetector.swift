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
    public init(rules: RuleSet, policy: DetectionPolicy = DetectionPolicy(), extractor: LinkExtractor = LinkExtractor()) {
        self.rules = rules
        self.policy = policy
        self.extractor = extractor
    }

    /// Detects the shares of `message`.
    public func detect(_ message: MailMessage) -> DetectionResult {
        let sharer = message.from.first
        let internalDomains =
            policy.internalDomains.isEmpty ? (sharer.map { [$0.domain] }.flatMap { $0 == [""] ? nil : $0 } ?? [])
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
        if let sharer, policy.excludedAddresses.contains(sharer.address.lowercased())
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
        for link in extractor.links(in: message) {
            let classification = rules.classify(link.url)
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
                    if shares[index].titleSource != .anchorText, let anchor = ContentTitle.meaningfulAnchor(link.anchorText)
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
            decisions: decisions, internalDomains: internalDomains)
    }
}
