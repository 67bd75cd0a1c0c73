import CCurl

/// What a failed libcurl call means, the one mapping from `CURLcode` that the Gong client and the IMAP connection
/// share; each turns it into its own words (a `GongTransportErrorKind`, an `IMAPError` code).
///
/// | failure | libcurl codes |
/// |---|---|
/// | `timeout` | 28 |
/// | `connectionRefused` | 7 |
/// | `connectionReset` | 52, 55, 56 |
/// | `dnsFailure` | 5, 6 |
/// | `tls` | 35, 53, 54, 58, 59, 60, 66, 77, 80, 82, 83, 90, 91, 98 (handshake, certificate, CA file) |
/// | `tlsRequired` | 64 (`CURLE_USE_SSL_FAILED`: the server offers no STARTTLS) |
/// | `loginDenied` | 67 |
/// | `setup` | 1, 3 (unsupported protocol, malformed URL) |
/// | `other` | everything else |
package enum CurlFailure: Sendable, Hashable, CaseIterable {
    case timeout
    case connectionRefused
    case connectionReset
    case dnsFailure
    case tls
    case tlsRequired
    case loginDenied
    case setup
    case other

    /// The failure a result code stands for.
    package init(code: Int) {
        switch code {
        case 28: self = .timeout
        case 7: self = .connectionRefused
        case 52, 55, 56: self = .connectionReset
        case 5, 6: self = .dnsFailure
        case 35, 53, 54, 58, 59, 60, 66, 77, 80, 82, 83, 90, 91, 98: self = .tls
        case 64: self = .tlsRequired
        case 67: self = .loginDenied
        case 1, 3: self = .setup
        default: self = .other
        }
    }

    /// The failure of a `CURLcode`.
    package init(_ code: CURLcode) { self.init(code: Int(code.rawValue)) }
}
