import Foundation
import GongSandbox
import Testing

@testable import GongEngagement
@testable import GongHTTP

/// `GongClient` against the real sandbox over loopback (started in process on port 0).
@Suite("GongClient over loopback")
struct GongClientTests {
    static let accessKey = "client-test-access-key-7d3"
    static let secret = "client-test-SECRET-b81f0e"
    static let token = "client-test-TOKEN-44c2aa"
    static let basic = GongCredentials.basic(accessKey: accessKey, secret: secret)

    static func sandbox(
        rate: Int = 0, faults: SandboxFaults = SandboxFaults(), seed: UInt64 = 1
    ) async throws -> RunningGongSandbox {
        try await GongSandbox.start(
            GongSandboxConfiguration(
                credentials: SandboxCredentials(accessKey: accessKey, accessKeySecret: secret, bearerToken: token),
                callsPerSecond: rate, faults: faults, seed: seed))
    }

    static func event(_ id: String) -> [UInt8] {
        var event = ContentSharedEvent(
            reportingSystem: "client-tests", eventTimestamp: "2025-03-04T10:30:00+01:00", contentId: "doc:\(id)",
            contentUrl: "https://example.com/\(id)", contentTitle: "Document \(id)")
        event.eventId = id
        event.recipients = [Actor(email: "jane@prospect.example", name: "Jane")]
        return Array(try! JSONEncoder().encode(event))
    }

    @Test("200 with a requestId; consecutive calls reuse one kept-alive connection")
    func okAndKeepAlive() async throws {
        let server = try await Self.sandbox()
        let client = GongClient(baseURL: server.baseURL + "/", credentials: Self.basic, totalTimeout: 5)
        for index in 0..<3 {
            let result = await client.sendOnThread(Self.event("ok\(index)"))
            guard case .response(200, let requestId?, let errors, nil) = result else {
                Issue.record("expected 200, got \(result)")
                continue
            }
            #expect(requestId.count == 19)
            #expect(errors.isEmpty)
        }
        #expect(client.connectionsOpened == 1)
        let stored = await server.storedEvents()
        #expect(stored.map(\.event.eventId) == ["ok0", "ok1", "ok2"])
        guard case .contentShared(let received)? = stored.first?.event else {
            Issue.record("the sandbox stored no content-shared event")
            return
        }
        #expect(received.recipients?.first?.email == "jane@prospect.example")
        await server.stop()
    }

    @Test("Bearer credentials work too")
    func bearer() async throws {
        let server = try await Self.sandbox()
        let client = GongClient(baseURL: server.baseURL, credentials: .bearer(token: Self.token), totalTimeout: 5)
        #expect(await client.sendOnThread(Self.event("b1")).status == 200)
        await server.stop()
    }

    @Test("a re-sent event gets 409 with Gong's errors")
    func conflict() async throws {
        let server = try await Self.sandbox()
        let client = GongClient(baseURL: server.baseURL, credentials: Self.basic, totalTimeout: 5)
        #expect(await client.sendOnThread(Self.event("dup")).status == 200)
        let result = await client.sendOnThread(Self.event("dup"))
        guard case .response(409, let requestId, let errors, _) = result else {
            Issue.record("expected 409, got \(result)")
            await server.stop()
            return
        }
        #expect(requestId != nil)
        #expect(errors.first?.contains("already reported") == true)
        await server.stop()
    }

    @Test("an invalid event gets 400 with every error, path first")
    func badRequest() async throws {
        let server = try await Self.sandbox()
        let client = GongClient(baseURL: server.baseURL, credentials: Self.basic, totalTimeout: 5)
        let body =
            #"{"reportingSystem":"x","eventTimestamp":"tomorrow","contentId":"c","contentUrl":"nope","#
            + #""contentTitle":"t","recipients":[{"name":"No Email"}]}"#
        let result = await client.sendOnThread(Array(body.utf8))
        guard case .response(400, _, let errors, _) = result else {
            Issue.record("expected 400, got \(result)")
            await server.stop()
            return
        }
        #expect(errors.contains { $0.hasPrefix("eventTimestamp: ") })
        #expect(errors.contains { $0.hasPrefix("contentUrl: ") })
        #expect(errors.contains { $0.hasPrefix("recipients[0].email: ") })
        #expect(await client.sendOnThread(Array("not json".utf8)).status == 400)
        await server.stop()
    }

