// IMAP fetch benchmark. Starts a private Dovecot (DovecotHarness), writes N messages into Sent, then measures:
// our full fetch (imaps), mbsync pulling the same folder to a local Maildir, the same fetch through a 20 ms-RTT
// proxy, and an incremental run with nothing new (commands after login, wall time).
//
//   imap-bench [MESSAGES] [PROXY_SCRIPT]
import Foundation
import MailFetching

let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 20_000 : 20_000
let proxyScript = CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : "benchmarks/imap/delay_proxy.py"

func say(_ text: String) {
    print(text)
    fflush(nil)
}

func seconds(_ start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

/// Full read of Sent; returns (messages, bytes, seconds, statistics).
func fetch(_ harness: DovecotHarness, url: String, startAfter: UInt32? = nil, validity: UInt32? = nil) throws -> (
    Int, Int, Double, IMAPFetchStatistics, UInt32
) {
    let account = IMAPAccount(
        url: url, username: "rep1", credential: .password(harness.users[0].password),
        caFile: harness.certificatePath)
    let start = DispatchTime.now()
    let source = IMAPFolderSource(
        account: account, folder: "Sent", startAfterUID: startAfter, knownUIDValidity: validity)
    let status = try source.open()
    var messages = 0
    var bytes = 0
    while let item = try source.nextItem() {
        if case .message(let raw) = item {
            messages += 1
            bytes += raw.bytes.count
        }
    }
    source.close()
    return (messages, bytes, seconds(start), source.fetchStatistics, status.uidValidity)
}

do {
    say("== imap-bench: \(count) messages")
    let harness = try DovecotHarness()
    defer { harness.stop() }
    let generate = DispatchTime.now()
    let corpus = SentMailCorpus.messages(count: count, tricky: false)
    try harness.addMessages(user: "rep1", folder: "Sent", corpus)
    let total = corpus.reduce(0) { $0 + $1.bytes.count }
    say(
        String(format: "corpus: %d messages, %.1f MB, written in %.1f s", count, Double(total) / 1e6, seconds(generate))
    )
    // Index the folder once (Dovecot's first EXAMINE), as any real server has.
    _ = try harness.doveadm(["mailbox", "status", "-u", "rep1", "messages", "Sent"])

    var rows: [String] = []
    var ours: [Double] = []
    var validity: UInt32 = 0
    for run in 1...3 {
        let (messages, bytes, wall, _, uidValidity) = try fetch(harness, url: harness.imapsURL)
        validity = uidValidity
        ours.append(wall)
        say(
            String(
                format: "ours imaps run %d: %d msgs, %.1f MB in %.3f s = %.0f msg/s", run, messages,
                Double(bytes) / 1e6, wall, Double(messages) / wall))
    }
    let best = ours.min() ?? 0
    rows.append(
        String(
            format: "| ShareDetector, imaps, loopback | %.3f s (best of 3) | %.0f msg/s |", best, Double(count) / best))

    // mbsync: the same folder, pulled into a fresh local Maildir each run.
    var mbsyncTimes: [Double] = []
    for run in 1...3 {
        let local = "\(harness.root)/mbsync\(run)"
        try FileManager.default.createDirectory(atPath: local, withIntermediateDirectories: true)
        let config = """
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
        try config.write(toFile: "\(local)/mbsyncrc", atomically: true, encoding: .utf8)
        let start = DispatchTime.now()
        let result = try DovecotHarness.run("/usr/bin/mbsync", ["-q", "-c", "\(local)/mbsyncrc", "bench"])
        let wall = seconds(start)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: "\(local)/Sent/cur"))?.count ?? 0
        let fresh = (try? FileManager.default.contentsOfDirectory(atPath: "\(local)/Sent/new"))?.count ?? 0
        say(
            String(
                format: "mbsync run %d: exit %d, %d msgs in %.3f s = %.0f msg/s %@", run, result.status, files + fresh,
                wall, Double(files + fresh) / wall, result.status == 0 ? "" : result.output))
        mbsyncTimes.append(wall)
    }
    let mbsyncBest = mbsyncTimes.min() ?? 0
    rows.append(
        String(
            format: "| mbsync 1.4 (isync), imaps, to a local Maildir | %.3f s (best of 3) | %.0f msg/s |", mbsyncBest,
            Double(count) / mbsyncBest))

    // Through the 20 ms round-trip proxy.
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
    var proxied: [Double] = []
    for run in 1...2 {
        let (messages, _, wall, _, _) = try fetch(harness, url: "imaps://127.0.0.1:\(proxyPort)")
        proxied.append(wall)
        say(
            String(
                format: "ours via 20 ms RTT proxy run %d: %d msgs in %.3f s = %.0f msg/s", run, messages, wall,
                Double(messages) / wall))
    }
    let proxiedBest = proxied.min() ?? 0
    rows.append(
        String(
            format: "| ShareDetector, imaps, via 20 ms RTT proxy | %.3f s (best of 2) | %.0f msg/s |", proxiedBest,
            Double(count) / proxiedBest))

    // Incremental: nothing new since the last UID.
    for url in [harness.imapsURL, "imaps://127.0.0.1:\(proxyPort)"] {
        let (messages, _, wall, statistics, _) = try fetch(
            harness, url: url, startAfter: UInt32(count), validity: validity)
        let place = url.contains("\(proxyPort)") ? "via 20 ms RTT proxy" : "loopback"
        say(
            "incremental \(place): \(messages) msgs, \(statistics.commandsSent) commands after login, "
                + String(format: "%.3f s", wall))
        rows.append(
            String(
                format: "| incremental, nothing new, %@ | %.3f s (connect + TLS + login + %d commands) | %d messages |",
                place, wall, statistics.commandsSent, messages))
    }
    say("\n| run | wall | rate |\n|---|---|---|")
    for row in rows { say(row) }
} catch {
    say("imap-bench failed: \(error)")
    exit(1)
}
