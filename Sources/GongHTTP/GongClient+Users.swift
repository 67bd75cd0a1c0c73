import Foundation
import GongEngagement

extension GongClient {
    /// One page of the account's users: `GET /v2/users`, or `GET /v2/users?cursor=…` for the page after the one
    /// that returned `cursor`. One call, no retries.
    ///
    /// Goes out like every call of this client (same handle and kept-alive connection, `Authorization` header, CA
    /// file, proxy and timeouts), on a dedicated thread as `sendOnThread` does. It counts against the account's
    /// rate limit, shared with the event APIs. With a Bearer token it needs the `api:users:read` scope.
    ///
    /// - Parameter cursor: `nil` (or empty) for the first page, else the previous page's `cursor`.
    /// - Throws: `GongUsersError` for anything but a 200 with a users page.
    public func listUsers(cursor: String? = nil) async throws(GongUsersError) -> GongUsersPage {
        let path = Self.usersPath(cursor: cursor)
        let (result, body) = await onOwnThread { $0.perform(method: "GET", path: path, body: nil) }
        let usedBearerToken: Bool
        if case .bearer = credentials { usedBearerToken = true } else { usedBearerToken = false }
        return try Self.usersPage(result, body: body, usedBearerToken: usedBearerToken).get()
    }

    /// Every user of the account, following Gong's cursors page by page, in Gong's order (a user listed twice, as
    /// can happen when users change while paging, is kept once, where first seen).
    ///
    /// Each page is retried as `retry` says: 429 waited out for `Retry-After` (bounded), 5xx and transient transport
    /// failures retried with backoff; 400, 401, 403, 404 and a malformed page end it at once. Blocks no thread of
    /// Swift's cooperative pool (transfers run on their own thread, waits are `Task.sleep`).
    ///
    /// - Parameters:
    ///   - maxPages: the most pages fetched; a listing with more ends with `tooManyPages`.
    ///   - retry: the retry plan of each page.
    ///   - beforeEachCall: runs before every call (retries included), to wait for the account's shared pace; it
    ///     throws ``GongUsersError/notNow(reason:)`` to stop the listing.
    /// - Throws: `GongUsersError`; also `repeatedCursor` when Gong hands back a cursor it gave before, and
    ///   `cancelled` when the task is cancelled while waiting.
    public func allUsers(
        maxPages: Int = 1000, retry: GongUsersRetry = GongUsersRetry(),
        beforeEachCall: @Sendable () async throws(GongUsersError) -> Void = {}
    ) async throws(GongUsersError) -> [GongUser] {
        try await Self.collectUsers(
            maxPages: maxPages, retry: retry,
            fetch: { cursor async throws(GongUsersError) in
                try await beforeEachCall()
                return try await self.listUsers(cursor: cursor)
            },
            sleep: Self.pause)
    }

    /// `/v2/users` with the cursor percent-encoded as a query parameter (only RFC 3986 unreserved characters are
    /// left as they are).
    static func usersPath(cursor: String?) -> String {
        guard let cursor, !cursor.isEmpty else { return "/v2/users" }
        var unreserved = CharacterSet(charactersIn: "-._~")
        unreserved.formUnion(CharacterSet(charactersIn: "a"..."z"))
        unreserved.formUnion(CharacterSet(charactersIn: "A"..."Z"))
        unreserved.formUnion(CharacterSet(charactersIn: "0"..."9"))
        return "/v2/users?cursor=" + (cursor.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "")
    }

    /// A users call's result as a page or an error: 2xx → the decoded page; 400, 401, 403, 404, 429, 408/5xx, other
    /// statuses and transport failures → their `GongUsersError`.
    static func usersPage(
        _ result: GongCallResult, body: [UInt8], usedBearerToken: Bool
    ) -> Result<GongUsersPage, GongUsersError> {
        switch result {
        case .transportError(let kind, let message):
            return .failure(.transport(kind: kind, message: message))
        case .response(let status, let requestId, let errors, let retryAfter):
            switch status {
            case 200...299:
                do throws(GongUsersDecodingError) {
                    return .success(try GongUsersPage.decode(body))
                } catch {
                    return .failure(.malformedResponse(error, requestId: requestId))
                }
            case 400: return .failure(.badRequest(requestId: requestId, errors: errors))
            case 401: return .failure(.unauthorized(requestId: requestId, errors: errors))
            case 403:
                return .failure(.forbidden(requestId: requestId, errors: errors, usedBearerToken: usedBearerToken))
            case 404: return .failure(.notFound(requestId: requestId, errors: errors))
            case 429: return .failure(.rateLimited(requestId: requestId, retryAfterSeconds: retryAfter))
            case 408, 500...599:
                return .failure(
                    .serverError(status: status, requestId: requestId, errors: errors, retryAfterSeconds: retryAfter))
            default: return .failure(.unexpectedStatus(status: status, requestId: requestId, errors: errors))
            }
        }
    }

