import CCurl
import Foundation

/// One HTTP exchange at a time over a ``CurlEasy`` handle (the package's one libcurl layer): the body and header
/// callbacks wired to a ``CurlResponseSink``, a copied request body, the response status.
///
/// Not thread-safe (a libcurl easy handle may be used by one thread at a time). The sink is owned here and
/// handed to libcurl's callbacks through an unretained `Unmanaged` pointer, so it lives as long as the handle.
package final class CurlHTTPTransfer {
    /// The handle.
    package let easy = CurlEasy()
    /// Where the callbacks put the response.
    package let sink = CurlResponseSink()

    /// Creates a handle with the callbacks wired.
    package init() {
        let context = Unmanaged.passUnretained(sink).toOpaque()
        guard let handle = easy.handle else { return }
        _ = ccurl_setopt_write_cb(handle, CURLOPT_WRITEFUNCTION, curlBodyCallback)
        _ = ccurl_setopt_ptr(handle, CURLOPT_WRITEDATA, context)
        _ = ccurl_setopt_write_cb(handle, CURLOPT_HEADERFUNCTION, curlHeaderCallback)
        _ = ccurl_setopt_ptr(handle, CURLOPT_HEADERDATA, context)
    }

    /// Sets a `long` option.
    package func set(_ option: CURLoption, _ value: Int) { easy.set(option, value) }

    /// Sets a string option (libcurl copies it).
    package func set(_ option: CURLoption, _ value: String) { easy.set(option, value) }

    /// Sets a header list; the list must outlive every transfer that uses it.
    package func set(_ option: CURLoption, list: UnsafeMutablePointer<curl_slist>?) { easy.set(option, list: list) }

    /// Sets the request body; libcurl copies it (`CURLOPT_COPYPOSTFIELDS`).
    package func setCopiedBody(_ body: [UInt8]) {
        guard let handle = easy.handle else { return }
        _ = ccurl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, body.count)
        if body.isEmpty {
            _ = ccurl_setopt_str(handle, CURLOPT_COPYPOSTFIELDS, "")
        } else {
            body.withUnsafeBytes { bytes in
                _ = ccurl_setopt_ptr(
                    handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
            }
        }
    }

    /// Makes the next transfer a plain `GET` without a body: clears a custom method left by an earlier `PUT` or
    /// `POST` (`CURLOPT_CUSTOMREQUEST`) and switches from the copied body to `GET` (`CURLOPT_HTTPGET`). A later
    /// `setCopiedBody` switches back.
    package func prepareGet() {
        easy.set(CURLOPT_CUSTOMREQUEST, pointer: nil)
        easy.set(CURLOPT_HTTPGET, 1)
    }

    /// Runs one transfer: returns libcurl's code and, for `CURLE_OK`, the response status.
    package func perform() -> (code: Int, status: Int) {
        sink.reset()
        let code = easy.perform()
        return (Int(code.rawValue), easy.info(CURLINFO_RESPONSE_CODE))
    }

    /// The number of new connections the last transfer opened (0 when it reused a kept-alive one).
    package var newConnections: Int { easy.info(CURLINFO_NUM_CONNECTS) }

    /// libcurl's text for the last failure: the error buffer when filled, else `curl_easy_strerror`.
    package func errorText(code: Int) -> String { easy.errorText(CURLcode(UInt32(code))) }
}

/// What libcurl's callbacks collect for one transfer.
package final class CurlResponseSink {
    /// Larger bodies abort the transfer (`CURLE_WRITE_ERROR`): Gong's answers are small JSON objects.
    package static let maxBodyBytes = 1 << 20
    /// The response body.
    package var body: [UInt8] = []
    /// Header lines of the last response (a `100 Continue` or proxy `CONNECT` response is discarded), without
    /// line endings.
    package var headerLines: [String] = []

    /// Clears everything before a transfer.
    package func reset() {
        body.removeAll(keepingCapacity: true)
        headerLines.removeAll(keepingCapacity: true)
    }

    /// The value of the first header named `name` (case-insensitive), trimmed.
    package func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        for line in headerLines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == wanted {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}

/// Appends body bytes to the sink passed as userdata.
private let curlBodyCallback: curl_write_callback = { pointer, size, count, userdata in
    let total = size * count
    guard let pointer, let userdata else { return 0 }
    let sink = Unmanaged<CurlResponseSink>.fromOpaque(userdata).takeUnretainedValue()
    guard sink.body.count + total <= CurlResponseSink.maxBodyBytes else { return 0 }
    sink.body.append(contentsOf: UnsafeRawBufferPointer(start: pointer, count: total))
    return total
}

/// Collects header lines; a new status line starts a new response (after `100 Continue` or a proxy tunnel).
private let curlHeaderCallback: curl_write_callback = { pointer, size, count, userdata in
    let total = size * count
    guard let pointer, let userdata else { return 0 }
    let sink = Unmanaged<CurlResponseSink>.fromOpaque(userdata).takeUnretainedValue()
    var bytes = UnsafeRawBufferPointer(start: pointer, count: total)[...]
    while let last = bytes.last, last == 10 || last == 13 { bytes = bytes.dropLast() }
    let line = String(decoding: bytes, as: UTF8.self)
    if line.hasPrefix("HTTP/") {
        sink.headerLines.removeAll(keepingCapacity: true)
    }
    if !line.isEmpty, sink.headerLines.count < 200 { sink.headerLines.append(line) }
    return total
}
