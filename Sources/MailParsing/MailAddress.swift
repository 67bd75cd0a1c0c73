/// One mailbox from an address header: a display name (RFC 2047 decoded) and an addr-spec.
public struct MailAddress: Sendable, Hashable, Codable {
    /// The decoded display name, or `nil` when the header gave none.
    public var name: String?
    /// The addr-spec (`local@domain`) exactly as written, without angle brackets.
    public var address: String

    /// Creates an address.
    public init(name: String? = nil, address: String) {
        self.name = name
        self.address = address
    }

    /// The domain part after the last `@`, lowercased; empty when there is none.
    public var domain: String {
        guard let at = address.lastIndex(of: "@") else { return "" }
        return address[address.index(after: at)...].lowercased()
    }
}