    /// The paging loop of `allUsers`, apart from HTTP: `fetch` gets one page, `sleep` waits (seconds), `random`
    /// draws the backoff jitter from `0 ..< 1`.
    static func collectUsers(
        maxPages: Int, retry: GongUsersRetry,
        fetch: (String?) async throws(GongUsersError) -> GongUsersPage,
        sleep: (Double) async throws(GongUsersError) -> Void,
        random: () -> Double = { Double.random(in: 0..<1) }
    ) async throws(GongUsersError) -> [GongUser] {
        guard maxPages > 0 else { throw .tooManyPages(limit: maxPages) }
        var users: [GongUser] = []
        var seenIds: Set<String> = []
        var seenCursors: Set<String> = []
        var cursor: String?
        for pages in 1...maxPages {
            let page = try await fetchPage(cursor, retry: retry, fetch: fetch, sleep: sleep, random: random)
            for user in page.users where seenIds.insert(user.id).inserted {
                users.append(user)
            }
            guard let next = page.cursor else { return users }
            guard seenCursors.insert(next).inserted else { throw .repeatedCursor(afterPages: pages) }
            cursor = next
        }
        throw .tooManyPages(limit: maxPages)
    }

    /// One page with `retry`'s retries (see `GongUsersRetry`).
    static func fetchPage(
        _ cursor: String?, retry: GongUsersRetry,
        fetch: (String?) async throws(GongUsersError) -> GongUsersPage,
        sleep: (Double) async throws(GongUsersError) -> Void,
        random: () -> Double
    ) async throws(GongUsersError) -> GongUsersPage {
        var failures = 0
        var waits = 0
        while true {
            if Task.isCancelled { throw .cancelled }
            let error: GongUsersError
            do throws(GongUsersError) {
                return try await fetch(cursor)
            } catch let failure {
                error = failure
            }
            switch error {
            case .rateLimited(_, let retryAfter):
                waits += 1
                guard waits <= retry.maxRateLimitWaits else { throw error }
                if let retryAfter, Double(retryAfter) > retry.maxRetryAfter { throw error }
                let delay = retry.backoff.rateLimitDelay(
                    retryAfterSeconds: retryAfter, attempt: waits, unitRandom: random())
                try await sleep(min(delay, retry.maxRetryAfter))
            case .serverError(_, _, _, let retryAfter):
                failures += 1
                guard failures < retry.maxAttempts else { throw error }
                var delay = retry.backoff.delay(afterAttempt: failures, unitRandom: random())
                if let retryAfter { delay = max(delay, min(Double(max(0, retryAfter)), retry.maxRetryAfter)) }
                try await sleep(delay)
            case .transport(let kind, _) where isTransient(kind):
                failures += 1
                guard failures < retry.maxAttempts else { throw error }
                try await sleep(retry.backoff.delay(afterAttempt: failures, unitRandom: random()))
            default:
                throw error
            }
        }
    }

    /// Transport failures that may heal by waiting (not TLS, not libcurl's "other": a bad URL or scheme).
    static func isTransient(_ kind: GongTransportErrorKind) -> Bool {
        switch kind {
        case .timeout, .connectionRefused, .connectionReset, .dnsFailure: true
        case .tls, .other: false
        }
    }

    /// Waits `seconds` (cancellable).
    package static func pause(_ seconds: Double) async throws(GongUsersError) {
        guard seconds > 0 else { return }
        do {
            try await Task.sleep(for: .seconds(seconds))
        } catch {
            throw .cancelled
        }
    }
}
