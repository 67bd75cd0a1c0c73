import Foundation

/// A named step that turns the text a wrapper rule extracted into the wrapped URL.
///
/// Transforms run in the order the rule lists them. Each returns `nil` when its input cannot be
/// decoded, which makes the wrapper undecodable rather than a guess.
public enum WrapperTransform: String, Sendable, Hashable, CaseIterable {
    /// Percent-decodes (`%3A` → `:`); invalid UTF-8 becomes U+FFFD, a stray `%` stays as it is.
    case urlDecode = "url_decode"
    /// Replaces HTML character references (`&amp;`, `&#47;`, `&#x2F;`, …).
    case htmlUnescape = "html_unescape"
    /// Proofpoint URL Defense v2 alphabet: maps `-` to `%` and `_` to `/` (follow it with `url_decode`).
    case proofpointV2 = "proofpoint_v2"
    /// Proofpoint URL Defense v3: replaces each `*` with the next character of the URL-safe base64
    /// blob captured as `data`, and each `**X` with the next run of characters whose length `X`
    /// encodes (`A` = 2 … `Z` = 27, `a` = 28 … `z` = 53, `0` = 54 … `9` = 63, `-` = 64, `_` = 65).
    case proofpointV3 = "proofpoint_v3"

    /// Applies the transform to `value`; `captures` holds the extract step's named groups.
    public func apply(_ value: String, captures: [String: String]) -> String? {
        switch self {
        case .urlDecode: return wrapperPercentDecode(value)
        case .htmlUnescape: return wrapperHTMLUnescape(value)
        case .proofpointV2:
            return String(value.map { $0 == "-" ? "%" : $0 == "_" ? "/" : $0 })
        case .proofpointV3:
            guard let data = captures["data"] else { return nil }
            return proofpointV3Substitute(value, blob: data)
        }
    }
}

/// Percent-decodes `text` byte-wise like Python's `urllib.parse.unquote` (errors replaced, `+` kept).
func wrapperPercentDecode(_ text: String) -> String {
    guard text.contains("%") else { return text }
    let bytes = Array(text.utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var index = 0
    while index < bytes.count {
        if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
            let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
        {
            out.append(high << 4 | low)
            index += 3
        } else {
            out.append(bytes[index])
            index += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}

private let namedEntities: [String: String] = [
    "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "sol": "/",
    "colon": ":", "equals": "=", "quest": "?", "num": "#", "percnt": "%", "period": ".", "comma": ",",
    "lpar": "(", "rpar": ")", "ast": "*", "plus": "+", "commat": "@", "lowbar": "_", "hyphen": "-",
]

/// Replaces HTML character references: decimal and hexadecimal ones and the named ones that occur
/// in URLs. An unknown or unterminated reference stays as it is.
func wrapperHTMLUnescape(_ text: String) -> String {
    guard text.contains("&") else { return text }
    var out = ""
    var rest = Substring(text)
    while let amp = rest.firstIndex(of: "&") {
        out += rest[..<amp]
        let afterAmp = rest.index(after: amp)
        if let semicolon = rest[afterAmp...].prefix(12).firstIndex(of: ";") {
            let name = rest[afterAmp..<semicolon]
            if let replacement = characterReference(name) {
                out += replacement
                rest = rest[rest.index(after: semicolon)...]
                continue
            }
        }
        out += "&"
        rest = rest[afterAmp...]
    }
    out += rest
    return out
}

private func characterReference(_ name: Substring) -> String? {
    if name.hasPrefix("#") {
        let digits = name.dropFirst()
        let value: UInt32?
        if digits.hasPrefix("x") || digits.hasPrefix("X") {
            value = UInt32(digits.dropFirst(), radix: 16)
        } else {
            value = UInt32(digits, radix: 10)
        }
        guard let value, let scalar = Unicode.Scalar(value) else { return nil }
        return String(Character(scalar))
    }
    return namedEntities[String(name)]
}

/// Decodes URL-safe base64 the way Python's `urlsafe_b64decode(blob + "==")` does: characters outside
/// the alphabet are skipped, padding is optional, a length of 4n+1 data characters is an error.
func wrapperBase64Decode(_ blob: String) -> [UInt8]? {
    var values: [UInt8] = []
    for byte in blob.utf8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(byte - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(byte - UInt8(ascii: "a") + 26)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(byte - UInt8(ascii: "0") + 52)
        case UInt8(ascii: "-"), UInt8(ascii: "+"): values.append(62)
        case UInt8(ascii: "_"), UInt8(ascii: "/"): values.append(63)
        case UInt8(ascii: "="): break
        default: continue
        }
        if byte == UInt8(ascii: "=") { break }
    }
    guard values.count % 4 != 1 else { return nil }
    var out: [UInt8] = []
    var index = 0
    while index < values.count {
        let chunk = values[index..<min(index + 4, values.count)]
        let v = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (18 - 6 * UInt32($1.offset)) }
        out.append(UInt8(v >> 16 & 0xFF))
        if chunk.count > 2 { out.append(UInt8(v >> 8 & 0xFF)) }
        if chunk.count > 3 { out.append(UInt8(v & 0xFF)) }
        index += 4
    }
    return out
}

/// The run lengths of Proofpoint v3's `**X` tokens, keyed by `X`.
let proofpointV3RunLengths: [Character: Int] = {
    let values = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return Dictionary(uniqueKeysWithValues: values.enumerated().map { ($0.element, $0.offset + 2) })
}()

/// Proofpoint v3 substitution, as in Proofpoint's published `URLDefenseDecode.py` (3.0.1): the blob
/// is decoded to UTF-8 text; scanning left to right, `**X` takes the next run of characters (a run
/// past the end is cut short), a lone `*` the next single character (past the end is an error).
func proofpointV3Substitute(_ url: String, blob: String) -> String? {
    guard let bytes = wrapperBase64Decode(blob), let text = String(validating: bytes, as: UTF8.self) else {
        return nil
    }
    let replacements = Array(text)
    var marker = 0
    var out = ""
    var index = url.startIndex
    while index < url.endIndex {
        let character = url[index]
        guard character == "*" else {
            out.append(character)
            index = url.index(after: index)
            continue
        }
        let next = url.index(after: index)
        if next < url.endIndex, url[next] == "*", url.index(after: next) < url.endIndex {
            let code = url[url.index(after: next)]
            guard let length = proofpointV3RunLengths[code] else { return nil }
            let end = min(marker + length, replacements.count)
            if marker < end { out += String(replacements[marker..<end]) }
            marker += length
            index = url.index(after: url.index(after: next))
        } else {
            guard marker < replacements.count else { return nil }
            out.append(replacements[marker])
            marker += 1
            index = next
        }
    }
    return out
}
