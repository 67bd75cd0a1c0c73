import CCurl
import CurlSupport
import Foundation
import GongEngagement

/// An HTTPS client for Gong's event APIs (content shared, digital interaction) over libcurl: one call, one `GongCallResult`, no retries.
///
/// It also lists the account's users (`GET /v2/users`, see `listUsers(cursor:)` and `allUsers(maxPages:retry:)`)
/// over the same handle, headers, credentials, TLS settings and timeouts.
///
/// One libcurl easy handle is created per client and reused for every call, so consecutive calls share one
/// kept-alive connection (see `connectionsOpened`). For events, retrying, pacing and the 409-means-delivered rule
/// belong to the caller; `allUsers` retries its own pages (see `GongUsersRetry`).
///
/// **Re-sends.** libcurl itself re-sends a request once, on a fresh connection, when a kept-alive connection
/// turns out dead before any response byte arrives (the server closed it while idle, or reset it after reading
/// the request). For this endpoint that is safe: if the first copy was stored, the second gets 409, which the
/// caller counts as delivered. A reset on a fresh connection is returned as `connectionReset`.
///
/// **Threads.** A `GongClient` is *not* `Sendable` and has no lock: a libcurl easy handle must be used by one
/// thread at a time, and `send` blocks its thread for up to `totalTimeout`. Create one client per
/// sending loop and call it from one task. From async code prefer `sendOnThread`, which runs the
/// blocking transfer on its own thread instead of one of the few threads of Swift's cooperative pool.
///
/// **Transport.** TLS peer and host verification are on, against the system CA store or `caFile`. Redirects are
/// not followed (so the `Authorization` header never goes anywhere but `baseURL`). Only `http` and `https` are
/// allowed; `http://` is meant for the local sandbox. Proxies come from the environment, as libcurl reads them at
/// each call: `http_proxy` (lower case only: libcurl ignores `HTTP_PROXY`) for `http://` URLs, `https_proxy` or
/// `HTTPS_PROXY` for `https://` URLs (tunnelled with `CONNECT`), `all_proxy`, and `no_proxy` / `NO_PROXY` for
/// exceptions. An `https://` call through a proxy still verifies Gong's certificate end to end.
///
/// **Secrets.** The credentials are only written into the `Authorization` header. No result, description or
/// message of this type contains them: libcurl's error text is passed through `GongCredentials.redact` and the
/// client's `description` names only the base URL.
public final class GongClient {
    /// The base URL the client was created with, without a trailing slash.
    public let baseURL: String
    /// The connect timeout in seconds.
    public let connectTimeout: Double
    /// The timeout for a whole call (connect, send, wait, receive) in seconds.
    public let totalTimeout: Double

    /// The credentials (for the `Authorization` header and for redacting messages).
    let credentials: GongCredentials
    private let easy: CurlHTTPTransfer
    private let headerList: UnsafeMutablePointer<curl_slist>?
    private var totalConnections = 0

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - baseURL: Gong's customer-specific API base, e.g. `https://us-55616.api.gong.io`, or the sandbox's
    ///     `http://127.0.0.1:PORT`. A `user:password@` part is removed (never sent, never shown).
    ///   - credentials: the access key pair or a Bearer token.
    ///   - connectTimeout: seconds allowed for DNS, TCP and TLS setup.
    ///   - totalTimeout: seconds allowed for the whole call.
    ///   - userAgent: the `User-Agent` header.
    ///   - caFile: a PEM bundle to trust instead of the system CA store (e.g. a company's TLS-inspecting proxy).
    public init(
        baseURL: String,
        credentials: GongCredentials,
        connectTimeout: Double = 10,
        totalTimeout: Double = 30,
        userAgent: String = "share-detector",
        caFile: String? = nil
    ) {
        var base = GongClient.removingUserInfo(baseURL)
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.credentials = credentials
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        easy = CurlHTTPTransfer()

        var list: UnsafeMutablePointer<curl_slist>?
        for header in [
            "Content-Type: application/json",
            "Accept: application/json",
            "Expect:",  // no 100-continue round trip for bodies over 1 KiB
            "Authorization: " + credentials.authorizationHeaderValue,
        ] {
            list = curl_slist_append(list, header)
        }
        headerList = list

        easy.set(CURLOPT_HTTPHEADER, list: list)
        easy.set(CURLOPT_USERAGENT, userAgent)
        easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
        easy.set(CURLOPT_FOLLOWLOCATION, 0)
        easy.set(CURLOPT_NOSIGNAL, 1)
        easy.set(CURLOPT_TCP_KEEPALIVE, 1)
        easy.set(CURLOPT_SSL_VERIFYPEER, 1)
        easy.set(CURLOPT_SSL_VERIFYHOST, 2)
        easy.set(CURLOPT_CONNECTTIMEOUT_MS, GongClient.milliseconds(connectTimeout))
        easy.set(CURLOPT_TIMEOUT_MS, GongClient.milliseconds(totalTimeout))
        if let caFile { easy.set(CURLOPT_CAINFO, caFile) }
    }

    deinit {
        // The handle (inside `easy`) still points at the list; drop the handle's use of it before freeing.
        easy.set(CURLOPT_HTTPHEADER, list: nil)
        curl_slist_free_all(headerList)
    }

    /// Sends `body` to `api`'s endpoint: `PUT /v2/customer-engagement/content/shared` (a JSON
    /// `ContentSharedEvent`) or `POST /v2/digital-interaction` (a JSON `DigitalInteractionEvent`).
    ///
    /// Blocks until the response arrives or `totalTimeout` passes. Never throws: every outcome is a
    /// `GongCallResult`. Both APIs share the connection, the headers and the answer mapping.
    public func send(_ body: [UInt8], to api: GongAPI = .contentShared) -> GongCallResult {
        perform(method: api.method, path: api.path, body: body).result
    }

