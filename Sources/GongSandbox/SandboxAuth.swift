import Foundation

/// Checks an `Authorization` header against the sandbox's credentials, as Gong does: `Basic` with the access
/// key pair, or `Bearer` with the token. With no credentials configured every request passes.
enum SandboxAuth {
    /// Whether `header` carries an accepted credential.
    static func isAuthorized(_ header: String?, _ credentials: SandboxCredentials) -> Bool {
        guard credentials.isConfigured else { return true }
        guard let header else { return false }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else { return false }
        let scheme = parts[0].lowercased()
        let value = parts[1].trimmingCharacters(in: .whitespaces)
        switch scheme {
        case "basic":
            guard let key = credentials.accessKey, let secret = credentials.accessKeySecret,
                let data = Data(base64Encoded: value)
            else { return false }
            return constantTimeEqual(Array(data), Array("\(key):\(secret)".utf8))
        case "bearer":
            guard let token = credentials.bearerToken else { return false }
            return constantTimeEqual(Array(value.utf8), Array(token.utf8))
        default:
            return false
        }
    }

    /// Compares without an early exit on the first differing byte.
    static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
