/// A forgiving address-list splitter for headers GMime rejects (for example `k..allen@enron.com`, whose consecutive
/// dots break RFC 5322 but are common in real mail).
///
/// It splits on commas outside quotes, comments and angle brackets, drops group names, and takes the addr-spec from
/// `<…>` when present, else the token holding `@`. Display names are returned undecoded.
enum LenientAddressParser {
    struct Entry: Equatable {
        var rawName: String?
        var address: String
    }

    static func parse(_ value: String) -> [Entry] {
        var entries: [Entry] = []
        var piece: [Character] = []
        var inQuote = false
        var commentDepth = 0
        var inAngle = false
        var escaped = false
        func finish() {
            if let entry = entry(from: String(piece)) { entries.append(entry) }
            piece.removeAll(keepingCapacity: true)
        }
        for character in value {
            if escaped {
                escaped = false
                piece.append(character)
                continue
            }
            switch character {
            case "\\" where inQuote || commentDepth > 0:
                escaped = true
                piece.append(character)
            case "\"" where commentDepth == 0:
                inQuote.toggle()
                piece.append(character)
            case "(" where !inQuote:
                commentDepth += 1
                piece.append(character)
            case ")" where !inQuote && commentDepth > 0:
                commentDepth -= 1
                piece.append(character)
            case "<" where !inQuote && commentDepth == 0:
                inAngle = true
                piece.append(character)
            case ">" where !inQuote && commentDepth == 0:
                inAngle = false
                piece.append(character)
            case ":" where !inQuote && commentDepth == 0 && !inAngle:
                // A group's display name ends here; what came before is not an address.
                piece.removeAll(keepingCapacity: true)
            case ",", ";":
                if inQuote || commentDepth > 0 || inAngle {
                    piece.append(character)
                } else {
                    finish()
                }
            case "\r", "\n":
                continue
            default:
                piece.append(character)
            }
            if entries.count >= 1000 { return entries }
        }
        finish()
        return entries
    }

    private static func entry(from piece: String) -> Entry? {
        if let open = piece.lastIndex(of: "<"), let close = piece[open...].firstIndex(of: ">") {
            var spec = String(piece[piece.index(after: open)..<close]).trimmingCharacters(in: .whitespaces)
            if spec.hasPrefix("@"), let colon = spec.firstIndex(of: ":") {  // obsolete source route
                spec = String(spec[spec.index(after: colon)...])
            }
            guard spec.contains("@") else { return nil }
            let name = withoutComments(String(piece[..<open])).trimmingCharacters(in: .whitespaces)
            return Entry(rawName: name.isEmpty ? nil : name, address: spec)
        }
        let bare = withoutComments(piece).trimmingCharacters(in: .whitespaces)
        guard let token = bare.split(separator: " ").first(where: { $0.contains("@") }) else { return nil }
        return Entry(rawName: nil, address: String(token))
    }

    private static func withoutComments(_ text: String) -> String {
        var result = ""
        var depth = 0
        var inQuote = false
        for character in text {
            switch character {
            case "\"" where depth == 0:
                inQuote.toggle()
                result.append(character)
            case "(" where !inQuote: depth += 1
            case ")" where !inQuote && depth > 0: depth -= 1
            default: if depth == 0 { result.append(character) }
            }
        }
        return result
    }
}
