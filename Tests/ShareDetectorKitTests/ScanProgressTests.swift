import Foundation
import Testing

@testable import ShareDetectorKit

/// The terminal progress board: what it shows, and that it is drawn in place on a terminal and nowhere else.
@Suite("Scan progress")
struct ScanProgressTests {
    static func counts(_ name: String, fetched: Int, shares: Int = 0) -> ScanRunner.MailboxSummary {
        var counts = ScanRunner.MailboxSummary(mailbox: name)
        counts.fetched = fetched
        counts.parsed = fetched
        counts.shares = shares
        counts.newEvents = shares
        return counts
    }

    @Test func theBoardShowsRunningMailboxesTotalsAndTimeLeft() {
        let null = open("/dev/null", O_WRONLY)
        defer { close(null) }
        let board = ScanProgress(mailboxes: 12, sink: OutputSink(descriptor: null))
        board.show()
        for index in 0..<10 { board.started("rep\(index)") }
        board.update(Self.counts("rep0", fetched: 40, shares: 2))
        board.finished(Self.counts("rep1", fetched: 100, shares: 3))
        board.deliveredOne()
        let lines = board.lines(width: 200, now: Date().addingTimeInterval(10))
        #expect(lines.first == "  rep0: 40 fetched, 40 parsed, 2 shares")
        #expect(lines.contains("  … and 1 more"), "\(lines)")
        let total = lines.last ?? ""
        #expect(total.hasPrefix("1/12 mailboxes, 140 messages ("))
        #expect(total.contains("5 shares, 5 new events, 1 delivered"))
        #expect(total.contains("left"), "an estimate once a mailbox is done: \(total)")
        #expect(board.lines(width: 30).allSatisfy { $0.count <= 30 }, "lines are cut to the terminal's width")
        #expect(ScanProgress.cut("営業部-東京: 12 fetched", toColumns: 10) == "営業部-東…", "wide characters count twice")
        #expect(ScanProgress.cut("short", toColumns: 80) == "short")
        #expect(ScanProgress.duration(45) == "45s")
        #expect(ScanProgress.duration(185) == "3m05s")
        #expect(ScanProgress.duration(7_800) == "2h10m")
    }

    /// Runs the binary under a pseudo-terminal (`script`); returns what the terminal showed.
    static func underTerminal(_ arguments: [String], environment: [String: String]) throws -> String {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let typescript = folder.appendingPathComponent("typescript").path
        let command = ([CLI.binary.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qfec", command, typescript]
        process.currentDirectoryURL = CLI.packageRoot
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return String(decoding: try Data(contentsOf: URL(fileURLWithPath: typescript)), as: UTF8.self)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func aTerminalSeesTheBoardRedrawnInPlaceAndPipesSeeOnlyTheSummary() throws {
        let team = try SandboxTeam(sandboxArguments: ["--rate", "0"], messages: 300, callsPerSecond: 200)
        let erase = "\u{1B}[1A\u{1B}[2K"
        let shown = try Self.underTerminal(["scan", "--config", team.team.configPath], environment: team.environment)
        #expect(shown.contains(erase), "the board is redrawn in place")
        #expect(shown.contains("1/1 mailboxes, 300 messages ("), "\(shown.suffix(2_000))")
        #expect(shown.contains(" delivered"))
        // The board is gone before the summary: nothing after the last erase but the summary lines.
        let after = String(shown[(shown.range(of: erase, options: .backwards)?.upperBound ?? shown.startIndex)...])
        #expect(after.contains("alice: 300 fetched"), "\(after)")
        #expect(!after.contains("mailboxes, "), "\(after)")

        let quiet = try Self.underTerminal(
            ["scan", "--quiet", "--backfill", "--config", team.team.configPath], environment: team.environment)
        #expect(!quiet.contains("\u{1B}["), "nothing drawn under --quiet: \(quiet)")
        let json = try Self.underTerminal(
            ["scan", "--log-format", "json", "--backfill", "--config", team.team.configPath],
            environment: team.environment)
        #expect(!json.contains("\u{1B}["), "nothing drawn between JSON log lines")

        let piped = try team.run(["scan", "--backfill", "--config", team.team.configPath])
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(!piped.stderr.contains("\u{1B}["))
        #expect(!piped.stdout.contains("\u{1B}["))
        #expect(piped.stdout.contains("alice: 300 fetched"))
    }
}
