/// Why a users body (a `GET /v2/users` page, or a JSON array of users) could not be read: the JSON path and the
/// problem, e.g. `users[3].id: expected a string …`.
///
/// It names paths and expected types only: it never quotes the body, so nothing of the response (or of a file)
/// ends up in a log through it.
public struct GongUsersDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where, as a JSON path (`users[3].id`, `[2].emailAddress`); empty for the body as a whole.
    public var path: String
    /// What is wrong, e.g. `required field is missing`.
    public var problem: String

    /// Creates an error.
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    /// `path: problem`, or the problem alone for the whole body.
    public var description: String { path.isEmpty ? problem : "\(path): \(problem)" }

    /// The path and problem of a `DecodingError` (any other error reads as "not valid JSON").
    package init(_ error: any Error) {
        guard let decodingError = error as? DecodingError else {
            self.init(path: "", problem: "not valid JSON")
            return
        }
        switch decodingError {
        case .keyNotFound(let key, let context):
            self.init(path: Self.path(context.codingPath + [key]), problem: "required field is missing")
        case .typeMismatch(let type, let context):
            var problem = "expected \(Self.typeName(type))"
            if type == String.self, context.codingPath.last?.stringValue == "id" {
                problem += " (Gong user ids are numbers of up to 20 digits written as JSON strings)"
            }
            self.init(path: Self.path(context.codingPath), problem: problem)
        case .valueNotFound(let type, let context):
            self.init(path: Self.path(context.codingPath), problem: "expected \(Self.typeName(type)), found null")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                self.init(path: "", problem: "not valid JSON")
            } else {
                self.init(path: Self.path(context.codingPath), problem: "invalid value")
            }
        @unknown default:
            self.init(path: "", problem: "cannot be read")
        }
    }

    /// `users[0].id` from coding keys.
    static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type: return "an integer"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a \(name)"
        }
    }
}
