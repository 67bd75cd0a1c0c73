import GongEngagement

/// The filters of the timeline page (`GET /?sharer=…&domain=…`).
public struct TimelineFilter: Sendable, Hashable {
    /// Show only events whose sharer's email equals this (case-insensitive); empty shows all.
    public var sharer: String
    /// Show only events with a recipient at this domain or a subdomain of it; empty shows all.
    public var recipientDomain: String

    /// Creates a filter; a leading `@` on the domain is ignored.
    public init(sharer: String = "", recipientDomain: String = "") {
        self.sharer = sharer.trimmingSpaces().lowercased()
        var domain = recipientDomain.trimmingSpaces().lowercased()
        while domain.hasPrefix("@") || domain.hasPrefix(".") { domain.removeFirst() }
        self.recipientDomain = domain
    }

    /// Whether `event` (of either API) passes both filters.
    public func matches(_ event: GongEvent) -> Bool {
        switch event {
        case .contentShared(let event): matches(event)
        case .digitalInteraction(let event): matches(event)
        }
    }

    /// Whether a content-shared event passes both filters: the sharer is `sharer.email`, the recipient domains
    /// are those of `recipients[].email`.
    public func matches(_ event: ContentSharedEvent) -> Bool {
        let domains = (event.recipients ?? []).compactMap { $0.email.flatMap(TimelineFilter.domain(of:)) }
        return matches(sharerEmail: event.sharer?.email, recipientDomains: domains)
    }

    /// Whether a digital interaction passes both filters: the sharer is the `sharerEmail` custom field, the
    /// recipient domains are those of `person.email`, `person.company.domain` and the addresses in the
    /// `otherRecipients` custom field (where the sender lists a share's other recipients).
    public func matches(_ event: DigitalInteractionEvent) -> Bool {
        matches(sharerEmail: Self.sharerEmail(of: event), recipientDomains: Self.recipientDomains(of: event))
    }

    private func matches(sharerEmail: String?, recipientDomains: [String]) -> Bool {
        if !sharer.isEmpty && sharerEmail?.trimmingSpaces().lowercased() != sharer { return false }
        if !recipientDomain.isEmpty {
            guard
                recipientDomains.contains(where: { $0 == recipientDomain || $0.hasSuffix("." + recipientDomain) })
            else { return false }
        }
        return true
    }

    /// The sharer's email of either kind of event, as sent (`nil` when none).
    static func sharerEmail(of event: GongEvent) -> String? {
        switch event {
        case .contentShared(let event): event.sharer?.email
        case .digitalInteraction(let event): sharerEmail(of: event)
        }
    }

    /// The `sharerEmail` custom field of a digital interaction.
    static func sharerEmail(of event: DigitalInteractionEvent) -> String? {
        customField("sharerEmail", of: event)
    }

    /// The value of the first custom field of the event named `name` (case-insensitive), if not empty.
    static func customField(_ name: String, of event: DigitalInteractionEvent) -> String? {
        let value = event.customFields?.first { $0.name.lowercased() == name.lowercased() }?.value
        return value.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The lower-cased recipient domains of a digital interaction.
    static func recipientDomains(of event: DigitalInteractionEvent) -> [String] {
        var domains: [String] = []
        if let found = event.person.email.flatMap(Self.domain(of:)) { domains.append(found) }
        if let found = event.person.company?.domain?.trimmingSpaces().lowercased(), !found.isEmpty {
            domains.append(found)
        }
        let others = customField("otherRecipients", of: event) ?? ""
        domains += others.split(separator: ",").compactMap { Self.domain(of: String($0)) }
        return domains
    }

    /// The lower-cased domain of an email address.
    static func domain(of email: String) -> String? {
        guard let at = email.lastIndex(of: "@") else { return nil }
        let domain = email[email.index(after: at)...].trimmingSpaces().lowercased()
        return domain.isEmpty ? nil : domain
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
