/// Who counts as internal and what is excluded, for one team.
public struct DetectionPolicy: Sendable, Hashable {
    /// Internal domains (a subdomain of one is internal too). Empty: the sender's own domain.
    public var internalDomains: [String]
    /// Recipient or sender domains whose mail never produces events.
    public var excludedDomains: [String]
    /// Recipient or sender addresses whose mail never produces events.
    public var excludedAddresses: Set<String>

    /// Creates a policy.
    public init(internalDomains: [String] = [], excludedDomains: [String] = [], excludedAddresses: Set<String> = []) {
        self.internalDomains = internalDomains.map { $0.lowercased() }
        self.excludedDomains = excludedDomains.map { $0.lowercased() }
        self.excludedAddresses = Set(excludedAddresses.map { $0.lowercased() })
    }

    static func domain(_ domain: String, isIn list: [String]) -> Bool {
        list.contains { domain == $0 || domain.hasSuffix("." + $0) }
    }
}
