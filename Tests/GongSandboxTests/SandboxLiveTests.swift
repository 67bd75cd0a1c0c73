import Foundation
import GongEngagement
import GongHTTP
import GongSandbox
import Testing

/// Tests over a real loopback socket: `GongSandbox.start` on port 0, plain `URLSession`-free HTTP via libcurl
/// (`GongClient`), which is how the sender sees it.
@Suite("Sandbox over loopback")
struct SandboxLiveTests {
    typealias F = SandboxFixtures

    @Test("start binds a free port on 127.0.0.1, serves, and stop closes the port")
    func startAndStop() async throws {
        let server = try await GongSandbox.start(GongSandboxConfiguration(credentials: F.credentials))
        #expect(server.port > 0)
        #expect(server.baseURL == "http://127.0.0.1:\(server.port)")
        let client = GongClient(
            baseURL: server.baseURL, credentials: .basic(accessKey: F.accessKey, secret: F.secret), totalTimeout: 5)
        let result = await client.sendOnThread(F.json(F.event(id: "live-1")))
        #expect(result.status == 200)
        #expect(await server.storedEvents().map(\.event.eventId) == ["live-1"])
        await server.stop()
        let after = await client.sendOnThread(F.json(F.event(id: "live-2")))
        guard case .transportError(let kind, _) = after else {
            Issue.record("expected a transport error after stop, got \(after)")
            return
        }
        #expect(kind == .connectionRefused)
    }

    @Test("two sandboxes on port 0 get different ports; a taken port is a clear error")
    func ports() async throws {
        let first = try await GongSandbox.start()
        let second = try await GongSandbox.start()
        #expect(first.port != second.port)
        await #expect(throws: SandboxError.self) {
            _ = try await GongSandbox.start(GongSandboxConfiguration(port: first.port))
        }
        await first.stop()
        await second.stop()
    }

    @Test("fail rate 1: every valid request gets 500 and nothing is stored")
    func injectedFailures() async throws {
        let server = try await GongSandbox.start(
            GongSandboxConfiguration(callsPerSecond: 0, faults: SandboxFaults(failRate: 1)))
        let client = GongClient(baseURL: server.baseURL, credentials: .bearer(token: "any"), totalTimeout: 5)
        for index in 0..<3 {
            let result = await client.sendOnThread(F.json(F.event(id: "f\(index)")))
            guard case .response(500, let requestId, let errors, _) = result else {
                Issue.record("expected 500, got \(result)")
                continue
            }
            #expect(requestId != nil)
            #expect(errors.first?.contains("injected") == true)
        }
        #expect(await server.storedEvents().isEmpty)
        #expect(await server.stats().serverError == 3)
        await server.stop()
    }

    @Test("drop rate 1: the event is stored, the connection is reset, the re-send gets 409 (also dropped)")
    func acceptThenDrop() async throws {
        let server = try await GongSandbox.start(
            GongSandboxConfiguration(callsPerSecond: 0, faults: SandboxFaults(dropRate: 1)))
        let client = GongClient(baseURL: server.baseURL, credentials: .bearer(token: "any"), totalTimeout: 5)
        let result = await client.sendOnThread(F.json(F.event(id: "d1")))
        guard case .transportError(let kind, _) = result else {
            Issue.record("expected a transport error, got \(result)")
            await server.stop()
            return
        }
        #expect(kind == .connectionReset)
        #expect(await server.storedEvents().map(\.event.eventId) == ["d1"])
        _ = await client.sendOnThread(F.json(F.event(id: "d1")))
        let stats = await server.stats()
        #expect(stats.dropped == 2)
        #expect(stats.ok == 0)
        #expect(stats.events == 1)
        await server.stop()
    }

    @Test("mixed faults with a seed: client and server agree, every acknowledged event is stored once")
    func mixedFaults() async throws {
        let server = try await GongSandbox.start(
            GongSandboxConfiguration(
                callsPerSecond: 0, faults: SandboxFaults(failRate: 0.3, dropRate: 0.3), seed: 1234))
        let client = GongClient(baseURL: server.baseURL, credentials: .bearer(token: "any"), totalTimeout: 5)
        var seen: [String: Int] = [:]
        var acknowledged: Set<String> = []
        for index in 0..<30 {
            let result = await client.sendOnThread(F.json(F.event(id: "m\(index)")))
            let key = result.status.map(String.init) ?? "dropped"
            seen[key, default: 0] += 1
            if result.status == 200 || result.status == 409 { acknowledged.insert("m\(index)") }
        }
        let stats = await server.stats()
        let stored = await server.storedEvents().map(\.event.eventId)
        // libcurl re-sends once, on a fresh connection, when a kept-alive connection dies before any response
        // byte: so the server may see more requests than the client made calls, and a drop may surface as 409.
        #expect(stats.ok + stats.serverError + stats.dropped + stats.conflict >= 30)
        #expect(stats.ok >= seen["200", default: 0])  // a client timeout can hide a 200 the server sent late
        #expect(stats.serverError >= seen["500", default: 0])
        #expect(stats.conflict == seen["409", default: 0])
        #expect(stats.dropped >= seen["dropped", default: 0])
        #expect(Set(stored).count == stored.count)
        #expect(acknowledged.isSubset(of: Set(stored)))
        #expect(stats.events == stored.count)
        #expect(stats.serverError > 0 && stats.dropped > 0 && stats.ok > 0)
        await server.stop()
    }
}
