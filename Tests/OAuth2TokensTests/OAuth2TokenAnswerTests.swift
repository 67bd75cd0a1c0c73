import XCTest

@testable import OAuth2Tokens

final class OAuth2TokenAnswerTests: XCTestCase {
    private func google() throws -> OAuth2Grant {
        let key = try ServiceAccountKey(json: OAuth2TestKeys.serviceAccountJSON(), source: "sa.json")
        return OAuth2Grant(
            kind: .serviceAccount(key, subject: "bob@northwind.example"), tokenURL: key.tokenURI,
            scope: "https://mail.google.com/", provider: .google)
    }

    private func refusal(_ body: String, status: Int = 400, grant: OAuth2Grant) -> OAuth2Error? {
        do {
            _ = try OAuth2TokenAnswer.read(status: status, body: Array(body.utf8), grant: grant)
            return nil
        } catch { return error }
    }

    func testATokenAnswerIsRead() throws {
        let answer = try OAuth2TokenAnswer.read(
            status: 200, body: Array(#"{"access_token":"ya29.x","expires_in":3599,"token_type":"Bearer"}"#.utf8),
            grant: try google())
        XCTAssertEqual(answer, OAuth2TokenAnswer(accessToken: "ya29.x", expiresIn: 3599, refreshToken: nil))
    }

    func testGoogleRefusalsSayWhatTheAdminMustFix() throws {
        let unauthorized = refusal(
            #"{"error":"unauthorized_client","error_description":"Client is unauthorized to retrieve access tokens using this method"}"#,
            grant: try google())
        XCTAssertEqual(unauthorized?.code, .refused)
        XCTAssertTrue(
            unauthorized?.hint?.contains("Domain-wide delegation → add client ID 104857600000000000001") == true)
        XCTAssertTrue(unauthorized?.hint?.contains("https://mail.google.com/") == true)
        let invalid = refusal(
            #"{"error":"invalid_grant","error_description":"Invalid email or User ID"}"#, grant: try google())
        XCTAssertTrue(invalid?.description.contains("invalid_grant: Invalid email or User ID") == true)
        XCTAssertTrue(invalid?.hint?.contains("bob@northwind.example is an active Google Workspace user") == true)
    }

    func testMicrosoftCodesMapToTheirFixes() {
        let grant = OAuth2Grant(
            kind: .clientCredentials(clientID: "app", credential: .secret("x")),
            tokenURL: "https://login.microsoftonline.com/t/oauth2/v2.0/token",
            scope: "https://outlook.office365.com/.default", provider: .microsoft)
        let consent = refusal(
            #"{"error":"invalid_grant","error_description":"AADSTS65001: The user or administrator has not consented to use the application with ID 'app'."}"#,
            grant: grant)
        XCTAssertTrue(consent?.hint?.contains("IMAP.AccessAsApp → Grant admin consent") == true)
        let expired = refusal(
            #"{"error":"invalid_client","error_description":"AADSTS7000222: The provided client secret keys are expired."}"#,
            status: 401, grant: grant)
        XCTAssertTrue(expired?.hint?.contains("expired") == true)
    }

    func testOutagesAndNonsenseAreNotRefusals() throws {
        XCTAssertEqual(refusal("", status: 503, grant: try google())?.code, .unavailable)
        XCTAssertEqual(refusal(#"{"error":"rate"}"#, status: 429, grant: try google())?.code, .unavailable)
        let html = refusal("<html>Not found</html>", status: 404, grant: try google())
        XCTAssertEqual(html?.code, .invalidAnswer)
        XCTAssertTrue(html?.hint?.contains("tokenURL") == true)
        XCTAssertEqual(
            refusal(#"{"access_token":"x","token_type":"MAC"}"#, status: 200, grant: try google())?.code, .invalidAnswer
        )
    }

    func testBusyAnswersAndLenientLifetimesAreReadAsTheyAreMeant() throws {
        XCTAssertEqual(
            refusal(#"{"error":"temporarily_unavailable","error_description":"try later"}"#, grant: try google())?.code,
            .unavailable)
        XCTAssertEqual(refusal("<html>captive portal</html>", status: 200, grant: try google())?.code, .unavailable)
        XCTAssertEqual(refusal("", status: 408, grant: try google())?.code, .unavailable)
        let answer = try OAuth2TokenAnswer.read(
            status: 200, body: Array(#"{"access_token":"a","expires_in":"3599","token_type":"Bearer"}"#.utf8),
            grant: try google())
        XCTAssertEqual(answer.expiresIn, 3599)
    }
}
