import CryptoExtras
import Foundation
import XCTest

@testable import OAuth2Tokens

final class OAuth2TokenRequestTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func form(_ fields: [(String, String)]) -> [String: String] {
        Dictionary(fields, uniquingKeysWith: { first, _ in first })
    }

    func testGoogleGrantIsAnRS256JWTWithTheDocumentedClaimsAndAValidSignature() throws {
        let key = try ServiceAccountKey(json: OAuth2TestKeys.serviceAccountJSON(), source: "sa.json")
        let grant = OAuth2Grant(
            kind: .serviceAccount(key, subject: "alice@northwind.example"), tokenURL: key.tokenURI,
            scope: "https://mail.google.com/", provider: .google)
        let fields = form(try OAuth2TokenRequest.fields(for: grant, now: now, jti: "unused"))
        XCTAssertEqual(fields["grant_type"], "urn:ietf:params:oauth:grant-type:jwt-bearer")
        let jwt = try XCTUnwrap(OAuth2TestKeys.decode(try XCTUnwrap(fields["assertion"])))
        XCTAssertEqual(jwt.header["alg"] as? String, "RS256")
        XCTAssertEqual(jwt.header["typ"] as? String, "JWT")
        XCTAssertEqual(jwt.header["kid"] as? String, "0a1b2c3d4e")
        XCTAssertEqual(jwt.claims["iss"] as? String, "scanner@northwind-sales.iam.gserviceaccount.com")
        XCTAssertEqual(jwt.claims["sub"] as? String, "alice@northwind.example")
        XCTAssertEqual(jwt.claims["scope"] as? String, "https://mail.google.com/")
        XCTAssertEqual(jwt.claims["aud"] as? String, "https://oauth2.googleapis.com/token")
        XCTAssertEqual(jwt.claims["iat"] as? Int, 1_800_000_000)
        let exp = try XCTUnwrap(jwt.claims["exp"] as? Int)
        XCTAssertGreaterThan(exp, 1_800_000_000)
        XCTAssertLessThanOrEqual(exp, 1_800_000_000 + 3600)
        let signature = _RSA.Signing.RSASignature(rawRepresentation: jwt.signature)
        XCTAssertTrue(
            OAuth2TestKeys.rsa.publicKey.isValidSignature(
                signature, for: Array(jwt.input.utf8), padding: .insecurePKCS1v1_5))
        XCTAssertFalse(
            OAuth2TestKeys.rsa.publicKey.isValidSignature(
                signature, for: Array((jwt.input + "x").utf8), padding: .insecurePKCS1v1_5))
    }

    func testClientSecretGrantSendsMicrosoftsFields() throws {
        let grant = OAuth2Grant(
            kind: .clientCredentials(clientID: "app-1", credential: .secret("fake secret&=")),
            tokenURL: "https://login.microsoftonline.com/northwind.onmicrosoft.com/oauth2/v2.0/token",
            scope: "https://outlook.office365.com/.default", provider: .microsoft)
        let fields = try OAuth2TokenRequest.fields(for: grant, now: now, jti: "j")
        XCTAssertEqual(
            String(decoding: OAuth2TokenRequest.formEncoded(fields), as: UTF8.self),
            "client_id=app-1&scope=https%3A%2F%2Foutlook.office365.com%2F.default&grant_type=client_credentials"
                + "&client_secret=fake%20secret%26%3D")
    }

    func testClientAssertionCarriesTheCertificatesThumbprintAndIsSignedWithItsKey() throws {
        let made = try OAuth2TestKeys.certificate()
        let certificate = try ClientCertificate(certificatePEM: made.certificate, privateKeyPEM: made.key, source: "t")
        let expected = try XCTUnwrap(OAuth2TestKeys.base64URLDecode(certificate.sha1Thumbprint))
        XCTAssertEqual(expected.map { String(format: "%02x", $0) }.joined(), made.sha1Hex)
        let url = "https://login.microsoftonline.com/t/oauth2/v2.0/token"
        let grant = OAuth2Grant(
            kind: .clientCredentials(clientID: "app-1", credential: .certificate(certificate)), tokenURL: url,
            scope: "https://outlook.office365.com/.default", provider: .microsoft)
        let fields = form(try OAuth2TokenRequest.fields(for: grant, now: now, jti: "jti-1"))
        XCTAssertNil(fields["client_secret"])
        XCTAssertEqual(fields["client_assertion_type"], "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        let jwt = try XCTUnwrap(OAuth2TestKeys.decode(try XCTUnwrap(fields["client_assertion"])))
        XCTAssertEqual(jwt.header["x5t"] as? String, certificate.sha1Thumbprint)
        XCTAssertEqual(jwt.header["x5t#S256"] as? String, certificate.sha256Thumbprint)
        XCTAssertEqual(jwt.claims["aud"] as? String, url)
        XCTAssertEqual(jwt.claims["iss"] as? String, "app-1")
        XCTAssertEqual(jwt.claims["sub"] as? String, "app-1")
        XCTAssertEqual(jwt.claims["jti"] as? String, "jti-1")
        XCTAssertEqual(jwt.claims["nbf"] as? Int, 1_800_000_000)
        let publicKey = try _RSA.Signing.PrivateKey(pemRepresentation: made.key).publicKey
        XCTAssertTrue(
            publicKey.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: jwt.signature), for: Array(jwt.input.utf8),
                padding: .insecurePKCS1v1_5))
    }

    func testKeyFilesThatCannotWorkAreRefusedWithTheReason() {
        func reason(_ json: [UInt8]) -> String {
            do {
                _ = try ServiceAccountKey(json: json, source: "sa.json")
                return "accepted"
            } catch { return error.detail }
        }
        XCTAssertTrue(reason(Array("not json".utf8)).contains("not a service account key"))
        XCTAssertTrue(reason(OAuth2TestKeys.serviceAccountJSON(type: "authorized_user")).contains("'authorized_user'"))
        XCTAssertTrue(
            reason(
                OAuth2TestKeys.serviceAccountJSON(
                    privateKey: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")
            ).contains("not an RSA private key"))
        XCTAssertEqual(reason(OAuth2TestKeys.serviceAccountJSON()), "accepted")
    }

    func testGrantsKeysAndCredentialsNeverPrintOrDumpTheirSecrets() throws {
        let key = try ServiceAccountKey(json: OAuth2TestKeys.serviceAccountJSON(), source: "sa.json")
        let grants = [
            OAuth2Grant(
                kind: .serviceAccount(key, subject: "a@x.example"), tokenURL: "https://t.example/token", scope: "s",
                provider: .google),
            OAuth2Grant(
                kind: .clientCredentials(clientID: "c", credential: .secret("client-secret-value-91")),
                tokenURL: "https://t.example/token", scope: "s", provider: .microsoft),
            OAuth2Grant(
                kind: .refreshToken(
                    clientID: "c", clientSecret: "client-secret-value-91",
                    store: RefreshTokenValue(token: "refresh-token-value-77", name: "env:R") { _ in }),
                tokenURL: "https://t.example/token", scope: "s", provider: .other),
        ]
        let keyLine = try XCTUnwrap(
            OAuth2TestKeys.rsa.pemRepresentation.split(separator: "\n").first { $0.count > 40 })
        for grant in grants {
            var dumped = ""
            dump(grant, to: &dumped)
            for text in [
                "\(grant)", String(reflecting: grant), dumped, "\(grant.kind)", String(reflecting: grant.kind),
            ] {
                XCTAssertFalse(text.contains("client-secret-value-91"), text)
                XCTAssertFalse(text.contains("refresh-token-value-77"), text)
                XCTAssertFalse(text.contains(keyLine), text)
            }
        }
        var dumpedKey = ""
        dump(key, to: &dumpedKey)
        XCTAssertFalse(dumpedKey.contains(keyLine))
        XCTAssertEqual("\(ClientCredential.secret("client-secret-value-91"))", "secret(***)")
    }
}
