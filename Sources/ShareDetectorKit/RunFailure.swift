/// A failure that ends a run, with the exit status it maps to.
public struct RunFailure: Error, Sendable, CustomStringConvertible {
    /// The exit status: 1 attention, 2 config, 3 server.
    public var exitCode: Int32
    /// What happened; never a secret.
    public var message: String

    /// Creates a failure.
    public init(exitCode: Int32, message: String) {
        self.exitCode = exitCode
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
