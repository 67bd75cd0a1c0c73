// Mail-reading benchmark: our extraction (MboxReader + MailParser) against GMime's bare mbox parser.
//
//   share-detector-bench parse FILE        MboxReader over FILE + MailParser.parse of every message
//   share-detector-bench gmime-bare FILE   GMime's own mbox stream parser, constructing and dropping each message
//   share-detector-bench detect FILE       `parse`, then share detection (built-in rules, default policy) and the Gong
//                                          event mapping of every message (ShareDetectorKit's DetectionPipeline)
//
// Each prints one `key=value` line; scripts/bench-parse.sh runs them and builds the table.
//
//   share-detector-bench ledger-claims|ledger-leases|ledger-contract|ledger-size --url URL …
//                                          the shared-ledger benchmark (LedgerBench.swift, scripts/bench-ledger.sh)
import CGMime
import Foundation
import MailFetching
import MailParsing
import ShareDetection
import ShareDetectorKit

/// One measured run.
struct Measurement {
    var mode: String
    var messages = 0
    var failures = 0
    var bytes: UInt64 = 0
    var seconds = 0.0
    var cpuSeconds = 0.0
    var checksum: UInt64 = 0

    func report() -> String {
        let msgPerSecond = seconds > 0 ? Double(messages) / seconds : 0
        let megabytesPerSecond = seconds > 0 ? Double(bytes) / 1_000_000 / seconds : 0
        return [
            "mode=\(mode)",
            "messages=\(messages)",
            "failures=\(failures)",
            "bytes=\(bytes)",
            "seconds=\(format(seconds, 3))",
            "cpu_seconds=\(format(cpuSeconds, 3))",
            "msg_per_s=\(format(msgPerSecond, 0))",
            "mb_per_s=\(format(megabytesPerSecond, 1))",
            "peak_rss_kb=\(peakRSSKilobytes())",
            "checksum=\(checksum)",
        ].joined(separator: " ")
    }
}

func format(_ value: Double, _ decimals: Int) -> String {
    String(format: "%.\(decimals)f", value)
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

func usage() -> rusage {
    var result = rusage()
    getrusage(RUSAGE_SELF.rawValue, &result)
    return result
}

func cpuSeconds(_ usage: rusage) -> Double {
    Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
        + Double(usage.ru_stime.tv_usec) / 1e6
}

/// Peak resident set size of this process, in KiB (Linux reports `ru_maxrss` in KiB).
func peakRSSKilobytes() -> Int {
    Int(usage().ru_maxrss)
}

func fileSize(_ path: String) -> UInt64 {
    var info = stat()
    guard stat(path, &info) == 0 else { fail("\(path): \(String(cString: strerror(errno)))") }
    return UInt64(info.st_size)
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("share-detector-bench: \(message)\n".utf8))
    exit(2)
}

/// Times `body`, which returns (messages, failures, checksum).
func measure(_ mode: String, path: String, _ body: () -> (Int, Int, UInt64)) -> Measurement {
    var measurement = Measurement(mode: mode)
    measurement.bytes = fileSize(path)
    let cpuBefore = cpuSeconds(usage())
    let start = monotonicSeconds()
    (measurement.messages, measurement.failures, measurement.checksum) = body()
    measurement.seconds = monotonicSeconds() - start
    measurement.cpuSeconds = cpuSeconds(usage()) - cpuBefore
    return measurement
}

/// Reads every extracted field, so nothing can be optimised away.
func touch(_ message: MailMessage) -> UInt64 {
    var checksum: UInt64 = 0
    checksum &+= UInt64(message.subject?.utf8.count ?? 0)
    checksum &+= UInt64(message.messageID?.utf8.count ?? 0)
    checksum &+= UInt64(truncatingIfNeeded: message.date?.unixTime ?? 0)
    for list in [message.from, message.to, message.cc, message.bcc, message.replyTo, message.sender] {
        for address in list {
            checksum &+= UInt64(address.address.utf8.count + (address.name?.utf8.count ?? 0))
        }
    }
    for part in message.bodyParts {
        checksum &+= UInt64(part.utf8.count)
    }
    checksum &+= UInt64(message.attachments.count)
    for attachment in message.attachments {
        checksum &+= UInt64(attachment.fileName?.utf8.count ?? 0)
    }
    return checksum
}

/// Our extraction: every field the tool uses is read, so nothing can be optimised away.
func runParse(_ path: String) -> Measurement {
    measure("parse", path: path) {
        let reader: MboxReader
        do { reader = try MboxReader(path: path) } catch { fail("\(error)") }
        let parser = MailParser()
        var messages = 0
        var failures = 0
        var checksum: UInt64 = 0
        for entry in reader {
            messages += 1
            if entry.oversizedSize != nil {
                failures += 1
                continue
            }
            do {
                checksum &+= touch(try parser.parse(entry.bytes))
            } catch {
                failures += 1
            }
        }
        return (messages, failures, checksum)
    }
}

