import Foundation
import XCTest

@testable import OAuth2Tokens

/// A token endpoint in memory (the store's only I/O is its transport): answers from a script, counts requests.
private final class ScriptedEndpoint: OAuth2Transport, @unchecked Sendable {
    let lock = NSLock()
    var answers: [(Int, String)]
    var forms: [String] = []
    var delay: Double

    init(answers: [(Int, String)], delay: Double = 0) {
        self.answers = answers
        self.delay = delay
    }

    func post(url: String, form: [UInt8]) throws(OAuth2Error) -> (status: Int, body: [UInt8]) {
        Thread.sleep(forTimeInterval: delay)
        return lock.withLock {
            forms.append(String(decoding: form, as: UTF8.self))
            let answer = answers.count > 1 ? answers.removeFirst() : answers[0]
            return (answer.0, Array(answer.1.utf8))
        }
    }

    var count: Int { lock.withLock { forms.count } }
}

/// Strings collected from several threads.
private final class Collected: @unchecked Sendable {
    let lock = NSLock()
    var items: [String] = []
    func append(_ item: String) { lock.withLock { items.append(item) } }
}

/// A clock the test moves.
private final class TestClock: @unchecked Sendable {
    let lock = NSLock()
    var now = Date(timeIntervalSince1970: 1_800_000_000)
    func read() -> Date { lock.withLock { now } }
    func advance(_ seconds: Double) { lock.withLock { now += seconds } }
}

final class AccessTokenStoreTests: XCTestCase {
    private func grant(_ secret: String = "client-secret-value") -> OAuth2Grant {
        OAuth2Grant(
            kind: .clientCredentials(clientID: "app", credential: .secret(secret)),
            tokenURL: "http://127.0.0.1:1/t/oauth2/v2.0/token", scope: "https://outlook.office365.com/.default",
            provider: .microsoft)
    }

    func testManyThreadsAtOnceMakeOneRequestAndShareItsToken() throws {
        let endpoint = ScriptedEndpoint(
            answers: [(200, #"{"access_token":"shared","expires_in":3599,"token_type":"Bearer"}"#)], delay: 0.2)
        let store = AccessTokenStore(transport: endpoint)
        let tokens = Collected()
        let grant = grant()
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            tokens.append((try? store.accessToken(for: grant)) ?? "failed")
        }
        XCTAssertEqual(tokens.items, Array(repeating: "shared", count: 16))
        XCTAssertEqual(endpoint.count, 1)
        XCTAssertEqual(store.requestCount(for: grant), 1)
    }

    func testATokenIsRefreshedBeforeItExpiresAndARevokedOneReplaced() throws {
        let endpoint = ScriptedEndpoint(answers: [
            (200, #"{"access_token":"first","expires_in":3600}"#),
            (200, #"{"access_token":"second","expires_in":3600}"#),
            (200, #"{"access_token":"third","expires_in":3600}"#),
        ])
        let clock = TestClock()
        let store = AccessTokenStore(transport: endpoint, clock: clock.read)
        XCTAssertEqual(try store.accessToken(for: grant()), "first")
        clock.advance(3299)
        XCTAssertEqual(try store.accessToken(for: grant()), "first")
        clock.advance(2)
        XCTAssertEqual(try store.accessToken(for: grant()), "second")
        clock.advance(120)
        XCTAssertEqual(try store.accessToken(for: grant(), rejecting: "second"), "third")
        XCTAssertEqual(endpoint.count, 3)
    }

    func testARefusalIsAskedOnceAndExplainsTheFixWithoutTheSecret() {
        let endpoint = ScriptedEndpoint(answers: [
            (
                401,
                #"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. "#
                    + #"Ensure the secret being sent is the client secret value, not the id, for 'client-secret-value'.","error_codes":[7000215]}"#
            )
        ])
        let store = AccessTokenStore(transport: endpoint)
        for _ in 0..<3 {
            XCTAssertThrowsError(try store.accessToken(for: grant())) { error in
                let error = error as! OAuth2Error
                XCTAssertEqual(error.code, .refused)
                XCTAssertTrue(error.detail.contains("AADSTS7000215"), error.detail)
                XCTAssertFalse(error.description.contains("client-secret-value"), error.description)
                XCTAssertTrue(error.hint?.contains("Value (not its Secret ID)") == true)
            }
        }
        XCTAssertEqual(endpoint.count, 1)
    }

    func testAnOutageIsRetriedThenReported() {
        let endpoint = ScriptedEndpoint(answers: [(503, "<html>busy</html>"), (200, #"{"access_token":"ok"}"#)])
        let store = AccessTokenStore(transport: endpoint, retryDelays: [0.01])
        XCTAssertEqual(try store.accessToken(for: grant()), "ok")
        XCTAssertEqual(endpoint.count, 2)

        let down = ScriptedEndpoint(answers: [(502, "")])
        let failing = AccessTokenStore(transport: down, retryDelays: [0.01, 0.01])
        XCTAssertThrowsError(try failing.accessToken(for: grant())) { error in
            XCTAssertEqual((error as? OAuth2Error)?.code, .unavailable)
        }
        XCTAssertEqual(down.count, 3)
    }

    func testARotatedRefreshTokenIsSavedAtomicallyWithMode0600BeforeUse() throws {
        let directory = NSTemporaryDirectory() + "rt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/alice.refresh"
        try "old-refresh-token\n".write(toFile: path, atomically: true, encoding: .utf8)
        let file = try RefreshTokenFile(path: path)
        let endpoint = ScriptedEndpoint(answers: [
            (200, #"{"access_token":"a1","expires_in":3600,"refresh_token":"new-refresh-token"}"#)
        ])
        let store = AccessTokenStore(transport: endpoint)
        let grant = OAuth2Grant(
            kind: .refreshToken(clientID: "cid", clientSecret: nil, store: file), tokenURL: "http://127.0.0.1:1/token",
            scope: "https://mail.google.com/", provider: .google)
        XCTAssertEqual(try store.accessToken(for: grant), "a1")
        XCTAssertTrue(endpoint.forms[0].contains("refresh_token=old-refresh-token"))
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "new-refresh-token\n")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["alice.refresh"])
        XCTAssertEqual(file.current(), "new-refresh-token")
    }

    func testARotationThatCannotBeSavedIsReported() throws {
        let names = Collected()
        let value = RefreshTokenValue(token: "rt-env", name: "env:ALICE_REFRESH") { name in names.append(name) }
        let endpoint = ScriptedEndpoint(answers: [(200, #"{"access_token":"a1","refresh_token":"rt-2"}"#)])
        let grant = OAuth2Grant(
            kind: .refreshToken(clientID: "cid", clientSecret: "cs", store: value),
            tokenURL: "http://127.0.0.1:1/token",
            scope: "s", provider: .other)
        XCTAssertEqual(try AccessTokenStore(transport: endpoint).accessToken(for: grant), "a1")
        XCTAssertEqual(names.items, ["env:ALICE_REFRESH"])
        XCTAssertEqual(value.current(), "rt-2")
    }
}
