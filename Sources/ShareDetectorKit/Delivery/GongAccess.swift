import Foundation
import GongEngagement
import GongHTTP
import MailParsing
import ShareLedger

/// Turns a team config's `gong` settings into a client and the shared state of its Gong account.
package enum GongAccess {
    /// Resolves the credentials and creates the client; errors name the config keys, never a value.
    static func makeClient(_ config: TeamConfig) throws(RunFailure) -> (client: GongClient, accountKey: String) {
        let gong = config.gong
        let credentials: GongCredentials
        do {
            if let token = gong.bearerToken {
                credentials = .bearer(token: try config.resolve(token))
            } else if let key = gong.accessKey, let secret = gong.accessKeySecret {
                credentials = .basic(accessKey: try config.resolve(key), secret: try config.resolve(secret))
            } else {
                throw RunFailure(
                    exitCode: 2,
                    message:
                        "\(config.file): gong: no credentials: set gong.accessKey and gong.accessKeySecret, or gong.bearerToken"
                )
            }
        } catch let error as SecretError {
            throw RunFailure(exitCode: 2, message: "\(config.file): gong credentials: \(error)")
        } catch let error as RunFailure {
            throw error
        } catch {
            throw RunFailure(exitCode: 2, message: "\(config.file): gong credentials cannot be read")
        }
        let client = GongClient(
            baseURL: gong.baseURL, credentials: credentials, connectTimeout: Double(gong.connectTimeoutSeconds),
            totalTimeout: Double(gong.requestTimeoutSeconds), userAgent: ShareDetectorVersion.userAgent,
            caFile: gong.caFile)
        return (client, accountKey(baseURL: client.baseURL, credentials: credentials))
    }

    /// `<baseURL>#<16 hex digits of SHA-256 over a label, the base URL and the Authorization value>`: the same for
    /// every config using the same account, and no way back to the credential.
    package static func accountKey(baseURL: String, credentials: GongCredentials) -> String {
        let base = normalized(baseURL)
        let digest = SHA256.hex(
            Array("share-detector gong account\u{0}\(base)\u{0}\(credentials.authorizationHeaderValue)".utf8))
        return "\(base)#\(digest.prefix(16))"
    }

    /// `scheme://host[:port]` lowercased, without the scheme's default port or a trailing path: two configs that
    /// spell one Gong host differently (`https://US-1.api.gong.io:443/`) share one account.
    static func normalized(_ baseURL: String) -> String {
        guard let components = URLComponents(string: baseURL), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased()
        else { return baseURL }
        let defaultPort = scheme == "https" ? 443 : scheme == "http" ? 80 : nil
        let port = components.port.flatMap { $0 == defaultPort ? nil : $0 }
        let path = components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path
        return "\(scheme)://\(host)" + (port.map { ":\($0)" } ?? "") + path
    }
}
