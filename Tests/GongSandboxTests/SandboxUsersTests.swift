import Foundation
import GongEngagement
import Testing

@testable import GongSandbox

/// The `--users` file (`SandboxUsers`) and the paging over it (`UsersListing`), without a server.
@Suite("Sandbox users file and listing")
struct SandboxUsersTests {
    /// Writes `text` to a fresh file and returns its path.
    static func file(_ text: String) -> String {
        let path = NSTemporaryDirectory() + "sandbox-users-\(UUID().uuidString).json"
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    /// The message `load` fails with for a file holding `text` (recorded as an issue when it loads).
    static func loadError(_ text: String) -> (path: String, message: String) {
        let path = file(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let users = try SandboxUsers.load(path: path)
            Issue.record("expected an error, loaded \(users)")
            return (path, "")
        } catch {
            return (path, error.message)
        }
    }

    @Test("a valid file: required fields, optional ones defaulted, unknown ones ignored, ids kept as strings")
    func loadsValidFile() throws {
        let path = Self.file(
            #"""
            [{"id": "234599484848423", "emailAddress": "alice@northwind.example", "active": true,
              "firstName": "Alice", "lastName": "Smith", "title": "AE", "emailAliases": ["a.smith@northwind.example"],
              "created": "2024-01-01T00:00:00Z", "settings": {}},
             {"id": "9007199254740993", "emailAddress": "bob@northwind.example", "active": false},
             {"id": "99999999999999999999", "emailAddress": "carol@northwind.example", "active": true,
              "emailAliases": null, "title": null}]
            """#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let users = try SandboxUsers.load(path: path)
        #expect(
            users == [
                GongUser(
                    id: "234599484848423", emailAddress: "alice@northwind.example", active: true,
                    emailAliases: ["a.smith@northwind.example"], firstName: "Alice", lastName: "Smith", title: "AE"),
                GongUser(id: "9007199254740993", emailAddress: "bob@northwind.example", active: false),
                GongUser(id: "99999999999999999999", emailAddress: "carol@northwind.example", active: true),
            ])
        #expect(try SandboxUsers.parse(Array("[]".utf8), file: "empty.json") == [])
    }

    @Test("a missing file is named, with what is wrong")
    func missingFile() {
        let path = NSTemporaryDirectory() + "no-such-users-\(UUID().uuidString).json"
        do {
            let users = try SandboxUsers.load(path: path)
            Issue.record("expected an error, loaded \(users)")
        } catch {
            #expect(error.message == "users file \(path): does not exist")
        }
    }

    @Test(
        "a broken file: the error names the file and the problem",
        arguments: [
            ("not json at all", "not valid JSON"),
            ("", "not valid JSON"),
            (#"{"users": []}"#, "expected a JSON array of user objects (expected an array)"),
            (#"[{"emailAddress": "a@x.example", "active": true}]"#, "[0].id: required field is missing"),
            (
                #"[{"id": "1", "emailAddress": "a@x.example", "active": true}, {"id": 2, "emailAddress": "b@x.example", "active": true}]"#,
                "[1].id: expected a string (Gong user ids are numbers of up to 20 digits written as JSON strings)"
            ),
            (#"[{"id": "1", "active": true}]"#, "[0].emailAddress: required field is missing"),
            (#"[{"id": "1", "emailAddress": "a@x.example"}]"#, "[0].active: required field is missing"),
            (#"[{"id": "1", "emailAddress": "a@x.example", "active": "yes"}]"#, "[0].active: expected true or false"),
            (
                #"[{"id": "12a", "emailAddress": "a@x.example", "active": true}]"#,
                #"[0].id: expected 1 to 20 digits, found "12a""#
            ),
            (
                #"[{"id": "", "emailAddress": "a@x.example", "active": true}]"#,
                #"[0].id: expected 1 to 20 digits, found """#
            ),
            (
                #"[{"id": "123456789012345678901", "emailAddress": "a@x.example", "active": true}]"#,
                #"[0].id: expected 1 to 20 digits, found "123456789012345678901""#
            ),
            (
                #"[{"id": "１２", "emailAddress": "a@x.example", "active": true}]"#,
                #"[0].id: expected 1 to 20 digits, found "１２""#
            ),
            (
                #"[{"id": "7", "emailAddress": "a@x.example", "active": true}, {"id": "7", "emailAddress": "b@x.example", "active": true}]"#,
                "[1].id: 7 is also the id of [0]"
            ),
            (
                #"[{"id": "7", "emailAddress": "a@x.example", "active": true}, {"id": "8", "emailAddress": "A@X.example", "active": true}]"#,
                "[1].emailAddress: A@X.example is also an address of [0]"
            ),
            (
                #"[{"id": "7", "emailAddress": "a@x.example", "active": true}, {"id": "8", "emailAddress": "b@x.example", "active": true, "emailAliases": ["a@x.example"]}]"#,
                "[1].emailAliases[0]: a@x.example is also an address of [0]"
            ),
            (
                #"[{"id": "7", "emailAddress": "alice", "active": true}]"#,
                #"[0].emailAddress: expected an address like name@example.com, found "alice""#
            ),
        ])
    func brokenFile(text: String, problem: String) {
        let (path, message) = Self.loadError(text)
        #expect(message == "users file \(path): \(problem)")
    }

