/// A problem in a team config file, located by file, line and key; never contains a secret value.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable, Hashable {
        /// The file cannot be read.
        case unreadableFile = "unreadable-file"
        /// The file is not valid YAML.
        case yamlSyntax = "yaml-syntax"
        /// A key the format does not define.
        case unknownKey = "unknown-key"
        /// A required key is absent.
        case missingKey = "missing-key"
        /// A value of the wrong shape or out of range.
        case invalidValue = "invalid-value"
        /// A secret reference that cannot be resolved.
        case secretUnavailable = "secret-unavailable"
        /// A path in the config (mailbox, CA file) that does not exist.
        case missingFile = "missing-file"
    }

    /// What kind of problem.
    public var code: Code
    /// The config file.
    public var file: String
    /// 1-based line, 0 when unknown.
    public var line: Int
    /// The key path, e.g. `gong.callsPerSecond`.
    public var key: String
    /// What is wrong and how to fix it.
    public var message: String

    /// Creates an error.
    public init(code: Code, file: String, line: Int = 0, key: String = "", message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// `file:line: code: key: message`.
    public var description: String {
        var out = file
        if line > 0 { out += ":\(line)" }
        out += ": \(code.rawValue): "
        if !key.isEmpty { out += key + ": " }
        return out + message
    }
}
