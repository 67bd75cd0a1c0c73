/// Turns a `DecodingError` into one Gong-style error line with a JSON path, e.g.
/// `recipients[0].email: expected a string`.
enum DecodingIssue {
    /// The error line for `error`.
    static func describe(_ error: any Error) -> String {
        guard let decodingError = error as? DecodingError else { return "Malformed request body: not valid JSON" }
        switch decodingError {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): required field is missing"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(typeName(type)), found null"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "Malformed request body: not valid JSON" }
            return "\(path(context.codingPath)): invalid value"
        @unknown default:
            return "Malformed request body"
        }
    }

    /// `recipients[0].email` from coding keys.
    static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text.isEmpty ? "(body)" : text
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is [Any].Type: return "an array"
        case is [String: Any].Type: return "an object"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a \(name)"
        }
    }
}
