/// Removes secrets from text in every encoding we send them in: plain, IMAP quoted string, URL-encoded, base64 of the
/// bare secret, base64 of the SASL PLAIN blob (`\0user\0pass`) and of the XOAUTH2 blob
/// (`user=…\x01auth=Bearer …\x01\x01`), in the standard and the URL-safe base64 alphabets.
///
/// Base64 of a blob that merely *contains* the secret (OAUTHBEARER with its host and port, a blob a server cut short)
/// is caught too: for each of the three byte alignments the secret can have inside a base64 stream, the characters
/// that depend only on the secret's bytes are a fixed string, and that string is removed wherever it appears.
///
/// A text cut short (a server that truncates its echo) can hold only part of a form. So, after the whole forms, any
/// run of ``fragmentLength`` or more characters copied from a form that depends on the secret alone (plain, quoted,
/// URL-encoded, the base64 cores) is masked as well: what can survive is a piece shorter than that.
///
/// Pure and `Sendable`: build one per credential, then call ``scrub(_:)`` on every text before it leaves the process
/// (error, description, log line).
public struct SecretScrubber: Sendable, Hashable {
    /// What a removed secret is replaced with.
    public static let mask = "***"
    /// Base64 cores shorter than this are not removed on their own (they could match ordinary text); the full forms
    /// still are.
    static let minimumCoreLength = 8
    /// The shortest run of a secret-only form that is masked on its own.
    public static let fragmentLength = 8

    /// Every form to remove, longest first (so a whole blob goes before the plain secret inside it).
    public let forms: [String]
    /// Every run of ``fragmentLength`` bytes of a secret-only form.
    let fragments: Set<[UInt8]>

    /// A scrubber that removes nothing.
    public static let none = SecretScrubber(forms: [], fragments: [])

    private init(forms: [String], fragments: Set<[UInt8]>) {
        self.forms = forms
        self.fragments = fragments
    }

    /// A scrubber for bare secrets (a token, a password, a command's output): each one plain, quoted, URL-encoded
    /// and base64-encoded at any alignment.
    public init(secrets: [String]) {
        self.init(username: nil, secrets: secrets)
    }

    /// A scrubber for an IMAP login: the secret in every form, plus the SASL blobs built from `username`.
    public init(username: String, credential: IMAPCredential) {
        self.init(username: username, secrets: [credential.secret])
    }

    private init(username: String?, secrets: [String]) {
        var found: Set<String> = []
        var secretOnly: Set<String> = []
        for secret in secrets where !secret.isEmpty {
            let bytes = Array(secret.utf8)
            found.insert(secret)
            found.insert(Self.imapQuoted(secret))
            for uppercase in [true, false] {
                found.insert(Self.percentEncoded(bytes, uppercase: uppercase, spaceAsPlus: false))
                found.insert(Self.percentEncoded(bytes, uppercase: uppercase, spaceAsPlus: true))
            }
            var blobs: [[UInt8]] = [bytes]
            if let username {
                let user = Array(username.utf8)
                blobs.append([0] + user + [0] + bytes)  // SASL PLAIN, no authzid (what libcurl sends)
                blobs.append(user + [0] + user + [0] + bytes)  // SASL PLAIN with authzid = user
                blobs.append(Array("user=\(username)\u{1}auth=Bearer ".utf8) + bytes + [1, 1])  // XOAUTH2
            }
            for blob in blobs {
                let encoded = Self.base64(blob)
                found.insert(encoded)
                found.insert(Self.urlSafe(encoded))
                // Without its padding, and as it appears percent-encoded (`=` → %3D).
                let unpadded = String(encoded.prefix { $0 != "=" })
                found.insert(unpadded)
                found.insert(unpadded + String(repeating: "%3D", count: encoded.count - unpadded.count))
            }
            for core in Self.base64Cores(bytes) where core.count >= Self.minimumCoreLength {
                found.insert(core)
                found.insert(Self.urlSafe(core))
                secretOnly.insert(core)
                secretOnly.insert(Self.urlSafe(core))
            }
            secretOnly.insert(secret)
            secretOnly.insert(Self.imapQuoted(secret))
            secretOnly.insert(Self.percentEncoded(bytes, uppercase: true, spaceAsPlus: false))
        }
        var runs: Set<[UInt8]> = []
        for form in secretOnly {
            let bytes = Array(form.utf8)
            guard bytes.count >= Self.fragmentLength else { continue }
            for start in 0...(bytes.count - Self.fragmentLength) {
                runs.insert(Array(bytes[start..<start + Self.fragmentLength]))
            }
        }
        fragments = runs
        found.remove("")
        forms = found.sorted { $0.utf8.count != $1.utf8.count ? $0.utf8.count > $1.utf8.count : $0 < $1 }
    }

