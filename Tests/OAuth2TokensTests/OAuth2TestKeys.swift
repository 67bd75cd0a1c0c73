import CryptoExtras
import Foundation

@testable import OAuth2Tokens

/// Keys and key files for the tests, made once per process with swift-crypto and, for certificates, openssl.
enum OAuth2TestKeys {
    /// A 2048-bit RSA key.
    static let rsa: _RSA.Signing.PrivateKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    /// A service account key file for `rsa`.
    static func serviceAccountJSON(
        email: String = "scanner@northwind-sales.iam.gserviceaccount.com",
        tokenURI: String = "https://oauth2.googleapis.com/token",
        type: String = "service_account", privateKey: String? = nil
    ) -> [UInt8] {
        let object: [String: Any] = [
            "type": type, "project_id": "northwind-sales", "private_key_id": "0a1b2c3d4e",
            "private_key": privateKey ?? rsa.pemRepresentation, "client_email": email,
            "client_id": "104857600000000000001",
            "token_uri": tokenURI,
        ]
        return Array(try! JSONSerialization.data(withJSONObject: object))
    }

    /// Splits a compact JWS into its decoded header, claims and the signature bytes.
    static func decode(_ jwt: String) -> (
        header: [String: Any], claims: [String: Any], signature: [UInt8], input: String
    )? {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let header = base64URLDecode(parts[0]), let claims = base64URLDecode(parts[1]),
            let signature = base64URLDecode(parts[2]),
            let headerObject = try? JSONSerialization.jsonObject(with: Data(header)) as? [String: Any],
            let claimsObject = try? JSONSerialization.jsonObject(with: Data(claims)) as? [String: Any]
        else { return nil }
        return (headerObject, claimsObject, signature, parts[0] + "." + parts[1])
    }

    static func base64URLDecode(_ text: String) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map(Array.init)
    }

    /// A self-signed certificate and its key (PEM), made by openssl, with openssl's SHA-1 fingerprint (hex).
    static func certificate() throws -> (certificate: String, key: String, sha1Hex: String) {
        let directory = NSTemporaryDirectory() + "oauth2-cert-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try run([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(directory)/key.pem", "-out",
            "\(directory)/cert.pem", "-days", "2", "-subj", "/CN=share-detector-test",
        ])
        let fingerprint = try run(["x509", "-in", "\(directory)/cert.pem", "-noout", "-fingerprint", "-sha1"])
        let hex = fingerprint.split(separator: "=").last.map { $0.replacingOccurrences(of: ":", with: "") } ?? ""
        return (
            try String(contentsOfFile: "\(directory)/cert.pem", encoding: .utf8),
            try String(contentsOfFile: "\(directory)/key.pem", encoding: .utf8),
            hex.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        )
    }

    private static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
        return String(decoding: output, as: UTF8.self)
    }
}
