import Foundation

/// The form a grant posts to its token endpoint (`application/x-www-form-urlencoded`): pure, given the time and a
/// unique id for assertions.
package enum OAuth2TokenRequest {
    /// JWT header of Google's grant.
    struct GoogleHeader: Encodable {
        var alg = "RS256"
        var typ = "JWT"
        var kid: String
    }

    /// JWT claims of Google's grant.
    struct GoogleClaims: Encodable {
        var iss: String
        var sub: String
        var scope: String
        var aud: String
        var iat: Int
        var exp: Int
    }

    /// JWT header of a Microsoft client assertion.
    struct AssertionHeader: Encodable {
        var alg = "RS256"
        var typ = "JWT"
        var x5t: String
        var x5tS256: String

        enum CodingKeys: String, CodingKey {
            case alg, typ, x5t
            case x5tS256 = "x5t#S256"
        }
    }

    /// JWT claims of a Microsoft client assertion.
    struct AssertionClaims: Encodable {
        var aud: String
        var iss: String
        var sub: String
        var jti: String
        var nbf: Int
        var iat: Int
        var exp: Int
    }

    /// Assertions live this long (Google allows up to an hour; ten minutes is plenty for one request).
    static let assertionLifetime = 600

    /// The form fields for `grant` at `now`; `jti` makes each client assertion unique.
    package static func fields(for grant: OAuth2Grant, now: Date, jti: String) throws(OAuth2Error) -> [(String, String)]
    {
        let seconds = Int(now.timeIntervalSince1970)
        switch grant.kind {
        case .serviceAccount(let key, let subject):
            let jwt = try JSONWebToken.signRS256(
                header: GoogleHeader(kid: key.keyID),
                claims: GoogleClaims(
                    iss: key.clientEmail, sub: subject, scope: grant.scope, aud: grant.tokenURL, iat: seconds,
                    exp: seconds + assertionLifetime),
                key: key.privateKey)
            return [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", jwt)]
        case .clientCredentials(let clientID, let credential):
            var fields = [("client_id", clientID), ("scope", grant.scope), ("grant_type", "client_credentials")]
            switch credential {
            case .secret(let secret):
                fields.append(("client_secret", secret))
            case .certificate(let certificate):
                let assertion = try JSONWebToken.signRS256(
                    header: AssertionHeader(x5t: certificate.sha1Thumbprint, x5tS256: certificate.sha256Thumbprint),
                    claims: AssertionClaims(
                        aud: grant.tokenURL, iss: clientID, sub: clientID, jti: jti, nbf: seconds, iat: seconds,
                        exp: seconds + assertionLifetime),
                    key: certificate.privateKey)
                fields.append(("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"))
                fields.append(("client_assertion", assertion))
            }
            return fields
        case .refreshToken(let clientID, let clientSecret, let store):
            var fields = [
                ("client_id", clientID), ("grant_type", "refresh_token"), ("refresh_token", store.current()),
            ]
            if let clientSecret { fields.append(("client_secret", clientSecret)) }
            if grant.provider == .microsoft { fields.append(("scope", grant.scope)) }
            return fields
        }
    }

    /// `a=b&c=d`, each part percent-encoded but for RFC 3986's unreserved characters.
    package static func formEncoded(_ fields: [(String, String)]) -> [UInt8] {
        func encode(_ text: String) -> String {
            var result = ""
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                    UInt8(ascii: "~"):
                    result.unicodeScalars.append(Unicode.Scalar(byte))
                default:
                    result += String(format: "%%%02X", byte)
                }
            }
            return result
        }
        return Array(fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&").utf8)
    }
}
