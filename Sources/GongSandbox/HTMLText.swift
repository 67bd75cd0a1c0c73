/// Small HTML helpers for the timeline page: escaping, and turning a message body into a plain-text preview.
enum HTMLText {
    /// Escapes `& < > " '` so `text` is safe in element content and in quoted attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\u{0}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Plain text of an HTML fragment: comments, `<script>`, `<style>`, `<head>` and `<title>` removed with
    /// their content, other tags removed (block tags become spaces), common entities decoded, white space
    /// collapsed. The result is *not* escaped.
    static func plainText(fromHTML html: String) -> String {
        let scalars = Array(html.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        let skipWhole: Set<String> = ["script", "style", "head", "title"]
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "<" {
                if matches(scalars, at: index, "<!--") {
                    index = find(scalars, "-->", from: index + 4).map { $0 + 3 } ?? scalars.count
                    continue
                }
                let tagEnd = find(scalars, ">", from: index + 1) ?? scalars.count
                let name = tagName(scalars, from: index + 1, to: tagEnd)
                index = tagEnd + 1
                if skipWhole.contains(name) {
                    index =
                        find(scalars, "</" + name, from: index, caseInsensitive: true).flatMap {
                            find(scalars, ">", from: $0)
                        }.map { $0 + 1 } ?? scalars.count
                }
                out.append(" ")
                continue
            }
            if scalar == "&", let (decoded, length) = entity(scalars, at: index) {
                out.append(contentsOf: decoded.unicodeScalars)
                index += length
                continue
            }
            out.append(scalar)
            index += 1
        }
        return collapseWhitespace(String(out))
    }

    /// Collapses runs of white space (and control characters) into one space and trims the ends.
    static func collapseWhitespace(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{FEFF}" {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// The first `limit` characters of `text`, with "…" when cut.
    static func truncate(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(limit)).trimmingTrailingSpace() + "…"
    }

    private static func matches(_ scalars: [Unicode.Scalar], at index: Int, _ literal: String) -> Bool {
        let wanted = Array(literal.unicodeScalars)
        guard index + wanted.count <= scalars.count else { return false }
        return Array(scalars[index..<index + wanted.count]) == wanted
    }

    private static func find(
        _ scalars: [Unicode.Scalar], _ literal: String, from start: Int, caseInsensitive: Bool = false
    ) -> Int? {
        let wanted = Array((caseInsensitive ? literal.lowercased() : literal).unicodeScalars)
        guard !wanted.isEmpty, start <= scalars.count - wanted.count else { return nil }
        var index = start
        while index + wanted.count <= scalars.count {
            var hit = true
            for offset in 0..<wanted.count {
                var scalar = scalars[index + offset]
                if caseInsensitive, ("A"..."Z").contains(scalar) {
                    scalar = Unicode.Scalar(scalar.value + 32)!
                }
                if scalar != wanted[offset] {
                    hit = false
                    break
                }
            }
            if hit { return index }
            index += 1
        }
        return nil
    }

    private static func tagName(_ scalars: [Unicode.Scalar], from start: Int, to end: Int) -> String {
        var name = ""
        var index = start
        if index < end, scalars[index] == "/" { return "" }
        while index < end, scalars[index].properties.isAlphabetic || ("0"..."9").contains(scalars[index]) {
            name.unicodeScalars.append(scalars[index])
            index += 1
        }
        return name.lowercased()
    }

    private static let namedEntities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "hellip": "…", "mdash": "—",
        "ndash": "–", "rsquo": "’", "lsquo": "‘", "rdquo": "”", "ldquo": "“", "copy": "©", "reg": "®",
        "trade": "™", "euro": "€", "bull": "•", "middot": "·",
    ]

    /// Decodes `&name;`, `&#123;` or `&#x1F;` at `index`: the text and the length consumed.
    private static func entity(_ scalars: [Unicode.Scalar], at index: Int) -> (String, Int)? {
        var end = index + 1
        while end < scalars.count, end - index <= 10, scalars[end] != ";" { end += 1 }
        guard end < scalars.count, scalars[end] == ";", end > index + 1 else { return nil }
        let body = String(String.UnicodeScalarView(scalars[(index + 1)..<end]))
        let length = end - index + 1
        if body.hasPrefix("#x") || body.hasPrefix("#X") {
            guard let value = UInt32(body.dropFirst(2), radix: 16), let scalar = Unicode.Scalar(value) else {
                return nil
            }
            return (String(scalar), length)
        }
        if body.hasPrefix("#") {
            guard let value = UInt32(body.dropFirst()), let scalar = Unicode.Scalar(value) else { return nil }
            return (String(scalar), length)
        }
        guard let text = namedEntities[body] else { return nil }
        return (text, length)
    }
}

extension String {
    /// The string without trailing spaces.
    fileprivate func trimmingTrailingSpace() -> String {
        var result = self
        while result.last == " " { result.removeLast() }
        return result
    }
}
