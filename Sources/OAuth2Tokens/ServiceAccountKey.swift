import CryptoExtras
import Foundation

/// A Google service account's JSON key (the file the Cloud console downloads): who signs, with which key, for which
/// token endpoint.
public struct ServiceAccountKey: Sendable {
    /// `client_email`: the JWT's `iss`.
    public let clientEmail: String
    /// `client_id`: the number an administrator enters under domain-wide delegation.
    public let clientID: String
    /// `private_key_id`: the JWT header's `kid`.
    public let keyID: String
    /// `token_uri`: where tokens are asked for (and the JWT's `aud`).
    public let tokenURI: String
    /// The parsed signing key.
    let privateKey: _RSA.Signing.PrivateKey

    /// Reads a key file's JSON; `source` names it in errors (never the key itself).
    public init(json: [UInt8], source: String) throws(OAuth2Error) {
        struct File: Decodable {
            var type: String?
            var clientEmail: String?
            var clientID: String?
            var privateKeyID: String?
            var privateKey: String?
            var tokenURI: String?

            enum CodingKeys: String, CodingKey {
                case type
                case clientEmail = "client_email"
                case clientID = "client_id"
                case privateKeyID = "private_key_id"
                case privateKey = "private_key"
                case tokenURI = "token_uri"
            }
        }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: Data(json)) } catch {
            throw OAuth2Error(
                .invalidCredential, detail: "\(source) is not a service account key (JSON expected)",
                hint: "download a JSON key: Cloud console → IAM & Admin → Service accounts → Keys → Add key → JSON")
        }
        guard file.type == "service_account" else {
            throw OAuth2Error(
                .invalidCredential,
                detail: "\(source) has type '\(file.type ?? "")', not 'service_account'",
                hint: "use the JSON key of a service account, not an OAuth client's client_secret.json")
        }
        func field(_ value: String?, _ name: String) throws(OAuth2Error) -> String {
            guard let value, !value.isEmpty else {
                throw OAuth2Error(.invalidCredential, detail: "\(source) has no \(name)")
            }
            return value
        }
        clientEmail = try field(file.clientEmail, "client_email")
        clientID = try field(file.clientID, "client_id")
        keyID = try field(file.privateKeyID, "private_key_id")
        tokenURI = file.tokenURI.flatMap { $0.isEmpty ? nil : $0 } ?? "https://oauth2.googleapis.com/token"
        privateKey = try JSONWebToken.rsaPrivateKey(pem: try field(file.privateKey, "private_key"), what: source)
    }
}

extension ServiceAccountKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Who it is, never the private key.
    public var description: String { "ServiceAccountKey(\(clientEmail), key \(keyID))" }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// No children: `dump` never reaches the key.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
