import CCurl
import CurlSupport

/// Token requests over libcurl (the package's one HTTP layer): a handle per request (a run makes about one request
/// per identity an hour), TLS verified against the system CAs or `caFile`, no redirects, `http` only as the
/// config allows it (loopback), bounded times. The form body holds secrets; nothing here logs or describes it.
public struct CurlOAuth2Transport: OAuth2Transport {
    /// Seconds allowed to connect.
    public var connectTimeout: Int
    /// Seconds allowed for the whole request.
    public var totalTimeout: Int
    /// A PEM bundle to trust instead of the system CAs.
    public var caFile: String?

    /// A transport with these limits.
    public init(connectTimeout: Int = 10, totalTimeout: Int = 30, caFile: String? = nil) {
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.caFile = caFile
    }

    /// POSTs the form; an answer of any status is returned, no answer is ``OAuth2Error/Code/unavailable``.
    public func post(url: String, form: [UInt8]) throws(OAuth2Error) -> (status: Int, body: [UInt8]) {
        let transfer = CurlHTTPTransfer()
        guard transfer.easy.handle != nil else {
            throw OAuth2Error(.unavailable, detail: "libcurl could not create a handle")
        }
        transfer.set(CURLOPT_URL, url)
        transfer.set(CURLOPT_PROTOCOLS_STR, "http,https")
        transfer.set(CURLOPT_NOSIGNAL, 1)
        transfer.set(CURLOPT_FOLLOWLOCATION, 0)
        transfer.set(CURLOPT_SSL_VERIFYPEER, 1)
        transfer.set(CURLOPT_SSL_VERIFYHOST, 2)
        transfer.set(CURLOPT_CONNECTTIMEOUT, connectTimeout)
        transfer.set(CURLOPT_TIMEOUT, totalTimeout)
        transfer.set(CURLOPT_USERAGENT, "share-detector")
        if let caFile { transfer.set(CURLOPT_CAINFO, caFile) }
        var headers: UnsafeMutablePointer<curl_slist>?
        for header in ["Content-Type: application/x-www-form-urlencoded", "Accept: application/json"] {
            headers = curl_slist_append(headers, header)
        }
        defer { curl_slist_free_all(headers) }
        transfer.set(CURLOPT_HTTPHEADER, list: headers)
        transfer.setCopiedBody(form)
        let (code, status) = transfer.perform()
        // The form held the secret: libcurl's copy is freed now rather than with the handle.
        transfer.setCopiedBody([])
        guard code == Int(CURLE_OK.rawValue) else {
            let text = transfer.errorText(code: code)
            switch CurlFailure(CURLcode(UInt32(code))) {
            case .tls:
                throw OAuth2Error(
                    .tlsFailure, detail: "TLS with the token endpoint \(Self.host(url)) failed: \(text)",
                    hint: "check tokenURL; a company proxy that inspects TLS needs its CA in the system store")
            case .setup:
                throw OAuth2Error(.invalidAnswer, detail: "the token URL \(Self.host(url)) cannot be used: \(text)")
            default:
                throw OAuth2Error(
                    .unavailable, detail: "the token endpoint \(Self.host(url)) cannot be reached: \(text)")
            }
        }
        return (status, transfer.sink.body)
    }

    /// `host[:port]` of `url`, for messages.
    static func host(_ url: String) -> String {
        var rest = Substring(url)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        return String(rest.prefix { $0 != "/" && $0 != "?" })
    }
}
