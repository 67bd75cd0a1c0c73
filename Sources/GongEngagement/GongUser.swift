import Foundation

/// One Gong user as `GET /v2/users` lists it: the fields share-detector uses to know whose mailboxes to read and
/// whom `sharer.id` names. Gong's other fields (`created`, `settings`, `managerId`, `spokenLanguages`, …) are ignored,
/// as are fields Gong adds later.
///
/// `id` stays the string Gong sent: Gong documents it as "a unique numeric identifier (up to 20 digits)", which does
/// not fit 32 bits, may not fit a `Double` exactly (above 2^53) and may not even fit an `Int64`.
public struct GongUser: Sendable, Hashable, Codable {
    /// Gong's user id, e.g. `"234599484848423"`: the `sharer.id` of an event. Never parsed as a number.
    public var id: String
    /// The user's primary email address.
    public var emailAddress: String
    /// Whether the user is active in Gong.
    public var active: Bool
    /// The user's other addresses (empty when Gong sent none or `null`).
    public var emailAliases: [String]
    /// The first name, when set.
    public var firstName: String?
    /// The last name, when set.
    public var lastName: String?
    /// The job title, when set.
    public var title: String?

    /// Creates a user.
    public init(
        id: String, emailAddress: String, active: Bool, emailAliases: [String] = [], firstName: String? = nil,
        lastName: String? = nil, title: String? = nil
    ) {
        self.id = id
        self.emailAddress = emailAddress
        self.active = active
        self.emailAliases = emailAliases
        self.firstName = firstName
        self.lastName = lastName
        self.title = title
    }

    enum CodingKeys: String, CodingKey {
        case id, emailAddress, active, emailAliases, firstName, lastName, title
    }

    /// Decodes Gong's user object: `id`, `emailAddress` and `active` are required, `id` must be a JSON string (a
    /// number is refused rather than rounded); `emailAliases` may be absent or `null`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        emailAddress = try container.decode(String.self, forKey: .emailAddress)
        active = try container.decode(Bool.self, forKey: .active)
        emailAliases = try container.decodeIfPresent([String].self, forKey: .emailAliases) ?? []
        firstName = try container.decodeIfPresent(String.self, forKey: .firstName)
        lastName = try container.decodeIfPresent(String.self, forKey: .lastName)
        title = try container.decodeIfPresent(String.self, forKey: .title)
    }

    /// Decodes a JSON array of user objects (e.g. the sandbox's `--users` file).
    ///
    /// - Throws: `GongUsersDecodingError` naming the JSON path of the first problem (`[2].id: expected a string …`).
    public static func decodeArray(_ bytes: [UInt8]) throws(GongUsersDecodingError) -> [GongUser] {
        do {
            return try JSONDecoder().decode([GongUser].self, from: Data(bytes))
        } catch {
            throw GongUsersDecodingError(error)
        }
    }
}
