import Foundation
import ShareDetectorKit
import ShareLedger
import Testing

/// `gong.api` switched between content-shared and digital-interaction, end to end against the sandbox (which
/// deduplicates per API, so a re-send under the other API would show up there as a second event).
@Suite("Switching gong.api never re-sends an event", .serialized)
struct DeliveryAPISwitchTests {
    /// The sandbox's stored events as (api, eventId).
    static func stored(_ sandbox: SandboxProcess) throws -> [(api: String, eventId: String)] {
        let stored = try sandbox.get("/api/events") as? [[String: Any]] ?? []
        return stored.map {
            (
                $0["api"] as? String ?? "content-shared",
                ($0["event"] as? [String: Any])?["eventId"] as? String ?? ""
            )
        }
    }

    @Test func aSwitchSendsUnboundEventsToTheNewAPIAndKeepsBoundOnesWhereTheyMayHaveLanded() throws {
        let fixture = try SandboxTeam(sandboxArguments: ["--rate", "0", "--outage-status", "503"], messages: 30)
        let (sandbox, team) = (fixture.sandbox, fixture.team)
        let expected = try fixture.predictedEventIDs()
        #expect(expected.count == 40)

        // Gong answers 503: five content-shared calls may have stored their events (bound to content-shared);
        // the other 35 were never sent.
        let scan = try fixture.run(["scan", "--quiet", "--config", team.configPath])
        #expect(scan.status == 3, "\(scan.stderr)")
        #expect(try sandbox.stats()["5xx"] == 5)

        // Gong is back and the team switches to the Digital Interactions API.
        try sandbox.setOutage(nil)
        try team.setGong("api", "digital-interaction")
        let send = try fixture.run(["send", "--json", "--config", team.configPath])
        #expect(send.status == 0, "\(send.stderr)")
        let summary = try DeliveryOutageTests.jsonSummary(send.stdout)
        #expect(summary["delivered"] as? Int == 40)
        #expect(summary["rebuiltForAPI"] as? Int == 35)
        #expect(summary["keptOnBoundAPI"] as? Int == 5)
        #expect(summary["api"] as? String == "digital-interaction")

        let events = try Self.stored(sandbox)
        #expect(events.map(\.eventId).sorted() == expected, "every event once, across both APIs")
        #expect(events.filter { $0.api == "content-shared" }.count == 5)
        #expect(events.filter { $0.api == "digital-interaction" }.count == 35)

        // The ledger says which API each event was delivered to, and keeps the body it was delivered with.
        let status = try fixture.run(["status", "--json", "--config", team.configPath])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(object["deliveredByAPI"] as? [String: Int] == ["content-shared": 5, "digital-interaction": 35])
        let ledger = try ShareLedger(path: team.statePath)
        for eventId in expected {
            let api = try ledger.api(of: eventId)?.api
            let json = try #require(
                try JSONSerialization.jsonObject(with: ledger.body(of: eventId) ?? Data()) as? [String: Any])
            #expect((json["person"] != nil) == (api == .digitalInteraction), "the stored body is for its API")
        }

        // Switching back sends nothing: every event is delivered, under one API or the other; a re-scan of the
        // whole mailbox finds every event known.
        try team.setGong("api", "content-shared")
        let back = try fixture.run(["send", "--json", "--config", team.configPath])
        #expect(back.status == 0, "\(back.stderr)")
        #expect(try DeliveryOutageTests.jsonSummary(back.stdout)["calls"] as? Int == 0)
        let rescan = try fixture.run(["scan", "--json", "--backfill", "--config", team.configPath])
        #expect(rescan.status == 0, "\(rescan.stderr)")
        #expect(try Self.stored(sandbox).count == 40)
    }

    @Test func aDigitalInteractionTeamScansAndSendsAndTestPrintsTheSameBodies() throws {
        let fixture = try SandboxTeam(sandboxArguments: ["--rate", "0"], messages: 6)
        let team = fixture.team
        try team.setGong("api", "digital-interaction")

        let predicted = try fixture.run(["test", "--json", "--config", team.configPath, fixture.mailbox.path])
        let lines = predicted.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(lines.count == 8)
        #expect(lines.allSatisfy { $0["person"] != nil && $0["eventType"] != nil && $0["reportingSystem"] == nil })

        let scan = try fixture.run(["scan", "--json", "--config", team.configPath])
        #expect(scan.status == 0, "\(scan.stderr)")
        let events = try Self.stored(fixture.sandbox)
        #expect(events.count == 8)
        #expect(events.allSatisfy { $0.api == "digital-interaction" })
        #expect(events.map(\.eventId).sorted() == lines.compactMap { $0["eventId"] as? String }.sorted())
        let stored = try fixture.sandbox.get("/api/events") as? [[String: Any]] ?? []
        let first = try #require(stored.first?["event"] as? [String: Any])
        let fields = (first["customFields"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        for name in ["sharerEmail", "messageId", "ruleId", "provider", "linkSource", "mailbox"] {
            #expect(fields.contains(name), "custom field \(name) in \(fields)")
        }
    }

    @Test func requeueRebuildsRejectedEventsForTheNewAPI() throws {
        let fixture = try SandboxTeam(sandboxArguments: ["--rate", "0", "--outage-status", "400"], messages: 6)
        let team = fixture.team

        // Gong rejects every content-shared event (400): a rejection does not bind them to that API.
        let scan = try fixture.run(["scan", "--quiet", "--config", team.configPath])
        #expect(scan.status == 1, "\(scan.stderr)")
        try fixture.sandbox.setOutage(nil)
        try team.setGong("api", "digital-interaction")
        let requeue = try fixture.run(["requeue", "--config", team.configPath, "--dead", "--json"])
        #expect(requeue.status == 0, "\(requeue.stderr)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(requeue.stdout.utf8)) as? [String: Any])
        let items = try #require(report["items"] as? [[String: Any]])
        #expect(items.count == 8)
        #expect(
            items.allSatisfy { $0["api"] as? String == "digital-interaction" && $0["outcome"] as? String == "requeued" }
        )

        let send = try fixture.run(["send", "--json", "--config", team.configPath])
        #expect(send.status == 0, "\(send.stderr)")
        #expect(try DeliveryOutageTests.jsonSummary(send.stdout)["rebuiltForAPI"] as? Int == 0, "requeue already did")
        let events = try Self.stored(fixture.sandbox)
        #expect(events.count == 8)
        #expect(events.allSatisfy { $0.api == "digital-interaction" })
    }
}
