import Foundation
import MailFetching
import ShareDetection
import Testing

@testable import ShareDetectorKit

/// The shared corpus beside the project, when present.
enum SharedCorpus {
    static let root = CLI.packageRoot.appendingPathComponent("../shared/corpus").standardizedFileURL
    static var isPresent: Bool { FileManager.default.fileExists(atPath: root.appendingPathComponent("links").path) }
    static let absentMessage: Comment =
        "../shared/corpus is absent: corpus scoring skipped (the rule fixtures still run)"
}

/// Detection scored on real mail: hand-labelled mailing-list shares, and Enron sent mail with no shares at all.
@Suite("Detection on the corpus", .enabled(if: SharedCorpus.isPresent, SharedCorpus.absentMessage))
struct CorpusDetectionTests {
    struct Label {
        var verdict: String
        var contentID: String
    }

    static func labels() throws -> [String: [Label]] {
        var labels: [String: [Label]] = [:]
        let links = SharedCorpus.root.appendingPathComponent("links")
        for list in try FileManager.default.contentsOfDirectory(atPath: links.path).sorted() {
            let tsv = links.appendingPathComponent(list).appendingPathComponent("labels.tsv")
            guard let text = try? String(contentsOf: tsv, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard columns.count >= 4 else { continue }
                labels["links/\(list)/\(columns[0])", default: []].append(
                    Label(verdict: columns[1], contentID: columns[3]))
            }
        }
        return labels
    }

    @Test func precisionAndRecallPerShareOnLabelledMail() throws {
        let labels = try Self.labels()
        let pipeline = DetectionPipeline(config: TeamConfig(), rules: RuleSet.builtIn())
        let sources = try MailInputs.open([SharedCorpus.root.appendingPathComponent("links").path])
        var truePositives = 0
        var falsePositives: [String] = []
        var found: Set<String> = []
        var messages = 0
        for var source in sources {
            while let item = source.next() {
                guard case .message(let raw) = item else { continue }
                let relative = String(raw.position.file.dropFirst(SharedCorpus.root.path.count + 1))
                let rows = labels[relative] ?? []
                let events = try pipeline.process(raw).events
                messages += 1
                for event in events {
                    let matches = { (label: Label) in
                        !label.contentID.isEmpty
                            && (event.contentId.contains(label.contentID) || event.contentUrl.contains(label.contentID))
                    }
                    if let label = rows.first(where: { $0.verdict == "share" && matches($0) }) {
                        truePositives += 1
                        found.insert("\(relative)|\(label.contentID)")
                    } else if rows.contains(where: { $0.verdict == "unsure" }) {
                        continue  // unsure messages are left out of the score
                    } else {
                        falsePositives.append("\(relative): \(event.contentId)")
                    }
                }
            }
        }
        let shareLabels = labels.flatMap { file, rows in
            rows.filter { $0.verdict == "share" }.map { "\(file)|\($0.contentID)" }
        }
        let missed = Set(shareLabels).subtracting(found).sorted()
        let precision = Double(truePositives) / Double(max(truePositives + falsePositives.count, 1))
        let recall = Double(Set(shareLabels).count - missed.count) / Double(max(Set(shareLabels).count, 1))
        print(
            "Corpus links: \(messages) messages, \(Set(shareLabels).count) labelled shares, "
                + "\(truePositives) true and \(falsePositives.count) false events: "
                + "precision \(String(format: "%.3f", precision)), recall \(String(format: "%.3f", recall))")
        #expect(messages > 500)
        #expect(Set(shareLabels).count > 30)
        // The targets of docs/detection.md.
        #expect(precision >= 0.98, "false positives: \(falsePositives.prefix(10))")
        #expect(recall >= 0.97, "missed: \(missed.prefix(10))")
    }

    @Test func enronSentMailYieldsNoEvents() throws {
        let pipeline = DetectionPipeline(config: TeamConfig(), rules: RuleSet.builtIn())
        var events: [String] = []
        var messages = 0
        for var source in try MailInputs.open([SharedCorpus.root.appendingPathComponent("enron-sent").path]) {
            while let item = source.next() {
                guard case .message(let raw) = item else { continue }
                messages += 1
                events += try pipeline.process(raw).events.map { "\(raw.position.index): \($0.contentUrl)" }
            }
        }
        #expect(messages == 2_034)
        #expect(events.isEmpty, "\(events.prefix(10))")
    }
}
