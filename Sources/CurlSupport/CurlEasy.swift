import CCurl

/// A libcurl easy handle with its error buffer: the one thin, unsafe layer under both of the package's libcurl users,
/// the Gong client (HTTP transfers) and the IMAP connection (connect-only, then raw bytes).
///
/// Not thread-safe: a libcurl easy handle may be used by one thread at a time. `curl_global_init` runs once per
/// process, before the first handle.
package final class CurlEasy {
    /// The raw handle, or `nil` when `curl_easy_init` failed (or after ``cleanup()``).
    package private(set) var handle: UnsafeMutableRawPointer?
    /// libcurl writes its human-readable error text here.
    private let errorBuffer: UnsafeMutablePointer<CChar>

    /// `curl_global_init`, once per process (Swift runs a static initializer exactly once, thread-safely).
    private static let globalInit: Void = {
        _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    /// Creates a handle with the error buffer wired; ``handle`` is `nil` when libcurl could not make one.
    package init() {
        _ = Self.globalInit
        handle = curl_easy_init()
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        if let handle { _ = ccurl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer)) }
    }

    deinit {
        cleanup()
        errorBuffer.deallocate()
    }

    /// Frees the handle (closing its connection) now rather than at deinit; later calls do nothing.
    package func cleanup() {
        guard let handle else { return }
        curl_easy_cleanup(handle)
        self.handle = nil
    }

    /// Sets a `long` option.
    package func set(_ option: CURLoption, _ value: Int) {
        guard let handle else { return }
        _ = ccurl_setopt_long(handle, option, value)
    }

    /// Sets a string option (libcurl copies it).
    package func set(_ option: CURLoption, _ value: String) {
        guard let handle else { return }
        _ = ccurl_setopt_str(handle, option, value)
    }

    /// Sets a pointer option (`nil` clears it: how a secret option is wiped once used).
    package func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) {
        guard let handle else { return }
        _ = ccurl_setopt_ptr(handle, option, pointer)
    }

    /// Sets a header list option; the list must outlive the handle's use of it.
    package func set(_ option: CURLoption, list: UnsafeMutablePointer<curl_slist>?) {
        guard let handle else { return }
        _ = ccurl_setopt_slist(handle, option, list)
    }

    /// Runs the transfer (or, with `CURLOPT_CONNECT_ONLY`, the connect and login), clearing the last error text.
    package func perform() -> CURLcode {
        guard let handle else { return CURLE_FAILED_INIT }
        errorBuffer[0] = 0
        return curl_easy_perform(handle)
    }

    /// A `long` from `curl_easy_getinfo` (0 when unavailable).
    package func info(_ item: CURLINFO) -> Int {
        guard let handle else { return 0 }
        var value = 0
        _ = ccurl_getinfo_long(handle, item, &value)
        return value
    }

    /// The connected socket after a connect-only perform (-1 when there is none).
    package var activeSocket: curl_socket_t {
        guard let handle else { return -1 }
        var socket: curl_socket_t = -1
        _ = ccurl_getinfo_sock(handle, CURLINFO_ACTIVESOCKET, &socket)
        return socket
    }

    /// libcurl's text for the last failure: the error buffer when filled, else `curl_easy_strerror`. Callers scrub
    /// it of secrets before it goes anywhere (libcurl may quote what it sent).
    package func errorText(_ code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        if !detail.isEmpty { return detail }
        guard let text = curl_easy_strerror(code) else { return "libcurl error" }
        return String(cString: text)
    }
}
