/// Recognisers for a signature that has no `-- ` delimiter: a sign-off ("Best,", "Thanks, Omar",
/// "Kind regards") followed by name / title / phone lines, and the one-line signatures of mobile
/// clients ("Sent from my iPhone", "Get Outlook for iOS"). Shared by the plain-text and HTML
/// classifiers; the classifiers decide with the lines that follow (see ``signOffKind(_:_:_:html:)``).
extension LineMarkers {

    /// How a sign-off line reads.
    enum SignOff: Sendable, Equatable {
        /// The phrase alone ("Best,", "Kind regards"): a line naming the sender must follow.
        case alone
        /// The phrase and a short name on the same line ("Thanks, Omar", "Cheers -Omar"), the name from this byte:
        /// it must name the sender ("Thanks, Bob!" to the recipient is a greeting).
        case withName(Int)
    }

    private static let signOffPhrases: [[UInt8]] = [
        "best regards", "kind regards", "warm regards", "warmest regards", "best wishes", "many thanks",
        "thanks again", "thanks so much", "thank you", "thanks", "thx", "regards", "best", "cheers", "sincerely",
        "yours sincerely", "all the best", "talk soon", "speak soon", "br", "brgds", "rgds", "respectfully",
        "mit freundlichen grüßen", "mit freundlichen grüssen", "viele grüße", "beste grüße", "liebe grüße",
        "freundliche grüße", "gruß", "grüße", "cordialement", "bien cordialement", "bien à vous", "saludos",
        "un saludo", "atentamente", "saludos cordiales", "met vriendelijke groet", "groeten", "cordiali saluti",
        "distinti saluti", "atenciosamente", "abraços", "med vänliga hälsningar", "vänliga hälsningar",
        "med venlig hilsen", "med vennlig hilsen", "ystävällisin terveisin",
    ].map { Array($0.utf8) }

    /// The phrases by their first (lowercased) byte, so that a line is compared with a handful at most.
    private static let signOffByFirstByte: [[[UInt8]]] = {
        var table = [[[UInt8]]](repeating: [], count: 256)
        for phrase in signOffPhrases { table[Int(phrase[0])].append(phrase) }
        return table
    }()

    /// Whether `buf[start..<end]` is a sign-off line: one of the phrases (any case), then optional
    /// `,` `!` `.` `-` and at most a short name (two words, 30 bytes) — nothing else.
    static func signOffKind(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, html: Bool = false)
        -> SignOff?
    {
        let i = skipSpace(buf, start, end, html: html)
        guard i < end else { return nil }
        let candidates = signOffByFirstByte[Int(BareURLScanner.asciiLower(buf[i]))]
        guard !candidates.isEmpty else { return nil }
        let e = trimEnd(buf, i, end, html: html)
        guard e > i, e - i <= 60 else { return nil }
        for phrase in candidates where hasPrefix(buf, i, e, phrase) {
            var k = i + phrase.count
            // The phrase ends at a word boundary.
            if k < e, isWordByte(buf[k]) { continue }
            var punctuated = false
            while k < e, buf[k] == 0x2C || buf[k] == 0x21 || buf[k] == 0x2E || buf[k] == 0x2D || buf[k] == 0x20 {
                if buf[k] != 0x20 { punctuated = true }
                k += 1
            }
            if k == e { return .alone }
            // "Thanks, Omar" / "Best -Omar": a short name after the phrase and a comma or a dash (whose it is, the
            // classifier checks against the sender's name).
            guard punctuated else { continue }
            guard e - k <= 30, words(buf, k, e) <= 2, !containsByte(buf, k, e, 0x3A), !containsByte(buf, k, e, 0x3F)
            else { continue }
            return .withName(k)
        }
        return nil
    }

    private static let mobileSignatures: [[UInt8]] = [
        "sent from my ", "sent from outlook", "get outlook for ", "sent from mail for windows", "sent from yahoo mail",
        "sent from samsung", "sent from the all new aol", "sent via the samsung", "sent with blackberry",
        "sent from gmail mobile", "von meinem iphone gesendet", "von meinem ipad gesendet", "envoyé de mon ",
        "enviado desde mi ", "enviado do meu ", "inviato da iphone", "verzonden vanaf mijn ", "skickat från min ",
    ].map { Array($0.utf8) }

