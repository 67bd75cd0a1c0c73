import Foundation
import Testing

@testable import ShareDetection

/// The hand-labelled link corpus next to the package (`../shared/corpus/links`), if present.
let corpusLinks = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus/links")

/// One `share` row of a corpus `labels.tsv`.
struct LabelledShare: Sendable, CustomTestStringConvertible {
    let file: String
    let provider: String
    let contentId: String
    let url: String
    var testDescription: String { "\(file) \(provider) \(contentId)" }
}

func labelledShares() -> [LabelledShare] {
    guard let lists = try? FileManager.default.contentsOfDirectory(atPath: corpusLinks.path) else { return [] }
    var out: [LabelledShare] = []
    for list in lists.sorted() {
        let labels = corpusLinks.appendingPathComponent(list).appendingPathComponent("labels.tsv")
        guard let text = try? String(contentsOf: labels, encoding: .utf8) else { continue }
        for line in text.split(separator: "\n").dropFirst() {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count >= 5, columns[1] == "share" else { continue }
            out.append(
                LabelledShare(
                    file: list + "/" + columns[0], provider: columns[2], contentId: columns[3], url: columns[4]))
        }
    }
    return out
}

@Suite("Classification")
struct ClassificationTests {
    let rules = RuleSet.builtIn()

    @Test(
        "Every labelled share in the corpus classifies as content with its content id",
        .enabled(
            if: FileManager.default.fileExists(atPath: corpusLinks.path),
            "corpus not found at ../shared/corpus/links (relative to the package root); skipping"),
        arguments: labelledShares())
    func corpusShares(_ share: LabelledShare) throws {
        let match = try #require(rules.classify(share.url).contentMatch, "\(share.url) is not content")
        #expect(
            match.contentId.contains(share.contentId) || match.contentUrl.contains(share.contentId),
            "\(match.contentId) / \(match.contentUrl) lacks \(share.contentId)")
    }

    @Test(
        "The corpus has labelled shares to check",
        .enabled(if: FileManager.default.fileExists(atPath: corpusLinks.path), "corpus not found; skipping"))
    func corpusIsRead() {
        #expect(labelledShares().count >= 20)
    }

    @Test("Same document in one corpus message: the notification's URL variants give one id")
    func notificationVariants() {
        let urls = [
            "https://docs.google.com/document/d/1DjGOZPBrfjQkhivvPaEe871dpnBYDEEg94QB_q8oovE/edit",
            "https://docs.google.com/document/d/1DjGOZPBrfjQkhivvPaEe871dpnBYDEEg94QB_q8oovE/edit?usp=sharing&ts=5e3d3595",
            "https://docs.google.com/document/d/1DjGOZPBrfjQkhivvPaEe871dpnBYDEEg94QB_q8oovE/edit?usp\\u003dsharing_eid"
                + "\\u0026ts\\u003d5e3d3595",
            "https://docs.google.com/forms/u/0/d/e/1FAIpQLSdT3oPrR6-Hjb4Ed3q-dRbgrISxpzydkiulNR-TtWJA_mEfWA/reportabuse",
        ]
        let ids = urls.map { rules.classify($0).contentMatch?.contentId }
        #expect(Set(ids.prefix(3)).count == 1)
        #expect(ids[0] == "gdoc:document:1DjGOZPBrfjQkhivvPaEe871dpnBYDEEg94QB_q8oovE")
        #expect(ids[3] == "gdoc:form:e:1FAIpQLSdT3oPrR6-Hjb4Ed3q-dRbgrISxpzydkiulNR-TtWJA_mEfWA")
    }

    @Test("Exclusions: domains (with subdomains) and URL patterns, after unwrapping")
    func exclusions() throws {
        let team = try RuleSet.parse(files: [
            (
                "team.yml",
                """
                exclusions:
                  domains: [box.com]
                  urls: ['^https://docs\\.google\\.com/document/d/1TEMPLATE']
                """
            )
        ])
        let rules = RuleSet.builtIn().merged(with: team)
        let box = rules.classify("https://northwind.app.box.com/s/abc123def456ghi789")
        guard case .excluded(let reason, _) = box else {
            Issue.record("\(box)")
            return
        }
        #expect(reason == "excluded domain box.com")
        let template =
            "https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fdocs.google.com%2Fdocument%2Fd%2F"
            + "1TEMPLATEabcdefghijklmnopqrstuvwxyz%2Fedit&data=05"
        guard case .excluded(let why, let unwrap) = rules.classify(template) else {
            Issue.record("template not excluded")
            return
        }
        #expect(why.hasPrefix("excluded URL pattern"))
        #expect(unwrap.chain.count == 1)
        #expect(
            rules.classify("https://docs.google.com/document/d/1Se36svYE1Uzpppe1HWnEyat_sAGghB3kE285LElJBW4/")
                .contentMatch != nil)
        #expect(rules.classify("https://box.company.example/s/abc").contentMatch == nil)
    }

    @Test("Not-content reasons say why")
    func reasons() {
        guard case .notContent(let noRule, _) = rules.classify("https://example.com/x") else {
            Issue.record("example.com")
            return
        }
        #expect(noRule == "no provider rule for host example.com")
        guard case .notContent(let noPattern, _) = rules.classify("https://www.dropbox.com/login") else {
            Issue.record("dropbox login")
            return
        }
        #expect(noPattern.contains("dropbox-file") && noPattern.contains("www.dropbox.com/login"))
        guard case .notContent(let notHTTP, _) = rules.classify("mailto:a@b.example") else {
            Issue.record("mailto")
            return
        }
        #expect(notHTTP == "not an absolute http(s) URL")
    }

    @Test("A wrapped share records the unwrap chain in the classification")
    func wrappedShare() throws {
        let result = rules.classify(UnwrapTests.safeLinksAroundV2)
        let match = try #require(result.contentMatch)
        #expect(match.contentId == "gdoc:document:1hRtD9xE6H9cJGQaKIXHi_f_HpoRNK4-4-lS1ZwYacXU")
        #expect(match.contentUrl == UnwrapTests.docURL)
        #expect(result.unwrap.chain.map(\.wrapper) == ["outlook-safelinks", "proofpoint-v2"])
    }

    @Test("A custom rule file with its own wrapper and exclusions works end to end")
    func customWrapper() throws {
        let team = try RuleSet.parse(files: [
            (
                "team.yml",
                """
                wrappers:
                  - id: northwind-tracker
                    hosts: [click.northwind.example]
                    path: '^/r/'
                    extract: {pathRegex: '^/r/(?<url>.+)$'}
                    transforms: [url_decode]
                rules:
                  - id: northwind-deal-room
                    provider: Northwind Deal Rooms
                    kind: deal room
                    hosts: ['*.rooms.northwind.example']
                    match:
                      - path: '^/room/(?<room>[a-z0-9-]+)/?$'
                        query: '(?:^|&)invite=(?<invite>[A-Za-z0-9]+)'
                    contentId: 'dealroom:{subdomain}:{room}'
                    title: '{room|slug}'
                    actionName: Deal Room Shared
                    properties: {invite: '{invite}'}
                """
            )
        ])
        let rules = RuleSet.builtIn().merged(with: team)
        let url =
            "https://click.northwind.example/r/https%3A%2F%2Facme.rooms.northwind.example%2Froom%2Fq3-renewal%3Finvite%3DX9"
        let result = rules.classify(url)
        let match = try #require(result.contentMatch)
        #expect(match.contentId == "dealroom:acme:q3-renewal")
        #expect(match.titleFromURL == "q3 renewal")
        #expect(match.contentProperties["invite"] == "X9")
        #expect(match.kind == "deal room")
        #expect(result.unwrap.chain.map(\.wrapper) == ["northwind-tracker"])
    }
}
