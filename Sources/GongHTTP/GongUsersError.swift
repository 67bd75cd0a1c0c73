import GongEngagement

/// Why listing Gong's users (`GET /v2/users`) failed. No case or description holds a credential: Gong's `errors`
/// and libcurl's text are redacted by the client, and a malformed body is described by path, never quoted.
public enum GongUsersError: Error, Sendable, Hashable {
    /// 401: Gong refused the credentials (wrong, expired or revoked).
    case unauthorized(requestId: String?, errors: [String])
    /// 403: the credentials are valid but may not list users. With a Bearer token that usually means the token lacks
    /// the `api:users:read` scope; with an access key, a key without that permission or a trusted-IP list that
    /// excludes this machine.
    case forbidden(requestId: String?, errors: [String], usedBearerToken: Bool)
    /// 400: Gong refused the request, e.g. a cursor it does not know (`errors` says why).
    case badRequest(requestId: String?, errors: [String])
    /// 404: Gong found no users (it answers so for an empty result), or the base URL is not Gong's API.
    case notFound(requestId: String?, errors: [String])
    /// 429 that was not waited out: `Retry-After` longer than allowed, or too many 429s in a row.
    case rateLimited(requestId: String?, retryAfterSeconds: Int?)
    /// 5xx or 408 (after the allowed retries, when listing all users).
    case serverError(status: Int, requestId: String?, errors: [String], retryAfterSeconds: Int?)
    /// Any other status (3xx, 405, …): most likely a wrong base URL or a proxy in the way.
    case unexpectedStatus(status: Int, requestId: String?, errors: [String])
    /// No HTTP response (after the allowed retries, when listing all users); `message` is libcurl's, redacted.
    case transport(kind: GongTransportErrorKind, message: String)
    /// A 200 whose body is not a users page.
    case malformedResponse(GongUsersDecodingError, requestId: String?)
    /// Gong handed back a cursor it had already given: following it would loop.
    case repeatedCursor(afterPages: Int)
    /// More pages than allowed (`maxPages`) without reaching the last one.
    case tooManyPages(limit: Int)
    /// The task was cancelled while waiting to retry.
    case cancelled
    /// The account's shared pace allows no call now (daily budget spent, a long 429 pause of another run).
    case notNow(reason: String)
}

extension GongUsersError: CustomStringConvertible {
    /// One line for logs and for the operator, with a hint on what to do.
    public var description: String {
        switch self {
        case .unauthorized(let requestId, let errors):
            return "Gong refused the credentials for GET /v2/users (HTTP 401\(Self.details(requestId, errors))): "
                + "check the access key and secret, or renew the token"
        case .forbidden(let requestId, let errors, let usedBearerToken):
            let hint =
                usedBearerToken
                ? "the OAuth token needs the api:users:read scope (authorize the app again with that scope)"
                : "the API key may not list users, or its trusted-IP list excludes this machine"
            return "Gong denied access to GET /v2/users (HTTP 403\(Self.details(requestId, errors))): \(hint)"
        case .badRequest(let requestId, let errors):
            return "Gong rejected GET /v2/users (HTTP 400\(Self.details(requestId, errors)))"
        case .notFound(let requestId, let errors):
            return "GET /v2/users found no users (HTTP 404\(Self.details(requestId, errors))): "
                + "the account has no users, or the base URL is not the account's Gong API"
        case .rateLimited(let requestId, let retryAfter):
            let wait = retryAfter.map { "; Retry-After \($0) s" } ?? ""
            let id = requestId.map { ", requestId \($0)" } ?? ""
            return "Gong's rate limit stopped GET /v2/users (HTTP 429\(id)\(wait)): try again later"
        case .serverError(let status, let requestId, let errors, _):
            return "Gong failed on GET /v2/users (HTTP \(status)\(Self.details(requestId, errors)))"
        case .unexpectedStatus(let status, let requestId, let errors):
            return "unexpected HTTP \(status) from GET /v2/users\(Self.details(requestId, errors)): "
                + "check the base URL and any proxy"
        case .transport(let kind, let message):
            return "no response from GET /v2/users (\(kind.rawValue)): \(message)"
        case .malformedResponse(let error, let requestId):
            let id = requestId.map { " (requestId \($0))" } ?? ""
            return "GET /v2/users answered 200 with a body that is not a users page\(id): \(error)"
        case .repeatedCursor(let pages):
            return "GET /v2/users returned a cursor it had already returned, after \(pages) page(s): stopped"
        case .tooManyPages(let limit):
            return "GET /v2/users had more than \(limit) page(s): stopped"
        case .cancelled:
            return "listing Gong users was cancelled"
        case .notNow(let reason):
            return "GET /v2/users was not called: \(reason)"
        }
    }

    /// `, requestId X: error; error`, or what of it there is.
    private static func details(_ requestId: String?, _ errors: [String]) -> String {
        var text = requestId.map { ", requestId \($0)" } ?? ""
        if !errors.isEmpty { text += ": " + errors.joined(separator: "; ") }
        return text
    }
}
