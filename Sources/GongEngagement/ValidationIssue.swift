/// One problem found in a `ContentSharedEvent` before it is sent.
///
/// `path` names the field with Gong's JSON names and zero-based array indexes, e.g. `recipients[2].email`
/// or `crmContext[0].objects[1].objectType`; `message` says what is wrong. The message may quote a short
/// prefix of the offending value (events carry no secrets), never a whole message body.
public struct ValidationIssue: Sendable, Hashable, CustomStringConvertible {
    /// The JSON path of the offending field, e.g. `recipients[2].email`.
    public var path: String
    /// What is wrong with it.
    public var message: String

    /// Creates an issue.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}
