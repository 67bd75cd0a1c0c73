import Foundation
import Testing

@testable import ShareDetection

/// The package root, found from this file's path (Tests/ShareDetectionTests/…).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

@Suite("Embedded built-in rules")
struct RuleEmbeddingTests {
    /// Every rule file under rules/ (recursively, skipping rules/tests/), relative to the package root.
    static func ruleFilesOnDisk() -> [String] {
        let root = packageRoot.appendingPathComponent("rules").resolvingSymlinksInPath().path
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if relative == "tests" || relative.hasPrefix("tests/") { continue }
            let name = (relative as NSString).lastPathComponent
            if (name.hasSuffix(".yml") || name.hasSuffix(".yaml")) && !name.hasPrefix(".") {
                out.append("rules/" + relative)
            }
        }
        return out.sorted()
    }

    @Test("BuiltInRules.swift matches the rule files on disk (run scripts/embed-rules.sh if this fails)")
    func noDrift() throws {
        let onDisk = Self.ruleFilesOnDisk()
        #expect(!onDisk.isEmpty)
        #expect(BuiltInRules.files.map(\.path) == onDisk)
        for file in BuiltInRules.files {
            let text = try String(contentsOf: packageRoot.appendingPathComponent(file.path), encoding: .utf8)
            #expect(file.text == text, "\(file.path) differs from its embedded copy: run scripts/embed-rules.sh")
        }
    }

    @Test("The rules folder loads from disk to the same rules as the embedded copy")
    func sameRules() throws {
        let fromDisk = try RuleSet.load(paths: [packageRoot.appendingPathComponent("rules").path])
        let builtIn = RuleSet.builtIn()
        #expect(fromDisk.providerRules.map(\.id) == builtIn.providerRules.map(\.id))
        #expect(fromDisk.wrapperRules.map(\.id) == builtIn.wrapperRules.map(\.id))
    }

    @Test("The example rule file in docs/rules.md loads and works")
    func documentedExample() throws {
        let doc = try String(contentsOf: packageRoot.appendingPathComponent("docs/rules.md"), encoding: .utf8)
        let section = try #require(doc.range(of: "## Example: a team's own rules"))
        let start = try #require(doc.range(of: "```yaml\n", range: section.upperBound..<doc.endIndex))
        let end = try #require(doc.range(of: "```", range: start.upperBound..<doc.endIndex))
        let rules = try RuleSet.parse(files: [("docs/rules.md", String(doc[start.upperBound..<end.lowerBound]))])
        let merged = RuleSet.builtIn().merged(with: rules)
        let room = merged.classify(
            "https://click.northwind.example/r/https%3A%2F%2Facme.rooms.northwind.example%2Froom%2Fq3-renewal%3Finvite%3DX9"
        )
        #expect(room.contentMatch?.contentId == "dealroom:acme:q3-renewal")
        #expect(merged.classify("https://cms.northwind.example/deck/12/Q3-Deck").contentMatch?.kind == "presentation")
        #expect(merged.exclusions.excludes(address: "noreply@northwind.example"))
    }
}
