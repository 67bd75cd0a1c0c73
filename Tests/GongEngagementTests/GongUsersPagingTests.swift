import GongEngagement
import Testing

@testable import GongHTTP

/// `allUsers`' paging and retry loop (`GongClient.collectUsers`) against scripted answers: no HTTP, no clock.
@Suite("Gong users paging and retries")
struct GongUsersPagingTests {
    /// Hands out scripted answers per cursor and records the calls and the waits.
    final class Script: @unchecked Sendable {
        var answers: [String: [Result<GongUsersPage, GongUsersError>]]
        var calls: [String?] = []
        var sleeps: [Double] = []

        init(_ answers: [String: [Result<GongUsersPage, GongUsersError>]]) { self.answers = answers }

        func fetch(_ cursor: String?) throws(GongUsersError) -> GongUsersPage {
            calls.append(cursor)
            let key = cursor ?? ""
            guard var queue = answers[key], !queue.isEmpty else {
                Issue.record("unscripted call for cursor \(key)")
                throw .cancelled
            }
            let answer = queue.count > 1 ? queue.removeFirst() : queue[0]
            answers[key] = queue
            return try answer.get()
        }

        func run(maxPages: Int = 1000, retry: GongUsersRetry = GongUsersRetry()) async throws(GongUsersError)
            -> [GongUser]
        {
            try await GongClient.collectUsers(
                maxPages: maxPages, retry: retry,
                fetch: { cursor async throws(GongUsersError) in try self.fetch(cursor) },
                sleep: { seconds async throws(GongUsersError) in self.sleeps.append(seconds) },
                random: { 0.5 })
        }
    }

    static func user(_ id: String) -> GongUser { GongUser(id: id, emailAddress: "u\(id)@x.example", active: true) }

    static func page(_ ids: [String], next: String?) -> Result<GongUsersPage, GongUsersError> {
        .success(GongUsersPage(users: ids.map(user), cursor: next, totalRecords: 5))
    }

    static func outcome(_ error: GongUsersError, of script: Script, retry: GongUsersRetry = GongUsersRetry()) async
        -> GongUsersError?
    {
        do {
            let users = try await script.run(retry: retry)
            Issue.record("expected \(error), got \(users.count) users")
            return nil
        } catch {
            return error
        }
    }

    @Test("follows cursors to the last page, keeps Gong's order, keeps a user listed twice once")
    func followsCursors() async throws {
        let script = Script([
            "": [Self.page(["1", "2"], next: "c1")], "c1": [Self.page(["3", "2"], next: "c2")],
            "c2": [Self.page(["9007199254740993"], next: nil)],
        ])
        let users = try await script.run()
        #expect(users.map(\.id) == ["1", "2", "3", "9007199254740993"])
        #expect(script.calls == [nil, "c1", "c2"])
        #expect(script.sleeps.isEmpty)
    }

    @Test("a cursor handed out twice stops the listing")
    func repeatedCursor() async {
        let script = Script([
            "": [Self.page(["1"], next: "c1")], "c1": [Self.page(["2"], next: "c2")],
            "c2": [Self.page(["3"], next: "c1")],
        ])
        #expect(await Self.outcome(.repeatedCursor(afterPages: 3), of: script) == .repeatedCursor(afterPages: 3))
        #expect(script.calls == [nil, "c1", "c2"])
    }

    @Test("more pages than maxPages is an error; maxPages 0 makes no call")
    func tooManyPages() async {
        let script = Script([
            "": [Self.page(["1"], next: "c1")], "c1": [Self.page(["2"], next: "c2")],
            "c2": [Self.page(["3"], next: nil)],
        ])
        do {
            _ = try await script.run(maxPages: 2)
            Issue.record("expected tooManyPages")
        } catch {
            #expect(error == .tooManyPages(limit: 2))
        }
        #expect(script.calls.count == 2)
        let none = Script([:])
        do {
            _ = try await none.run(maxPages: 0)
            Issue.record("expected tooManyPages")
        } catch {
            #expect(error == .tooManyPages(limit: 0))
        }
        #expect(none.calls.isEmpty)
    }

