import Testing

@testable import GongEngagement

/// `GongUsersPage.decode` and `GongUser.decodeArray`: Gong's `GET /v2/users` body, pure.
@Suite("Gong users decoding")
struct GongUsersDecodingTests {
    /// A 200 body built from the examples of Gong's own spec (`UsersMetadata`, `UserMetadata`, `Records`, `Settings`,
    /// `spokenLanguage` in the 2024-11 OpenAPI export), with a second user carrying `null`s as Gong sends them.
    static let documentedSample = #"""
        {"requestId":"4al018gzaztcr8nbukw",
         "records":{"totalRecords":263,"currentPageSize":100,"currentPageNumber":0,
                    "cursor":"eyJhbGciOiJIUzI1NiJ9.eyJjYWxsSWQiM1M30.6qKwpOcvnuweTZmFRzYdtjs_YwJphJU4QIwWFM"},
         "users":[
          {"id":"234599484848423","emailAddress":"test@test.com","created":"2018-02-17T02:30:00-08:00","active":true,
           "emailAliases":["testAlias@test.com"],"trustedEmailAddress":"test@test.com","firstName":"Jon",
           "lastName":"Snow","title":"Enterprise Account Executive","phoneNumber":"+1 123-567-8989","extension":"123",
           "personalMeetingUrls":["https://zoom.us/j/123"],
           "settings":{"webConferencesRecorded":true,"preventWebConferenceRecording":false,
                       "telephonyCallsImported":false,"emailsImported":true,"preventEmailImport":false,
                       "nonRecordedMeetingsImported":true,"gongConnectEnabled":true},
           "managerId":"563515258458745",
           "meetingConsentPageUrl":"https://join.gong.io/my-company/jon.snow?tkn=MoNpS9tMNt8BK7EZxQpSJl",
           "spokenLanguages":[{"language":"es-ES","primary":true}]},
          {"id":"9007199254740993","emailAddress":"alice@northwind.example","created":"2024-01-01T00:00:00Z",
           "active":false,"emailAliases":null,"trustedEmailAddress":null,"firstName":null,"lastName":null,
           "title":null,"phoneNumber":null,"extension":null,"personalMeetingUrls":[],"settings":{},
           "managerId":null,"meetingConsentPageUrl":null,"spokenLanguages":[],"someFieldGongAddsLater":{"x":1}}
         ]}
        """#

    static func decode(_ text: String) throws(GongUsersDecodingError) -> GongUsersPage {
        try GongUsersPage.decode(Array(text.utf8))
    }

    @Test("Gong's documented sample: users, cursor, totals, request id; other fields ignored")
    func documentedSample() throws {
        let page = try Self.decode(Self.documentedSample)
        #expect(page.requestId == "4al018gzaztcr8nbukw")
        #expect(page.totalRecords == 263)
        #expect(page.cursor == "eyJhbGciOiJIUzI1NiJ9.eyJjYWxsSWQiM1M30.6qKwpOcvnuweTZmFRzYdtjs_YwJphJU4QIwWFM")
        #expect(
            page.users == [
                GongUser(
                    id: "234599484848423", emailAddress: "test@test.com", active: true,
                    emailAliases: ["testAlias@test.com"], firstName: "Jon", lastName: "Snow",
                    title: "Enterprise Account Executive"),
                GongUser(id: "9007199254740993", emailAddress: "alice@northwind.example", active: false),
            ])
    }

    @Test("ids stay the exact strings: above Int32, above 2^53, 20 digits above Int64")
    func idsStayStrings() throws {
        let ids = ["2147483648", "9007199254740993", "9223372036854775808", "99999999999999999999", "007"]
        let users = ids.map { #"{"id":"\#($0)","emailAddress":"u\#($0)@x.example","active":true}"# }
        let page = try Self.decode(#"{"users":[\#(users.joined(separator: ","))]}"#)
        #expect(page.users.map(\.id) == ids)
    }

    @Test("the last page: no cursor (absent, null or empty), no records at all")
    func lastPage() throws {
        let user = #"{"id":"1","emailAddress":"a@b.example","active":true}"#
        #expect(try Self.decode(#"{"records":{"totalRecords":1},"users":[\#(user)]}"#).cursor == nil)
        #expect(try Self.decode(#"{"records":{"cursor":null},"users":[\#(user)]}"#).cursor == nil)
        #expect(try Self.decode(#"{"records":{"cursor":""},"users":[\#(user)]}"#).cursor == nil)
        let bare = try Self.decode(#"{"users":[]}"#)
        #expect(bare == GongUsersPage(users: []))
        // An odd request id is no reason to refuse the page.
        #expect(try Self.decode(#"{"requestId":42,"users":[]}"#).requestId == nil)
    }

    @Test(
        "malformed bodies: one typed error with the JSON path",
        arguments: [
            ("not json", "not valid JSON"),
            ("", "not valid JSON"),
            (#"{"records":{}}"#, "users: required field is missing"),
            (#"[]"#, "expected an object"),
            (#"{"users":{}}"#, "users: expected an array"),
            (#"{"users":[{"emailAddress":"a@b.example","active":true}]}"#, "users[0].id: required field is missing"),
            (
                #"{"users":[{"id":"1","emailAddress":"a@b.example","active":true},{"id":9007199254740993,"emailAddress":"c@d.example","active":true}]}"#,
                "users[1].id: expected a string (Gong user ids are numbers of up to 20 digits written as JSON strings)"
            ),
            (
                #"{"users":[{"id":"1","emailAddress":null,"active":true}]}"#,
                "users[0].emailAddress: expected a string, found null"
            ),
            (
                #"{"users":[{"id":"1","emailAddress":"a@b.example","active":"yes"}]}"#,
                "users[0].active: expected true or false"
            ),
            (
                #"{"users":[{"id":"1","emailAddress":"a@b.example","active":true,"emailAliases":"x@y.example"}]}"#,
                "users[0].emailAliases: expected an array"
            ),
            (#"{"records":{"totalRecords":"250"},"users":[]}"#, "records.totalRecords: expected an integer"),
            (#"{"records":{"cursor":17},"users":[]}"#, "records.cursor: expected a string"),
        ])
    func malformed(body: String, expected: String) {
        do {
            let page = try Self.decode(body)
            Issue.record("expected \(expected), decoded \(page)")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test("a decoding error never quotes the body")
    func errorQuotesNothing() {
        let secret = "Bearer-abc123-SECRET-in-body"
        for body in [
            #"{"users":[{"id":"1","emailAddress":"a@b.example","active":"\#(secret)"}]}"#,
            #"{"users":"\#(secret)"}"#, "\(secret) not json",
        ] {
            do {
                _ = try Self.decode(body)
                Issue.record("expected an error for \(body)")
            } catch {
                #expect(!error.description.contains(secret))
                #expect(!error.path.contains(secret))
            }
        }
    }

    @Test("a JSON array of users (the sandbox's file format); not an array is an error")
    func decodeArray() throws {
        let users = try GongUser.decodeArray(
            Array(#"[{"id":"5","emailAddress":"e@x.example","active":false,"title":"SE","extra":1}]"#.utf8))
        #expect(users == [GongUser(id: "5", emailAddress: "e@x.example", active: false, title: "SE")])
        #expect(throws: GongUsersDecodingError(path: "", problem: "expected an array")) {
            try GongUser.decodeArray(Array(#"{"users":[]}"#.utf8))
        }
        #expect(throws: GongUsersDecodingError(path: "[0].active", problem: "required field is missing")) {
            try GongUser.decodeArray(Array(#"[{"id":"5","emailAddress":"e@x.example"}]"#.utf8))
        }
    }
}
