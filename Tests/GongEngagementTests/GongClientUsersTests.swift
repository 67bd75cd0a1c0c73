import Foundation
import GongSandbox
import Testing

@testable import GongEngagement
@testable import GongHTTP

/// `GongClient.listUsers` and `allUsers` against the real sandbox over loopback (started in process on port 0).
@Suite("GongClient users over loopback")
struct GongClientUsersTests {
    static let accessKey = "users-test-access-key-5e1"
    static let secret = "users-test-SECRET-0c9d2b"
    static let token = "users-test-TOKEN-7a41ee"
    static let basic = GongCredentials.basic(accessKey: accessKey, secret: secret)

    /// Ids that a 32-bit or a `Double` parse would break, and one above `Int64.max` (Gong allows 20 digits).
    static let hardIds = [
        0: "2147483648",  // Int32.max + 1
        150: "9007199254740993",  // 2^53 + 1: a Double rounds it to ...992
        249: "99999999999999999999",  // 20 digits, above Int64.max
    ]

    /// `count` users with distinct ids and addresses, `hardIds` at their indexes.
    static func users(_ count: Int) -> [GongUser] {
        (0..<count).map { index in
            GongUser(
                id: hardIds[index] ?? String(234_599_484_848_000 + index),
                emailAddress: "rep\(index)@northwind.example",
                active: index % 7 != 0, emailAliases: index % 2 == 0 ? ["r.\(index)@northwind.example"] : [],
                firstName: "Rep", lastName: "No. \(index)", title: index % 3 == 0 ? "AE" : nil)
        }
    }

    static func sandbox(
        users: [GongUser] = users(250), pageSize: Int = 100, rate: Int = 0, faults: SandboxFaults = SandboxFaults()
    ) async throws -> RunningGongSandbox {
        try await GongSandbox.start(
            GongSandboxConfiguration(
                credentials: SandboxCredentials(accessKey: accessKey, accessKeySecret: secret, bearerToken: token),
                callsPerSecond: rate, faults: faults, users: users, usersPageSize: pageSize))
    }

    /// Fast retries for tests.
    static let quickRetry = GongUsersRetry(maxAttempts: 3, backoff: RetryPolicy(baseDelay: 0.05, maxDelay: 0.1))

    static func event(_ id: String) -> [UInt8] {
        var event = ContentSharedEvent(
            reportingSystem: "users-tests", eventTimestamp: "2025-03-04T10:30:00+01:00", contentId: "doc:\(id)",
            contentUrl: "https://example.com/\(id)", contentTitle: "Document \(id)")
        event.eventId = id
        event.recipients = [Actor(email: "jane@prospect.example")]
        return Array(try! JSONEncoder().encode(event))
    }

    /// The error `body` throws, or `nil` (recorded as an issue) when it succeeds.
    static func failure<Value>(
        _ body: () async throws(GongUsersError) -> Value
    ) async -> GongUsersError? {
        do {
            let value = try await body()
            Issue.record("expected an error, got \(String(describing: value).prefix(300))")
            return nil
        } catch {
            return error
        }
    }

    @Test("allUsers: 250 users in 3 pages (100/100/50), Gong's order, every id the exact string")
    func allUsersThreePages() async throws {
        let server = try await Self.sandbox()
        let client = GongClient(baseURL: server.baseURL, credentials: Self.basic, totalTimeout: 5)
        let users = try await client.allUsers()
        #expect(users == Self.users(250))
        #expect(users[0].id == "2147483648")
        #expect(users[150].id == "9007199254740993")
        #expect(users[249].id == "99999999999999999999")
        let stats = await server.stats()
        #expect(stats.users.calls == 3)
        #expect(stats.users.ok == 3)
        #expect(client.connectionsOpened == 1)
        await server.stop()
    }

    @Test("listUsers: one page per call, the cursor leads to the next, none on the last page")
    func cursorPaging() async throws {
        let server = try await Self.sandbox()
        let client = GongClient(baseURL: server.baseURL, credentials: .bearer(token: Self.token), totalTimeout: 5)
        let first = try await client.listUsers()
        #expect(first.users.count == 100)
        #expect(first.totalRecords == 250)
        #expect(first.requestId?.count == 19)
        let firstCursor = try #require(first.cursor)
        let second = try await client.listUsers(cursor: firstCursor)
        #expect(second.users.count == 100)
        let secondCursor = try #require(second.cursor)
        #expect(secondCursor != firstCursor)
        let third = try await client.listUsers(cursor: secondCursor)
        #expect(third.users.count == 50)
        #expect(third.cursor == nil)
        #expect(first.users + second.users + third.users == Self.users(250))
        // A cursor can be used again (Gong's cursors are not one-shot either).
        let again = try await client.listUsers(cursor: firstCursor)
        #expect(again.withRequestId(of: second) == second)
        await server.stop()
    }

