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
}
