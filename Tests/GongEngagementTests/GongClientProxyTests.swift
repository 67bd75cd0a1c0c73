import Foundation
import Testing

@testable import GongEngagement
@testable import GongHTTP

/// Proves that `GongClient` takes its proxy from the environment, as libcurl does by default.
///
/// Changing `http_proxy` inside the shared test process would race with every other test that uses libcurl, so
/// the parent test starts a one-shot "proxy" on 127.0.0.1 and re-runs this test binary with only the child test
/// selected and the proxy variables set. The child makes the calls; the parent checks what the proxy received.
@Suite("GongClient proxies from the environment")
struct GongClientProxyTests {
    static let childFlag = "GONG_CLIENT_PROXY_CHILD"
    static let isChild = ProcessInfo.processInfo.environment[childFlag] == "1"

    @Test(
        "http_proxy is honoured (absolute-form request to the proxy); no_proxy bypasses it",
        .enabled(if: !isChild), .timeLimit(.minutes(2)))
    func honoursEnvironmentProxy() throws {
        let proxy = try OneShotHTTPServer(
            response: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 26\r\n"
                + "Connection: close\r\n\r\n{\"requestId\":\"via-proxy1\"}")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = ["--testing-library", "swift-testing", "--filter", "childCallsThroughProxy"]
        var environment = ProcessInfo.processInfo.environment
        for name in ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "NO_PROXY"] {
            environment[name] = nil
        }
        environment["http_proxy"] = "http://127.0.0.1:\(proxy.port)"
        environment["no_proxy"] = "gong-direct.invalid"
        environment[Self.childFlag] = "1"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let log = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: log, as: UTF8.self)
        #expect(process.terminationStatus == 0, "child run failed:\n\(text.suffix(2000))")
        #expect(
            text.contains("Test \"(child) calls through the proxy from the environment\" passed"),
            "the child did not run the test:\n\(text.suffix(2000))")
        let request = proxy.received()
        #expect(
            request.hasPrefix("PUT http://gong-proxy-check.invalid/v2/customer-engagement/content/shared HTTP/1.1\r\n"),
            "proxy got: \(request.prefix(300))")
        #expect(request.contains("\r\nContent-Type: application/json\r\n"))
        #expect(request.contains("\r\nAccept: application/json\r\n"))
        #expect(request.contains("\r\nAuthorization: Bearer proxy-test-token\r\n"))
        #expect(request.hasSuffix("{\"probe\":true}"))
    }

    @Test("(child) calls through the proxy from the environment", .enabled(if: isChild))
    func childCallsThroughProxy() async {
        let client = GongClient(
            baseURL: "http://gong-proxy-check.invalid", credentials: .bearer(token: "proxy-test-token"),
            totalTimeout: 10)
        let result = await client.sendOnThread(Array("{\"probe\":true}".utf8))
        #expect(result == .response(status: 200, requestId: "via-proxy1", errors: [], retryAfterSeconds: nil))
        // A host in no_proxy is contacted directly: it does not resolve, so a DNS failure, not the proxy.
        let direct = GongClient(
            baseURL: "http://gong-direct.invalid", credentials: .bearer(token: "proxy-test-token"), totalTimeout: 10)
        guard case .transportError(.dnsFailure, _) = await direct.sendOnThread([]) else {
            Issue.record("no_proxy host should be resolved directly")
            return
        }
    }
}

/// A one-connection HTTP server on 127.0.0.1: accepts once (waiting at most 60 s), reads one request with its
/// `Content-Length` body, answers with a canned response, and closes.
final class OneShotHTTPServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var request = Data()
    private let done = DispatchSemaphore(value: 0)

    init(response: String) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard descriptor >= 0, bound == 0, listen(descriptor, 4) == 0 else {
            if descriptor >= 0 { close(descriptor) }
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in
            serve(response: Array(response.utf8))
            done.signal()
        }
        thread.start()
    }

    deinit { close(listener) }

    /// The request as received (waits for the server thread, at most 60 s).
    func received() -> String {
        _ = done.wait(timeout: .now() + 60)
        return lock.withLock { String(decoding: request, as: UTF8.self) }
    }

    private func serve(response: [UInt8]) {
        var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 60_000) > 0 else { return }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return }
        defer { close(connection) }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var data = Data()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            var readable = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
            guard poll(&readable, 1, 1_000) > 0 else { continue }
            let count = read(connection, &buffer, buffer.count)
            guard count > 0 else { break }
            data.append(contentsOf: buffer[0..<count])
            if let end = data.range(of: Data("\r\n\r\n".utf8)) {
                let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).lowercased()
                let length =
                    head.components(separatedBy: "\r\n")
                    .first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if data.count - end.upperBound >= length { break }
            }
        }
        lock.withLock { request = data }
        _ = response.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}