    @Test("wrong or missing credentials get 401")
    func unauthorized() async throws {
        let server = try await Self.sandbox()
        for credentials in [
            GongCredentials.basic(accessKey: Self.accessKey, secret: "wrong"),
            .basic(accessKey: "wrong", secret: Self.secret), .bearer(token: "wrong"), .bearer(token: ""),
        ] {
            let client = GongClient(baseURL: server.baseURL, credentials: credentials, totalTimeout: 5)
            let result = await client.sendOnThread(Self.event("u"))
            guard case .response(401, let requestId, let errors, _) = result else {
                Issue.record("expected 401, got \(result)")
                continue
            }
            #expect(requestId != nil)
            #expect(!errors.isEmpty)
        }
        #expect(await server.storedEvents().isEmpty)
        await server.stop()
    }

    @Test("above the rate: 429 with Retry-After parsed into seconds")
    func rateLimited() async throws {
        let server = try await Self.sandbox(rate: 1)
        let client = GongClient(baseURL: server.baseURL, credentials: Self.basic, totalTimeout: 5)
        #expect(await client.sendOnThread(Self.event("r1")).status == 200)
        let result = await client.sendOnThread(Self.event("r2"))
        guard case .response(429, let requestId, let errors, let retryAfter) = result else {
            Issue.record("expected 429, got \(result)")
            await server.stop()
            return
        }
        #expect(retryAfter == 1)
        #expect(requestId != nil)
        #expect(!errors.isEmpty)
        await server.stop()
    }

    @Test("an injected 500 is a response, not a transport error")
    func serverError() async throws {
        let server = try await Self.sandbox(faults: SandboxFaults(failRate: 1))
        let client = GongClient(baseURL: server.baseURL, credentials: Self.basic, totalTimeout: 5)
        let result = await client.sendOnThread(Self.event("s1"))
        guard case .response(500, let requestId, let errors, nil) = result else {
            Issue.record("expected 500, got \(result)")
            await server.stop()
            return
        }
        #expect(requestId != nil)
        #expect(!errors.isEmpty)
        await server.stop()
    }

    @Test("accept-then-drop: a connection-reset transport error while the event was stored; the next call works")
    func acceptThenDrop() async throws {
        let server = try await Self.sandbox(faults: SandboxFaults(dropRate: 1))
        let client = GongClient(baseURL: server.baseURL, credentials: Self.basic, totalTimeout: 5)
        let result = await client.sendOnThread(Self.event("drop1"))
        guard case .transportError(.connectionReset, let message) = result else {
            Issue.record("expected connectionReset, got \(result)")
            await server.stop()
            return
        }
        #expect(message.hasPrefix("libcurl error 5"))
        #expect(await server.storedEvents().map(\.event.eventId) == ["drop1"])
        await server.stop()

        // The same client then works on a fresh connection to a healthy server.
        let healthy = try await Self.sandbox()
        let next = GongClient(baseURL: healthy.baseURL, credentials: Self.basic, totalTimeout: 5)
        #expect(await next.sendOnThread(Self.event("after-drop")).status == 200)
        await healthy.stop()
    }

    @Test("latency above totalTimeout: a timeout, well before the latency ends")
    func timeout() async throws {
        let server = try await Self.sandbox(faults: SandboxFaults(latencyMilliseconds: 3_000))
        let client = GongClient(baseURL: server.baseURL, credentials: Self.basic, totalTimeout: 0.4)
        let start = ContinuousClock.now
        let result = await client.sendOnThread(Self.event("t1"))
        let elapsed = ContinuousClock.now - start
        guard case .transportError(.timeout, let message) = result else {
            Issue.record("expected timeout, got \(result)")
            await server.stop()
            return
        }
        #expect(message.hasPrefix("libcurl error 28"))
        #expect(elapsed < .milliseconds(2_000))
        await server.stop()
    }

