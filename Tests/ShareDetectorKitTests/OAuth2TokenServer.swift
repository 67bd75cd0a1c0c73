import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// The strict OAuth 2 token server of `Tests/Support/oauth2_token_server.py` (python3 + cryptography) as a child
/// process on a free loopback port, with the keys it trusts: a service account's RSA key (as Google's JSON key file)
/// and an application's certificate, both made by openssl for this server only.
final class OAuth2TokenServer: @unchecked Sendable {
    /// Whether python3 with the `cryptography` package is there; tests skip with ``skipMessage`` when not.
    static var isAvailable: Bool {
        guard let result = try? DovecotHarness.run("/usr/bin/env", ["python3", "-c", "import cryptography"]) else {
            return false
        }
        return result.status == 0
    }

    /// Why tests skip.
    static let skipMessage =
        "SKIPPED: python3 with the cryptography package is not installed (apt-get install -y python3-cryptography)"

    /// The tenant of the Microsoft application.
    static let tenant = "northwind.onmicrosoft.com"
    /// The application's client id.
    static let clientID = "6b1f0c2e-0d4b-4c9a-9a51-3e2f1a7c0d11"
    /// The application's client secret.
    static let clientSecret = "fake-app-secret-for-tests~0"
    /// The service account.
    static let serviceAccount = "scanner@northwind-sales.iam.gserviceaccount.com"

    let directory: URL
    let port: Int
    private let process = Process()
    /// The service account's JSON key file (token_uri pointing here).
    let serviceAccountKeyPath: String
    /// The service account's private key PEM (to grep outputs for).
    let serviceAccountPrivateKey: String
    /// The application's certificate and key files (PEM).
    let certificatePath: String
    let certificateKeyPath: String

    /// Google's token endpoint here.
    var googleTokenURL: String { "http://127.0.0.1:\(port)/token" }
    /// Microsoft's token endpoint for ``tenant`` here.
    var microsoftTokenURL: String { "http://127.0.0.1:\(port)/\(Self.tenant)/oauth2/v2.0/token" }
    /// Dovecot's introspection URL.
    var introspectionURL: String { "http://127.0.0.1:\(port)/introspect" }

    /// Starts the server trusting a fresh service account (delegated `https://mail.google.com/` for `users`), the
    /// application (secret and certificate, consented), and `refreshTokens`.
    init(
        users: [String], tokenLifetimeSeconds: Int = 3600,
        refreshTokens: [(token: String, user: String, rotate: Bool)] = []
    ) throws {
        directory = try CLI.temporaryFolder()
        let path = directory.path
        func openssl(_ arguments: [String]) throws {
            let result = try DovecotHarness.run("/usr/bin/openssl", arguments)
            guard result.status == 0 else { throw DovecotHarness.Failure(description: "openssl: \(result.output)") }
        }
        try openssl([
            "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "\(path)/sa-key.pem",
        ])
        try openssl(["pkey", "-in", "\(path)/sa-key.pem", "-pubout", "-out", "\(path)/sa-public.pem"])
        try openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(path)/app-key.pem", "-out",
            "\(path)/app-cert.pem", "-days", "2", "-subj", "/CN=share-detector-app",
        ])
        serviceAccountPrivateKey = try String(contentsOfFile: "\(path)/sa-key.pem", encoding: .utf8)
        certificatePath = "\(path)/app-cert.pem"
        certificateKeyPath = "\(path)/app-key.pem"
        port = try DovecotHarness.freePorts(1)[0]
        serviceAccountKeyPath = "\(path)/service-account.json"
        let key: [String: Any] = [
            "type": "service_account", "project_id": "northwind-sales", "private_key_id": "5f1e0c9d8b7a",
            "private_key": serviceAccountPrivateKey, "client_email": Self.serviceAccount,
            "client_id": "104857600000000000001", "token_uri": "http://127.0.0.1:\(port)/token",
        ]
        try JSONSerialization.data(withJSONObject: key).write(to: URL(fileURLWithPath: serviceAccountKeyPath))
        chmod(serviceAccountKeyPath, 0o600)
        let config: [String: Any] = [
            "port": port, "portFile": "\(path)/port", "tokenLifetimeSeconds": tokenLifetimeSeconds,
            "serviceAccounts": [
                [
                    "clientEmail": Self.serviceAccount, "keyId": "5f1e0c9d8b7a",
                    "publicKeyPEM": try String(contentsOfFile: "\(path)/sa-public.pem", encoding: .utf8),
                ]
            ],
            "delegatedScopes": ["https://mail.google.com/"], "users": users,
            "apps": [
                [
                    "tenant": Self.tenant, "clientId": Self.clientID, "clientSecret": Self.clientSecret,
                    "certificatePEM": try String(contentsOfFile: certificatePath, encoding: .utf8),
                    "consented": true, "mailDomain": "northwind.example",
                ]
            ],
            "refreshTokens": refreshTokens.map {
                [
                    "token": $0.token, "clientId": Self.clientID, "clientSecret": NSNull(), "user": $0.user,
                    "rotate": $0.rotate,
                ]
                    as [String: Any]
            },
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: "\(path)/config.json"))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/oauth2_token_server.py").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c", DovecotHarness.unblockAndExec, "/usr/bin/env", "python3", script, "\(path)/config.json",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(15)
        while !FileManager.default.fileExists(atPath: "\(path)/port") {
            guard Date() < deadline, process.isRunning else {
                stop()
                throw DovecotHarness.Failure(description: "the token server did not start")
            }
            usleep(20_000)
        }
    }

    /// Stops the server and removes its files.
    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Calls an admin endpoint (`POST` with a form, or `GET` without); returns the JSON object.
    @discardableResult
    func admin(_ path: String, form: [String: String]? = nil) throws -> [String: Any] {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        if let form {
            request.httpMethod = "POST"
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            request.httpBody = Data(
                form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
                    .joined(separator: "&").utf8)
        }
        nonisolated(unsafe) var result: Data?
        let semaphore = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, _, _ in
            result = data
            semaphore.signal()
        }.resume()
        _ = semaphore.wait(timeout: .now() + 20)
        return try JSONSerialization.jsonObject(with: result ?? Data()) as? [String: Any] ?? [:]
    }

    /// `/admin/stats`.
    func stats() throws -> [String: Any] { try admin("/admin/stats") }

    /// Token requests granted, by grant (`jwt-bearer`, `client_credentials`, `refresh_token`), then by subject.
    func grants(_ grant: String) throws -> [String: Int] {
        ((try stats()["tokenRequests"] as? [String: Any])?[grant] as? [String: Int]) ?? [:]
    }

    /// Every access token issued so far.
    func accessTokens() throws -> [String] { try stats()["accessTokens"] as? [String] ?? [] }
}
