import Foundation
import ShareLedger
import Testing

/// The ledger implementations the contract suites run against: SQLite always, PostgreSQL when its server programs
/// are installed (`scripts/setup.sh`; CI installs them). Each test gets its own SQLite file or its own database in
/// the process's private PostgreSQL server.
enum LedgerBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgresql

    /// The backends to test here; PostgreSQL is left out, with a note on stderr, where it is not installed.
    static let available: [LedgerBackend] = {
        if PostgresHarness.isAvailable { return allCases }
        FileHandle.standardError.write(Data("ShareLedgerTests: \(PostgresHarness.skipMessage)\n".utf8))
        return [.sqlite]
    }()

    var testDescription: String { rawValue }
}

/// One test's ledger of either kind: `open()` gives another instance on the same storage each time (as another
/// process would have), `openAccount()` the Gong account state beside it.
final class TestLedger: @unchecked Sendable {
    let backend: LedgerBackend
    private let sqlite: TemporaryLedger?
    private let url: String?

    init(_ backend: LedgerBackend) throws {
        self.backend = backend
        switch backend {
        case .sqlite:
            sqlite = TemporaryLedger()
            url = nil
        case .postgresql:
            sqlite = nil
            let harness = try PostgresHarness.shared()
            url = harness.url(database: try harness.createDatabase())
        }
    }

    /// A new instance of the ledger (of `team`, for PostgreSQL).
    func open(team: String = "team-a") throws -> any LedgerStore {
        switch backend {
        case .sqlite: return try sqlite!.open()
        case .postgresql: return try PostgresLedger(url: url!, password: PostgresHarness.password, team: team)
        }
    }

    /// A new instance of the Gong account state `key` (PostgreSQL: timed by the caller's clock, as tests pass it).
    func openAccount(key: String = "https://gong.example#0123456789abcdef") throws -> any GongAccountPace {
        switch backend {
        case .sqlite: return try sqlite!.openAccount(key: key)
        case .postgresql:
            let ledger = try PostgresLedger(url: url!, password: PostgresHarness.password, team: "team-a")
            return ledger.accountState(accountKey: key).timed(by: .caller)
        }
    }
}
