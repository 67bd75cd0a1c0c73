import Crypto
import CryptoExtras
import Foundation

/// A Microsoft Entra application's certificate credential: the certificate (for its thumbprint, the assertion's
/// `x5t`) and its RSA private key (to sign the assertion).
public struct ClientCertificate: Sendable {
    /// Base64url SHA-1 thumbprint of the certificate's DER (`x5t`).
    public let sha1Thumbprint: String
    /// Base64url SHA-256 thumbprint (`x5t#S256`).
    public let sha256Thumbprint: String
    /// The signing key.
    let privateKey: _RSA.Signing.PrivateKey

    /// Reads a PEM certificate and a PEM private key; `source` names them in errors.
    public init(certificatePEM: String, privateKeyPEM: String, source: String) throws(OAuth2Error) {
        guard let der = Self.firstPEMBlock(certificatePEM, label: "CERTIFICATE") else {
            throw OAuth2Error(
                .invalidCredential, detail: "\(source): no BEGIN CERTIFICATE block in clientCertificate",
                hint: "give the certificate in PEM (the .pem or .crt uploaded to the app registration)")
        }
        sha1Thumbprint = JSONWebToken.base64URL(Array(Insecure.SHA1.hash(data: der)))
        sha256Thumbprint = JSONWebToken.base64URL(Array(SHA256.hash(data: der)))
        privateKey = try JSONWebToken.rsaPrivateKey(pem: privateKeyPEM, what: "\(source): clientKey")
    }

    /// The DER bytes of the first `-----BEGIN label-----` block.
    static func firstPEMBlock(_ text: String, label: String) -> [UInt8]? {
        let begin = "-----BEGIN \(label)-----"
        let end = "-----END \(label)-----"
        guard let start = text.range(of: begin), let stop = text.range(of: end, range: start.upperBound..<text.endIndex)
        else { return nil }
        let body = text[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: String(body)), !data.isEmpty else { return nil }
        return Array(data)
    }
}

extension ClientCertificate: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Who it is, never the private key.
    public var description: String { "ClientCertificate(x5t \(sha1Thumbprint))" }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// No children: `dump` never reaches the key.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
