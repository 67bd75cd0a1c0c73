import XCTest

@testable import OAuth2Tokens

final class AccessTokenLifecycleTests: XCTestCase {
    typealias Action = AccessTokenLifecycle.Action

    func testOneFetchServesEveryAskerUntilFiveMinutesBeforeExpiry() {
        var lifecycle = AccessTokenLifecycle()
        XCTAssertEqual(lifecycle.next(now: 0), .fetch)
        XCTAssertEqual(lifecycle.next(now: 0.1), .wait, "a second asker waits for the first one's fetch")
        lifecycle.fetched(token: "t1", expiresIn: 3600, now: 1)
        XCTAssertEqual(lifecycle.next(now: 2), .use("t1"))
        XCTAssertEqual(lifecycle.next(now: 3300), .use("t1"))
        XCTAssertEqual(lifecycle.next(now: 3301), .fetch, "refresh starts 300 s before expiry")
        XCTAssertEqual(lifecycle.next(now: 3302), .use("t1"), "others keep the old token while it is refreshed")
        lifecycle.fetched(token: "t2", expiresIn: 3600, now: 3303)
        XCTAssertEqual(lifecycle.next(now: 3304), .use("t2"))
        XCTAssertEqual(lifecycle.requests, 2)
    }

    func testShortTokensRefreshAtThreeQuartersOfTheirLife() {
        var lifecycle = AccessTokenLifecycle()
        XCTAssertEqual(lifecycle.next(now: 0), .fetch)
        lifecycle.fetched(token: "short", expiresIn: 8, now: 0)
        XCTAssertEqual(lifecycle.next(now: 5.9), .use("short"))
        XCTAssertEqual(lifecycle.next(now: 6), .fetch)
        XCTAssertEqual(lifecycle.next(now: 8.5), .wait, "an expired token is never handed out")
    }

    func testARefusedTokenIsReplacedUnlessItIsFresh() {
        var lifecycle = AccessTokenLifecycle()
        XCTAssertEqual(lifecycle.next(now: 0), .fetch)
        lifecycle.fetched(token: "t1", expiresIn: 3600, now: 0)
        XCTAssertEqual(
            lifecycle.next(now: 10, rejected: "t1"), .use("t1"),
            "refused within a minute of issue: the mailbox is the problem, another token would not help")
        XCTAssertEqual(
            lifecycle.next(now: 100, rejected: "other"), .use("t1"), "an older token's refusal changes nothing")
        XCTAssertEqual(lifecycle.next(now: 100, rejected: "t1"), .fetch, "revoked before expiry: fetch another")
        XCTAssertEqual(lifecycle.next(now: 100.5, rejected: "t1"), .wait)
    }

    func testARefusedGrantIsAskedOnceARunAndAnOutageAgainAfterTenSeconds() {
        var lifecycle = AccessTokenLifecycle()
        let refused = OAuth2Error(.refused, detail: "invalid_grant")
        XCTAssertEqual(lifecycle.next(now: 0), .fetch)
        lifecycle.failed(refused, now: 1)
        XCTAssertEqual(lifecycle.next(now: 2), .fail(refused))
        XCTAssertEqual(lifecycle.next(now: 100_000), .fail(refused))
        XCTAssertEqual(lifecycle.requests, 1)

        var flaky = AccessTokenLifecycle()
        let down = OAuth2Error(.unavailable, detail: "HTTP 503")
        XCTAssertEqual(flaky.next(now: 0), .fetch)
        flaky.failed(down, now: 1)
        XCTAssertEqual(flaky.next(now: 10.9), .fail(down))
        XCTAssertEqual(flaky.next(now: 11), .fetch)
        flaky.fetched(token: "t", expiresIn: 3600, now: 12)
        XCTAssertEqual(flaky.next(now: 13), .use("t"))
    }

    func testAFailedRefreshKeepsTheStillValidTokenInUseUntilItExpires() {
        var lifecycle = AccessTokenLifecycle()
        XCTAssertEqual(lifecycle.next(now: 0), .fetch)
        lifecycle.fetched(token: "t1", expiresIn: 3600, now: 0)
        XCTAssertEqual(lifecycle.next(now: 3400), .fetch)
        let down = OAuth2Error(.unavailable, detail: "HTTP 503")
        lifecycle.failed(down, now: 3401)
        XCTAssertEqual(lifecycle.next(now: 3402), .use("t1"), "still valid for 198 s")
        XCTAssertEqual(lifecycle.next(now: 3411), .fetch, "tried again after ten seconds")
        let revoked = OAuth2Error(.refused, detail: "invalid_grant")
        lifecycle.failed(revoked, now: 3412)
        XCTAssertEqual(lifecycle.next(now: 3599), .use("t1"))
        XCTAssertEqual(lifecycle.next(now: 3600), .fail(revoked), "no token after expiry")
    }

    func testAMailboxThatKeepsRefusingCostsOneExtraRequestPerToken() {
        var lifecycle = AccessTokenLifecycle()
        XCTAssertEqual(lifecycle.next(now: 0), .fetch)
        lifecycle.fetched(token: "t1", expiresIn: 3600, now: 0)
        XCTAssertEqual(lifecycle.next(now: 100, rejected: "t1"), .fetch)
        lifecycle.fetched(token: "t2", expiresIn: 3600, now: 101)
        XCTAssertEqual(lifecycle.next(now: 500, rejected: "t2"), .use("t2"), "a replacement is not replaced again")
        XCTAssertEqual(lifecycle.next(now: 900, rejected: "t2"), .use("t2"))
        XCTAssertEqual(lifecycle.requests, 2)
        XCTAssertEqual(lifecycle.next(now: 3401 + 101 - 300, rejected: nil), .use("t2"))
        XCTAssertEqual(lifecycle.next(now: 3402), .fetch, "the normal refresh")
        lifecycle.fetched(token: "t3", expiresIn: 3600, now: 3402)
        XCTAssertEqual(lifecycle.next(now: 3500, rejected: "t3"), .fetch, "a refreshed token may be replaced once")
    }
}
