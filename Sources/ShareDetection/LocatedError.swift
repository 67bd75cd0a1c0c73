/// A problem in a YAML file the tool reads — a team config or a rule file — located by file, line, column and key:
/// the one error type of ``YAMLNodeReader``.
///
/// `description` reads `rules/team.yml:12:5: unknown-key: rules[0].hots: unknown key 'hots' (…)`.
public struct LocatedError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is; stable, suitable for tests and scripts.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The code text (`unknown-key`).
        public let rawValue: String
        /// Wraps a code text.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The code text.
        public var description: String { rawValue }

        /// The file or folder could not be read.
        public static let unreadableFile = Code(rawValue: "unreadable-file")
        /// The file is not valid YAML.
        public static let yamlSyntax = Code(rawValue: "yaml-syntax")
        /// A key the format does not define (often a typo).
        public static let unknownKey = Code(rawValue: "unknown-key")
        /// A required key is absent.
        public static let missingKey = Code(rawValue: "missing-key")
        /// A value of the wrong shape or out of range.
        public static let invalidValue = Code(rawValue: "invalid-value")
        /// A regular expression that does not compile.
        public static let invalidRegex = Code(rawValue: "invalid-regex")
        /// A regular expression that can backtrack catastrophically (nested unbounded repeats), or that reached a
        /// match limit on one of the rule's examples.
        public static let catastrophicRegex = Code(rawValue: "catastrophic-regex")
        /// A template with a syntax error, an unknown filter or an unknown variable.
        public static let invalidTemplate = Code(rawValue: "invalid-template")
        /// Two rules with the same id.
        public static let duplicateID = Code(rawValue: "duplicate-id")
        /// A secret reference that cannot be resolved.
        public static let secretUnavailable = Code(rawValue: "secret-unavailable")
        /// A path in a config (mailbox, CA file, key file) that does not exist.
        public static let missingFile = Code(rawValue: "missing-file")
    }

    /// The kind of problem.
    public var code: Code
    /// The file, as given or found (`rules/providers/google.yml`, `teams/emea.yml`).
    public var file: String
    /// 1-based line, 0 when unknown.
    public var line: Int
    /// 1-based column, 0 when unknown.
    public var column: Int
    /// The key path (`rules[2].match[0].path`), empty for whole-file problems.
    public var key: String
    /// What is wrong and, where possible, how to fix it.
    public var message: String

    /// Creates an error.
    public init(code: Code, file: String, line: Int = 0, column: Int = 0, key: String = "", message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    /// `file:line:column: code: key: message`.
    public var description: String {
        var out = file
        if line > 0 { out += ":\(line)" + (column > 0 ? ":\(column)" : "") }
        out += ": \(code): "
        if !key.isEmpty { out += key + ": " }
        return out + message
    }
}

/// A problem in a rule file (the one ``LocatedError`` type).
public typealias RuleError = LocatedError
