import Foundation
import Testing

@testable import MailFetching
@testable import MailParsing

/// Over every message of the shared corpus, the parser's fast paths (content read in place, attachment sizes counted,
/// GMime's header validation only where it can fault) give exactly what the reference paths give (GMime's decoder
/// streams, GMime decoding every header as it is added): the same fields, parts and defects, in the same order.
@Suite("Corpus: fast and reference parse paths", .enabled(if: Corpus.isPresent, Corpus.absentMessage))
struct CorpusParsePathTests {
    @Test func fastPathsGiveTheReferenceResultOnEveryMessage() throws {
        #expect(GMimeRuntime.validatesHeadersLazily, "GMime 3.2 validates headers lazily on request")
        let fast = MailParser()
        var reference = MailParser()
        reference.usesFastPaths = false
        let folders = ["robustness", "links", "enron-sent"].map { Corpus.root.appendingPathComponent($0).path }
        var compared = 0
        var differing: [String] = []
        var defects: [String: Int] = [:]
        for var source in try MailInputs.open(folders) {
            while let item = source.next() {
                guard case .message(let raw) = item else { continue }
                let place = "\(raw.position.file)#\(raw.position.index)"
                switch (Result { try fast.parse(raw.bytes) }, Result { try reference.parse(raw.bytes) }) {
                case (.success(let a), .success(let b)):
                    compared += 1
                    if a != b { differing.append(place) }
                    for defect in b.defects { defects[defect.code, default: 0] += 1 }
                case (.failure, .failure):
                    break
                default:
                    differing.append("\(place) (one path failed)")
                }
            }
        }
        let firstDiffering = differing.prefix(5)
        #expect(firstDiffering.isEmpty, "\(differing.count) messages differ")
        #expect(compared >= 1_800, "every corpus message was compared (\(compared))")
        // The comparison covers the defects the lazy validation is about, and the structural ones beside them.
        #expect(defects["invalid-rfc2047-header-value", default: 0] > 0, "\(defects)")
        #expect(defects["malformed-multipart", default: 0] + defects["truncated-message", default: 0] > 0)
        #expect(defects["duplicated-header", default: 0] + defects["conflicting-header", default: 0] > 0)
        print("fast and reference parse paths agree on \(compared) corpus messages; defects seen: \(defects)")
    }
}