    /// The one way every call goes out: `method` on `baseURL + path` (with the query, if any), `body` as the request
    /// body, or a plain `GET` when `body` is `nil`. Blocks until the response arrives or `totalTimeout` passes.
    ///
    /// - Returns: the call's result (errors and request id redacted) and the raw response body, for callers that
    ///   read more than Gong's `{requestId, errors[]}`.
    func perform(method: String, path: String, body: [UInt8]?) -> (result: GongCallResult, body: [UInt8]) {
        easy.set(CURLOPT_URL, baseURL + path)
        if let body {
            easy.set(CURLOPT_CUSTOMREQUEST, method)
            easy.setCopiedBody(body)
        } else {
            easy.prepareGet()
        }
        let (code, status) = easy.perform()
        totalConnections += easy.newConnections
        guard code == 0 else {
            let kind = GongTransportErrorKind(curlCode: code)
            let message = credentials.redact("libcurl error \(code): \(easy.errorText(code: code))")
            return (.transportError(kind: kind, message: message), [])
        }
        let parsed = GongClient.parseBody(easy.sink.body, status: status)
        let result = GongCallResult.response(
            status: status,
            requestId: parsed.requestId.map(credentials.redact),
            errors: parsed.errors.map(credentials.redact),
            retryAfterSeconds: easy.sink.header("Retry-After").flatMap { GongClient.parseRetryAfter($0) }
        )
        return (result, easy.sink.body)
    }

    /// `send(_:to:)` on a dedicated thread, awaited: the blocking transfer never occupies a thread of
    /// Swift's cooperative pool (which an in-process server, such as `GongSandbox`, needs to answer).
    ///
    /// The same rule holds as for the blocking call: one call at a time per client; await it before the next.
    public func sendOnThread(_ body: [UInt8], to api: GongAPI = .contentShared) async -> GongCallResult {
        await onOwnThread { $0.send(body, to: api) }
    }

    /// Runs `work` (a blocking call of this client) on a dedicated thread and awaits its result, so the transfer
    /// never occupies a thread of Swift's cooperative pool. One call at a time per client, as for the blocking calls.
    func onOwnThread<Value: Sendable>(_ work: @escaping @Sendable (GongClient) -> Value) async -> Value {
        let box = UncheckedClient(client: self)
        return await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work(box.client)) }
            thread.name = "GongClient"
            thread.start()
        }
    }

    /// How many TCP connections this client has opened so far (1 for any number of calls on a kept-alive
    /// connection).
    public var connectionsOpened: Int { totalConnections }

    /// `url` without a `user:password@` part: credentials go only in the `Authorization` header, and a URL may
    /// be printed.
    static func removingUserInfo(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let authorityEnd =
            url[schemeEnd.upperBound...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" }
            ?? url.endIndex
        guard let at = url[schemeEnd.upperBound..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<schemeEnd.upperBound]) + String(url[url.index(after: at)...])
    }

    /// Seconds to whole milliseconds, at least 1.
    private static func milliseconds(_ seconds: Double) -> Int {
        guard seconds.isFinite, seconds > 0 else { return 1 }
        return max(1, Int((seconds * 1000).rounded(.up)))
    }

    /// Reads Gong's `{requestId, errors[]}` leniently.
    ///
    /// `errors` may be absent, a string, an array of strings or of other JSON values (rendered as JSON), or an
    /// object; a body that is not JSON gives no `requestId` and, for a non-2xx status, one error describing it.
    static func parseBody(_ body: [UInt8], status: Int) -> (requestId: String?, errors: [String]) {
        guard !body.isEmpty else { return (nil, []) }
        guard let json = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]),
            let object = json as? [String: Any]
        else {
            if (200..<300).contains(status) { return (nil, []) }
            let text = String(decoding: body.prefix(200), as: UTF8.self)
                .map { $0.isNewline || $0 == "\t" ? " " : $0 }
            return (nil, ["non-JSON response body (\(body.count) bytes): \(String(text))"])
        }
        var requestId: String?
        if let value = object["requestId"] as? String {
            requestId = value
        } else if let value = object["requestId"] as? NSNumber {
            requestId = value.stringValue
        }
        var errors: [String] = []
        switch object["errors"] {
        case let list as [Any]:
            errors = list.map(renderJSON)
        case let text as String:
            errors = [text]
        case nil, is NSNull:
            if let message = object["message"] as? String { errors = [message] }
        case let other?:
            errors = [renderJSON(other)]
        }
        return (requestId, errors)
    }

    /// A string as itself; anything else as compact JSON.
    private static func renderJSON(_ value: Any) -> String {
        if let text = value as? String { return text }
        if JSONSerialization.isValidJSONObject(value),
            let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
        {
            return String(decoding: data, as: UTF8.self)
        }
        return String(describing: value)
    }

    /// `Retry-After` as seconds: a non-negative integer, or an HTTP-date turned into seconds from now.
    static func parseRetryAfter(_ value: String, now: Date = Date()) -> Int? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed) { return seconds >= 0 ? seconds : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return max(0, Int(date.timeIntervalSince(now).rounded(.up)))
    }
}

extension GongClient: CustomStringConvertible {
    /// `GongClient(<baseURL>)`; never the credentials.
    public var description: String { "GongClient(\(credentials.redact(baseURL)))" }
}

/// Hands a client to the thread of `onOwnThread`; safe because the caller awaits that thread and
/// uses the client from nowhere else meanwhile.
private struct UncheckedClient: @unchecked Sendable {
    let client: GongClient
}
