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

    /// Whether `event` passes both filters.
    public func matches(_ event: ContentSharedEvent) -> Bool {
        if !sharer.isEmpty && event.sharer?.email?.lowercased() != sharer { return false }
        if !recipientDomain.isEmpty {
            let domains = (event.recipients ?? []).compactMap { $0.email.flatMap(TimelineFilter.domain(of:)) }
            guard domains.contains(where: { $0 == recipientDomain || $0.hasSuffix("." + recipientDomain) }) else {
                return false
            }
        }
        return true
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
