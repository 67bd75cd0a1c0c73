import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A PostgreSQL database shared by every team, scanner and sender that names it: a small pool of libpq connections,
/// transactions that survive a server restart, and the versioned schema.
///
/// Every write runs in one transaction; a transaction that fails because the connection was lost, the server was
/// shutting down or starting, or a serialization conflict, runs again on a new connection (for up to
/// ``reconnectWindow`` seconds), so a restart of PostgreSQL mid-run costs a pause, not the run. The operations built
/// on it are written to be safe to run twice (a commit whose answer was lost may have landed).
package final class PostgresDatabase: Sendable {
    /// The URL as the operator wrote it, without any password: what messages name.
    package let displayURL: String
    private let url: String
    private let password: String?
    private let idle = Mutex<[PostgresConnection]>([])
    /// When a transaction last gave up on an unreachable server (cleared by the next success): later ones then try
    /// for a second only, so a run with many operations fails fast instead of waiting the window each time.
    private let gaveUpAt = Mutex<Date?>(nil)
    /// How long a transaction keeps retrying while the server is unreachable.
    package let reconnectWindow: TimeInterval

    /// How many idle connections are kept.
    static let maxIdle = 8

    /// Opens the pool (connecting once, so a wrong URL or password fails here) and brings the schema up to date.
    ///
    /// - Throws: `LedgerError` (`unreadable` when the server cannot be reached or refuses the login,
    ///   `migrationFailed` for a schema newer than this binary's).
    package init(url: String, password: String?, reconnectWindow: TimeInterval = 60, migrate: Bool = true) throws {
        self.url = url
        self.password = password
        self.displayURL = Self.redacted(url)
        self.reconnectWindow = reconnectWindow
        let connection: PostgresConnection
        do { connection = try PostgresConnection(url: url, password: password) } catch {
            throw LedgerError(
                code: .unreadable, path: displayURL, message: "cannot connect to PostgreSQL: \(error.message)")
        }
        checkIn(connection)
        if migrate { try PostgresSchema.migrate(self) } else { try PostgresSchema.checkVersion(self) }
    }

    /// `postgresql://user@host/db` with any `:password@` and `password=` parameter masked.
    package static func redacted(_ url: String) -> String {
        var text = url
        if let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@") {
            let userInfo = text[scheme.upperBound..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                text.replaceSubrange(colon..<at, with: ":***")
            }
        }
        if let range = text.range(of: "password=", options: .caseInsensitive) {
            let end = text[range.upperBound...].firstIndex(where: { $0 == "&" || $0 == " " }) ?? text.endIndex
            text.replaceSubrange(range.upperBound..<end, with: "***")
        }
        return text
    }

    // MARK: - Connections

    private func checkOut() throws(PostgresError) -> PostgresConnection {
        if let connection = idle.withLock({ $0.popLast() }) { return connection }
        return try PostgresConnection(url: url, password: password)
    }

    private func checkIn(_ connection: PostgresConnection) {
        guard connection.isHealthy else { return }
        idle.withLock { connections in
            if connections.count < Self.maxIdle { connections.append(connection) }
        }
    }

    /// Drops every idle connection (after a failure, the others are likely dead too).
    private func dropIdle() {
        idle.withLock { $0.removeAll() }
    }

    // MARK: - Transactions

    /// Runs `body` in one transaction (`READ COMMITTED`; rows are locked explicitly), committing when it returns and
    /// rolling back when it throws. A transient failure runs the whole body again on a new connection, for up to
    /// ``reconnectWindow`` seconds.
    @discardableResult
    package func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try withRetries { connection in
            try connection.execute("BEGIN")
            do {
                let result = try body(connection)
                try connection.execute("COMMIT")
                return result
            } catch {
                if connection.isOpen { _ = try? connection.execute("ROLLBACK") }
                throw error
            }
        }
    }

    /// Runs `body` on one connection outside a transaction block (each statement commits by itself), with the
    /// same retries.
    @discardableResult
    package func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try withRetries(body)
    }

    private func withRetries<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let recentlyGaveUp = gaveUpAt.withLock { $0.map { -$0.timeIntervalSinceNow < reconnectWindow } ?? false }
        let deadline = Date().addingTimeInterval(recentlyGaveUp ? min(1, reconnectWindow) : reconnectWindow)
        var pause: TimeInterval = 0.05
        while true {
            do {
                let connection = try checkOut()
                defer { checkIn(connection) }
                let result = try body(connection)
                if recentlyGaveUp { gaveUpAt.withLock { $0 = nil } }
                return result
            } catch let error as PostgresError where error.isTransient {
                dropIdle()
                guard Date() < deadline else {
                    gaveUpAt.withLock { $0 = Date() }
                    throw mapError(error, retried: true)
                }
                usleep(useconds_t(pause * 1_000_000))
                pause = min(pause * 2, 1)
            } catch let error as PostgresError {
                throw mapError(error, retried: false)
            }
        }
    }

    /// A `LedgerError` naming the database (never its password).
    package func mapError(_ error: PostgresError, retried: Bool) -> LedgerError {
        if retried {
            return LedgerError(
                code: .unreadable, path: displayURL,
                message:
                    "PostgreSQL is unreachable (retried on new connections for up to \(Int(reconnectWindow)) s): \(error)"
            )
        }
        switch error.sqlState {
        case "23505", "23503", "23514", "22P02":
            return LedgerError(code: .invalidArgument, path: displayURL, message: "\(error)")
        case "55P03": return LedgerError(code: .busy, path: displayURL, message: "\(error)")
        default: return LedgerError(code: .database, path: displayURL, message: "PostgreSQL: \(error)")
        }
    }
}
