import Foundation
import GongSandbox
import Testing

@testable import GongSandbox

@Suite("Sandbox building blocks")
struct SandboxUnitTests {
    @Test("the rate limiter admits N calls per sliding second and says how long to wait")
    func rateLimiter() {
        var limiter = RateLimiter(perSecond: 3, perDay: 0)
        #expect(limiter.admit(now: 100.0) == nil)
        #expect(limiter.admit(now: 100.1) == nil)
        #expect(limiter.admit(now: 100.2) == nil)
        #expect(limiter.admit(now: 100.3) == 1)
        #expect(limiter.admit(now: 100.99) == 1)
        #expect(limiter.admit(now: 101.0) == nil)  // the call at 100.0 left the window
        #expect(limiter.admit(now: 101.05) == 1)
        #expect(limiter.admit(now: 101.15) == nil)
    }

    @Test("the daily limit resets at UTC midnight; Retry-After points there")
    func dailyLimit() {
        var limiter = RateLimiter(perSecond: 0, perDay: 2)
        let day = 20_000.0 * 86_400
        #expect(limiter.admit(now: day + 10) == nil)
        #expect(limiter.admit(now: day + 20) == nil)
        #expect(limiter.admit(now: day + 86_400 - 100) == 100)
        #expect(limiter.admit(now: day + 86_400) == nil)
    }

    @Test("unlimited when both limits are 0")
    func unlimited() {
        var limiter = RateLimiter(perSecond: 0, perDay: 0)
        #expect((0..<1000).allSatisfy { limiter.admit(now: Double($0) * 0.001) == nil })
    }

    @Test("the fault dice are deterministic for a seed and roughly uniform")
    func dice() {
        var first = FaultDice(seed: 42)
        var second = FaultDice(seed: 42)
        var other = FaultDice(seed: 43)
        let a = (0..<100).map { _ in first.unit() }
        #expect(a == (0..<100).map { _ in second.unit() })
        #expect(a != (0..<100).map { _ in other.unit() })
        #expect(a.allSatisfy { (0..<1).contains($0) })
        var dice = FaultDice(seed: 7)
        let below = (0..<10_000).filter { _ in dice.unit() < 0.25 }.count
        #expect((2_200...2_800).contains(below))
    }

    @Test("fault decisions follow the seed: same seed, same sequence")
    func faultSequence() async throws {
        func sequence(seed: UInt64) async throws -> [FaultDecision] {
            let state = try SandboxState(
                configuration: GongSandboxConfiguration(
                    faults: SandboxFaults(failRate: 0.3, dropRate: 0.3), seed: seed))
            var decisions: [FaultDecision] = []
            for _ in 0..<50 { decisions.append(await state.rollFault()) }
            return decisions
        }
        let first = try await sequence(seed: 9)
        #expect(try await sequence(seed: 9) == first)
        #expect(try await sequence(seed: 10) != first)
        #expect(first.contains(.fail) && first.contains(.drop) && first.contains(.none))
    }

    @Test(
        "ISO-8601 timestamps with offsets become the right instant",
        arguments: [
            ("1970-01-01T00:00:00Z", Int64(0)),
            ("2021-02-17T02:30:00-08:00", Int64(1_613_557_800)),
            ("2021-08-01T02:30:00+05:00", Int64(1_627_767_000)),
            ("2021-08-01T08:00:00.123Z", Int64(1_627_804_800)),
            ("2000-02-29T23:59:59+00:00", Int64(951_868_799)),
        ])
    func timestamps(text: String, expected: Int64) {
        #expect(EventTime.epochSeconds(text) == expected)
    }

    @Test(
        "malformed timestamps are rejected",
        arguments: [
            "", "2021-02-17", "2021-02-17T02:30:00", "yesterday",
            "2021-13-01T00:00:00Z", "2021-02-17T02:30:00+0800", "2021-02-17 02:30:00Z",
        ])
    func badTimestamps(text: String) {
        #expect(EventTime.epochSeconds(text) == nil)
    }

    @Test("day headings and clock times in UTC")
    func dayFormatting() throws {
        let epoch = try #require(EventTime.epochSeconds("2021-02-17T02:30:00-08:00"))
        #expect(EventTime.dayHeading(EventTime.dayNumber(epoch)) == "Wednesday, 17 February 2021")
        #expect(EventTime.clock(epoch) == "10:30")
        #expect(EventTime.isoDay(EventTime.dayNumber(0)) == "1970-01-01")
        #expect(EventTime.isoUTC(1_613_557_800.25) == "2021-02-17T10:30:00.250Z")
        for day in [-1000, 0, 59, 11_016, 20_000, 100_000] {
            let date = EventTime.civilFromDays(day)
            #expect(EventTime.daysFromCivil(year: date.year, month: date.month, day: date.day) == day)
        }
    }

    @Test("HTML to preview text: tags and hidden elements removed, entities decoded, white space collapsed")
    func plainText() {
        #expect(
            HTMLText.plainText(fromHTML: "<div>Hi&nbsp;<b>Jane</b>,<br>see &lt;this&gt; &#8211; &#x263A;</div>")
                == "Hi Jane , see <this> – ☺")
        #expect(HTMLText.plainText(fromHTML: "a<SCRIPT>evil()</script>b<style>x{}</STYLE>c<!-- d -->e") == "a b ce")
        #expect(HTMLText.plainText(fromHTML: "unclosed <b tag") == "unclosed")
        #expect(HTMLText.plainText(fromHTML: "&bogus; &amp") == "&bogus; &amp")
        #expect(HTMLText.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(HTMLText.truncate(String(repeating: "ab ", count: 200), to: 10) == "ab ab ab a…")
    }

    @Test("sandbox credentials never print their secrets")
    func credentialsDescription() {
        let credentials = SandboxCredentials(accessKey: "key-1", accessKeySecret: "s3cr3t", bearerToken: "t0k3n")
        #expect(credentials.description == "basic + bearer")
        #expect(!"\(credentials)".contains("s3cr3t"))
        #expect(SandboxCredentials().description == "none (open)")
    }
}
