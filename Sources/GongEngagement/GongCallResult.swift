/// The outcome of one call to Gong: either an HTTP response (any status) or a transport failure before one.
///
/// What the sender does with it (see product.md, "Delivery rules"): 200 → delivered (keep `requestId`);
/// 409 → already delivered; 429 → wait `retryAfterSeconds`, retry; 5xx and every `transportError` → retry with
/// backoff (a `connectionReset` after the request was sent may mean Gong stored the event: the retry then gets
/// 409); 400 → dead letter with `errors`; 401/403 → stop the run.
public enum GongCallResult: Sendable, Hashable {
    /// Gong (or something in between) answered with an HTTP status.
    ///
    /// `requestId` and `errors` come from Gong's `{requestId, errors[]}` body when it has them (`errors` is empty
    /// when absent); `retryAfterSeconds` is the `Retry-After` header in seconds, when present and numeric.
    case response(status: Int, requestId: String?, errors: [String], retryAfterSeconds: Int?)
    /// No HTTP response: the connection could not be made, broke, or timed out. `message` holds libcurl's code
    /// and text, never a secret.
    case transportError(kind: GongTransportErrorKind, message: String)

    /// The HTTP status, or `nil` for a transport error.
    public var status: Int? {
        if case .response(let status, _, _, _) = self { return status }
        return nil
    }
}

extension GongCallResult: CustomStringConvertible {
    /// One line for logs: status, request id and errors, or the transport error.
    public var description: String {
        switch self {
        case .response(let status, let requestId, let errors, let retryAfter):
            var text = "HTTP \(status)"
            if let requestId { text += " requestId=\(requestId)" }
            if let retryAfter { text += " retryAfter=\(retryAfter)s" }
            if !errors.isEmpty { text += " errors=\(errors)" }
            return text
        case .transportError(let kind, let message):
            return "transport error (\(kind.rawValue)): \(message)"
        }
    }
}

/// Why a call produced no HTTP response, from the libcurl result code.
///
/// | kind | libcurl codes |
/// |---|---|
/// | `timeout` | 28 (`CURLE_OPERATION_TIMEDOUT`: connect or total timeout) |
/// | `connectionRefused` | 7 (`CURLE_COULDNT_CONNECT`) |
/// | `connectionReset` | 52 (`CURLE_GOT_NOTHING`), 55 (`CURLE_SEND_ERROR`), 56 (`CURLE_RECV_ERROR`) |
/// | `dnsFailure` | 5 (`CURLE_COULDNT_RESOLVE_PROXY`), 6 (`CURLE_COULDNT_RESOLVE_HOST`) |
/// | `tls` | 35, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91, 98 (handshake, certificate, CA file) |
/// | `other` | everything else (e.g. 1 unsupported protocol, 3 malformed URL, 23 response too large) |
public enum GongTransportErrorKind: String, Sendable, Hashable, CaseIterable {
    /// The connect or total timeout passed.
    case timeout
    /// Nothing listens on the port (or the host is unreachable).
    case connectionRefused
    /// The connection was reset or closed before a complete response arrived.
    case connectionReset
    /// The host or proxy name did not resolve.
    case dnsFailure
    /// TLS handshake or certificate verification failed.
    case tls
    /// Any other libcurl failure.
    case other
}