    private static let mobileFirst: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for line in mobileSignatures { table[Int(line[0])] = true }
        return table
    }()

    /// "Sent from my iPhone", "Get Outlook for iOS" and their translations, alone on a line.
    static func isMobileSignature(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, html: Bool = false)
        -> Bool
    {
        let i = skipSpace(buf, start, end, html: html)
        guard i < end, mobileFirst[Int(BareURLScanner.asciiLower(buf[i]))],
            mobileSignatures.contains(where: { hasPrefix(buf, i, end, $0) })
        else { return false }
        return trimEnd(buf, i, end, html: html) - i <= 80
    }

    /// A line that can be a name under a sign-off: 1–5 words, at most 48 bytes, no URL, no `:` or
    /// `?` at the end, the first word capitalised (after an optional `-` or `~`) and at most one
    /// lowercase word ("Omar Farouk", "-O", "Anna van Dijk"; not "Here's the deck").
    static func isNameLine(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, html: Bool = false) -> Bool {
        var i = skipSpace(buf, start, end, html: html)
        let e = trimEnd(buf, i, end, html: html)
        while i < e, buf[i] == 0x2D || buf[i] == 0x7E || buf[i] == 0x20 { i += 1 }
        guard e > i, e - i <= 48 else { return false }
        let last = buf[e - 1]
        guard last != 0x3A, last != 0x3F, !containsByte(buf, i, e, 0x2F), words(buf, i, e) <= 5 else { return false }
        var lowercaseWords = 0
        var first = true
        var k = i
        while k < e {
            while k < e, buf[k] == 0x20 || buf[k] == 0x09 { k += 1 }
            guard k < e else { break }
            let c = buf[k]
            let upper = c >= 0x41 && c <= 0x5A || c >= 0xC0
            let lower = c >= 0x61 && c <= 0x7A
            if first, !upper { return false }
            if lower { lowercaseWords += 1 }
            first = false
            while k < e, buf[k] != 0x20, buf[k] != 0x09 { k += 1 }
        }
        return lowercaseWords <= 1
    }

    /// Whether a line under a sign-off (or the name after "Thanks,") names the sender: name-shaped (see
    /// ``isNameLine(_:_:_:html:)``) and, when the sender's display name is known, holding one of its words or its
    /// initials (`tokens`, lowercased) — so that "Thanks!" / "Proposal" or "Thanks, Bob!" to the recipient is not
    /// a signature.
    static func namesSender(
        _ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, tokens: [[UInt8]], html: Bool = false
    ) -> Bool {
        guard isNameLine(buf, start, end, html: html) else { return false }
        guard !tokens.isEmpty else { return true }
        var i = skipSpace(buf, start, end, html: html)
        let e = trimEnd(buf, i, end, html: html)
        while i < e {
            while i < e, !isWordByte(buf[i]) { i += 1 }
            let s = i
            while i < e, isWordByte(buf[i]) { i += 1 }
            if i > s, tokens.contains(where: { $0.count == i - s && hasPrefix(buf, s, i, $0) }) { return true }
        }
        return false
    }

    /// A line of running prose: at least eight words made of letters, URLs not counted.
    static func isProse(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var count = 0
        var i = start
        while i < end {
            while i < end, buf[i] == 0x20 || buf[i] == 0x09 { i += 1 }
            let s = i
            var letters = true
            while i < end, buf[i] != 0x20, buf[i] != 0x09 {
                let c = buf[i] | 0x20
                if !(c >= 0x61 && c <= 0x7A) && buf[i] < 0x80 && !isTrailingPunctuation(buf[i], last: i + 1 == end) {
                    letters = false
                }
                i += 1
            }
            if i > s, letters {
                count += 1
                if count >= 8 { return true }
            }
        }
        return false
    }

    /// "P.S.", "PS:", "PPS" at the start of a line: the sender writes on after the signature.
    static func isPostscript(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, html: Bool = false) -> Bool {
        let i = skipSpace(buf, start, end, html: html)
        guard i < end, buf[i] | 0x20 == 0x70 else { return false }
        return postscripts.contains { hasPrefix(buf, i, end, $0) }
    }

    private static let postscripts: [[UInt8]] = ["p.s", "ps:", "ps ", "pps"].map { Array($0.utf8) }

    /// Whether the text starts with `[mark]` for one of `marks` (lowercased), as Outlook's "Mark my comments
    /// with" writes before each inline comment: `[Omar Farouk]`, `[OF]`.
    static func startsWithCommentMark(
        _ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ marks: [[UInt8]], html: Bool = false
    ) -> Bool {
        let i = skipSpace(buf, start, end, html: html)
        guard i < end, buf[i] == 0x5B else { return false }
        var close = i + 1
        while close < min(end, i + 64), buf[close] != 0x5D { close += 1 }
        guard close < end, buf[close] == 0x5D else { return false }
        let s = skipSpace(buf, i + 1, close, html: html)
        let e = trimEnd(buf, s, close, html: html)
        return marks.contains { e - s == $0.count && hasPrefix(buf, s, e, $0) }
    }

    private static func isTrailingPunctuation(_ c: UInt8, last: Bool) -> Bool {
        c == 0x2C || c == 0x2E || c == 0x21 || c == 0x3F || c == 0x3B || c == 0x27 || c == 0x2D
    }

    private static func isWordByte(_ c: UInt8) -> Bool {
        c >= 0x30 && c <= 0x39 || c | 0x20 >= 0x61 && c | 0x20 <= 0x7A || c >= 0x80
    }

    private static func containsByte(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ byte: UInt8)
        -> Bool
    {
        var i = start
        while i < end {
            if buf[i] == byte { return true }
            i += 1
        }
        return false
    }

    /// Words (runs of non-space bytes) in `buf[start..<end]`.
    private static func words(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var count = 0
        var inWord = false
        var i = start
        while i < end {
            let space = buf[i] == 0x20 || buf[i] == 0x09
            if !space, !inWord { count += 1 }
            inWord = !space
            i += 1
        }
        return count
    }
}
