import CryptoExtras
import Foundation

/// Compact JWS with RS256 (RSASSA-PKCS1-v1_5 over SHA-256), as Google's JWT-bearer grant and Microsoft's client
/// assertions want: `base64url(header).base64url(claims).base64url(signature)`. The signing is swift-crypto's.
package enum JSONWebToken {
    /// Signs `claims` under `header` with `key`.
    package static func signRS256(
        header: some Encodable, claims: some Encodable, key: _RSA.Signing.PrivateKey
    ) throws(OAuth2Error) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let signingInput: String
        do {
            signingInput =
                base64URL(Array(try encoder.encode(header))) + "." + base64URL(Array(try encoder.encode(claims)))
        } catch {
            throw OAuth2Error(.invalidCredential, detail: "the token claims cannot be encoded")
        }
        do {
            let signature = try key.signature(for: Array(signingInput.utf8), padding: .insecurePKCS1v1_5)
            return signingInput + "." + base64URL(Array(signature.rawRepresentation))
        } catch {
            throw OAuth2Error(.invalidCredential, detail: "the RSA key cannot sign")
        }
    }

    /// Base64url without padding (RFC 7515 §2).
    package static func base64URL(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return String(text.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }

    /// Parses an RSA private key in PEM (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`), 2048 bits or more.
    package static func rsaPrivateKey(pem: String, what: String) throws(OAuth2Error) -> _RSA.Signing.PrivateKey {
        do {
            let key = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
            guard key.keySizeInBits >= 2048 else {
                throw OAuth2Error(
                    .invalidCredential,
                    detail: "\(what): the RSA key has \(key.keySizeInBits) bits; 2048 or more needed")
            }
            return key
        } catch let error as OAuth2Error {
            throw error
        } catch {
            throw OAuth2Error(
                .invalidCredential, detail: "\(what) is not an RSA private key in PEM (BEGIN PRIVATE KEY)")
        }
    }
}