    @Test("429: waits Retry-After exactly, then retries the same page; no header: the backoff")
    func rateLimitedWaits() async throws {
        let script = Script([
            "": [
                .failure(.rateLimited(requestId: "r", retryAfterSeconds: 2)),
                .failure(.rateLimited(requestId: "r", retryAfterSeconds: nil)), Self.page(["1"], next: "c1"),
            ],
            "c1": [.failure(.rateLimited(requestId: nil, retryAfterSeconds: 1)), Self.page(["2"], next: nil)],
        ])
        let users = try await script.run(retry: GongUsersRetry(backoff: RetryPolicy(baseDelay: 4, maxDelay: 8)))
        #expect(users.map(\.id) == ["1", "2"])
        // 2 s as told; no header on the 2nd wait: jitter 0.5 × ceiling 4 × 2^(2−1) = 4 s; then 1 s on the next page.
        #expect(script.sleeps == [2, 4, 1])
        #expect(script.calls == [nil, nil, nil, "c1", "c1"])
    }

    @Test("429 with a Retry-After above maxRetryAfter ends the listing without waiting")
    func rateLimitedTooLong() async {
        let script = Script(["": [.failure(.rateLimited(requestId: nil, retryAfterSeconds: 3_600))]])
        let error = await Self.outcome(.rateLimited(requestId: nil, retryAfterSeconds: 3_600), of: script)
        #expect(error == .rateLimited(requestId: nil, retryAfterSeconds: 3_600))
        #expect(script.sleeps.isEmpty)
        #expect(script.calls.count == 1)
    }

    @Test("429 again and again: bounded by maxRateLimitWaits")
    func rateLimitedBounded() async {
        let script = Script(["": [.failure(.rateLimited(requestId: nil, retryAfterSeconds: 1))]])
        let error = await Self.outcome(
            .rateLimited(requestId: nil, retryAfterSeconds: 1), of: script,
            retry: GongUsersRetry(maxRateLimitWaits: 3))
        #expect(error == .rateLimited(requestId: nil, retryAfterSeconds: 1))
        #expect(script.calls.count == 4)
        #expect(script.sleeps == [1, 1, 1])
    }

    @Test("5xx: maxAttempts calls with full-jitter backoff, then the last error")
    func serverErrorsGiveUp() async {
        let failure = GongUsersError.serverError(status: 503, requestId: "r", errors: ["down"], retryAfterSeconds: nil)
        let script = Script(["": [.failure(failure)]])
        let retry = GongUsersRetry(maxAttempts: 3, backoff: RetryPolicy(baseDelay: 1, maxDelay: 16))
        #expect(await Self.outcome(failure, of: script, retry: retry) == failure)
        #expect(script.calls.count == 3)
        #expect(script.sleeps == [0.5, 1])
    }

    @Test("5xx then success; a 5xx's longer Retry-After wins over the backoff")
    func serverErrorRecovers() async throws {
        let script = Script([
            "": [
                .failure(.serverError(status: 503, requestId: nil, errors: [], retryAfterSeconds: 7)),
                .failure(.serverError(status: 500, requestId: nil, errors: [], retryAfterSeconds: nil)),
                Self.page(["1"], next: nil),
            ]
        ])
        let users = try await script.run(retry: GongUsersRetry(backoff: RetryPolicy(baseDelay: 1, maxDelay: 16)))
        #expect(users.map(\.id) == ["1"])
        #expect(script.sleeps == [7, 1])
    }

    @Test("transient transport failures are retried; TLS and other failures are not")
    func transportFailures() async throws {
        let timeout = GongUsersError.transport(kind: .timeout, message: "libcurl error 28")
        let retried = Script(["": [.failure(timeout), Self.page(["1"], next: nil)]])
        #expect(try await retried.run().map(\.id) == ["1"])
        #expect(retried.calls.count == 2)
        for kind in [GongTransportErrorKind.tls, .other] {
            let failure = GongUsersError.transport(kind: kind, message: "libcurl error")
            let script = Script(["": [.failure(failure), Self.page(["1"], next: nil)]])
            #expect(await Self.outcome(failure, of: script) == failure)
            #expect(script.calls.count == 1)
        }
    }

