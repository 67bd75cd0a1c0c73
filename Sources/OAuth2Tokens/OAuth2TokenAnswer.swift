import Foundation

/// A token endpoint's answer, read: a token with its lifetime (and maybe a rotated refresh token), or an
/// ``OAuth2Error`` that says what the administrator must fix. Pure.
package struct OAuth2TokenAnswer: Sendable, Equatable {
    /// The access token.
    package var accessToken: String
    /// Seconds it is valid for (`expires_in`; 3600 when missing).
    package var expiresIn: Int
    /// A new refresh token, when the endpoint rotated it.
    package var refreshToken: String?

    /// Reads the answer to a token request for `grant`; `status` 0 means no HTTP answer at all.
    package static func read(status: Int, body: [UInt8], grant: OAuth2Grant) throws(OAuth2Error) -> OAuth2TokenAnswer {
        struct Body: Decodable {
            var accessToken: String?
            var expiresIn: Lifetime?
            var refreshToken: String?
            var tokenType: String?
            var error: String?
            var errorDescription: String?

            /// `expires_in` as a number or, as some endpoints send it, a string of digits.
            struct Lifetime: Decodable {
                var seconds: Double?
                init(from decoder: any Decoder) throws {
                    let container = try decoder.singleValueContainer()
                    seconds =
                        (try? container.decode(Double.self))
                        ?? (try? container.decode(String.self)).flatMap(Double.init)
                }
            }

            enum CodingKeys: String, CodingKey {
                case accessToken = "access_token"
                case expiresIn = "expires_in"
                case refreshToken = "refresh_token"
                case tokenType = "token_type"
                case error
                case errorDescription = "error_description"
            }
        }
        let decoded = try? JSONDecoder().decode(Body.self, from: Data(body))
        if status == 200, let decoded, let token = decoded.accessToken, !token.isEmpty {
            if let type = decoded.tokenType, type.lowercased() != "bearer" {
                throw OAuth2Error(
                    .invalidAnswer,
                    detail: "\(host(grant)) issued a '\(clean(type, secrets: []).prefix(40))' token, not a Bearer token"
                )
            }
            let lifetime = decoded.expiresIn?.seconds.map { Int($0.rounded(.down)) } ?? 3600
            return OAuth2TokenAnswer(
                accessToken: token, expiresIn: max(1, min(lifetime, 86_400)),
                refreshToken: decoded.refreshToken.flatMap { $0.isEmpty ? nil : $0 })
        }
        if status == 429 || status == 408 || status >= 500 || (200..<300).contains(status) {
            // A 2xx without a token is a proxy or a portal in the way more often than a broken endpoint: try later.
            throw OAuth2Error(.unavailable, detail: "\(host(grant)) answered HTTP \(status) without a token")
        }
        guard let decoded, let rawCode = decoded.error else {
            throw OAuth2Error(
                .invalidAnswer,
                detail: "\(host(grant)) answered HTTP \(status) without a token or an OAuth error",
                hint: "check tokenURL: it must be the provider's full token endpoint")
        }
        let code = clean(rawCode, secrets: grant.secrets)
        let description = clean(decoded.errorDescription ?? "", secrets: grant.secrets)
        if code == "temporarily_unavailable" || code == "server_error" {
            throw OAuth2Error(.unavailable, detail: "\(host(grant)) is busy: \(code): \(description)")
        }
        let detail =
            description.isEmpty ? "\(host(grant)) refused: \(code)" : "\(host(grant)) refused: \(code): \(description)"
        throw OAuth2Error(.refused, detail: detail, hint: hint(error: code, description: description, grant: grant))
    }

    /// The token endpoint's `host[:port]`, for messages.
    static func host(_ grant: OAuth2Grant) -> String { CurlOAuth2Transport.host(grant.tokenURL) }

    /// The provider's text: one line, at most 300 characters, secrets masked.
    static func clean(_ text: String, secrets: [String]) -> String {
        var result = text
        for secret in secrets where secret.count >= 4 { result = result.replacingOccurrences(of: secret, with: "***") }
        let line = result.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) }
        return String(String(line).prefix(300)).trimmingCharacters(in: .whitespaces)
    }

    /// What the administrator must do, from the error code and (for Microsoft) the `AADSTS` number.
    static func hint(error: String, description: String, grant: OAuth2Grant) -> String? {
        if let aadsts = aadstsCode(description) {
            let consent =
                "grant admin consent: Entra admin center → App registrations → the app → API permissions → "
                + "Office 365 Exchange Online → Application permission IMAP.AccessAsApp → Grant admin consent"
            switch aadsts {
            case 7_000_215: return "the client secret is wrong: give the secret's Value (not its Secret ID)"
            case 7_000_222: return "the client secret has expired: create a new one under Certificates & secrets"
            case 700_016: return "no application with this clientId in this tenant: check tenant and clientId"
            case 90_002, 900_023: return "the tenant is unknown: give the tenant id or its onmicrosoft.com domain"
            case 65_001, 650_051, 650_057: return consent
            case 700_027, 700_023:
                return "upload this certificate (its public part) to the app under Certificates & secrets, and give "
                    + "its matching private key as clientKey"
            case 700_024, 700_021: return "the machine's clock is wrong, or the assertion was reused: sync the clock"
            case 70_011: return "the scope must be https://outlook.office365.com/.default"
            case 70_008, 700_082, 50_173, 50_076:
                return "the refresh token has expired or was revoked: sign in again to get a new one"
            case 7_000_112: return "the application is disabled in Entra ID: enable it"
            case 500_011:
                return "Exchange Online is not in this tenant, or the scope is wrong: use "
                    + "https://outlook.office365.com/.default"
            default: break
            }
        }
        switch (grant.provider, error) {
        case (.google, "unauthorized_client"):
            if case .serviceAccount(let key, _) = grant.kind {
                return "domain-wide delegation is not granted: Admin console → Security → API controls → "
                    + "Domain-wide delegation → add client ID \(key.clientID) with the scope \(grant.scope)"
            }
            return "the OAuth client may not use this grant or scope"
        case (.google, "invalid_grant"):
            if case .serviceAccount(_, let subject) = grant.kind {
                return "check that \(subject) is an active Google Workspace user, that domain-wide delegation for "
                    + "\(grant.scope) is still granted, that the service account key is not deleted, and the "
                    + "machine's clock"
            }
            return "the refresh token has expired or was revoked: sign in again to get a new one"
        case (_, "invalid_client"): return "the client id or its secret/certificate is wrong"
        case (_, "invalid_scope"): return "the scope is not allowed for this client"
        case (_, "invalid_grant"): return "the grant was refused: check the credential and the machine's clock"
        default: return nil
        }
    }

    /// The number in `AADSTS12345:`, if any.
    static func aadstsCode(_ description: String) -> Int? {
        guard let range = description.range(of: "AADSTS") else { return nil }
        let digits = description[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
        return Int(digits)
    }
}
