import Foundation
import Testing

@testable import GongEngagement
@testable import GongHTTP

#if canImport(Glibc)
    import Glibc
#endif

/// A real TLS server on 127.0.0.1 with a self-signed certificate (openssl + python3's `ssl`): it answers every PUT
/// with Gong's 200 and a `requestId`, and records the bodies it got.
final class SelfSignedTLSServer {
    let folder: URL
    let port: Int
    private let process: Process

    var certificatePath: String { folder.appendingPathComponent("cert.pem").path }
    var baseURL: String { "https://127.0.0.1:\(port)" }

    static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
    }

    static let script = """
        import http.server, json, os, signal, ssl, sys
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        folder = sys.argv[1]
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def do_PUT(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with open(os.path.join(folder, "received"), "ab") as f: f.write(body + b"\\n")
                answer = json.dumps({"requestId": "4412312312312312312"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            def log_message(self, *args): pass
        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem"))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sd-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
            folder.appendingPathComponent("key.pem").path, "-out", folder.appendingPathComponent("cert.pem").path,
            "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        guard openssl.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        try Data(Self.script.utf8).write(to: folder.appendingPathComponent("server.py"))
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [folder.appendingPathComponent("server.py").path, folder.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line: [UInt8] = []
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            guard let first = byte.first, first != 10 else { break }
            line.append(first)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            kill(process.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadUnknown)
        }
        self.port = port
    }

    /// The bodies received, one per line.
    func received() -> String {
        (try? String(contentsOf: folder.appendingPathComponent("received"), encoding: .utf8)) ?? ""
    }

    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: folder)
    }
}

@Suite(
    "GongClient over TLS with caFile", .serialized,
    .enabled(if: SelfSignedTLSServer.isAvailable, "needs /usr/bin/openssl and /usr/bin/python3"))
struct GongClientTLSTests {
    @Test("caFile trusting a self-signed certificate: TLS works; without it: a tls transport error, nothing sent")
    func caFileTrustsASelfSignedServer() throws {
        let server = try SelfSignedTLSServer()
        defer { server.stop() }
        let credentials = GongCredentials.bearer(token: "tls-test-token-5f1e")

        let untrusted = GongClient(baseURL: server.baseURL, credentials: credentials, totalTimeout: 5)
        let refused = untrusted.send(GongClientTests.event("tls-untrusted"))
        guard case .transportError(.tls, let message) = refused else {
            Issue.record("expected a tls transport error, got \(refused)")
            return
        }
        #expect(message.contains("certificate") || message.contains("SSL"), "\(message)")
        #expect(server.received().isEmpty)

        let trusted = GongClient(
            baseURL: server.baseURL, credentials: credentials, totalTimeout: 5, caFile: server.certificatePath)
        let accepted = trusted.send(GongClientTests.event("tls-trusted"))
        guard case .response(200, "4412312312312312312", _, nil) = accepted else {
            Issue.record("expected 200 over TLS, got \(accepted)")
            return
        }
        #expect(server.received().contains("\"eventId\":\"tls-trusted\""))

        let wrongCA = GongClient(
            baseURL: server.baseURL, credentials: credentials, totalTimeout: 5, caFile: "/nonexistent/ca.pem")
        guard case .transportError(.tls, _) = wrongCA.send(GongClientTests.event("tls-missing-ca")) else {
            Issue.record("a missing caFile must be a tls error")
            return
        }
    }
}
