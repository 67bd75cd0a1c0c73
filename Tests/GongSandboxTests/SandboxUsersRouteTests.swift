import Foundation
import GongEngagement
import GongSandbox
import Hummingbird
import HummingbirdTesting
import Testing

/// `GET /v2/users` through the router (HummingbirdTesting, no socket).
@Suite("Sandbox users route")
struct SandboxUsersRouteTests {
    typealias F = SandboxFixtures
    typealias U = UsersFixtures

    func sandbox(users: [GongUser] = U.users(250), pageSize: Int = 100, rate: Int = 0) throws -> GongSandbox {
        try GongSandbox(
            configuration: GongSandboxConfiguration(
                credentials: F.credentials, callsPerSecond: rate, users: users, usersPageSize: pageSize))
    }

    /// `records` of a page body.
    static func records(_ buffer: ByteBuffer) -> [String: Any] { F.object(buffer)["records"] as? [String: Any] ?? [:] }

    /// `users` of a page body.
    static func users(_ buffer: ByteBuffer) -> [[String: Any]] { F.object(buffer)["users"] as? [[String: Any]] ?? [] }

    @Test("three pages of 100/100/50 with Gong's records, cursors, and every field of Gong's user")
    func pages() async throws {
        let app = try sandbox().makeApplication()
        try await app.test(.router) { client in
            var cursor: String?
            var ids: [String] = []
            for (number, size) in [(0, 100), (1, 100), (2, 50)] {
                let uri = "/v2/users" + (cursor.map { "?cursor=\($0)" } ?? "")
                try await client.execute(uri: uri, method: .get, headers: F.basic()) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "application/json")
                    let object = F.object(response.body)
                    #expect((object["requestId"] as? String)?.count == 19)
                    let records = Self.records(response.body)
                    #expect(records["totalRecords"] as? Int == 250)
                    #expect(records["currentPageSize"] as? Int == size)
                    #expect(records["currentPageNumber"] as? Int == number)
                    cursor = records["cursor"] as? String
                    #expect((cursor == nil) == (number == 2))
                    let users = Self.users(response.body)
                    #expect(users.count == size)
                    ids += users.compactMap { $0["id"] as? String }
                    if number == 0 {
                        #expect(
                            Set(users[0].keys) == [
                                "id", "emailAddress", "created", "active", "emailAliases", "trustedEmailAddress",
                                "firstName", "lastName", "title", "phoneNumber", "extension", "personalMeetingUrls",
                                "settings", "managerId", "meetingConsentPageUrl", "spokenLanguages",
                            ])
                        #expect(users[0]["trustedEmailAddress"] is NSNull)
                        #expect(users[0]["emailAliases"] as? [String] == ["r.0@northwind.example"])
                        #expect(users[0]["title"] as? String == "AE")
                        #expect(users[1]["title"] is NSNull)
                        #expect(users[0]["active"] as? Bool == false)
                        #expect((users[0]["settings"] as? [String: Any])?["emailsImported"] as? Bool == true)
                    }
                    if number == 1 {
                        // The id is a JSON string on the wire, digit for digit.
                        #expect(String(buffer: response.body).contains(#""id":"9007199254740993""#))
                    }
                }
            }
            #expect(ids == U.users(250).map(\.id))
            try await client.execute(uri: "/api/stats", method: .get) {
                let stats = try JSONDecoder().decode(SandboxStats.self, from: Data($0.body.readableBytesView))
                #expect(stats.users.ok == 3)
                #expect(stats.users.calls == 3)
            }
        }
    }

    @Test("a cursor it did not hand out, or past the end: 400 Invalid cursor; an empty one is the first page")
    func invalidCursor() async throws {
        let app = try sandbox().makeApplication()
        let other = try sandbox().makeApplication()
        let foreign = try await other.test(.router) { client in
            try await client.execute(uri: "/v2/users", method: .get, headers: F.basic()) {
                Self.records($0.body)["cursor"] as? String
            }
        }
        try await app.test(.router) { client in
            var valid = ""
            try await client.execute(uri: "/v2/users?cursor=&includeAvatars=true", method: .get, headers: F.basic()) {
                #expect($0.status == .ok)
                #expect(Self.records($0.body)["currentPageNumber"] as? Int == 0)
                valid = Self.records($0.body)["cursor"] as? String ?? ""
            }
            let bad = [
                "garbage", "%00", valid + "AA", String(valid.dropLast(2)), try #require(foreign),
                Data("sandbox-users:x:100".utf8).base64EncodedString(),
            ]
            for cursor in bad {
                let encoded = cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? cursor
                try await client.execute(uri: "/v2/users?cursor=\(encoded)", method: .get, headers: F.basic()) {
                    #expect($0.status == .badRequest, "cursor \(cursor)")
                    let object = F.object($0.body)
                    #expect(object["errors"] as? [String] == ["Invalid cursor"])
                    #expect((object["requestId"] as? String)?.count == 19)
                }
            }
            try await client.execute(uri: "/api/stats", method: .get) {
                let stats = try JSONDecoder().decode(SandboxStats.self, from: Data($0.body.readableBytesView))
                #expect(stats.users.badRequest == bad.count)
                #expect(stats.users.ok == 1)
            }
        }
    }

    @Test("no users configured: 404 with Gong's message")
    func noUsers() async throws {
        let app = try sandbox(users: []).makeApplication()
        try await app.test(.router) { client in
            try await client.execute(uri: "/v2/users", method: .get, headers: F.bearer()) {
                #expect($0.status == .notFound)
                let object = F.object($0.body)
                #expect(object["errors"] as? [String] == ["No users found corresponding to the provided filters"])
                #expect(object["requestId"] is String)
            }
        }
    }

    @Test("missing or wrong credentials: 401 like the event routes; Basic and Bearer both let in")
    func unauthorized() async throws {
        let app = try sandbox().makeApplication()
        try await app.test(.router) { client in
            for headers in [
                HTTPFields(), F.basic(F.accessKey, "wrong"), F.bearer("wrong"), [.authorization: "Digest a"],
            ] {
                try await client.execute(uri: "/v2/users", method: .get, headers: headers) {
                    #expect($0.status == .unauthorized)
                    #expect(F.object($0.body)["errors"] as? [String] == ["Access denied"])
                    #expect(F.object($0.body)["users"] == nil)
                }
            }
            for headers in [F.basic(), F.bearer()] {
                try await client.execute(uri: "/v2/users", method: .get, headers: headers) {
                    #expect($0.status == .ok)
                }
            }
            try await client.execute(uri: "/api/stats", method: .get) {
                let stats = try JSONDecoder().decode(SandboxStats.self, from: Data($0.body.readableBytesView))
                #expect(stats.users.unauthorized == 4)
                #expect(stats.users.ok == 2)
                #expect(stats.users.calls == 6)
                // Users calls are not event answers.
                #expect(stats.unauthorized == 0)
                #expect(stats.ok == 0)
            }
        }
    }

    @Test("other methods on /v2/users: 405 with Allow: GET")
    func methodNotAllowed() async throws {
        let app = try sandbox().makeApplication()
        try await app.test(.router) { client in
            for method in [HTTPRequest.Method.post, .put, .patch, .delete] {
                try await client.execute(uri: "/v2/users", method: method, headers: F.basic()) {
                    #expect($0.status == .methodNotAllowed)
                    #expect($0.headers[.allow] == "GET")
                }
            }
        }
    }

    @Test("users calls spend the events' rate budget, and the other way round")
    func sharedRateLimit() async throws {
        let app = try sandbox(rate: 2).makeApplication()
        try await app.test(.router) { client in
            try await client.execute(uri: "/v2/users", method: .get, headers: F.basic()) { #expect($0.status == .ok) }
            try await client.execute(uri: F.path, method: .put, headers: F.basic(), body: F.body(F.event(id: "x"))) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/v2/users", method: .get, headers: F.basic()) {
                #expect($0.status == .tooManyRequests)
                #expect($0.headers[.retryAfter] == "1")
                #expect(F.object($0.body)["errors"] as? [String] == ["API request limit exceeded"])
            }
            try await client.execute(uri: F.path, method: .put, headers: F.basic(), body: F.body(F.event(id: "y"))) {
                #expect($0.status == .tooManyRequests)
            }
            try await client.execute(uri: "/api/stats", method: .get) {
                let object = F.object($0.body)
                // The existing fields stay, with the users counts next to them.
                #expect(object["200"] as? Int == 1)
                #expect(object["429"] as? Int == 1)
                #expect(object["events"] as? Int == 1)
                #expect(object["content-shared"] is [String: Any])
                #expect(object["digital-interaction"] is [String: Any])
                let users = object["users"] as? [String: Int]
                #expect(users == ["calls": 2, "200": 1, "400": 0, "401": 0, "404": 0, "429": 1, "5xx": 0])
            }
        }
    }

    @Test("an outage answers users calls too, and is counted under users")
    func outage() async throws {
        let app = try GongSandbox(
            configuration: GongSandboxConfiguration(
                credentials: F.credentials, callsPerSecond: 0,
                faults: SandboxFaults(outageStatus: 503, outageRetryAfter: 7), users: U.users(3))
        ).makeApplication()
        try await app.test(.router) { client in
            try await client.execute(uri: "/v2/users", method: .get, headers: F.basic()) {
                #expect($0.status == .serviceUnavailable)
                #expect($0.headers[.retryAfter] == "7")
            }
            try await client.execute(uri: "/api/outage", method: .put, body: ByteBuffer(string: "{}")) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/v2/users", method: .get, headers: F.basic()) {
                #expect($0.status == .ok)
                #expect(Self.users($0.body).count == 3)
            }
            try await client.execute(uri: "/api/stats", method: .get) {
                let stats = try JSONDecoder().decode(SandboxStats.self, from: Data($0.body.readableBytesView))
                #expect(stats.users.serverError == 1)
                #expect(stats.users.ok == 1)
                #expect(stats.serverError == 0)
            }
        }
    }

    @Test("the sandbox refuses users that break the rules, and a page size below 1")
    func invalidConfiguration() throws {
        var users = U.users(3)
        users[2].id = users[0].id
        do {
            _ = try sandbox(users: users)
            Issue.record("expected a SandboxError for a duplicate id")
        } catch let error as SandboxError {
            #expect(error.message.contains("[2].id: 2147483648 is also the id of [0]"))
        }
        do {
            _ = try sandbox(pageSize: 0)
            Issue.record("expected a SandboxError for page size 0")
        } catch let error as SandboxError {
            #expect(error.message.contains("usersPageSize"))
        }
    }
}
