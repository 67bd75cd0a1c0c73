/// How the client authenticates to Gong: an API access key pair (HTTP Basic) or an OAuth access token (Bearer).
///
/// The secrets never appear in `description`, `debugDescription` or a reflection dump; they are only turned
/// into the `Authorization` header inside `GongClient`.
public enum GongCredentials: Sendable, Hashable {
    /// `Authorization: Basic base64(accessKey:secret)`.
    case basic(accessKey: String, secret: String)
    /// `Authorization: Bearer token`.
    case bearer(token: String)

    /// The value of the `Authorization` header.
    package var authorizationHeaderValue: String {
        switch self {
        case .basic(let accessKey, let secret):
            return "Basic " + Base64.encode(Array("\(accessKey):\(secret)".utf8))
        case .bearer(let token):
            return "Bearer " + token
        }
    }

    /// Every string that must never appear in a message, description or log: the secret parts, the encoded
    /// header value, and (for Basic) the access key too when it is long enough not to garble ordinary text.
    package var secretsForRedaction: [String] {
        switch self {
        case .basic(let accessKey, let secret):
            let encoded = Base64.encode(Array("\(accessKey):\(secret)".utf8))
            return [secret, encoded].filter { !$0.isEmpty } + (accessKey.count >= 6 ? [accessKey] : [])
        case .bearer(let token):
            return [token].filter { !$0.isEmpty }
        }
    }

    /// Replaces every secret in `text` with `<redacted>`.
    package func redact(_ text: String) -> String {
        var result = text
        // Longest first, so a secret that contains another is removed whole.
        for secret in secretsForRedaction.sorted(by: { $0.count > $1.count }) where result.contains(secret) {
            result = result.replacing(secret, with: "<redacted>")
        }
        return result
    }
}

extension GongCredentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The kind of credentials, never the secret.
    public var description: String {
        switch self {
        case .basic: return "GongCredentials.basic(accessKey: <redacted>, secret: <redacted>)"
        case .bearer: return "GongCredentials.bearer(token: <redacted>)"
        }
    }

    /// Same as `description`: no secret.
    public var debugDescription: String { description }

    /// A mirror without children, so `dump` and string interpolation of containers show no secret.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .enum) }
}

/// Standard Base64 (RFC 4648, with padding), enough for a Basic auth header.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Encodes `bytes`.
    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 2 < bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out.append(alphabet[Int(chunk >> 18 & 63)])
            out.append(alphabet[Int(chunk >> 12 & 63)])
            out.append(alphabet[Int(chunk >> 6 & 63)])
            out.append(alphabet[Int(chunk & 63)])
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let chunk = UInt32(bytes[index]) << 16
            out.append(alphabet[Int(chunk >> 18 & 63)])
            out.append(alphabet[Int(chunk >> 12 & 63)])
            out.append(contentsOf: Array("==".utf8))
        } else if rest == 2 {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            out.append(alphabet[Int(chunk >> 18 & 63)])
            out.append(alphabet[Int(chunk >> 12 & 63)])
            out.append(alphabet[Int(chunk >> 6 & 63)])
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }
}
