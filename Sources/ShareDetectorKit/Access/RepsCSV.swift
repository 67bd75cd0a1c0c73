import Foundation
import ShareDetection

/// A CSV file of reps (`mailboxSources: - csv: reps.csv`): a header row naming `email` and optionally `name` (the
/// person's display name) and `gongUserId`, in any order; then one person a row. RFC 4180: fields may be quoted
/// (`"Smith, Alice"`, `""` for a quote), lines end in CRLF or LF, a UTF-8 byte order mark is ignored.
///
/// Small and strict on purpose (no package reads CSV with line numbers for errors): every problem names the file and
/// line.
package enum RepsCSV {
    /// One person.
    package struct Row: Sendable, Equatable {
        /// The address, lowercased: the mailbox's user name and name.
        package var email: String
        /// The display name, when given.
        package var name: String?
        /// The Gong user id, when given (an int64 in a string).
        package var gongUserID: String?
        /// The 1-based line it was read from.
        package var line: Int
    }

    /// Reads `bytes`; `file` and `key` locate errors.
    package static func parse(_ bytes: [UInt8], file: String, key: String) throws(ConfigError) -> [Row] {
        func failure(_ line: Int, _ message: String) -> ConfigError {
            ConfigError(code: .invalidValue, file: file, line: line, key: key, message: message)
        }
        var records = try records(bytes, failure: failure)
        guard !records.isEmpty else {
            throw failure(1, "the file is empty: expected a header row email,name,gongUserId")
        }
        let header = records.removeFirst()
        var columns: [String: Int] = [:]
        let known = ["email", "name", "gongUserId"]
        for (index, title) in header.fields.enumerated() {
            let cleaned = title.trimmingCharacters(in: .whitespaces)
            guard let name = known.first(where: { $0.lowercased() == cleaned.lowercased() }) else {
                let hint = known.first { ruleEditDistance($0.lowercased(), cleaned.lowercased()) <= 3 }
                throw failure(
                    header.line,
                    "unknown column '\(cleaned)'" + (hint.map { " (did you mean '\($0)'?)" } ?? "")
                        + ": the header names email and optionally name and gongUserId")
            }
            guard columns[name] == nil else { throw failure(header.line, "column '\(name)' appears twice") }
            columns[name] = index
        }
        guard let emailColumn = columns["email"] else {
            throw failure(header.line, "no email column: the header row must name email (then name, gongUserId)")
        }
        var rows: [Row] = []
        var seen: [String: Int] = [:]
        for record in records {
            if record.fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            guard record.fields.count == header.fields.count else {
                throw failure(
                    record.line, "\(record.fields.count) fields where the header has \(header.fields.count)")
            }
            func value(_ column: String) -> String? {
                columns[column].map { record.fields[$0].trimmingCharacters(in: .whitespaces) }.flatMap {
                    $0.isEmpty ? nil : $0
                }
            }
            guard let email = value("email")?.lowercased(), isAddress(email) else {
                throw failure(record.line, "'\(record.fields[emailColumn])' is not an email address")
            }
            if let first = seen[email] {
                throw failure(record.line, "\(email) is listed twice (also on line \(first))")
            }
            seen[email] = record.line
            let id = value("gongUserId")
            if let id, id.count > 20 || !id.allSatisfy({ $0.isASCII && $0.isNumber }) {
                throw failure(record.line, "gongUserId '\(id)' is not a Gong user id (digits only)")
            }
            rows.append(Row(email: email, name: value("name"), gongUserID: id, line: record.line))
        }
        return rows
    }

    /// `local@domain.tld`, no spaces or control characters.
    static func isAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".")
            && !parts[1].hasSuffix(".")
            && text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && $0 != "," && $0 != "\"" }
    }

    /// The records of RFC 4180 text, each with the line it starts on.
    private static func records(_ bytes: [UInt8], failure: (Int, String) -> ConfigError) throws(ConfigError)
        -> [(fields: [String], line: Int)]
    {
        var input = bytes[...]
        if input.starts(with: [0xEF, 0xBB, 0xBF]) { input = input.dropFirst(3) }
        guard String(validating: input, as: UTF8.self) != nil else { throw failure(1, "the file is not UTF-8 text") }
        var records: [(fields: [String], line: Int)] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1
        var recordLine = 1
        var quoted = false
        var index = input.startIndex
        var atFieldStart = true
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll()
            atFieldStart = true
        }
        while index < input.endIndex {
            let byte = input[index]
            index += 1
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index < input.endIndex, input[index] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        quoted = false
                        if index < input.endIndex, ![UInt8(ascii: ","), 10, 13].contains(input[index]) {
                            throw failure(line, "text after a closing quote: quote the whole field")
                        }
                    }
                } else {
                    if byte == 10 { line += 1 }
                    field.append(byte)
                }
                continue
            }
            // Spaces before an opening quote (`a@x.example, "Smith, Alice"`) belong to no field.
            if atFieldStart, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                var ahead = index
                while ahead < input.endIndex, input[ahead] == UInt8(ascii: " ") || input[ahead] == UInt8(ascii: "\t") {
                    ahead += 1
                }
                if ahead < input.endIndex, input[ahead] == UInt8(ascii: "\"") {
                    index = ahead
                    continue
                }
            }
            switch byte {
            case UInt8(ascii: "\"") where atFieldStart:
                quoted = true
                atFieldStart = false
            case UInt8(ascii: ","):
                endField()
            case 13 where index < input.endIndex && input[index] == 10:
                break
            case 10, 13:
                endField()
                records.append((fields, recordLine))
                fields = []
                line += 1
                recordLine = line
            default:
                field.append(byte)
                atFieldStart = false
            }
        }
        if quoted { throw failure(recordLine, "a quoted field is not closed") }
        if !field.isEmpty || !fields.isEmpty || !atFieldStart {
            endField()
            records.append((fields, recordLine))
        }
        return records
    }
}
