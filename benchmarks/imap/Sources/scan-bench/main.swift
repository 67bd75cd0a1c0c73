// Scan benchmark: the release `share-detector` binary against a private Dovecot, end to end.
//
//   scan-bench mailboxes BINARY PROXY_SCRIPT [MAILBOXES] [MESSAGES]   (default 200 × 25, through a 20 ms RTT proxy)
//       `scan --dry-run --backfill --json` with --concurrency 1 and 8 (medians of 3), the same events; then a real
//       scan at concurrency 8 into the sandbox: when the first event reached Gong against when the last mailbox ended.
//   scan-bench folder BINARY [MESSAGES] [BASELINE_BINARY]              (default 20,000)
//       the real scan of one folder against mbsync's pull of it, FSync no and yes, medians of 3 (ROUNDS=n for n).
//   scan-bench attachments BINARY [MESSAGES]                           (default 1,000, half with a 2 MB PDF)
//       `fetch: parts` against `fetch: whole`: the bytes Dovecot sent (its `Logged out … out=` lines), the same events.
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

func say(_ text: String) {
    print(text)
    fflush(nil)
}

func seconds(_ start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

/// Runs the binary; returns status, stdout, stderr.
func execute(_ binary: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (
    Int32, String, String
) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("scan-bench-\(UUID()).out")
    let err = FileManager.default.temporaryDirectory.appendingPathComponent("scan-bench-\(UUID()).err")
    FileManager.default.createFile(atPath: out.path, contents: nil)
    FileManager.default.createFile(atPath: err.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    try process.run()
    process.waitUntilExit()
    defer {
        try? FileManager.default.removeItem(at: out)
        try? FileManager.default.removeItem(at: err)
    }
    return (
        process.terminationStatus, (try? String(contentsOf: out, encoding: .utf8)) ?? "",
        (try? String(contentsOf: err, encoding: .utf8)) ?? ""
    )
}

/// A sent message sharing one Google document.
func share(_ index: Int, date: Date, attachment: Int = 0) -> DovecotHarness.Message {
    let doc = "https://docs.google.com/document/d/1ScanBench\(String(format: "%06d", index))AbCdEfGhIj/edit"
    var text = """
        Message-ID: <scan-bench-\(index)@northwind.example>\r
        Date: \(SentMailCorpus.rfc2822(date))\r
        From: Alice Martin <alice@northwind.example>\r
        To: Buyer <buyer\(index % 97)@contoso.example>\r
        Subject: Proposal \(index)\r
        MIME-Version: 1.0\r

        """
    if attachment == 0 {
        text += "Content-Type: text/plain; charset=utf-8\r\n\r\nThe proposal: \(doc)\r\n\r\nAlice\r\n"
    } else {
        let pdf = Data((0..<(attachment * 3 / 4)).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ index) })
            .base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        text += """
            Content-Type: multipart/mixed; boundary="b\(index)"\r
            \r
            --b\(index)\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            The proposal: \(doc)\r
            --b\(index)\r
            Content-Type: application/pdf; name="terms-\(index).pdf"\r
            Content-Disposition: attachment; filename="terms-\(index).pdf"\r
            Content-Transfer-Encoding: base64\r
            \r
            \(pdf)\r
            --b\(index)--\r

            """
    }
    return DovecotHarness.Message(bytes: Array(text.utf8), date: date, seen: true)
}

/// Sorted event ids of `scan --dry-run --json` output.
func eventIDs(_ stdout: String) -> [String] {
    stdout.split(separator: "\n").compactMap { line in
        (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["eventId"] as? String
    }.sorted()
}

/// Bytes Dovecot sent to clients since `offset` in its log, and the log's new length.
func dovecotBytesSent(_ harness: DovecotHarness, after offset: Int) -> (Int, Int) {
    let log = (try? Data(contentsOf: URL(fileURLWithPath: "\(harness.root)/dovecot/dovecot.log"))) ?? Data()
    let text = String(decoding: log.dropFirst(offset), as: UTF8.self)
    let sent = text.split(separator: "\n").filter { $0.contains("Logged out") }.reduce(0) { total, line in
        guard let range = line.range(of: "out=") else { return total }
        return total + (Int(line[range.upperBound...].prefix { $0.isNumber }) ?? 0)
    }
    return (sent, log.count)
}

let mode = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : ""
let binary = CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : ".build/release/share-detector"
let work = FileManager.default.temporaryDirectory.appendingPathComponent("scan-bench-\(getpid())")
try? FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: work) }

