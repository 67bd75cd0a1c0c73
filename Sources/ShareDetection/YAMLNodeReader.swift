import Foundation
import Yams

/// The one YAML reader of the package, for team configs and rule files alike: it parses text into nodes and reads
/// them as the formats want, every problem a ``LocatedError`` with the file, line, column and key path, unknown keys
/// with a "did you mean" and the keys allowed there.
///
/// Team configs stop at their first problem (the throwing reads); rule files report every problem (``fields(_:_:allowed:)``
/// returns them, the caller collects).
package struct YAMLNodeReader {
    /// The file, named in every error.
    package let file: String
    /// The line of every key read so far, by key path (`gong.caFile`, `mailboxes[0].mbox`).
    package private(set) var lines: [String: Int] = [:]

    /// A reader for `file`.
    package init(file: String) {
        self.file = file
    }

    // MARK: Text

    /// The root node of `text` (`nil` for an empty document); a syntax error with its line and column.
    package static func compose(_ text: String, file: String) throws(LocatedError) -> Node? {
        do { return try Yams.compose(yaml: text) } catch {
            var line = 0
            var column = 0
            var message = "not valid YAML"
            if let yaml = error as? YamlError {
                switch yaml {
                case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                    .composer(let context, let problem, let mark, _):
                    line = mark.line
                    column = mark.column
                    let words = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }
                    if !words.isEmpty { message += ": " + words.joined(separator: ": ") }
                case .duplicatedKeysInMapping(let duplicates, let context):
                    line = context.mark.line
                    column = context.mark.column
                    message = "not valid YAML: duplicate key " + duplicates.map { "'\($0)'" }.joined(separator: ", ")
                default: break
                }
            }
            throw LocatedError(code: .yamlSyntax, file: file, line: line, column: column, message: message)
        }
    }

    // MARK: Errors

    /// An error at `node` (its line and column), for the key path `key`.
    package func error(_ code: LocatedError.Code, _ node: Node?, _ key: String, _ message: String) -> LocatedError {
        LocatedError(
            code: code, file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, key: key,
            message: message)
    }

    /// `unknown key 'name' (did you mean 'x'?); allowed: a, b, c`.
    package static func unknownKeyMessage(_ name: String, allowed: [String]) -> String {
        var message = "unknown key '\(name)'"
        let nearest = allowed.min {
            ruleEditDistance($0.lowercased(), name.lowercased()) < ruleEditDistance($1.lowercased(), name.lowercased())
        }
        if let nearest, ruleEditDistance(nearest.lowercased(), name.lowercased()) <= 3 {
            message += " (did you mean '\(nearest)'?)"
        }
        return message + "; allowed: " + allowed.joined(separator: ", ")
    }

    // MARK: Mappings

    /// The pairs of a mapping in file order, each with its key path (`key.name`), and the problems: a node that is not
    /// a mapping, keys that are not text, unknown keys. Records the line of every key read.
    package mutating func fields(_ node: Node, _ key: String, allowed: [String]) -> (
        fields: [(path: String, key: Node, value: Node)], problems: [LocatedError]
    ) {
        guard let mapping = node.mapping else {
            return ([], [error(.invalidValue, node, key, "expected a mapping of keys to values")])
        }
        var fields: [(path: String, key: Node, value: Node)] = []
        var problems: [LocatedError] = []
        for (keyNode, value) in mapping {
            guard let name = keyNode.string else {
                problems.append(error(.invalidValue, keyNode, key, "keys must be text"))
                continue
            }
            let path = key.isEmpty ? name : "\(key).\(name)"
            guard allowed.contains(name) else {
                problems.append(error(.unknownKey, keyNode, path, Self.unknownKeyMessage(name, allowed: allowed)))
                continue
            }
            if let mark = keyNode.mark { lines[path] = mark.line }
            fields.append((path, keyNode, value))
        }
        return (fields, problems)
    }

    /// ``fields(_:_:allowed:)`` that stops at the first problem.
    package mutating func mapping(_ node: Node, _ key: String, allowed: [String]) throws(LocatedError) -> [(
        String, Node, Node
    )] {
        let (fields, problems) = fields(node, key, allowed: allowed)
        if let first = problems.first { throw first }
        return fields.map { ($0.path, $0.key, $0.value) }
    }

    // MARK: Values

    /// A text value; `nonEmpty` refuses `""`.
    package func string(_ node: Node, _ key: String, nonEmpty: Bool = false) throws(LocatedError) -> String {
        guard let scalar = node.scalar, !nonEmpty || !scalar.string.isEmpty else {
            throw error(
                .invalidValue, node, key, nonEmpty ? "expected a non-empty text value" : "expected a text value")
        }
        return scalar.string
    }

    /// A list of text values (a single value counts as a list of one).
    package func strings(_ node: Node, _ key: String, nonEmpty: Bool = false) throws(LocatedError) -> [String] {
        if node.scalar != nil { return [try string(node, key, nonEmpty: nonEmpty)] }
        guard let sequence = node.sequence else {
            throw error(.invalidValue, node, key, "expected a list of text values")
        }
        var values: [String] = []
        for (index, item) in sequence.enumerated() {
            values.append(try string(item, "\(key)[\(index)]", nonEmpty: nonEmpty))
        }
        return values
    }

    /// `true` or `false`.
    package func bool(_ node: Node, _ key: String) throws(LocatedError) -> Bool {
        guard let value = node.bool else { throw error(.invalidValue, node, key, "expected true or false") }
        return value
    }

    /// A number in `range`.
    package func number(_ node: Node, _ key: String, range: ClosedRange<Double>) throws(LocatedError) -> Double {
        guard let value = node.float ?? node.int.map(Double.init), range.contains(value) else {
            throw error(
                .invalidValue, node, key, "expected a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A whole number in `range`.
    package func integer(_ node: Node, _ key: String, range: ClosedRange<Int>) throws(LocatedError) -> Int {
        guard let value = node.int, range.contains(value) else {
            throw error(
                .invalidValue, node, key, "expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A number above 0 and at most `maximum`.
    package func positive(_ node: Node, _ key: String, maximum: Double) throws(LocatedError) -> Double {
        guard let value = node.float ?? node.int.map(Double.init), value > 0, value <= maximum else {
            throw error(.invalidValue, node, key, "expected a number above 0, at most \(maximum)")
        }
        return value
    }

    /// A path, made absolute against `directory`.
    package func path(_ node: Node, _ key: String, directory: String) throws(LocatedError) -> String {
        let value = try string(node, key)
        guard !value.isEmpty else { throw error(.invalidValue, node, key, "expected a path") }
        return value.hasPrefix("/")
            ? value
            : ((directory as NSString).appendingPathComponent(value) as NSString).standardizingPath
    }
}
