#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// What ``HTMLTokenizer`` yields: text between tags, and the tags the region scanner reads.
enum HTMLToken {
    /// Text (entities not decoded), as a byte range of the part.
    case text(Range<Int>)
    /// A start tag at byte `at` (its `<`), with the attributes the scanner reads.
    case startTag(HTMLTag, at: Int, HTMLTagAttributes, selfClosing: Bool)
    /// An end tag.
    case endTag(HTMLTag)
}

/// The tags the region scanner cares about; every other is `.other`.
enum HTMLTag: Equatable {
    case a, div, blockquote, pre, hr, br, img, lineBreaking, rawText, other
    /// Index into `depths` for tags that can hold a region frame.
    var depthIndex: Int? {
        switch self {
        case .div: 0
        case .blockquote: 1
        case .pre: 2
        default: nil
        }
    }
}

/// The attributes the region scanner reads, as raw byte ranges of the part.
struct HTMLTagAttributes {
    var href: Range<Int>?
    var classes: Range<Int>?
    var id: Range<Int>?
    var type: Range<Int>?
    var style: Range<Int>?
    var smartmail: Range<Int>?
    /// `name` of an `a` (Outlook's `_MailAutoSig` bookmark).
    var name: Range<Int>?
}

/// A linear, single-pass HTML tokenizer over one part's bytes (not a parser): text and tags in document order;
/// comments, declarations and processing instructions skipped; the content of `script`, `style`, `title` and
/// `textarea` skipped up to its end tag; a tag cut off by the end of the part dropped. `memchr` finds each `<`.
struct HTMLTokenizer {
    private let buf: UnsafeBufferPointer<UInt8>
    private let end: Int
    private var position = 0

    /// Tokenizes `buf` (which must outlive the tokenizer).
    init(_ buf: UnsafeBufferPointer<UInt8>) {
        self.buf = buf
        self.end = buf.count
    }

    /// The next token, or `nil` at the end of the part.
    mutating func next() -> HTMLToken? {
        while position < end {
            let lt = find(0x3C, from: position)
            if lt > position {
                let text = position..<lt
                position = lt
                return .text(text)
            }
            guard lt < end else { return nil }
            let (resume, token) = markup(at: lt)
            position = resume
            if let token { return token }
        }
        return nil
    }

    private func find(_ byte: UInt8, from i: Int) -> Int {
        guard i < end, let base = buf.baseAddress, let hit = memchr(base + i, Int32(byte), end - i) else { return end }
        return UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
    }

    @inline(__always)
    private func isLetter(_ c: UInt8) -> Bool { c | 0x20 >= 0x61 && c | 0x20 <= 0x7A }

    /// Reads the markup at `lt` (a `<`): where text resumes, and the tag it makes, if any (comments, declarations,
    /// processing instructions and a literal `<` make none; a raw-text element's content is skipped).
    private func markup(at lt: Int) -> (resume: Int, token: HTMLToken?) {
        let n = lt + 1
        guard n < end else { return (end, nil) }
        let c = buf[n]
        if c == UInt8(ascii: "!") {
            if n + 2 < end, buf[n + 1] == 0x2D, buf[n + 2] == 0x2D {
                // Comment: up to the next "-->".
                var k = n + 3
                while k < end {
                    k = find(0x3E, from: k)
                    if k >= end { return (end, nil) }
                    if k - 2 >= n + 1, buf[k - 1] == 0x2D, buf[k - 2] == 0x2D { return (k + 1, nil) }
                    k += 1
                }
                return (end, nil)
            }
            return (min(end, find(0x3E, from: n) + 1), nil)
        }
        if c == UInt8(ascii: "?") { return (min(end, find(0x3E, from: n) + 1), nil) }
        if c == UInt8(ascii: "/") {
            guard n + 1 < end, isLetter(buf[n + 1]) else { return (min(end, find(0x3E, from: n) + 1), nil) }
            let (tag, _) = tagName(from: n + 1)
            return (min(end, find(0x3E, from: n) + 1), .endTag(tag))
        }
        guard isLetter(c) else { return (n, nil) }  // a literal "<"
        let (tag, nameEnd) = tagName(from: n)
        var attributes = HTMLTagAttributes()
        let (tagEnd, selfClosing) = readAttributes(from: nameEnd, into: &attributes, wanted: tag)
        guard tagEnd < end else { return (end, nil) }  // a tag cut off by the end of the part is dropped
        let token = HTMLToken.startTag(tag, at: lt, attributes, selfClosing: selfClosing)
        let resume = min(end, tagEnd + 1)
        if tag == .rawText, !selfClosing { return (skipRawText(from: resume, name: n..<nameEnd), token) }
        return (resume, token)
    }

