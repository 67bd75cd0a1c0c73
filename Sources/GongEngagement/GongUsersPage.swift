import Foundation

/// One page of `GET /v2/users`: Gong's `{requestId, records: {totalRecords, currentPageSize, currentPageNumber,
/// cursor}, users: [...]}`.
///
/// Pass `cursor` to the next call to get the next page; it is `nil` on the last page (Gong leaves it out there).
public struct GongUsersPage: Sendable, Hashable {
    /// The users of this page, in Gong's order.
    public var users: [GongUser]
    /// The opaque cursor of the next page; `nil` on the last page.
    public var cursor: String?
    /// `records.totalRecords`: the number of users over all pages, when Gong sent it.
    public var totalRecords: Int?
    /// Gong's request id, for support; `nil` when absent (or not a string).
    public var requestId: String?

    /// Creates a page.
    public init(users: [GongUser], cursor: String? = nil, totalRecords: Int? = nil, requestId: String? = nil) {
        self.users = users
        self.cursor = cursor
        self.totalRecords = totalRecords
        self.requestId = requestId
    }

    /// Decodes a 200 body of `GET /v2/users`.
    ///
    /// `users` is required (each user as `GongUser` decodes it); `records` and its fields are optional but must have
    /// Gong's types when present; an empty `cursor` counts as none. Unknown fields are ignored (Gong adds fields
    /// without notice).
    ///
    /// - Throws: `GongUsersDecodingError` with the JSON path of the first problem. It never quotes the body.
    public static func decode(_ bytes: [UInt8]) throws(GongUsersDecodingError) -> GongUsersPage {
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: Data(bytes))
        } catch {
            throw GongUsersDecodingError(error)
        }
        let cursor = body.records?.cursor.flatMap { $0.isEmpty ? nil : $0 }
        return GongUsersPage(
            users: body.users, cursor: cursor, totalRecords: body.records?.totalRecords, requestId: body.requestId)
    }

    /// The response body, as far as it is read.
    private struct Body: Decodable {
        let requestId: String?
        let records: Records?
        let users: [GongUser]

        enum CodingKeys: String, CodingKey {
            case requestId, records, users
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            // The request id is only for logs: an odd type is no reason to refuse the page.
            requestId = (try? container.decodeIfPresent(String.self, forKey: .requestId)) ?? nil
            records = try container.decodeIfPresent(Records.self, forKey: .records)
            users = try container.decode([GongUser].self, forKey: .users)
        }
    }

    /// `records`.
    private struct Records: Decodable {
        let totalRecords: Int?
        let cursor: String?
    }
}
