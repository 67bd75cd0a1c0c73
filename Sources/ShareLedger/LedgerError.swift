/// An error of the share ledger: a stable `code`, the ledger path, and a message that never holds a secret or an
/// event body.
public struct LedgerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable error code.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The code's name, e.g. `corruptDatabase`.
        public var rawValue: String

        /// Creates a code from its name.
        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// The ledger file or its folder could not be created.
        public static let cannotCreate = Code(rawValue: "cannotCreate")
        /// The ledger file exists but could not be opened or read (permissions, a folder in its place, …).
        public static let unreadable = Code(rawValue: "unreadable")
        /// The ledger file is not an SQLite database, or is damaged.
        public static let corruptDatabase = Code(rawValue: "corruptDatabase")
        /// The database schema could not be brought up to date.
        public static let migrationFailed = Code(rawValue: "migrationFailed")
        /// The database stayed busy (another process kept a write transaction open too long).
        public static let busy = Code(rawValue: "busy")
        /// Another run holds the run lock.
        public static let lockHeld = Code(rawValue: "lockHeld")
        /// The lock file could not be created or locked.
        public static let lockFailed = Code(rawValue: "lockFailed")
        /// A caller passed a value the ledger cannot store (e.g. an empty event id).
        public static let invalidArgument = Code(rawValue: "invalidArgument")
        /// The ledger or its lock file is a symbolic link, which is never followed.
        public static let symlinkRefused = Code(rawValue: "symlinkRefused")
        /// The database holds no ledger yet (a read-only open of an empty PostgreSQL database).
        public static let noLedger = Code(rawValue: "noLedger")
        /// A mailbox lease lapsed or passed to another scanner before a commit.
        public static let leaseLost = Code(rawValue: "leaseLost")
        /// Any other database failure.
        public static let database = Code(rawValue: "database")

        /// The code's name.
        public var description: String { rawValue }
    }

    /// What went wrong, as a stable code.
    public var code: Code
    /// The ledger (or lock) file concerned.
    public var path: String
    /// A one-line explanation for the operator.
    public var message: String

    /// Creates an error.
    public init(code: Code, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    /// Whether trying the same operation again later may succeed (a busy database, a held lock).
    public var isRetryable: Bool {
        code == .busy || code == .lockHeld
    }

    /// `ledger <path>: <message> [code]`.
    public var description: String {
        "ledger \(path): \(message) [\(code)]"
    }
}
