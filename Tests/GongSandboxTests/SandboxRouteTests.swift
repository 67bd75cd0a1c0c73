import Foundation
import GongEngagement
import GongSandbox
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Sandbox routes")
struct SandboxRouteTests {
    typealias F = SandboxFixtures

    func sandbox(rate: Int = 0, dataDirectory: String? = nil) throws -> GongSandbox {
        try GongSandbox(
            configuration: GongSandboxConfiguration(
                dataDirectory: dataDirectory, credentials: F.credentials, callsPerSecond: rate))
    }

    @Test("missing or wrong credentials get 401 with Gong's error shape")
    func unauthorized() async throws {
        let app = try sandbox().makeApplication()
        try await app.test(.router) { client in
            for headers in [
                HTTPFields(), F.basic(F.accessKey, "wrong"), F.basic("other", F.secret), F.bearer("wrong"),
                [.authorization: "Basic not-base64!"], [.authorization: "Digest abc"],
            ] {
                try await client.execute(uri: F.path, method: .put, headers: headers, body: F.body(F.event())) {
                    #expect($0.status == .unauthorized)
                    let object = F.object($0.body)
                    #expect((object["requestId"] as? String)?.isEmpty == false)
                    #expect((object["errors"] as? [String])?.isEmpty == false)
                }
            }
            try await client.execute(uri: "/api/stats", method: .get) {
                #expect(F.object($0.body)["401"] as? Int == 6)
                #expect(F.object($0.body)["events"] as? Int == 0)
            }
        }
    }

