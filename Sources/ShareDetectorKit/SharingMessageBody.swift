import MailParsing
import ShareDetection

/// Builds `sharingMessageBody`: the HTML part (or the text part as escaped HTML) with trailing quoted history
/// trimmed, capped in size at a UTF-8 character boundary.
public enum SharingMessageBody {
    /// The body for `message`, or `nil` when it has no text.
    public static func make(_ message: MailMessage, maxBytes: Int) -> String? {
        let parts = message.bodyParts.filter { !$0.isInAttachedMessage }
        if let html = parts.first(where: { $0.kind == .html }) {
            let end = SenderContentBoundary.end(of: html, context: ThreadContext(message: message))
            let text = String(decoding: capped(html.utf8[..<end], maxBytes: maxBytes), as: UTF8.self)
            return text.isEmpty ? nil : text
        }
        guard let plain = parts.first(where: { $0.kind == .plain }) else { return nil }
        let end = SenderContentBoundary.end(of: plain, context: ThreadContext(message: message))
        let escaped = escapeHTML(String(decoding: plain.utf8[..<end], as: UTF8.self))
        let html = escaped.isEmpty ? "" : "<div>" + escaped.replacingOccurrences(of: "\n", with: "<br>\n") + "</div>"
        let result = String(decoding: capped(Array(html.utf8)[...], maxBytes: maxBytes), as: UTF8.self)
        return result.isEmpty ? nil : result
    }

    /// `&`, `<`, `>`, `"` escaped.
    static func escapeHTML(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\r\n": out += "\n"
            case "\r": continue
            default: out.append(character)
            }
        }
        return out
    }

    /// The bytes cut to at most `maxBytes`, never inside a UTF-8 sequence.
    static func capped(_ bytes: ArraySlice<UInt8>, maxBytes: Int) -> ArraySlice<UInt8> {
        guard bytes.count > maxBytes else { return bytes }
        var end = bytes.startIndex + maxBytes
        while end > bytes.startIndex, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return bytes[bytes.startIndex..<end]
    }
}
