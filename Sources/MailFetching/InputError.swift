/// A problem with an input path itself (missing, unreadable, not mail): the run cannot use it at all.
public struct InputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Hashable {
        /// The path does not exist.
        case notFound = "input-not-found"
        /// The path exists but cannot be read.
        case unreadable = "input-unreadable"
        /// A folder held no `.eml` or `.mbox` files.
        case empty = "input-empty"
    }

    /// What went wrong.
    public var code: Code
    /// The path concerned.
    public var path: String
    /// Why, in words.
    public var detail: String

    /// Creates an error.
    public init(_ code: Code, path: String, detail: String) {
        self.code = code
        self.path = path
        self.detail = detail
    }

    /// `path: detail`.
    public var description: String { "\(path): \(detail)" }
}