    @Test("Basic and Bearer credentials are both accepted; 200 carries a requestId")
    func accepted() async throws {
        let app = try sandbox().makeApplication()
        try await app.test(.router) { client in
            try await client.execute(uri: F.path, method: .put, headers: F.basic(), body: F.body(F.event(id: "a"))) {
                #expect($0.status == .ok)
                let requestId = F.object($0.body)["requestId"] as? String
                #expect(requestId?.count == 19)
            }
            try await client.execute(uri: F.path, method: .put, headers: F.bearer(), body: F.body(F.event(id: "b"))) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/api/events", method: .get) { response in
                let events = try JSONDecoder().decode([StoredEvent].self, from: Data(response.body.readableBytesView))
                #expect(events.map(\.event.eventId) == ["a", "b"])
                #expect(events[0].event == .contentShared(F.event(id: "a")))
                #expect(events.allSatisfy { $0.api == .contentShared })
            }
        }
    }

    @Test("malformed JSON and a missing required field get 400 with a path")
    func malformed() async throws {
        let app = try sandbox().makeApplication()
        try await app.test(.router) { client in
            try await client.execute(
                uri: F.path, method: .put, headers: F.basic(), body: ByteBuffer(string: "{\"reportingSystem\": ")
            ) {
                #expect($0.status == .badRequest)
                #expect((F.object($0.body)["errors"] as? [String])?.first?.contains("not valid JSON") == true)
            }
            try await client.execute(
                uri: F.path, method: .put, headers: F.basic(),
                body: ByteBuffer(string: #"{"reportingSystem":"x","eventTimestamp":"2025-01-01T00:00:00Z"}"#)
            ) {
                #expect($0.status == .badRequest)
                let errors = F.object($0.body)["errors"] as? [String] ?? []
                #expect(errors.first?.hasPrefix("contentId: ") == true || errors.first?.hasPrefix("content") == true)
            }
            var event = F.event()
            event.recipients = [Actor(email: "jane@prospect.example"), Actor(email: 42.description)]
            var json = String(decoding: F.json(event), as: UTF8.self)
            json = json.replacingOccurrences(of: "\"email\":\"42\"", with: "\"email\":42")
            try await client.execute(uri: F.path, method: .put, headers: F.basic(), body: ByteBuffer(string: json)) {
                #expect($0.status == .badRequest)
                #expect(F.object($0.body)["errors"] as? [String] == ["recipients[1].email: expected a string"])
            }
        }
    }

    @Test("validation issues come back as Gong errors, one `path: message` each")
    func validation() async throws {
        let app = try sandbox().makeApplication()
        var invalid = F.event()
        invalid.recipients = [Actor(email: "not-an-address"), Actor(email: "ok@prospect.example")]
        invalid.contentUrl = "ftp://example.com/file"
        invalid.eventTimestamp = "yesterday"
        let event = invalid
        try await app.test(.router) { client in
            try await client.execute(uri: F.path, method: .put, headers: F.basic(), body: F.body(event)) {
                #expect($0.status == .badRequest)
                let object = F.object($0.body)
                #expect(object["requestId"] is String)
                let errors = object["errors"] as? [String] ?? []
                let expected = EventValidator.validate(event).map(\.description)
                #expect(errors == expected)
                #expect(errors.contains { $0.hasPrefix("recipients[0].email: ") })
                #expect(errors.contains { $0.hasPrefix("contentUrl: ") })
                #expect(errors.contains { $0.hasPrefix("eventTimestamp: ") })
            }
            try await client.execute(uri: "/api/events", method: .get) {
                #expect(String(buffer: $0.body) == "[]")
            }
        }
    }

    @Test("a re-sent (reportingSystem, eventId) gets 409; another system or id does not")
    func conflict() async throws {
        let app = try sandbox().makeApplication()
        try await app.test(.router) { client in
            let event = F.event(id: "dup")
            try await client.execute(uri: F.path, method: .put, headers: F.basic(), body: F.body(event)) {
                #expect($0.status == .ok)
            }
            var changed = event
            changed.contentTitle = "Another title, same id"
            try await client.execute(uri: F.path, method: .put, headers: F.bearer(), body: F.body(changed)) {
                #expect($0.status == .conflict)
                let object = F.object($0.body)
                #expect(object["requestId"] is String)
                #expect((object["errors"] as? [String])?.first?.contains("already reported") == true)
            }
            var otherSystem = event
            otherSystem.reportingSystem = "another-deployment"
            try await client.execute(uri: F.path, method: .put, headers: F.basic(), body: F.body(otherSystem)) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/api/stats", method: .get) {
                let stats = try JSONDecoder().decode(SandboxStats.self, from: Data($0.body.readableBytesView))
                #expect(stats.ok == 2)
                #expect(stats.conflict == 1)
                #expect(stats.events == 2)
            }
        }
    }

    @Test("above the call rate: 429 with Retry-After, Gong's error body, and nothing stored")
    func rateLimited() async throws {
        let app = try sandbox(rate: 3).makeApplication()
        try await app.test(.router) { client in
            var statuses: [HTTPResponse.Status] = []
            var retryAfter: String?
            for index in 0..<5 {
                try await client.execute(
                    uri: F.path, method: .put, headers: F.basic(), body: F.body(F.event(id: "r\(index)"))
                ) { response in
                    statuses.append(response.status)
                    if response.status == .tooManyRequests {
                        retryAfter = response.headers[.retryAfter]
                        #expect((F.object(response.body)["errors"] as? [String])?.isEmpty == false)
                    }
                }
            }
            // Five calls in well under a second: the first three pass.
            #expect(statuses.prefix(3).allSatisfy { $0 == .ok })
            #expect(statuses.suffix(2).allSatisfy { $0 == .tooManyRequests })
            #expect(retryAfter == "1")
            try await client.execute(uri: "/api/stats", method: .get) {
                #expect(F.object($0.body)["429"] as? Int == 2)
                #expect(F.object($0.body)["events"] as? Int == 3)
            }
        }
    }

    @Test("healthz answers ok")
    func healthz() async throws {
        let app = try sandbox().makeApplication()
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) {
                #expect($0.status == .ok)
                #expect(String(buffer: $0.body) == "ok\n")
            }
        }
    }

    @Test("accepted events survive a restart: a re-send after it still gets 409")
    func persistence() async throws {
        let directory = F.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await sandbox(dataDirectory: directory).makeApplication().test(.router) { client in
            for id in ["p1", "p2"] {
                try await client.execute(uri: F.path, method: .put, headers: F.basic(), body: F.body(F.event(id: id))) {
                    #expect($0.status == .ok)
                }
            }
        }
        // A torn last line, as after a crash in the middle of a write, is skipped.
        let file = directory + "/events.jsonl"
        let handle = try #require(FileHandle(forWritingAtPath: file))
        handle.seekToEndOfFile()
        handle.write(Data("{\"requestId\":\"torn".utf8))
        try handle.close()

        let restarted = try sandbox(dataDirectory: directory)
        #expect(restarted.skippedLines == 1)
        #expect(await restarted.storedEvents().map(\.event.eventId) == ["p1", "p2"])
        try await restarted.makeApplication().test(.router) { client in
            try await client.execute(uri: F.path, method: .put, headers: F.basic(), body: F.body(F.event(id: "p1"))) {
                #expect($0.status == .conflict)
            }
            try await client.execute(uri: F.path, method: .put, headers: F.basic(), body: F.body(F.event(id: "p3"))) {
                #expect($0.status == .ok)
            }
        }
        let again = try sandbox(dataDirectory: directory)
        #expect(await again.storedEvents().map(\.event.eventId) == ["p1", "p2", "p3"])
    }
}