do {
    switch mode {
    case "mailboxes":
        let proxyScript = CommandLine.arguments.count > 3 ? CommandLine.arguments[3] : "benchmarks/imap/delay_proxy.py"
        let mailboxes = CommandLine.arguments.count > 4 ? Int(CommandLine.arguments[4]) ?? 200 : 200
        let perMailbox = CommandLine.arguments.count > 5 ? Int(CommandLine.arguments[5]) ?? 25 : 25
        say("== scan-bench mailboxes: \(mailboxes) mailboxes × \(perMailbox) messages, 20 ms RTT proxy")
        let harness = try DovecotHarness()
        defer { harness.stop() }
        let now = Date()
        for box in 0..<mailboxes {
            let user = harness.users[box % 2].name
            try harness.addMessages(
                user: user, folder: "S\(box)",
                (0..<perMailbox).map { share(box * 1000 + $0, date: now.addingTimeInterval(Double(-60 * $0))) },
                startIndex: box * 1000)
        }
        for user in harness.users { _ = try harness.doveadm(["index", "-u", user.name, "*"]) }
        let proxyPort = try DovecotHarness.freePorts(1)[0]
        let proxy = Process()
        proxy.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        proxy.arguments = ["python3", proxyScript, "\(proxyPort)", "\(harness.imapsPort)", "0.010"]
        try proxy.run()
        defer {
            proxy.terminate()
            proxy.waitUntilExit()
        }
        while !DovecotHarness.canConnect(proxyPort) { usleep(20_000) }
        // The sandbox, for the real scan.
        let sandbox = Process()
        sandbox.executableURL = URL(fileURLWithPath: binary)
        sandbox.arguments = [
            "sandbox", "--port", "0", "--data", work.appendingPathComponent("sandbox").path, "--rate", "0",
        ]
        sandbox.environment = ["SANDBOX_ACCESS_KEY": "bench-key", "SANDBOX_ACCESS_KEY_SECRET": "bench-secret"]
        let sandboxOut = Pipe()
        sandbox.standardOutput = sandboxOut
        sandbox.standardError = FileHandle.nullDevice
        try sandbox.run()
        defer {
            sandbox.terminate()
            sandbox.waitUntilExit()
        }
        var line = Data()
        while true {
            let byte = sandboxOut.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data([0x0A]) { break }
            line.append(byte)
        }
        let banner = String(decoding: line, as: UTF8.self)
        let sandboxURL = String(banner[banner.range(of: "http://")!.lowerBound...])
        var config = """
            team: scan-bench
            internalDomains: [northwind.example]
            state: state/ledger.sqlite
            imap:
              maxConnectionsPerHost: 8
            gong:
              baseURL: \(sandboxURL)
              accessKey: env:BENCH_GONG_KEY
              accessKeySecret: env:BENCH_GONG_SECRET
              callsPerSecond: 1000
              callsPerDay: 1000000
            mailboxes:

            """
        for box in 0..<mailboxes {
            config += """
                  - name: rep\(box)
                    imap:
                      url: imaps://127.0.0.1:\(proxyPort)
                      username: \(harness.users[box % 2].name)
                      password: env:BENCH_IMAP_\(box % 2)
                      caFile: \(harness.certificatePath)
                      folders: [S\(box)]

                """
        }
        let configPath = work.appendingPathComponent("team.yml").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let environment = [
            "BENCH_IMAP_0": harness.users[0].password, "BENCH_IMAP_1": harness.users[1].password,
            "BENCH_GONG_KEY": "bench-key", "BENCH_GONG_SECRET": "bench-secret",
        ]
        var times: [Int: [Double]] = [:]
        var events: [Int: [String]] = [:]
        for run in 1...3 {
            for concurrency in [1, 8] {
                let start = DispatchTime.now()
                let (status, stdout, stderr) = try execute(
                    binary,
                    [
                        "scan", "--dry-run", "--backfill", "--json", "--concurrency", "\(concurrency)", "--config",
                        configPath,
                    ],
                    environment: environment)
                let wall = seconds(start)
                guard status == 0 else {
                    throw BenchFailure(description: "scan exited \(status): \(stderr.suffix(500))")
                }
                times[concurrency, default: []].append(wall)
                events[concurrency] = eventIDs(stdout)
                say(
                    String(
                        format: "run %d, concurrency %d: %d events in %.2f s", run, concurrency,
                        events[concurrency]!.count, wall))
            }
        }
        let one = median(times[1]!)
        let eight = median(times[8]!)
        say(
            String(
                format: "concurrency 1: median %.2f s; concurrency 8: median %.2f s; speed-up %.1fx", one, eight,
                one / eight))
        say("same events: \(events[1]! == events[8]! ? "yes" : "NO") (\(events[8]!.count))")

        // The real scan: first event at Gong against the last mailbox's end.
        let start = Date()
        let (status, stdout, stderr) = try execute(
            binary,
            ["scan", "--concurrency", "8", "--log-format", "json", "--log-level", "debug", "--config", configPath],
            environment: environment)
        let end = Date()
        guard status == 0 else { throw BenchFailure(description: "scan exited \(status): \(stderr.suffix(500))") }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let finished = stderr.split(separator: "\n").compactMap { line -> Date? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                (object["message"] as? String)?.contains("scan finished") == true, let time = object["time"] as? String
            else { return nil }
            return formatter.date(from: time)
        }
        // What the sandbox stored, one JSON object a line with its receivedAt.
        let storedText = try String(
            contentsOf: work.appendingPathComponent("sandbox/events.jsonl"), encoding: .utf8)
        let stored = storedText.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let received = stored.compactMap { ($0["receivedAt"] as? String).flatMap { formatter.date(from: $0) } }
        let firstEvent = received.min() ?? end
        let lastMailbox = finished.max() ?? end
        say(stdout.split(separator: "\n").last.map(String.init) ?? "")
        say(
            String(
                format: "real scan, concurrency 8: %.2f s; %d events at the sandbox; first event received %.2f s after "
                    + "the start, last mailbox finished %.2f s after the start (%d mailboxes logged)",
                end.timeIntervalSince(start), received.count, firstEvent.timeIntervalSince(start),
                lastMailbox.timeIntervalSince(start), finished.count))
    case "attachments":
        let count = CommandLine.arguments.count > 3 ? Int(CommandLine.arguments[3]) ?? 1_000 : 1_000
        say("== scan-bench attachments: \(count) messages, every other one with a 2 MB PDF")
        let harness = try DovecotHarness()
        defer { harness.stop() }
        let now = Date()
        let messages = (0..<count).map {
            share($0, date: now.addingTimeInterval(Double(-60 * $0)), attachment: $0 % 2 == 0 ? 2 << 20 : 0)
        }
        try harness.addMessages(user: "rep1", folder: "Sent", messages)
        _ = try harness.doveadm(["index", "-u", "rep1", "Sent"])
        let folderBytes = messages.reduce(0) { $0 + $1.bytes.count }
        var results: [String: (bytes: Int, events: [String], wall: Double)] = [:]
        var offset = dovecotBytesSent(harness, after: 0).1
        for fetch in ["whole", "parts"] {
            let config = """
                team: attachments
                internalDomains: [northwind.example]
                state: state/ledger.sqlite
                mailboxes:
                  - name: alice
                    imap:
                      url: \(harness.imapsURL)
                      username: rep1
                      password: env:BENCH_IMAP
                      caFile: \(harness.certificatePath)
                      folders: [Sent]
                      fetch: \(fetch)
                """
            let path = work.appendingPathComponent("team-\(fetch).yml").path
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            let start = DispatchTime.now()
            let (status, stdout, stderr) = try execute(
                binary, ["scan", "--dry-run", "--backfill", "--json", "--config", path],
                environment: ["BENCH_IMAP": harness.users[0].password])
            let wall = seconds(start)
            guard status == 0 else { throw BenchFailure(description: "scan exited \(status): \(stderr.suffix(500))") }
            usleep(300_000)  // the logout line is written as the session ends
            let (sent, length) = dovecotBytesSent(harness, after: offset)
            offset = length
            results[fetch] = (sent, eventIDs(stdout), wall)
            say(
                String(
                    format: "fetch: %@: Dovecot sent %.1f MB (%.1f%% of the %.1f MB folder), %d events, %.2f s", fetch,
                    Double(sent) / 1e6, 100 * Double(sent) / Double(folderBytes), Double(folderBytes) / 1e6,
                    eventIDs(stdout).count, wall))
        }
        say("same events: \(results["parts"]!.events == results["whole"]!.events ? "yes" : "NO")")
    case "folder":
        // One folder of N messages: the real scan (fetch + parse + detect + checkpoint), timed to its mailbox's
        // `scan finished` line, against mbsync pulling the same folder with FSync no and FSync yes; medians of 3.
        let count = CommandLine.arguments.count > 3 ? Int(CommandLine.arguments[3]) ?? 20_000 : 20_000
        say("== scan-bench folder: \(count) messages in one folder, loopback imaps")
        let harness = try DovecotHarness()
        defer { harness.stop() }
        let corpus = SentMailCorpus.messages(count: count, tricky: false)
        try harness.addMessages(user: "rep1", folder: "Sent", corpus)
        _ = try harness.doveadm(["index", "-u", "rep1", "Sent"])
        let folderBytes = corpus.reduce(0) { $0 + $1.bytes.count }
        say(String(format: "folder: %d messages, %.1f MB", count, Double(folderBytes) / 1e6))
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let baseline = CommandLine.arguments.count > 4 ? CommandLine.arguments[4] : nil
        var scans: [Double] = []
        var baselineScans: [Double] = []
        var mbsync: [String: [Double]] = [:]
        // ROUNDS=n runs every program n times (default 3); the medians are over the rounds.
        let rounds = max(1, Int(ProcessInfo.processInfo.environment["ROUNDS"] ?? "") ?? 3)
        for run in 1...rounds {
            for (label, program) in [("share-detector", binary)] + (baseline.map { [("baseline", $0)] } ?? []) {
                // The real scan, into a fresh ledger; Gong is a closed port paced at 1 call/s, so sending stays idle.
                let folder = work.appendingPathComponent("run\(run)-\(label)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let config = """
                    team: folder-bench
                    internalDomains: [northwind.example]
                    state: state/ledger.sqlite
                    gong:
                      baseURL: http://127.0.0.1:9
                      accessKey: env:BENCH_GONG_KEY
                      accessKeySecret: env:BENCH_GONG_SECRET
                      callsPerSecond: 1
                    mailboxes:
                      - name: rep1
                        imap:
                          url: \(harness.imapsURL)
                          username: rep1
                          password: env:BENCH_IMAP
                          caFile: \(harness.certificatePath)
                          folders: [Sent]
                          lastDays: 36500
                    """
                let path = folder.appendingPathComponent("team.yml").path
                try config.write(toFile: path, atomically: true, encoding: .utf8)
                let start = Date()
                let (_, _, stderr) = try execute(
                    program, ["scan", "--log-format", "json", "--log-level", "debug", "--config", path],
                    environment: [
                        "BENCH_IMAP": harness.users[0].password, "BENCH_GONG_KEY": "k", "BENCH_GONG_SECRET": "s",
                        "SHARE_DETECTOR_STATE_DIR": folder.appendingPathComponent("accounts").path,
                    ])
                let finished = stderr.split(separator: "\n").compactMap { line -> (Date, String)? in
                    guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                        let message = object["message"] as? String, message.contains("scan finished"),
                        let time = (object["time"] as? String).flatMap({ formatter.date(from: $0) })
                    else { return nil }
                    return (time, message)
                }
                guard let (end, message) = finished.first else {
                    throw BenchFailure(description: "no scan finished line: \(stderr.suffix(800))")
                }
                let wall = end.timeIntervalSince(start)
                if label == "baseline" { baselineScans.append(wall) } else { scans.append(wall) }
                say(
                    String(
                        format: "run %d: %@ scan %.2f s = %.0f msg/s (%@)", run, label, wall, Double(count) / wall,
                        message))
            }
            for fsync in ["no", "yes"] {
                let local = "\(harness.root)/mbsync-\(run)-\(fsync)"
                try FileManager.default.createDirectory(atPath: local, withIntermediateDirectories: true)
                let rc = """
                    FSync \(fsync)

                    IMAPAccount bench
                    Host localhost
                    Port \(harness.imapsPort)
                    User rep1
                    Pass \(harness.users[0].password)
                    SSLType IMAPS
                    CertificateFile \(harness.certificatePath)
                    AuthMechs PLAIN

                    IMAPStore remote
                    Account bench

                    MaildirStore local
                    Path \(local)/
                    Inbox \(local)/INBOX

                    Channel bench
                    Far :remote:Sent
                    Near :local:Sent
                    Create Near
                    Sync Pull
                    SyncState *

                    """
                try rc.write(toFile: "\(local)/mbsyncrc", atomically: true, encoding: .utf8)
                let begin = DispatchTime.now()
                let result = try DovecotHarness.run("/usr/bin/mbsync", ["-q", "-c", "\(local)/mbsyncrc", "bench"])
                let seconds = seconds(begin)
                mbsync[fsync, default: []].append(seconds)
                say(
                    String(
                        format: "run %d: mbsync FSync %@: exit %d, %.2f s = %.0f msg/s", run, fsync, result.status,
                        seconds, Double(count) / seconds))
            }
        }
        let ours = median(scans)
        if !baselineScans.isEmpty {
            let base = median(baselineScans)
            say(String(format: "median: scan %.2f s, baseline %.2f s: %.2fx", ours, base, base / ours))
        }
        for fsync in ["no", "yes"] {
            let theirs = median(mbsync[fsync] ?? [0])
            say(
                String(
                    format: "median: scan %.2f s, mbsync FSync %@ %.2f s: the scan is %.2fx %@", ours, fsync, theirs,
                    max(ours, theirs) / min(ours, theirs), ours < theirs ? "faster" : "slower"))
        }
    default:
        say("usage: scan-bench mailboxes BINARY PROXY_SCRIPT [MAILBOXES] [MESSAGES] | attachments BINARY [MESSAGES]")
        exit(2)
    }
} catch {
    say("scan-bench failed: \(error)")
    exit(1)
}

struct BenchFailure: Error, CustomStringConvertible { var description: String }
