import Foundation
import GongEngagement

/// The users the sandbox lists at `GET /v2/users`: read from a JSON file (`share-detector sandbox --users FILE`)
/// and checked as Gong would have them.
///
/// The file is a JSON array of user objects: `id` (a string of 1 to 20 digits, as Gong's ids are), `emailAddress`
/// and `active` are required; `firstName`, `lastName`, `title` and `emailAliases` are optional; other fields (e.g.
/// the rest of a real `GET /v2/users` answer) are ignored:
///
/// ```json
/// [{"id": "234599484848423", "emailAddress": "alice@northwind.example", "active": true,
///   "firstName": "Alice", "lastName": "Smith", "title": "AE", "emailAliases": ["a.smith@northwind.example"]}]
/// ```
public enum SandboxUsers {
    /// Gong documents user ids as numbers of up to 20 digits.
    static let maxIdDigits = 20

    /// Reads and checks the users file at `path`.
    ///
    /// - Throws: `SandboxError` naming the file and what is wrong with it (unreadable, not JSON, the JSON path of a
    ///   field of the wrong type, a bad id or address, a duplicate).
    public static func load(path: String) throws(SandboxError) -> [GongUser] {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw SandboxError(message: "users file \(path): \(reason)")
        }
        return try parse(Array(data), file: path)
    }

    /// Decodes and checks the contents of a users file; `file` names it in errors.
    ///
    /// - Throws: `SandboxError` as `load(path:)` does.
    public static func parse(_ bytes: [UInt8], file: String) throws(SandboxError) -> [GongUser] {
        let users: [GongUser]
        do throws(GongUsersDecodingError) {
            users = try GongUser.decodeArray(bytes)
        } catch {
            let problem =
                error.path.isEmpty && error.problem != "not valid JSON"
                ? "expected a JSON array of user objects (\(error.problem))" : error.description
            throw SandboxError(message: "users file \(file): \(problem)")
        }
        let problems = problems(in: users)
        guard problems.isEmpty else {
            var text = problems.prefix(10).joined(separator: "; ")
            if problems.count > 10 { text += "; and \(problems.count - 10) more" }
            throw SandboxError(message: "users file \(file): \(text)")
        }
        return users
    }

    /// Every problem of `users` as one `[index].field: problem` line each (empty when they are fit to serve): ids
    /// must be 1 to 20 digits and unique, addresses (primary and aliases) must look like `local@domain` and belong to
    /// one user only (compared ignoring case).
    public static func problems(in users: [GongUser]) -> [String] {
        var problems: [String] = []
        var ids: [String: Int] = [:]
        var addresses: [String: Int] = [:]
        for (index, user) in users.enumerated() {
            let digits = user.id.utf8
            if digits.isEmpty || digits.count > maxIdDigits || !digits.allSatisfy({ (48...57).contains($0) }) {
                problems.append("[\(index)].id: expected 1 to \(maxIdDigits) digits, found \"\(user.id)\"")
            } else if let first = ids[user.id] {
                problems.append("[\(index)].id: \(user.id) is also the id of [\(first)]")
            } else {
                ids[user.id] = index
            }
            let fields =
                [("emailAddress", user.emailAddress)]
                + user.emailAliases.enumerated().map { ("emailAliases[\($0.offset)]", $0.element) }
            for (field, address) in fields {
                guard looksLikeAddress(address) else {
                    problems.append(
                        "[\(index)].\(field): expected an address like name@example.com, found \"\(address)\"")
                    continue
                }
                let key = address.lowercased()
                if let owner = addresses[key], owner != index {
                    problems.append("[\(index)].\(field): \(address) is also an address of [\(owner)]")
                } else {
                    addresses[key] = index
                }
            }
        }
        return problems
    }

    /// `local@domain` with no spaces, one `@`, and a dot in the domain.
    static func looksLikeAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix(".")
        else { return false }
        return !text.contains { $0.isWhitespace || $0.isNewline }
    }
}
