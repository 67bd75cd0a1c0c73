import CLibPQ
import Foundation

/// One libpq connection, used by one thread at a time (the pool hands it out). Parameters go as text, results come
/// back as text: no SQL is ever built from values.
package final class PostgresConnection: @unchecked Sendable {
    private let handle: OpaquePointer

    /// Connects with libpq: `url` is a `postgresql://` URL or a `key=value` string (so TLS `sslmode`, multi-host
    /// failover, `.pgpass` and the `PG*` variables all work as libpq documents them); `password`, when given, wins
    /// over them.
    ///
    /// - Throws: `PostgresError` with libpq's message (it never holds the password).
    package init(url: String, password: String?, connectTimeout: Int = 10) throws(PostgresError) {
        // Later keywords win over what the URL expands to, earlier ones are its defaults: the URL's own
        // application_name and connect_timeout are kept; a password given here wins.
        var keys = ["application_name", "connect_timeout", "dbname"]
        var values = ["share-detector", String(connectTimeout), url]
        if let password {
            keys.append("password")
            values.append(password)
        }
        let connection: OpaquePointer? = withCStrings(keys) { keyPointers in
            withCStrings(values) { valuePointers in
                PQconnectdbParams(keyPointers, valuePointers, 1)
            }
        }
        guard let connection else {
            throw PostgresError(sqlState: nil, message: "out of memory opening a connection", connectionLost: true)
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.trimmed(PQerrorMessage(connection))
            PQfinish(connection)
            throw PostgresError(sqlState: nil, message: message, connectionLost: true)
        }
        // Notices ("relation … already exists, skipping") must not reach stderr.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        handle = connection
    }

    deinit { PQfinish(handle) }

    /// Whether libpq still considers the connection usable.
    package var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE }

    /// Whether the connection is up (it may be inside a transaction).
    package var isOpen: Bool { PQstatus(handle) == CONNECTION_OK }

    /// The server's major version number (e.g. 15).
    package var serverMajorVersion: Int { Int(PQserverVersion(handle)) / 10_000 }

    /// Runs one statement with `$1…` parameters (text; `nil` is SQL NULL) and returns its rows.
    ///
    /// - Throws: `PostgresError` with the SQLSTATE and the server's primary message.
    @discardableResult
    package func execute(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> PostgresResult {
        let result: OpaquePointer? = withOptionalCStrings(parameters) { pointers in
            PQexecParams(handle, sql, Int32(parameters.count), nil, pointers, nil, nil, 0)
        }
        guard let result else {
            throw PostgresError(
                sqlState: nil, message: Self.trimmed(PQerrorMessage(handle)),
                connectionLost: PQstatus(handle) != CONNECTION_OK)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            return Self.read(result)
        default:
            throw Self.failure(result, handle)
        }
    }

    /// Runs several statements without parameters (a migration), in the simple query protocol.
    package func executeScript(_ sql: String) throws(PostgresError) {
        guard let result = PQexec(handle, sql) else {
            throw PostgresError(
                sqlState: nil, message: Self.trimmed(PQerrorMessage(handle)),
                connectionLost: PQstatus(handle) != CONNECTION_OK)
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            throw Self.failure(result, handle)
        }
    }

    private static func failure(_ result: OpaquePointer, _ handle: OpaquePointer) -> PostgresError {
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
        let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
        return PostgresError(
            sqlState: state, message: primary ?? trimmed(PQresultErrorMessage(result)),
            connectionLost: PQstatus(handle) != CONNECTION_OK)
    }

    private static func read(_ result: OpaquePointer) -> PostgresResult {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var columns: [String: Int] = [:]
        for column in 0..<columnCount {
            columns[String(cString: PQfname(result, Int32(column)))] = column
        }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(row), Int32(column))))
                }
            }
            rows.append(values)
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PostgresResult(
            columns: columns, rows: rows.map { PostgresRow(columns: columns, values: $0) },
            affectedRows: affected)
    }

    private static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "unknown libpq error" }
        let text = String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "unknown libpq error" : text.replacingOccurrences(of: "\n", with: "; ")
    }
}

/// A failure of libpq or the server: the SQLSTATE (when the server answered) and its message.
package struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// The five-character SQLSTATE, `nil` when the server never answered.
    package var sqlState: String?
    /// The server's (or libpq's) message.
    package var message: String
    /// Whether the connection is gone (the server restarted, the network failed).
    package var connectionLost: Bool

    /// Whether running the whole transaction again may succeed: a lost connection, a server shutting down or
    /// starting, a serialization failure or a deadlock.
    package var isTransient: Bool {
        if connectionLost { return true }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || ["40001", "40P01", "57P01", "57P02", "57P03", "53300"].contains(sqlState)
    }

    /// `message (SQLSTATE xxxxx)`.
    package var description: String {
        sqlState.map { "\(message) (SQLSTATE \($0))" } ?? message
    }
}

/// The rows of one statement, as text.
package struct PostgresResult: Sendable {
    /// Column indexes by name.
    package var columns: [String: Int]
    /// The rows.
    package var rows: [PostgresRow]
    /// The rows an `INSERT`/`UPDATE`/`DELETE` changed.
    package var affectedRows: Int
}

/// One result row: typed reads of its text values by column name.
package struct PostgresRow: Sendable {
    let columns: [String: Int]
    let values: [String?]

    /// The raw text of `column`, `nil` for NULL (or an unknown column).
    package subscript(_ column: String) -> String? {
        columns[column].flatMap { values[$0] }
    }

    package func string(_ column: String) -> String { self[column] ?? "" }
    package func int(_ column: String) -> Int? { self[column].flatMap { Int($0) } }
    package func int64(_ column: String) -> Int64? { self[column].flatMap { Int64($0) } }
    package func double(_ column: String) -> Double? { self[column].flatMap { Double($0) } }
    package func bool(_ column: String) -> Bool { self[column] == "t" }
    /// A `bytea` column (hex output format, `\x…`).
    package func data(_ column: String) -> Data? { self[column].flatMap(PostgresValue.decodeBytea) }
}

/// Text encodings of parameter values.
package enum PostgresValue {
    /// A `bytea` parameter: `\x` and hex digits.
    package static func bytea(_ data: Data) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text = [UInt8](repeating: 0, count: 2 + data.count * 2)
        text[0] = UInt8(ascii: "\\")
        text[1] = UInt8(ascii: "x")
        var index = 2
        for byte in data {
            text[index] = digits[Int(byte >> 4)]
            text[index + 1] = digits[Int(byte & 0x0f)]
            index += 2
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Decodes `bytea` hex output (`\x…`); `nil` when it is not that.
    package static func decodeBytea(_ text: String) -> Data? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "\\"), bytes[1] == UInt8(ascii: "x"), bytes.count % 2 == 0
        else { return nil }
        func nibble(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var data = Data(capacity: (bytes.count - 2) / 2)
        var index = 2
        while index < bytes.count {
            guard let high = nibble(bytes[index]), let low = nibble(bytes[index + 1]) else { return nil }
            data.append(high << 4 | low)
            index += 2
        }
        return data
    }

    /// A boolean parameter.
    package static func bool(_ value: Bool) -> String { value ? "t" : "f" }
}

private func withCStrings<T>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
    let duplicates = strings.map { strdup($0) }
    defer { duplicates.forEach { free($0) } }
    return body(duplicates.map { $0.map { UnsafePointer($0) } } + [nil])
}

private func withOptionalCStrings<T>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
    let duplicates = strings.map { $0.map { strdup($0) } ?? nil }
    defer { duplicates.forEach { free($0) } }
    return body(duplicates.map { $0.map { UnsafePointer($0) } })
}
