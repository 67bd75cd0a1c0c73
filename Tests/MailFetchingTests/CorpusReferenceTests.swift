import Foundation
import MailParsing
import Testing

@testable import MailFetching

/// The shared corpus of real mail beside the project (`../shared/corpus`), when present.
enum Corpus {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/corpus").standardizedFileURL
    static var isPresent: Bool { FileManager.default.fileExists(atPath: root.appendingPathComponent("README.md").path) }
    static let absentMessage: Comment =
        "../shared/corpus is absent: corpus tests skipped (the repo's fixtures still run)"
}

/// Every message of the corpus is read without a crash and agrees with CPython 3.11's parse on the compared fields.
@Suite("Corpus against CPython reference", .enabled(if: Corpus.isPresent, Corpus.absentMessage))
struct CorpusReferenceTests {
    struct Reference {
        var from: [String]
        var to: [String]
        var cc: [String]
        var subject: String?
        var date: Int64?
        var messageID: String?
    }

    /// Addr-specs in CPython's rendering of an address header (`Name <addr>, addr`), lowercased.
    static func addrSpecs(_ rendered: [String]) -> [String] {
        var result: [String] = []
        for header in rendered {
            var depthQuote = false
            var piece = ""
            func flush() {
                if let open = piece.lastIndex(of: "<"), let close = piece.lastIndex(of: ">"), open < close {
                    result.append(String(piece[piece.index(after: open)..<close]).lowercased())
                } else {
                    let bare = piece.trimmingCharacters(in: .whitespaces)
                    if bare.contains("@") { result.append(bare.lowercased()) }
                }
                piece = ""
            }
            for character in header {
                if character == "\"" { depthQuote.toggle() }
                if character == "," && !depthQuote { flush() } else { piece.append(character) }
            }
            flush()
        }
        return result.sorted()
    }

    static func referenceDate(_ text: String?) -> Int64? {
        guard let text else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.date(from: text).map { Int64($0.timeIntervalSince1970) }
    }

    static func loadReference() throws -> [String: Reference] {
        let url = Corpus.root.appendingPathComponent("REFERENCE-cpython311.jsonl")
        let text = try String(contentsOf: url, encoding: .utf8)
        var references: [String: Reference] = [:]
        for line in text.split(separator: "\n") {
            // CPython wrote undecodable header bytes as lone surrogates (\udcXX), which are not valid JSON text.
            let object =
                try (try? JSONSerialization.jsonObject(with: Data(line.utf8)))
                ?? (JSONSerialization.jsonObject(
                    with: Data(
                        line.replacingOccurrences(
                            of: #"\\ud[89a-f][0-9a-f]{2}"#, with: #"\\ufffd"#,
                            options: [.regularExpression, .caseInsensitive]
                        ).utf8)))
            guard let object = object as? [String: Any],
                let file = object["file"] as? String, let index = object["index"] as? Int
            else { continue }
            func strings(_ key: String) -> [String] { object[key] as? [String] ?? [] }
            references["\(file)#\(index)"] = Reference(
                from: (object["from_addrs"] as? [String] ?? Self.addrSpecs(strings("from"))).map { $0.lowercased() }
                    .sorted(),
                to: Self.addrSpecs(strings("to")), cc: Self.addrSpecs(strings("cc")),
                subject: strings("subject").first?.trimmingCharacters(in: .whitespacesAndNewlines),
                date: referenceDate(strings("date").first),
                messageID: strings("message-id").first?.trimmingCharacters(in: CharacterSet(charactersIn: " <>\t")))
        }
        return references
    }

    @Test func everyCorpusMessageParsesAndAgreesWithCPython() throws {
        let references = try Self.loadReference()
        let folders = ["robustness", "links", "enron-sent", "perf"].map { Corpus.root.appendingPathComponent($0).path }
        var agree: [String: Int] = [:]
        var compared = 0
        var read = 0
        var unreadable: [String] = []
        let parser = MailParser()
        for var source in try MailInputs.open(folders) {
            while let item = source.next() {
                guard case .message(let raw) = item else {
                    if case .unreadable(let position, let reason) = item {
                        unreadable.append("\(position.file): \(reason)")
                    }
                    continue
                }
                let message: MailMessage
                do { message = try parser.parse(raw.bytes) } catch {
                    unreadable.append("\(raw.position.file)#\(raw.position.index): \(error)")
                    continue
                }
                read += 1
                let relative = String(raw.position.file.dropFirst(Corpus.root.path.count + 1))
                guard let reference = references["\(relative)#\(raw.position.index)"] else { continue }
                compared += 1
                func mark(_ field: String, _ same: Bool) { agree[field, default: 0] += same ? 1 : 0 }
                mark("from", message.from.map { $0.address.lowercased() }.sorted() == reference.from)
                mark("to", message.to.map { $0.address.lowercased() }.sorted() == reference.to)
                mark("cc", message.cc.map { $0.address.lowercased() }.sorted() == reference.cc)
                mark("subject", (message.subject ?? "") == (reference.subject ?? ""))
                mark("date", message.date?.unixTime == reference.date)
                mark("message-id", message.messageID == reference.messageID)
            }
        }
        #expect(unreadable.isEmpty, "unreadable: \(unreadable.prefix(5))")
        #expect(compared == references.count, "every reference message was found and compared")
        #expect(read >= compared + 3_000, "the perf mbox was read too")
        var summary: [String] = []
        for field in ["from", "to", "cc", "subject", "date", "message-id"] {
            let share = Double(agree[field] ?? 0) / Double(max(compared, 1))
            summary.append("\(field) \(String(format: "%.2f", share * 100))%")
            #expect(share >= 0.98, "\(field): \(agree[field] ?? 0) of \(compared) agree with CPython")
        }
        print("Corpus vs CPython 3.11 over \(compared) messages (\(read) read): " + summary.joined(separator: ", "))
    }
}
