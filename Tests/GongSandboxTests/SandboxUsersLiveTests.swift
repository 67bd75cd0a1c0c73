import Foundation
import GongEngagement
import GongHTTP
import GongSandbox
import Hummingbird
import Testing

/// `GET /v2/users` over a real loopback socket with the real client: what a caller of `allUsers` sees.
@Suite("Sandbox users over loopback")
struct SandboxUsersLiveTests {
    typealias F = SandboxFixtures

    @Test("an outage in the middle of listing: allUsers retries the 5xx and finishes once it ends")
    func recoversFromOutage() async throws {
        let server = try await GongSandbox.start(
            GongSandboxConfiguration(
                credentials: F.credentials, callsPerSecond: 0, faults: SandboxFaults(outageStatus: 503),
                users: UsersFixtures.users(250)))
        let retry = GongUsersRetry(maxAttempts: 20, backoff: RetryPolicy(baseDelay: 0.2, maxDelay: 0.4))
        let listing = Task {
            let client = GongClient(baseURL: server.baseURL, credentials: .bearer(token: F.token), totalTimeout: 5)
            return try await client.allUsers(retry: retry)
        }
        // Wait for the first failed call, then end the outage.
        let deadline = ContinuousClock.now + .seconds(10)
        while await server.stats().users.serverError == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(await server.stats().users.serverError >= 1)
        let ended = try await F.request(server, "/api/outage", method: .put, body: ByteBuffer(string: "{}"))
        #expect(ended.status == .ok)
        let users = try await listing.value
        #expect(users == UsersFixtures.users(250))
        let stats = await server.stats()
        #expect(stats.users.ok == 3)
        #expect(stats.users.calls == 3 + stats.users.serverError)
        await server.stop()
    }

    @Test("a page size of 1: one user a page, allUsers makes one call per user")
    func pageSizeOne() async throws {
        let server = try await GongSandbox.start(
            GongSandboxConfiguration(
                credentials: F.credentials, callsPerSecond: 0, users: UsersFixtures.users(3), usersPageSize: 1))
        let client = GongClient(
            baseURL: server.baseURL, credentials: .basic(accessKey: F.accessKey, secret: F.secret), totalTimeout: 5)
        let first = try await client.listUsers()
        #expect(first.users.map(\.id) == ["2147483648"])
        #expect(first.totalRecords == 3)
        #expect(try await client.allUsers() == UsersFixtures.users(3))
        #expect(await server.stats().users.ok == 4)
        await server.stop()
    }
}
