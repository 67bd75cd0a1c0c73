#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A linear byte scanner for bare `http://` and `https://` URLs in text, with the GFM autolink /
/// Rust `linkify` rules for where a URL starts and ends.
enum BareURLScanner {
    /// URLs longer than this (in bytes) are skipped.
    static let maxURLLength = 8192

    /// Calls `found(start, end)` for each bare URL in `buf[start..<end]`, in order.
    ///
    /// - Parameters:
    ///   - html: the range is HTML text: `&lt;`, `&gt;`, `&quot;` and `&nbsp;` end a URL.
    ///   - found: returns `false` to stop the scan.
    static func scan(
        _ buf: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, html: Bool,
        _ found: (Int, Int) -> Bool
    ) {
        guard let base = buf.baseAddress, start < end else { return }
        var i = start
        while i < end {
            guard let hit = memchr(base + i, 0x3A, end - i) else { return }
            let colon = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
            i = colon + 1
            guard colon + 3 < end, buf[colon + 1] == 0x2F, buf[colon + 2] == 0x2F else { continue }
            let schemeStart: Int
            if colon - 5 >= start, matchesLowercase(buf, at: colon - 5, "https") {
                schemeStart = colon - 5
            } else if colon - 4 >= start, matchesLowercase(buf, at: colon - 4, "http") {
                schemeStart = colon - 4
            } else {
                continue
            }
            if schemeStart > start, HTMLEntities.isASCIIAlnum(buf[schemeStart - 1]) { continue }
            let hostStart = colon + 3
            var e = hostStart
            while e < end {
                let c = buf[e]
                if c <= 0x20 || c == 0x7F || c == 0x3C || c == 0x3E || c == 0x22 || c == 0x60 { break }
                if c >= 0x80, unicodeTerminatorLength(buf, at: e, end: end) > 0 { break }
                if html, c == 0x26, let (scalar, length) = HTMLEntities.decode(buf, at: e, end: end) {
                    if scalar <= 0x20 || scalar == 0x3C || scalar == 0x3E || scalar == 0x22 || scalar == 0xA0 {
                        break
                    }
                    e += length
                    continue
                }
                e += 1
            }
            i = e
            let urlEnd = trimmedEnd(buf, start: schemeStart, hostStart: hostStart, end: e)
            guard urlEnd > hostStart, urlEnd - schemeStart <= maxURLLength else { continue }
            let first = buf[hostStart]
            guard HTMLEntities.isASCIIAlnum(first) || first >= 0x80 || first == 0x5B else { continue }
            if !found(schemeStart, urlEnd) { return }
        }
    }

    /// Where a URL candidate really ends once trailing punctuation, unbalanced closing brackets
    /// and a trailing `&entity;` are trimmed.
    static func trimmedEnd(_ buf: UnsafeBufferPointer<UInt8>, start: Int, hostStart: Int, end: Int) -> Int {
        var e = end
        var parens: (open: Int, close: Int)?
        var brackets: (open: Int, close: Int)?
        func count(_ open: UInt8, _ close: UInt8) -> (open: Int, close: Int) {
            var result = (open: 0, close: 0)
            for k in start..<e {
                if buf[k] == open { result.open += 1 } else if buf[k] == close { result.close += 1 }
            }
            return result
        }
        while e > hostStart {
            switch buf[e - 1] {
            case UInt8(ascii: "?"), UInt8(ascii: "!"), UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: ":"),
                UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "'"):
                e -= 1
            case UInt8(ascii: ";"):
                var k = e - 2
                while k > hostStart, e - k < 12, HTMLEntities.isASCIIAlnum(buf[k]) || buf[k] == 0x23 { k -= 1 }
                if k >= hostStart, buf[k] == UInt8(ascii: "&"), k < e - 2 { e = k } else { e -= 1 }
            case UInt8(ascii: ")"):
                if parens == nil { parens = count(UInt8(ascii: "("), UInt8(ascii: ")")) }
                guard parens!.close > parens!.open else { return e }
                parens!.close -= 1
                e -= 1
            case UInt8(ascii: "]"):
                if brackets == nil { brackets = count(UInt8(ascii: "["), UInt8(ascii: "]")) }
                guard brackets!.close > brackets!.open else { return e }
                brackets!.close -= 1
                e -= 1
            default:
                return e
            }
        }
        return e
    }

    /// The length of a Unicode space or CJK punctuation sequence at `i` that ends a URL, or 0.
    @inline(__always)
    static func unicodeTerminatorLength(_ buf: UnsafeBufferPointer<UInt8>, at i: Int, end: Int) -> Int {
        let c = buf[i]
        if c == 0xC2, i + 1 < end, buf[i + 1] == 0xA0 { return 2 }
        guard i + 2 < end else { return 0 }
        let c1 = buf[i + 1]
        let c2 = buf[i + 2]
        switch c {
        case 0xE2:
            // U+2000–U+200B spaces, U+2028/2029 separators, U+202F, U+205F.
            if c1 == 0x80, c2 <= 0x8B || c2 == 0xA8 || c2 == 0xA9 || c2 == 0xAF { return 3 }
            if c1 == 0x81, c2 == 0x9F { return 3 }
        case 0xE3:
            // U+3000 ideographic space, 、 。 and the CJK corner brackets.
            if c1 == 0x80, c2 <= 0x82 || (c2 >= 0x8C && c2 <= 0x8F) { return 3 }
        case 0xEF:
            // Fullwidth ( ) , : ; and the BOM.
            if c1 == 0xBC, c2 == 0x88 || c2 == 0x89 || c2 == 0x8C || c2 == 0x9A || c2 == 0x9B { return 3 }
            if c1 == 0xBB, c2 == 0xBF { return 3 }
        default:
            break
        }
        return 0
    }

    /// Whether `buf[i...]` starts with `lowercase`, ignoring ASCII case.
    @inline(__always)
    static func matchesLowercase(_ buf: UnsafeBufferPointer<UInt8>, at i: Int, _ lowercase: StaticString) -> Bool {
        let count = lowercase.utf8CodeUnitCount
        guard i >= 0, i + count <= buf.count else { return false }
        let p = lowercase.utf8Start
        for k in 0..<count where asciiLower(buf[i + k]) != p[k] { return false }
        return true
    }

    @inline(__always)
    static func asciiLower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c + 32 : c }
}
