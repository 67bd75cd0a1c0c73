import Foundation

/// Where a secret comes from: `env:NAME`, `file:PATH` or `command:CMD`, or a literal value (discouraged).
///
/// The description never shows a literal value or what a reference resolves to.
public enum SecretReference: Sendable, Hashable, CustomStringConvertible {
    /// An environment variable.
    case environment(String)
    /// A file whose contents (trailing newline removed) are the secret; relative to the config file.
    case file(String)
    /// A shell command (`/bin/sh -c`, run in the config file's folder, killed after `secretCommandTimeoutSeconds`)
    /// whose standard output (trailing newline removed) is the secret.
    case command(String)
    /// The secret written in the config itself.
    case literal(String)

    /// Parses a config value.
    public init(_ value: String, relativeTo directory: String) {
        if value.hasPrefix("env:") {
            self = .environment(String(value.dropFirst(4)))
        } else if value.hasPrefix("file:") {
            let path = String(value.dropFirst(5))
            self = .file(path.hasPrefix("/") ? path : (directory as NSString).appendingPathComponent(path))
        } else if value.hasPrefix("command:") {
            self = .command(String(value.dropFirst(8)))
        } else {
            self = .literal(value)
        }
    }

    /// True for a secret written in the config file itself.
    public var isLiteral: Bool {
        if case .literal = self { return true }
        return false
    }

    /// A safe description: the kind of reference and its name, never the value.
    public var description: String {
        switch self {
        case .environment(let name): "env:\(name)"
        case .file(let path): "file:\(path)"
        case .command(let command): "command:\(command.split(separator: " ").first ?? "")…"
        case .literal: "(literal value)"
        }
    }

    /// Resolves the secret. Errors name the reference, never a value.
    ///
    /// - Parameters:
    ///   - environment: where `env:` references are looked up.
    ///   - workingDirectory: the folder a `command:` runs in (the config file's; nil: the current one).
    ///   - commandTimeout: seconds a `command:` may run before its process group is killed.
    public func resolve(
        environment: [String: String] = ProcessInfo.processInfo.environment, workingDirectory: String? = nil,
        commandTimeout: Double = 30
    ) throws(SecretError) -> String {
        switch self {
        case .literal(let value):
            return value
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw SecretError(reference: description, reason: "environment variable \(name) is not set")
            }
            return value
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw SecretError(reference: description, reason: "cannot read \(path)")
            }
            let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
            guard !value.isEmpty else { throw SecretError(reference: description, reason: "\(path) is empty") }
            return value
        case .command(let command):
            return try runCommand(command, directory: workingDirectory, timeout: commandTimeout)
        }
    }
}

extension TeamConfig {
    /// Resolves `reference` with this config's settings: a `command:` runs in the config file's folder with
    /// `secretCommandTimeoutSeconds`.
    public func resolve(
        _ reference: SecretReference, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SecretError) -> String {
        try reference.resolve(
            environment: environment, workingDirectory: directory.isEmpty ? nil : directory,
            commandTimeout: secretCommandTimeoutSeconds)
    }
}

/// A secret that could not be resolved; names the reference, never the value.
public struct SecretError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The reference, as ``SecretReference/description`` shows it.
    public var reference: String
    /// Why it failed.
    public var reason: String

    /// `reference: reason`.
    public var description: String { "\(reference): \(reason)" }
}
