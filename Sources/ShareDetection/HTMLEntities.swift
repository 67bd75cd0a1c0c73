/// Decoding of the HTML character references that occur in mail: numeric ones and the named
/// ones mail clients write.
enum HTMLEntities {
    /// Named references we decode, by name (without `&` and `;`).
    private static let named: [(name: [UInt8], scalar: UInt32)] = [
        ("amp", 0x26), ("lt", 0x3C), ("gt", 0x3E), ("quot", 0x22), ("apos", 0x27), ("nbsp", 0xA0),
        ("copy", 0xA9), ("reg", 0xAE), ("shy", 0xAD), ("hellip", 0x2026), ("ndash", 0x2013),
        ("mdash", 0x2014), ("lsquo", 0x2018), ("rsquo", 0x2019), ("ldquo", 0x201C), ("rdquo", 0x201D),
        ("zwnj", 0x200C), ("zwj", 0x200D), ("ensp", 0x2002), ("emsp", 0x2003), ("thinsp", 0x2009),
        ("bull", 0x2022), ("middot", 0xB7), ("laquo", 0xAB), ("raquo", 0xBB), ("euro", 0x20AC),
        ("trade", 0x2122), ("sol", 0x2F), ("colon", 0x3A), ("quest", 0x3F), ("equals", 0x3D),
        ("num", 0x23), ("percnt", 0x25), ("lpar", 0x28), ("rpar", 0x29), ("period", 0x2E),
    ].map { (Array($0.0.utf8), $0.1) }

    /// Names that legacy HTML also accepts without the trailing `;`.
    private static let legacyNames: Set<[UInt8]> = [
        Array("amp".utf8), Array("lt".utf8), Array("gt".utf8),
        Array("quot".utf8), Array("nbsp".utf8),
    ]

    /// Decodes the character reference that starts with the `&` at `start`.
    ///
    /// - Returns: the scalar and the number of bytes the reference spans, or `nil` when the bytes
    ///   are not a reference we know (the `&` is then literal).
    static func decode(_ buf: UnsafeBufferPointer<UInt8>, at start: Int, end: Int) -> (scalar: UInt32, length: Int)? {
        var i = start + 1
        guard i < end else { return nil }
        if buf[i] == UInt8(ascii: "#") {
            i += 1
            var hex = false
            if i < end, buf[i] | 0x20 == UInt8(ascii: "x") {
                hex = true
                i += 1
            }
            let digitsStart = i
            var value: UInt32 = 0
            while i < end, i - digitsStart < 8 {
                let c = buf[i]
                let digit: UInt32
                if c >= 0x30 && c <= 0x39 {
                    digit = UInt32(c - 0x30)
                } else if hex, c | 0x20 >= 0x61, c | 0x20 <= 0x66 {
                    digit = UInt32((c | 0x20) - 0x61 + 10)
                } else {
                    break
                }
                value = value * (hex ? 16 : 10) + digit
                i += 1
            }
            guard i > digitsStart else { return nil }
            if i < end, buf[i] == UInt8(ascii: ";") { i += 1 }
            if value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF) { value = 0xFFFD }
            return (value, i - start)
        }
        let nameStart = i
        while i < end, i - nameStart < 8, isASCIIAlnum(buf[i]) { i += 1 }
        let nameLength = i - nameStart
        guard nameLength >= 2 else { return nil }
        let hasSemicolon = i < end && buf[i] == UInt8(ascii: ";")
        for entry in named where entry.name.count == nameLength {
            var same = true
            for k in 0..<nameLength where buf[nameStart + k] != entry.name[k] {
                same = false
                break
            }
            guard same else { continue }
            if hasSemicolon { return (entry.scalar, nameLength + 2) }
            if legacyNames.contains(entry.name) && !(i < end && buf[i] == UInt8(ascii: "=")) {
                return (entry.scalar, nameLength + 1)
            }
            return nil
        }
        return nil
    }

    /// Appends `bytes[range]` to `out` with character references decoded.
    ///
    /// - Parameter dropsControlWhitespace: drop tab, CR and LF (as the URL parser does for `href`).
    static func appendDecoded(
        _ buf: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, into out: inout [UInt8],
        dropsControlWhitespace: Bool = false
    ) {
        var i = start
        while i < end {
            let c = buf[i]
            if c == UInt8(ascii: "&"), let (scalar, length) = decode(buf, at: i, end: end) {
                appendUTF8(scalar, to: &out)
                i += length
                continue
            }
            if dropsControlWhitespace && (c == 0x09 || c == 0x0A || c == 0x0D) {
                i += 1
                continue
            }
            out.append(c)
            i += 1
        }
    }

    /// Appends the UTF-8 encoding of `scalar`.
    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (scalar >> 6)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (scalar >> 12)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (scalar >> 18)))
            out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    @inline(__always)
    static func isASCIIAlnum(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A)
    }
}
