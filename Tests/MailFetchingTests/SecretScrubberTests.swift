import Foundation
import Testing

@testable import MailFetching

@Suite("SecretScrubber")
struct SecretScrubberTests {
    static let secrets = ["hunter2-Pa55word!", "ya29.a0AfB_byC-token/with+slash=", "pässwörd with spaces \"and\" \\"]

    @Test(arguments: secrets)
    func removesEveryEncodingWeSend(secret: String) {
        let scrubber = SecretScrubber(username: "rep1@example.com", credential: .password(secret))
        for (name, form) in SecretForms.all(username: "rep1@example.com", secret: secret) {
            let text = "A1 NO [AUTHENTICATIONFAILED] you sent \(form) (end)"
            let scrubbed = scrubber.scrub(text)
            #expect(!scrubbed.contains(form), "\(name) survived: \(scrubbed)")
            #expect(scrubbed.hasPrefix("A1 NO [AUTHENTICATIONFAILED] you sent "), "\(name)")
            #expect(scrubbed.hasSuffix(" (end)"), "\(name)")
            #expect(!scrubber.leaks(in: scrubbed), "\(name)")
            #expect(scrubber.leaks(in: text), "\(name)")
        }
    }

    @Test(arguments: [4, 6, 9, 13, 20])
    func aBlobCutShortKeepsNoRunOfTheSecret(cutAfterSecretStart: Int) {
        let secret = "long-oauth-token-0123456789abcdef"
        let scrubber = SecretScrubber(username: "rep1", credential: .oauth2Token(secret))
        let blob = Data("user=rep1\u{1}auth=Bearer \(secret)\u{1}\u{1}".utf8).base64EncodedString()
        // A server that echoes only the start of it, cut inside the secret's characters.
        let secretStart = Data("user=rep1\u{1}auth=Bearer ".utf8).count * 4 / 3
        let cut = String(blob.prefix(secretStart + cutAfterSecretStart))
        let scrubbed = scrubber.scrub("NO you sent \(cut)")
        #expect(scrubbed.count <= "NO you sent ".count + secretStart + SecretScrubber.fragmentLength + 3, "\(scrubbed)")
        let plainCut = "LOGIN rep1 " + secret.prefix(cutAfterSecretStart + 8)
        #expect(!scrubber.scrub(plainCut).contains(secret.prefix(SecretScrubber.fragmentLength)))
    }

    @Test func imapQuotedAndFormEncodedFormsAreRemoved() {
        let secret = "a \"quoted\" \\ secret"
        let scrubber = SecretScrubber(secrets: [secret])
        #expect(scrubber.scrub(#"LOGIN rep1 "a \"quoted\" \\ secret""#) == #"LOGIN rep1 "***""#)
        #expect(scrubber.scrub("p=a+%22quoted%22+%5C+secret&x") == "p=***&x")
        #expect(scrubber.scrub("p=a%20%22quoted%22%20%5c%20secret") == "p=***")
    }

    @Test func base64MatchesFoundation() {
        for length in 0..<20 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + 200) }
            #expect(SecretScrubber.base64(bytes) == Data(bytes).base64EncodedString())
        }
    }

    @Test func coresAreFoundAtEveryAlignment() {
        let secret = Array("0123456789-secret".utf8)
        let cores = SecretScrubber.base64Cores(secret)
        #expect(cores.count == 3)
        for prefixLength in 0..<6 {
            let encoded = Data([UInt8](repeating: 0x41, count: prefixLength) + secret + [0x7A]).base64EncodedString()
            #expect(cores.contains { encoded.contains($0) }, "prefix \(prefixLength)")
        }
    }

    @Test func nothingToScrubLeavesTextAlone() {
        #expect(SecretScrubber.none.scrub("a b c") == "a b c")
        #expect(SecretScrubber(secrets: [""]).forms.isEmpty)
        #expect(SecretScrubber(secrets: ["s3cret-value"]).scrub("nothing here") == "nothing here")
    }
}