/// `parse` plus detection: the same reading and field touching, then the built-in rules with the default policy and
/// the Gong event mapping, through the pipeline every command uses. The rules load before the clock starts.
func runDetect(_ path: String) -> Measurement {
    let pipeline = DetectionPipeline(config: TeamConfig(), rules: RuleSet.builtIn())
    return measure("detect", path: path) {
        let reader: MboxReader
        do { reader = try MboxReader(path: path) } catch { fail("\(error)") }
        var messages = 0
        var failures = 0
        var checksum: UInt64 = 0
        var shares = 0
        var events = 0
        for entry in reader {
            messages += 1
            if entry.oversizedSize != nil {
                failures += 1
                continue
            }
            let raw = RawMessage(
                bytes: entry.bytes, position: MessagePosition(file: path, index: entry.index, byteOffset: entry.offset),
                envelopeDate: entry.envelopeDate, resumeOffset: entry.endOffset)
            do {
                let outcome = try pipeline.process(raw)
                checksum &+= touch(outcome.message)
                checksum &+= UInt64(outcome.detection.decisions.count)
                shares += outcome.detection.shares.count
                for share in outcome.detection.shares {
                    checksum &+= UInt64(share.content.contentId.utf8.count + share.title.utf8.count)
                }
                events += outcome.events.count
                for event in outcome.events {
                    checksum &+= UInt64(event.eventId?.utf8.count ?? 0)
                }
            } catch {
                failures += 1
            }
        }
        FileHandle.standardError.write(Data("detect: \(shares) shares, \(events) events\n".utf8))
        return (messages, failures, checksum)
    }
}

/// The baseline: GMime's own mbox stream parser, constructing each message and dropping it untouched.
func runGMimeBare(_ path: String) -> Measurement {
    g_mime_init()
    return measure("gmime-bare", path: path) {
        guard let stream = g_mime_stream_fs_open(path, O_RDONLY, 0, nil) else { fail("\(path): cannot open") }
        defer { g_object_unref(stream) }
        guard let parser = g_mime_parser_new_with_stream(stream) else { fail("GMime could not create a parser") }
        defer { g_object_unref(parser) }
        g_mime_parser_set_format(parser, GMIME_FORMAT_MBOX)
        var messages = 0
        var failures = 0
        while g_mime_parser_eos(parser) == 0 {
            guard let message = g_mime_parser_construct_message(parser, nil) else {
                failures += 1
                break
            }
            messages += 1
            g_object_unref(message)
        }
        return (messages, failures, 0)
    }
}

/// FNV-1a over bytes, for the `digest` mode.
func fnv(_ bytes: some Sequence<UInt8>, _ seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
    var hash = seed
    for byte in bytes {
        hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
    }
    return hash
}

/// One line per message with everything the reader and the parser produced, for checking that a performance change
/// keeps the output identical (`diff` two runs).
func runDigest(_ path: String, maxMessageBytes: Int) {
    let reader: MboxReader
    do { reader = try MboxReader(path: path, maxMessageBytes: maxMessageBytes) } catch { fail("\(error)") }
    let parser = MailParser()
    for entry in reader {
        var line =
            "\(entry.index) \(entry.offset) \(entry.endOffset) \(String(describing: entry.envelopeDate)) "
            + "\(String(describing: entry.oversizedSize)) \(entry.bytes.count) \(fnv(entry.bytes))"
        line += " " + digest(parser, entry.bytes)
        print(line)
    }
}

/// The digest of one parsed message: every extracted field, hashed.
func digest(_ parser: MailParser, _ bytes: [UInt8]) -> String {
    do {
        let message = try parser.parse(bytes)
        var text = "\(message.messageID as Any)|\(message.date as Any)|\(message.subject as Any)|"
        text += "\(message.from)|\(message.sender)|\(message.replyTo)|\(message.to)|\(message.cc)|\(message.bcc)|"
        text += "\(message.inReplyTo)|\(message.references)|\(message.attachments)|\(message.defects)|"
        text += "\(message.rawSize)"
        var hash = fnv(text.utf8)
        for part in message.bodyParts {
            hash = fnv(
                Array("\(part.kind) \(part.path) \(part.charset as Any) \(part.isInAttachedMessage)".utf8), hash)
            hash = fnv(part.utf8, hash)
        }
        return "parsed \(hash)"
    } catch {
        return "error \(error)"
    }
}

/// `digest` for many files named on standard input, one path a line: `.mbox` files message by message, any other
/// file as one message.
func runDigestList(maxMessageBytes: Int) {
    let parser = MailParser(maxMessageBytes: maxMessageBytes)
    while let path = readLine() {
        if path.hasSuffix(".mbox") {
            let reader: MboxReader
            do { reader = try MboxReader(path: path, maxMessageBytes: maxMessageBytes) } catch { fail("\(error)") }
            for entry in reader {
                print("\(path) \(entry.index) \(entry.oversizedSize as Any) \(digest(parser, entry.bytes))")
            }
        } else {
            guard let data = FileManager.default.contents(atPath: path) else { fail("\(path): cannot read") }
            print("\(path) \(digest(parser, Array(data)))")
        }
    }
}

let arguments = CommandLine.arguments
if arguments.count == 3, arguments[1] == "digest-list", let cap = Int(arguments[2]) {
    runDigestList(maxMessageBytes: cap)
    exit(0)
}
if arguments.count == 4, arguments[1] == "digest", let cap = Int(arguments[3]) {
    runDigest(arguments[2], maxMessageBytes: cap)
    exit(0)
}
if let mode = arguments.dropFirst().first, mode.hasPrefix("ledger-") {
    LedgerBench.run(Array(arguments.dropFirst()))
    exit(0)
}
guard arguments.count == 3 else {
    fail(
        "usage: share-detector-bench parse|detect|gmime-bare|digest MBOX [MAX-MESSAGE-BYTES] | digest-list CAP "
            + "| ledger-claims|ledger-leases|ledger-contract|ledger-size --url URL …")
}
switch arguments[1] {
case "parse":
    print(runParse(arguments[2]).report())
case "detect":
    print(runDetect(arguments[2]).report())
case "digest":
    runDigest(arguments[2], maxMessageBytes: 64 << 20)
case "gmime-bare":
    print(runGMimeBare(arguments[2]).report())
default:
    fail("unknown mode \(arguments[1]); use parse, detect, gmime-bare, digest or digest-list")
}