    @Test("wrong or missing credentials: 401 from the client, once (no retry), no secret in the message")
    func unauthorized() async throws {
        let server = try await Self.sandbox()
        var calls = 0
        for credentials in [
            GongCredentials.basic(accessKey: Self.accessKey, secret: "wrong-\(Self.secret)"), .bearer(token: "nope"),
            .bearer(token: ""),
        ] {
            let client = GongClient(baseURL: server.baseURL, credentials: credentials, totalTimeout: 5)
            let error = await Self.failure { () async throws(GongUsersError) in try await client.allUsers() }
            calls += 1
            guard case .unauthorized(let requestId, let errors)? = error else {
                Issue.record("expected 401, got \(String(describing: error))")
                continue
            }
            #expect(requestId != nil)
            #expect(errors == ["Access denied"])
            let text = String(describing: error!)
            #expect(text.contains("HTTP 401"))
            for secret in [Self.secret, Self.token, Self.accessKey] { #expect(!text.contains(secret)) }
        }
        #expect(await server.stats().users.unauthorized == calls)
        #expect(await server.stats().users.calls == calls)
        await server.stop()
    }

    @Test("a cursor the server did not hand out: 400 Invalid cursor")
    func badCursor() async throws {
        let server = try await Self.sandbox()
        let client = GongClient(baseURL: server.baseURL, credentials: Self.basic, totalTimeout: 5)
        let valid = try #require(try await client.listUsers().cursor)
        for cursor in ["garbage", String(valid.dropLast()) + (valid.hasSuffix("A") ? "B" : "A"), valid + "x", "a+b/c="]
        {
            let error = await Self.failure { () async throws(GongUsersError) in
                try await client.listUsers(cursor: cursor)
            }
            #expect(error.map { if case .badRequest(_, ["Invalid cursor"]) = $0 { true } else { false } } == true)
        }
        #expect(await server.stats().users.badRequest == 4)
        await server.stop()
    }

    @Test("no users configured: Gong's 404")
    func noUsers() async throws {
        let server = try await Self.sandbox(users: [])
        let client = GongClient(baseURL: server.baseURL, credentials: Self.basic, totalTimeout: 5)
        let error = await Self.failure { () async throws(GongUsersError) in try await client.allUsers() }
        guard case .notFound(_, let errors)? = error else {
            Issue.record("expected 404, got \(String(describing: error))")
            await server.stop()
            return
        }
        #expect(errors == ["No users found corresponding to the provided filters"])
        await server.stop()
    }

    @Test("at 1 call/s allUsers still gets every page, by waiting out the 429s")
    func rateLimitedWaits() async throws {
        let server = try await Self.sandbox(rate: 1)
        let client = GongClient(baseURL: server.baseURL, credentials: Self.basic, totalTimeout: 5)
        let start = ContinuousClock.now
        let users = try await client.allUsers()
        let elapsed = ContinuousClock.now - start
        #expect(users.count == 250)
        let stats = await server.stats()
        #expect(stats.users.ok == 3)
        #expect(stats.users.rateLimited >= 2)
        #expect(elapsed >= .milliseconds(1_500))
        await server.stop()
    }

    @Test("users calls and event calls share one rate limit")
    func sharedBudget() async throws {
        let server = try await Self.sandbox(rate: 1)
        let client = GongClient(baseURL: server.baseURL, credentials: Self.basic, totalTimeout: 5)
        _ = try await client.listUsers()
        #expect(await client.sendOnThread(Self.event("after-users")).status == 429)
        try await Task.sleep(for: .milliseconds(1_100))
        #expect(await client.sendOnThread(Self.event("first-event")).status == 200)
        let error = await Self.failure { () async throws(GongUsersError) in try await client.listUsers() }
        guard case .rateLimited(_, 1)? = error else {
            Issue.record("expected a 429 with Retry-After 1, got \(String(describing: error))")
            await server.stop()
            return
        }
        let stats = await server.stats()
        #expect(stats.users.ok == 1)
        #expect(stats.users.rateLimited == 1)
        #expect(stats.contentShared.rateLimited == 1)
        #expect(stats.contentShared.ok == 1)
        await server.stop()
    }

    @Test("one client, one connection: users (GET) and events (PUT) alternate without leaking the method or body")
    func alternatesWithEvents() async throws {
        let server = try await Self.sandbox()
        let client = GongClient(baseURL: server.baseURL, credentials: Self.basic, totalTimeout: 5)
        #expect(await client.sendOnThread(Self.event("e1")).status == 200)
        #expect(try await client.listUsers().users.count == 100)
        #expect(await client.sendOnThread(Self.event("e2")).status == 200)
        #expect(await client.sendOnThread(Self.event("e2"), to: .contentShared).status == 409)
        #expect(try await client.allUsers().count == 250)
        #expect(await server.storedEvents().map(\.event.eventId) == ["e1", "e2"])
        #expect(client.connectionsOpened == 1)
        await server.stop()
    }

    @Test("403 with a Bearer token points at api:users:read; with a key it does not")
    func forbidden() async throws {
        let server = try await Self.sandbox(faults: SandboxFaults(outageStatus: 403))
        let bearer = GongClient(baseURL: server.baseURL, credentials: .bearer(token: Self.token), totalTimeout: 5)
        let bearerError = await Self.failure { () async throws(GongUsersError) in try await bearer.allUsers() }
        guard case .forbidden(_, _, true)? = bearerError else {
            Issue.record("expected a Bearer 403, got \(String(describing: bearerError))")
            await server.stop()
            return
        }
        #expect(String(describing: bearerError!).contains("api:users:read"))
        let basic = GongClient(baseURL: server.baseURL, credentials: Self.basic, totalTimeout: 5)
        let basicError = await Self.failure { () async throws(GongUsersError) in try await basic.listUsers() }
        guard case .forbidden(_, _, false)? = basicError else {
            Issue.record("expected a Basic 403, got \(String(describing: basicError))")
            await server.stop()
            return
        }
        #expect(!String(describing: basicError!).contains("api:users:read"))
        #expect(await server.stats().users.calls == 2)
        await server.stop()
    }

    @Test("5xx: retried maxAttempts times with backoff, then the error")
    func serverErrorGivesUp() async throws {
        let server = try await Self.sandbox(faults: SandboxFaults(outageStatus: 503))
        let client = GongClient(baseURL: server.baseURL, credentials: Self.basic, totalTimeout: 5)
        let error = await Self.failure { () async throws(GongUsersError) in
            try await client.allUsers(retry: Self.quickRetry)
        }
        guard case .serverError(503, _, _, _)? = error else {
            Issue.record("expected 503, got \(String(describing: error))")
            await server.stop()
            return
        }
        #expect(await server.stats().users.serverError == 3)
        await server.stop()
    }

    @Test("a 429 asking for longer than maxRetryAfter ends the listing at once")
    func rateLimitedTooLong() async throws {
        let server = try await Self.sandbox(faults: SandboxFaults(outageStatus: 429, outageRetryAfter: 120))
        let client = GongClient(baseURL: server.baseURL, credentials: Self.basic, totalTimeout: 5)
        let start = ContinuousClock.now
        let error = await Self.failure { () async throws(GongUsersError) in try await client.allUsers() }
        guard case .rateLimited(_, 120)? = error else {
            Issue.record("expected a 429 with Retry-After 120, got \(String(describing: error))")
            await server.stop()
            return
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(await server.stats().users.calls == 1)
        await server.stop()
    }

    @Test("a closed port: retried, then a connection-refused transport error")
    func refused() async throws {
        let server = try await Self.sandbox()
        let port = server.port
        await server.stop()
        let client = GongClient(baseURL: "http://127.0.0.1:\(port)", credentials: Self.basic, totalTimeout: 5)
        let error = await Self.failure { () async throws(GongUsersError) in
            try await client.allUsers(retry: Self.quickRetry)
        }
        guard case .transport(.connectionRefused, let message)? = error else {
            Issue.record("expected connectionRefused, got \(String(describing: error))")
            return
        }
        #expect(message.hasPrefix("libcurl error 7"))
    }
}

extension GongUsersPage {
    /// This page with `other`'s request id (request ids differ per call).
    fileprivate func withRequestId(of other: GongUsersPage) -> GongUsersPage {
        var copy = self
        copy.requestId = other.requestId
        return copy
    }
}
