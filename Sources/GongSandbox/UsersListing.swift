import Foundation
import GongEngagement

/// The pages of `GET /v2/users` over the configured users, `pageSize` a page, with Gong-like opaque cursors.
///
/// A cursor is `base64url("sandbox-users:<nonce>:<offset>")`: the nonce is drawn once per sandbox, so only a
/// cursor this sandbox handed out (for a page that exists) is accepted; anything else is Gong's 400.
struct UsersListing: Sendable {
    /// The users, in listing order.
    let users: [GongUser]
    /// Users per page (Gong's is 100).
    let pageSize: Int
    /// Ties cursors to this sandbox.
    let nonce: String

    /// What a call gets.
    enum Answer: Equatable {
        /// One page: `users[offset..<offset + count]`, its page number, and the next page's cursor if any.
        case page(offset: Int, count: Int, pageNumber: Int, cursor: String?)
        /// The cursor is not one this sandbox handed out.
        case invalidCursor
        /// No users are configured (Gong's 404).
        case noUsers
    }

    /// Creates a listing with a fresh random nonce (or `nonce`, for tests).
    init(users: [GongUser], pageSize: Int, nonce: String? = nil) {
        self.users = users
        self.pageSize = max(1, pageSize)
        self.nonce = nonce ?? String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    /// The answer to a call with `cursor` (`nil` or empty for the first page).
    func answer(cursor: String?) -> Answer {
        var offset = 0
        if let cursor, !cursor.isEmpty {
            guard let decoded = self.offset(of: cursor) else { return .invalidCursor }
            offset = decoded
        }
        guard !users.isEmpty else { return .noUsers }
        let count = min(pageSize, users.count - offset)
        let next = offset + count < users.count ? self.cursor(offset: offset + count) : nil
        return .page(offset: offset, count: count, pageNumber: offset / pageSize, cursor: next)
    }

    /// The cursor of the page starting at `offset`.
    func cursor(offset: Int) -> String {
        Data("sandbox-users:\(nonce):\(offset)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The offset a cursor of this sandbox stands for, or `nil` when it is not one (garbled, another sandbox's, or
    /// past the end). Only the exact text handed out counts: base64 leaves some bits of the last character unused,
    /// so a changed last character can decode to the same bytes.
    func offset(of cursor: String) -> Int? {
        guard cursor.count <= 200 else { return nil }
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else {
            return nil
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "sandbox-users", parts[1] == nonce, let offset = Int(parts[2]),
            offset > 0, offset < users.count, offset % pageSize == 0, self.cursor(offset: offset) == cursor
        else { return nil }
        return offset
    }

    /// A user as Gong lists it: every field of Gong's `UserMetadata`, those the sandbox does not know as `null`,
    /// empty lists or default settings.
    static func record(_ user: GongUser) -> [String: Any] {
        [
            "id": user.id,
            "emailAddress": user.emailAddress,
            "created": "2024-01-01T00:00:00Z",
            "active": user.active,
            "emailAliases": user.emailAliases,
            "trustedEmailAddress": NSNull(),
            "firstName": user.firstName ?? NSNull(),
            "lastName": user.lastName ?? NSNull(),
            "title": user.title ?? NSNull(),
            "phoneNumber": NSNull(),
            "extension": NSNull(),
            "personalMeetingUrls": [String](),
            "settings": [
                "webConferencesRecorded": true, "preventWebConferenceRecording": false,
                "telephonyCallsImported": false, "emailsImported": true, "preventEmailImport": false,
                "nonRecordedMeetingsImported": true, "gongConnectEnabled": true,
            ],
            "managerId": NSNull(),
            "meetingConsentPageUrl": NSNull(),
            "spokenLanguages": [[String: Any]](),
        ]
    }
}