    @Test("a closed port: connection refused")
    func refused() async throws {
        let server = try await Self.sandbox()
        let port = server.port
        await server.stop()
        let client = GongClient(baseURL: "http://127.0.0.1:\(port)", credentials: Self.basic, totalTimeout: 5)
        guard
            case .transportError(.connectionRefused, let message) = await client.sendOnThread(
                Self.event("c"))
        else {
            Issue.record("expected connectionRefused")
            return
        }
        #expect(message.hasPrefix("libcurl error 7"))
    }

    @Test("an unresolvable host: DNS failure")
    func dnsFailure() async {
        let client = GongClient(
            baseURL: "http://gong-client-test.invalid", credentials: Self.basic, connectTimeout: 3, totalTimeout: 5)
        guard case .transportError(.dnsFailure, _) = await client.sendOnThread(Self.event("d")) else {
            Issue.record("expected dnsFailure")
            return
        }
    }

    @Test("https to a plain-HTTP port: a TLS error (verification is on)")
    func tlsFailure() async throws {
        let server = try await Self.sandbox()
        let client = GongClient(
            baseURL: "https://127.0.0.1:\(server.port)", credentials: Self.basic, totalTimeout: 5)
        let result = await client.sendOnThread(Self.event("tls"))
        guard case .transportError(.tls, _) = result else {
            Issue.record("expected tls, got \(result)")
            await server.stop()
            return
        }
        #expect(await server.storedEvents().isEmpty)
        await server.stop()
    }

    @Test("an unsupported scheme is refused by libcurl before any connection")
    func unsupportedScheme() async {
        let client = GongClient(baseURL: "ftp://127.0.0.1:1", credentials: Self.basic, totalTimeout: 2)
        guard case .transportError(.other, let message) = await client.sendOnThread(Self.event("s")) else {
            Issue.record("expected other")
            return
        }
        #expect(message.hasPrefix("libcurl error 1"))
    }

    @Test("no secret in any description, message or error, whatever fails")
    func noSecretsAnywhere() async throws {
        let server = try await Self.sandbox(faults: SandboxFaults(failRate: 0.5, dropRate: 0.5), seed: 3)
        let closedPort = try await Self.sandbox()
        let refusedPort = closedPort.port
        await closedPort.stop()
        let slow = try await Self.sandbox(faults: SandboxFaults(latencyMilliseconds: 2_000))
        let encoded = Base64.encode(Array("\(Self.accessKey):\(Self.secret)".utf8))
        let secrets = [Self.secret, Self.token, Self.accessKey, encoded]
        var texts: [String] = []
        for credentials in [Self.basic, GongCredentials.bearer(token: Self.token)] {
            texts.append(credentials.description)
            texts.append("\(credentials)")
            texts.append(String(reflecting: credentials))
            var dumped = ""
            dump(credentials, to: &dumped)
            texts.append(dumped)
            for (base, timeout) in [
                (server.baseURL, 5.0), (server.baseURL, 5.0), (server.baseURL, 5.0),
                ("http://127.0.0.1:\(refusedPort)", 5.0), ("http://gong-secret-test.invalid", 5.0),
                ("https://127.0.0.1:\(server.port)", 5.0), (slow.baseURL, 0.2),
                ("http://\(Self.accessKey):\(Self.secret)@127.0.0.1:\(refusedPort)", 5.0),
            ] {
                let client = GongClient(baseURL: base, credentials: credentials, totalTimeout: timeout)
                let result = await client.sendOnThread(Self.event("secret-\(texts.count)"))
                texts.append(result.description)
                texts.append("\(result)")
                texts.append(client.description)
                if case .transportError(_, let message) = result { texts.append(message) }
                if case .response(_, _, let errors, _) = result { texts.append(contentsOf: errors) }
            }
            // A wrong secret in a 401 is not echoed either.
            let wrong = GongClient(baseURL: server.baseURL, credentials: .bearer(token: "wrong"), totalTimeout: 5)
            texts.append(await wrong.sendOnThread(Self.event("w")).description)
        }
        #expect(texts.count > 30)
        for text in texts {
            for secret in secrets {
                #expect(!text.contains(secret), "leaked in: \(text)")
            }
        }
        await server.stop()
        await slow.stop()
    }
}
