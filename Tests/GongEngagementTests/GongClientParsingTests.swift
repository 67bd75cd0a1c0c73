import Foundation
import Testing

@testable import GongEngagement
@testable import GongHTTP

@Suite("GongClient response parsing")
struct GongClientParsingTests {
    @Test("Gong's error envelope")
    func envelope() {
        let parsed = GongClient.parseBody(
            Array(#"{"requestId":"4al018gzaztcr8nbukw","errors":["a","b"]}"#.utf8), status: 400)
        #expect(parsed.requestId == "4al018gzaztcr8nbukw")
        #expect(parsed.errors == ["a", "b"])
    }

    @Test(
        "lenient bodies",
        arguments: [
            (#"{"requestId":"r1"}"#, 200, "r1", [String]()),
            (#"{"requestId":"r2","integrationId":5517027188234205706}"#, 200, "r2", []),
            (#"{"requestId":12345,"errors":"one string"}"#, 400, "12345", ["one string"]),
            (
                #"{"errors":[{"field":"x","message":"bad"}, 7, null]}"#, 400, nil,
                [#"{"field":"x","message":"bad"}"#, "7", "<null>"]
            ),
            (#"{"errors":{"code":1}}"#, 500, nil, [#"{"code":1}"#]),
            (#"{"message":"Unauthorized"}"#, 401, nil, ["Unauthorized"]),
            (#"{"requestId":"r3","errors":null}"#, 409, "r3", []),
            ("", 502, nil, []),
            ("<html>Bad\ngateway</html>", 502, nil, ["non-JSON response body (24 bytes): <html>Bad gateway</html>"]),
            ("OK", 200, nil, []),
            (#"["array"]"#, 500, nil, [#"non-JSON response body (9 bytes): ["array"]"#]),
        ] as [(String, Int, String?, [String])])
    func lenient(body: String, status: Int, requestId: String?, errors: [String]) {
        let parsed = GongClient.parseBody(Array(body.utf8), status: status)
        #expect(parsed.requestId == requestId)
        #expect(parsed.errors == errors)
    }

    @Test("Retry-After: seconds or an HTTP-date")
    func retryAfter() {
        #expect(GongClient.parseRetryAfter("3") == 3)
        #expect(GongClient.parseRetryAfter(" 0 ") == 0)
        #expect(GongClient.parseRetryAfter("-1") == nil)
        #expect(GongClient.parseRetryAfter("soon") == nil)
        let now = Date(timeIntervalSince1970: 1_445_412_470)  // Wed, 21 Oct 2015 07:27:50 GMT
        #expect(GongClient.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now: now) == 10)
        #expect(GongClient.parseRetryAfter("Wed, 21 Oct 2015 07:20:00 GMT", now: now) == 0)
    }

    @Test(
        "libcurl codes map to transport kinds",
        arguments: [
            (28, GongTransportErrorKind.timeout), (7, .connectionRefused), (52, .connectionReset),
            (55, .connectionReset), (56, .connectionReset), (6, .dnsFailure), (5, .dnsFailure), (35, .tls),
            (60, .tls), (77, .tls), (58, .tls), (64, .tls), (66, .tls), (1, .other), (3, .other), (23, .other),
            (67, .other),
        ])
    func kinds(code: Int, kind: GongTransportErrorKind) {
        #expect(GongTransportErrorKind(curlCode: code) == kind)
    }

    @Test("credentials redact themselves, longest secret first")
    func redaction() {
        let credentials = GongCredentials.basic(accessKey: "ACCESSKEY1", secret: "s3cr3t-value")
        let header = credentials.authorizationHeaderValue
        #expect(header == "Basic " + Base64.encode(Array("ACCESSKEY1:s3cr3t-value".utf8)))
        let text = "url http://ACCESSKEY1:s3cr3t-value@host/ and \(header)"
        let redacted = credentials.redact(text)
        #expect(!redacted.contains("s3cr3t"))
        #expect(!redacted.contains("ACCESSKEY1"))
        #expect(GongCredentials.bearer(token: "tok").redact("a tok b") == "a <redacted> b")
        #expect(GongCredentials.basic(accessKey: "k", secret: "s1").redact("kiosk") == "kiosk")
    }

    @Test("Base64 matches Foundation for every length mod 3")
    func base64() {
        for text in ["", "a", "ab", "abc", "abcd", "key:secret", "ü€😀"] {
            #expect(Base64.encode(Array(text.utf8)) == Data(text.utf8).base64EncodedString())
        }
    }

    @Test("a client's description names only the base URL")
    func description() {
        let client = GongClient(baseURL: "https://us-1.api.gong.io/", credentials: .bearer(token: "tok-secret-123"))
        #expect(client.description == "GongClient(https://us-1.api.gong.io)")
        #expect(client.baseURL == "https://us-1.api.gong.io")
    }
}

@Suite("GongClient base URL")
struct GongClientBaseURLTests {
    @Test(
        "user info is removed from the base URL",
        arguments: [
            ("https://key:secret@us-1.api.gong.io", "https://us-1.api.gong.io"),
            ("http://k:s@127.0.0.1:8085/", "http://127.0.0.1:8085/"),
            ("https://us-1.api.gong.io/path@x", "https://us-1.api.gong.io/path@x"),
            ("https://us-1.api.gong.io", "https://us-1.api.gong.io"),
            ("no-scheme@host", "no-scheme@host"),
        ])
    func userInfo(url: String, expected: String) {
        #expect(GongClient.removingUserInfo(url) == expected)
    }
}