    /// Reads a tag name starting at `i`; returns the tag and the end of the name.
    private func tagName(from i: Int) -> (HTMLTag, Int) {
        var e = i
        while e < end, HTMLEntities.isASCIIAlnum(buf[e]) || buf[e] == 0x2D || buf[e] == 0x3A { e += 1 }
        let length = e - i
        func named(_ s: StaticString) -> Bool {
            length == s.utf8CodeUnitCount && BareURLScanner.matchesLowercase(buf, at: i, s)
        }
        let tag: HTMLTag
        switch length {
        case 1:
            switch BareURLScanner.asciiLower(buf[i]) {
            case UInt8(ascii: "a"): tag = .a
            case UInt8(ascii: "p"): tag = .lineBreaking
            default: tag = .other
            }
        case 2:
            if named("br") {
                tag = .br
            } else if named("hr") {
                tag = .hr
            } else if named("li") || named("tr") || named("td") || named("th") || named("h1") || named("h2")
                || named("h3")
            {
                tag = .lineBreaking
            } else {
                tag = .other
            }
        case 3:
            tag = named("div") ? .div : named("pre") ? .pre : named("img") ? .img : .other
        case 5:
            tag = named("style") || named("title") ? .rawText : .other
        case 6:
            tag = named("script") ? .rawText : .other
        case 8:
            tag = named("textarea") ? .rawText : .other
        case 10:
            tag = named("blockquote") ? .blockquote : .other
        default:
            tag = .other
        }
        return (tag, e)
    }

    /// Reads attributes up to the closing `>`; returns its index (or `end`) and whether the tag
    /// ends with `/>`.
    private func readAttributes(from start: Int, into attributes: inout HTMLTagAttributes, wanted tag: HTMLTag) -> (
        Int, Bool
    ) {
        let wantsRegion = tag == .div || tag == .blockquote || tag == .pre
        var i = start
        var lastWasSlash = false
        while i < end {
            let c = buf[i]
            if c == 0x3E { return (i, lastWasSlash) }
            if c <= 0x20 || c == 0x2F {
                lastWasSlash = c == 0x2F
                i += 1
                continue
            }
            lastWasSlash = false
            let nameStart = i
            while i < end {
                let d = buf[i]
                if d <= 0x20 || d == 0x3D || d == 0x3E || d == 0x2F { break }
                i += 1
            }
            let nameEnd = i
            while i < end, buf[i] <= 0x20 { i += 1 }
            var value: Range<Int>?
            if i < end, buf[i] == 0x3D {
                i += 1
                while i < end, buf[i] <= 0x20 { i += 1 }
                guard i < end else { return (end, false) }
                let q = buf[i]
                if q == 0x22 || q == 0x27 {
                    let close = find(q, from: i + 1)
                    value = (i + 1)..<close
                    i = min(end, close + 1)
                } else {
                    let valueStart = i
                    while i < end, buf[i] > 0x20, buf[i] != 0x3E { i += 1 }
                    value = valueStart..<i
                }
            }
            guard let value else { continue }
            let length = nameEnd - nameStart
            func named(_ s: StaticString) -> Bool {
                length == s.utf8CodeUnitCount && BareURLScanner.matchesLowercase(buf, at: nameStart, s)
            }
            if tag == .a {
                if attributes.href == nil, named("href") {
                    attributes.href = value
                } else if named("name") {
                    attributes.name = value
                }
            } else if wantsRegion {
                if named("class") {
                    attributes.classes = value
                } else if named("id") {
                    attributes.id = value
                } else if named("type") {
                    attributes.type = value
                } else if named("style") {
                    attributes.style = value
                } else if named("data-smartmail") {
                    attributes.smartmail = value
                }
            }
        }
        return (end, false)
    }

    /// Skips the content of `script`, `style`, `title` and `textarea` up to its end tag.
    private func skipRawText(from start: Int, name: Range<Int>) -> Int {
        var k = start
        while k < end {
            k = find(0x3C, from: k)
            guard k + 1 < end else { return end }
            if buf[k + 1] == 0x2F {
                var same = k + 2 + name.count <= end
                if same {
                    for j in 0..<name.count
                    where BareURLScanner.asciiLower(buf[k + 2 + j])
                        != BareURLScanner.asciiLower(buf[name.lowerBound + j])
                    {
                        same = false
                        break
                    }
                }
                if same { return k }
            }
            k += 1
        }
        return end
    }
}