    @Test("many problems: the first ten, and how many more")
    func manyProblems() {
        let users = (0..<13).map { #"{"id": "x\#($0)", "emailAddress": "u\#($0)@x.example", "active": true}"# }
        let (_, message) = Self.loadError("[" + users.joined(separator: ",") + "]")
        #expect(message.hasSuffix("; and 3 more"))
        #expect(message.contains(#"[9].id: expected 1 to 20 digits, found "x9""#))
        #expect(!message.contains("[10].id"))
    }

    @Test("listing: pages of pageSize, cursors round-trip, only this listing's cursors at page starts are valid")
    func listing() {
        let users = UsersFixtures.users(250)
        let listing = UsersListing(users: users, pageSize: 100, nonce: "n1")
        #expect(
            listing.answer(cursor: nil)
                == .page(offset: 0, count: 100, pageNumber: 0, cursor: listing.cursor(offset: 100)))
        #expect(listing.answer(cursor: "") == listing.answer(cursor: nil))
        #expect(
            listing.answer(cursor: listing.cursor(offset: 100))
                == .page(offset: 100, count: 100, pageNumber: 1, cursor: listing.cursor(offset: 200)))
        #expect(
            listing.answer(cursor: listing.cursor(offset: 200))
                == .page(offset: 200, count: 50, pageNumber: 2, cursor: nil))
        #expect(listing.offset(of: listing.cursor(offset: 100)) == 100)
        // Not at a page start, past the end, the first page (never handed out), another listing's.
        for offset in [50, 250, 300, 0, -100] {
            #expect(listing.answer(cursor: listing.cursor(offset: offset)) == .invalidCursor, "offset \(offset)")
        }
        // Only the exact text: a last character differing in base64's unused bits decodes to the same bytes.
        let valid = listing.cursor(offset: 100)
        for last in ["A", "B", "C", "D", "Q", "g", "w"] where String(valid.last!) != last {
            #expect(listing.offset(of: String(valid.dropLast()) + last) == nil, "\(valid) → …\(last)")
        }
        let other = UsersListing(users: users, pageSize: 100, nonce: "n2")
        #expect(listing.answer(cursor: other.cursor(offset: 100)) == .invalidCursor)
        #expect(listing.answer(cursor: String(repeating: "A", count: 500)) == .invalidCursor)
        // Cursors are URL-safe as they are.
        #expect(listing.cursor(offset: 100).allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(UsersListing(users: [], pageSize: 100).answer(cursor: nil) == .noUsers)
        // Exactly one full page: no cursor.
        let one = UsersListing(users: Array(users.prefix(100)), pageSize: 100)
        #expect(one.answer(cursor: nil) == .page(offset: 0, count: 100, pageNumber: 0, cursor: nil))
    }
}
