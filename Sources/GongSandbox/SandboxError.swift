/// A sandbox start-up failure (data directory, port), with a message that holds no secret.
public struct SandboxError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public var message: String

    /// Creates an error.
    public init(message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