    /// `text` with every form of every secret replaced by ``mask``.
    public func scrub(_ text: String) -> String {
        guard !forms.isEmpty else { return text }
        var result = Array(text.utf8)
        for form in forms {
            result = Self.replacing(Array(form.utf8), in: result, with: Array(Self.mask.utf8))
        }
        return String(decoding: maskingFragments(result), as: UTF8.self)
    }

    /// `bytes` with every maximal run covered by a fragment of a secret-only form replaced by one ``mask``.
    private func maskingFragments(_ bytes: [UInt8]) -> [UInt8] {
        let length = Self.fragmentLength
        guard !fragments.isEmpty, bytes.count >= length else { return bytes }
        var covered = [Bool](repeating: false, count: bytes.count)
        var any = false
        for start in 0...(bytes.count - length) where fragments.contains(Array(bytes[start..<start + length])) {
            for index in start..<start + length { covered[index] = true }
            any = true
        }
        guard any else { return bytes }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if covered[index] {
                output += Self.mask.utf8
                while index < bytes.count && covered[index] { index += 1 }
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return output
    }

    /// Whether `text` holds any form of a secret.
    public func leaks(in text: String) -> Bool {
        let bytes = Array(text.utf8)
        return forms.contains { form in Self.find(Array(form.utf8), in: bytes) != nil }
            || maskingFragments(bytes) != bytes
    }

    // MARK: Encodings

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Standard base64 with padding.
    static func base64(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = bytes[index]
            let b1 = index + 1 < bytes.count ? bytes[index + 1] : 0
            let b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            output.append(alphabet[Int(b0 >> 2)])
            output.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            output.append(index + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            output.append(index + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// For each alignment (the secret starting 0, 1 or 2 bytes into a 3-byte group), the base64 characters that
    /// depend on the secret's bytes only, whatever comes before and after it.
    static func base64Cores(_ secret: [UInt8]) -> [String] {
        guard !secret.isEmpty else { return [] }
        var cores: [String] = []
        for shift in 0..<3 {
            let encoded = Array(base64([UInt8](repeating: 0, count: shift) + secret).utf8)
            let firstBit = 8 * shift
            let endBit = 8 * (shift + secret.count)
            let first = (firstBit + 5) / 6  // the first character starting at or after the secret's first bit
            let end = endBit / 6  // characters before this one end at or before the secret's last bit
            guard end > first else { continue }
            cores.append(String(decoding: encoded[first..<end], as: UTF8.self))
        }
        return cores
    }

    static func urlSafe(_ base64: String) -> String {
        String(
            base64.map { character -> Character in
                switch character {
                case "+": "-"
                case "/": "_"
                default: character
                }
            })
    }

    /// RFC 3986 percent-encoding: everything but unreserved characters (`A–Z a–z 0–9 - . _ ~`).
    static func percentEncoded(_ bytes: [UInt8], uppercase: Bool, spaceAsPlus: Bool) -> String {
        let hex = Array((uppercase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
        var output: [UInt8] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                output.append(byte)
            case UInt8(ascii: " ") where spaceAsPlus:
                output.append(UInt8(ascii: "+"))
            default:
                output += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The body of an IMAP quoted string (`\` and `"` escaped), as the LOGIN command sends a password.
    static func imapQuoted(_ secret: String) -> String {
        var result = ""
        for character in secret {
            if character == "\"" || character == "\\" { result.append("\\") }
            result.append(character)
        }
        return result
    }

    // MARK: Byte search

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int = 0) -> Int? {
        guard !needle.isEmpty, haystack.count - start >= needle.count else { return nil }
        var index = start
        while index + needle.count <= haystack.count {
            if haystack[index] == needle[0], haystack[index..<index + needle.count].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }

    private static func replacing(_ needle: [UInt8], in haystack: [UInt8], with replacement: [UInt8]) -> [UInt8] {
        guard var match = find(needle, in: haystack) else { return haystack }
        var output: [UInt8] = []
        output.reserveCapacity(haystack.count)
        var copied = 0
        while true {
            output += haystack[copied..<match]
            output += replacement
            copied = match + needle.count
            guard let next = find(needle, in: haystack, from: copied) else { break }
            match = next
        }
        output += haystack[copied...]
        return output
    }
}
