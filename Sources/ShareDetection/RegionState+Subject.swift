extension RegionState {
    /// Whether a subject's first prefix is a forward prefix (`Fwd:`, `FW:`, `WG:`, `TR:`, `Doorst:` …).
    ///
    /// A leading `[list]` tag is skipped; `Re: Fwd:` is a reply.
    static func isForwardSubject(_ subject: String?) -> Bool {
        guard let prefix = subjectPrefix(subject) else { return false }
        return forwardPrefixes.contains(prefix)
    }

    /// The subject's first prefix, lowercased, before its `:` (or `：`), after an optional `[list]` tag, cut at a
    /// `[` or `(` ("Re[2]:", "AW (3):"); `nil` when there is none within the first 40 bytes. Read on bytes: it
    /// runs for every message.
    static func subjectPrefix(_ subject: String?) -> String? {
        guard var subject else { return nil }
        return subject.withUTF8 { utf8 -> String? in
            var i = 0
            let n = utf8.count
            func skipBlanks() { while i < n, utf8[i] == 0x20 || utf8[i] == 0x09 { i += 1 } }
            skipBlanks()
            if i < n, utf8[i] == 0x5B {
                var close = i + 1
                while close < n, utf8[close] != 0x5D { close += 1 }
                guard close < n else { return nil }
                i = close + 1
                skipBlanks()
            }
            let start = i
            var end = -1
            while i < n, i - start < 40 {
                if utf8[i] == 0x3A {
                    end = i
                    break
                }
                if utf8[i] == 0xEF, i + 2 < n, utf8[i + 1] == 0xBC, utf8[i + 2] == 0x9A {
                    end = i
                    break
                }
                i += 1
            }
            guard end >= start else { return nil }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(end - start)
            for k in start..<end {
                let c = utf8[k]
                if c == 0x5B || c == 0x28 { break }
                bytes.append(c >= 0x41 && c <= 0x5A ? c + 32 : c)
            }
            while bytes.last == 0x20 { bytes.removeLast() }
            // Non-ASCII letters (TOVÁBBÍTÁS) are lowercased the slow way; ASCII already is.
            let text = String(decoding: bytes, as: UTF8.self)
            return bytes.contains(where: { $0 >= 0x80 }) ? text.lowercased() : text
        }
    }

    private static let forwardPrefixes: Set<String> = [
        "fw", "fwd", "wg", "tr", "doorst", "rv", "enc", "vb", "vl", "i", "pd", "továbbítás", "转发", "轉寄",
    ]
}