    @Test(
        "400, 401, 403, 404, other statuses and a malformed page end the listing at once",
        arguments: [
            GongUsersError.badRequest(requestId: "r", errors: ["Invalid cursor"]),
            .unauthorized(requestId: "r", errors: ["Access denied"]),
            .forbidden(requestId: "r", errors: [], usedBearerToken: true),
            .notFound(requestId: "r", errors: []),
            .unexpectedStatus(status: 302, requestId: nil, errors: []),
            .malformedResponse(
                GongUsersDecodingError(path: "users", problem: "required field is missing"), requestId: nil),
        ])
    func definitive(failure: GongUsersError) async {
        let script = Script(["": [.failure(failure), Self.page(["1"], next: nil)]])
        #expect(await Self.outcome(failure, of: script) == failure)
        #expect(script.calls.count == 1)
        #expect(script.sleeps.isEmpty)
    }

    @Test("the answer of one users call: statuses to errors, 2xx to a decoded page")
    func classification() {
        func outcome(_ status: Int, _ body: String = "", bearer: Bool = false) -> Result<GongUsersPage, GongUsersError>
        {
            GongClient.usersPage(
                .response(status: status, requestId: "q", errors: ["e"], retryAfterSeconds: 3), body: Array(body.utf8),
                usedBearerToken: bearer)
        }
        #expect(
            outcome(200, #"{"users":[{"id":"1","emailAddress":"a@b.example","active":true}]}"#)
                == .success(GongUsersPage(users: [GongUser(id: "1", emailAddress: "a@b.example", active: true)])))
        #expect(
            outcome(200, "<html>")
                == .failure(
                    .malformedResponse(GongUsersDecodingError(path: "", problem: "not valid JSON"), requestId: "q")))
        #expect(outcome(400) == .failure(.badRequest(requestId: "q", errors: ["e"])))
        #expect(outcome(401) == .failure(.unauthorized(requestId: "q", errors: ["e"])))
        #expect(
            outcome(403, bearer: true) == .failure(.forbidden(requestId: "q", errors: ["e"], usedBearerToken: true)))
        #expect(outcome(404) == .failure(.notFound(requestId: "q", errors: ["e"])))
        #expect(outcome(429) == .failure(.rateLimited(requestId: "q", retryAfterSeconds: 3)))
        #expect(
            outcome(408) == .failure(.serverError(status: 408, requestId: "q", errors: ["e"], retryAfterSeconds: 3)))
        #expect(
            outcome(502) == .failure(.serverError(status: 502, requestId: "q", errors: ["e"], retryAfterSeconds: 3)))
        #expect(outcome(301) == .failure(.unexpectedStatus(status: 301, requestId: "q", errors: ["e"])))
        #expect(
            GongClient.usersPage(.transportError(kind: .timeout, message: "m"), body: [], usedBearerToken: false)
                == .failure(.transport(kind: .timeout, message: "m")))
    }

    @Test("the cursor goes in the query, percent-encoded; none or empty: the bare path")
    func usersPath() {
        #expect(GongClient.usersPath(cursor: nil) == "/v2/users")
        #expect(GongClient.usersPath(cursor: "") == "/v2/users")
        #expect(GongClient.usersPath(cursor: "eyJh.b_c-d~") == "/v2/users?cursor=eyJh.b_c-d~")
        #expect(GongClient.usersPath(cursor: "a+b/c=&d e") == "/v2/users?cursor=a%2Bb%2Fc%3D%26d%20e")
    }

    @Test("403 names the missing scope for a Bearer token, the key's permission or trusted IPs for an access key")
    func descriptions() {
        let bearer = GongUsersError.forbidden(requestId: "r1", errors: ["Access denied"], usedBearerToken: true)
        let basic = GongUsersError.forbidden(requestId: "r1", errors: ["Access denied"], usedBearerToken: false)
        #expect(bearer.description.contains("api:users:read"))
        #expect(bearer.description.contains("r1"))
        #expect(!basic.description.contains("api:users:read"))
        #expect(basic.description.contains("trusted-IP"))
        #expect(GongUsersError.unauthorized(requestId: nil, errors: []).description.contains("HTTP 401"))
    }
}
