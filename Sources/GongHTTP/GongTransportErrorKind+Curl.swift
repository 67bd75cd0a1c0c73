import CurlSupport
import GongEngagement

extension GongTransportErrorKind {
    /// Maps a libcurl result code (`CURLcode` raw value) to a kind, through the package's one mapping
    /// (`CurlFailure`).
    public init(curlCode: Int) {
        switch CurlFailure(code: curlCode) {
        case .timeout: self = .timeout
        case .connectionRefused: self = .connectionRefused
        case .connectionReset: self = .connectionReset
        case .dnsFailure: self = .dnsFailure
        case .tls, .tlsRequired: self = .tls
        case .loginDenied, .setup, .other: self = .other
        }
    }
}
