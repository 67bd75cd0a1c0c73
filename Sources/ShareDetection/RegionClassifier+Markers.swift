/// Recognisers for the reply, forward, signature and footer markers, on one line of bytes
/// (`buf[start..<end]`, without the line break). Shared by the plain-text and HTML classifiers.
enum LineMarkers {

    /// The kind of an Outlook-style header line.
    enum HeaderKind: Sendable { case from, date, to, subject, cc }

    // MARK: - Trimming

    /// The first index at or after `i` that is not a space, tab, CR, NBSP (or `&nbsp;` when `html`).
    static func skipSpace(_ buf: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int, html: Bool = false) -> Int {
        var i = i
        while i < end {
            let c = buf[i]
            if c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A {
                i += 1
            } else if c == 0xC2, i + 1 < end, buf[i + 1] == 0xA0 {
                i += 2
            } else if html, c == 0x26, let (scalar, length) = HTMLEntities.decode(buf, at: i, end: end),
                scalar == 0xA0 || scalar == 0x20
            {
                i += length
            } else {
                break
            }
        }
        return i
    }

    /// The end of `buf[start..<end]` with trailing spaces, tabs, CR and NBSP (U+00A0, U+202F) removed.
    static func trimEnd(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, html: Bool = false) -> Int {
        var e = end
        while e > start {
            let c = buf[e - 1]
            if c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A {
                e -= 1
            } else if c == 0xA0, e - 2 >= start, buf[e - 2] == 0xC2 {
                e -= 2
            } else if c == 0xAF, e - 3 >= start, buf[e - 3] == 0xE2, buf[e - 2] == 0x80 {
                e -= 3
            } else if html, c == 0x3B, e - 6 >= start, BareURLScanner.matchesLowercase(buf, at: e - 6, "&nbsp;") {
                e -= 6
            } else {
                break
            }
        }
        return e
    }

    /// Whether `buf[i..<end]` starts with `lowercase` ignoring ASCII case.
    static func hasPrefix(_ buf: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int, _ lowercase: [UInt8]) -> Bool {
        guard end - i >= lowercase.count else { return false }
        for k in 0..<lowercase.count where BareURLScanner.asciiLower(buf[i + k]) != lowercase[k] { return false }
        return true
    }

    /// Whether `buf[start..<end]` ends with `lowercase` ignoring ASCII case, at a word boundary.
    static func hasWordSuffix(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ lowercase: [UInt8])
        -> Bool
    {
        let i = end - lowercase.count
        guard i >= start, hasPrefix(buf, i, end, lowercase) else { return false }
        return i == start || buf[i - 1] == 0x20 || buf[i - 1] == 0x09 || buf[i - 1] == 0xA0
    }

    private static func bytes(_ list: [String]) -> [[UInt8]] { list.map { Array($0.lowercased().utf8) } }

    /// A 256-entry table of the (lowercased) first bytes of `lists`, to reject most lines at once.
    private static func firstBytes(_ lists: [[UInt8]]...) -> [Bool] {
        var table = [Bool](repeating: false, count: 256)
        for list in lists { for entry in list where !entry.isEmpty { table[Int(entry[0])] = true } }
        return table
    }

    @inline(__always)
    private static func mayStart(_ table: [Bool], _ buf: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> Bool {
        i < end && table[Int(BareURLScanner.asciiLower(buf[i]))]
    }

    // MARK: - Markers

    /// `-- ` or `--` alone (trailing spaces allowed): the signature delimiter.
    static func isSignatureDelimiter(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard end - start >= 2, buf[start] == 0x2D, buf[start + 1] == 0x2D else { return false }
        return trimEnd(buf, start + 2, end) == start + 2
    }

    /// A line that starts with `>` after optional spaces.
    static func isQuoted(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var i = start
        while i < end, buf[i] == 0x20 || buf[i] == 0x09 { i += 1 }
        return i < end && buf[i] == UInt8(ascii: ">")
    }

    private static let dashedForward = bytes([
        "forwarded message", "weitergeleitete nachricht", "message transféré", "mensaje reenviado",
        "doorgestuurd bericht", "messaggio inoltrato", "mensagem encaminhada", "vidarebefordrat meddelande",
        "videresendt melding", "original message follows",
    ])
    private static let openForward = bytes([
        "begin forwarded message", "anfang der weitergeleiteten nachricht", "début du message réexpédié",
        "inicio del mensaje reenviado", "begin doorgestuurd bericht", "inizio messaggio inoltrato",
        "início da mensagem reencaminhada",
    ])
    private static let openForwardFirst = firstBytes(openForward)
    private static let originalMessage = bytes([
        "original message", "ursprüngliche nachricht", "message d'origine", "mensaje original",
        "oorspronkelijk bericht", "messaggio originale", "mensagem original", "originalmeddelande",
        "alkuperäinen viesti", "oprindelig meddelelse", "opprinnelig melding",
    ])

    /// The text of a `---- text ----` line with the dashes and spaces stripped, or `nil`.
    private static func dashedText(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, html: Bool)
        -> (Int, Int)?
    {
        var i = skipSpace(buf, start, end, html: html)
        let dashes = i
        while i < end, buf[i] == 0x2D { i += 1 }
        guard i - dashes >= 2 else { return nil }
        i = skipSpace(buf, i, end, html: html)
        var e = trimEnd(buf, i, end, html: html)
        while e > i, buf[e - 1] == 0x2D { e -= 1 }
        e = trimEnd(buf, i, e, html: html)
        return (i, e)
    }

    /// "---------- Forwarded message ---------", "-------- Forwarded Message --------",
    /// "Begin forwarded message:" and their common translations.
    static func isForwardMarker(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, html: Bool = false)
        -> Bool
    {
        if let (i, e) = dashedText(buf, start, end, html: html) {
            return dashedForward.contains { e - i == $0.count && hasPrefix(buf, i, e, $0) }
        }
        let i = skipSpace(buf, start, end, html: html)
        guard mayStart(openForwardFirst, buf, i, end) else { return false }
        return openForward.contains { hasPrefix(buf, i, end, $0) }
    }

    /// "-----Original Message-----" and its translations.
    static func isOriginalMessage(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, html: Bool = false)
        -> Bool
    {
        guard let (i, e) = dashedText(buf, start, end, html: html) else { return false }
        return originalMessage.contains { e - i == $0.count && hasPrefix(buf, i, e, $0) }
    }

    /// A line of at least ten underscores (Outlook's reply separator, Mailman's footer rule).
    static func isUnderscoreLine(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, html: Bool = false)
        -> Bool
    {
        let i = skipSpace(buf, start, end, html: html)
        let e = trimEnd(buf, i, end, html: html)
        guard e - i >= 10 else { return false }
        for k in i..<e where buf[k] != 0x5F { return false }
        return true
    }

    private static let headerNames: [(name: [UInt8], kind: HeaderKind)] = {
        var table: [(name: [UInt8], kind: HeaderKind)] = []
        let names: [(HeaderKind, [String])] = [
            (.from, ["from", "von", "de", "van", "da", "från", "fra", "od", "lähettäjä", "feladó"]),
            (
                .date,
                [
                    "sent", "date", "gesendet", "datum", "envoyé", "enviado", "enviado el", "verzonden", "inviato",
                    "skickat", "sendt", "data", "lähetetty", "dátum", "fecha",
                ]
            ),
            (.to, ["to", "an", "à", "À", "a", "para", "aan", "till", "til", "do", "vastaanottaja", "címzett"]),
            (
                .subject,
                [
                    "subject", "betreff", "objet", "asunto", "onderwerp", "oggetto", "ämne", "emne", "assunto", "temat",
                    "aihe", "tárgy",
                ]
            ),
            (.cc, ["cc"]),
        ]
        for (kind, list) in names {
            for name in list { table.append((Array(name.lowercased().utf8), kind)) }
            if kind == .to { table.append((Array("À".utf8), .to)) }
        }
        return table
    }()

    private static let headerFirst = firstBytes(headerNames.map(\.name))

    /// The kind of an Outlook-style header line (`From:`, `Sent:`, `To:`, `Subject:` and translations),
    /// allowing leading spaces and `*` (bold rendered as text).
    static func headerKind(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, html: Bool = false)
        -> HeaderKind?
    {
        var i = skipSpace(buf, start, end, html: html)
        while i < end, buf[i] == UInt8(ascii: "*") { i += 1 }
        guard mayStart(headerFirst, buf, i, end) else { return nil }
        // A header name is short: the colon comes within the first 24 bytes.
        var colon = i
        while colon < min(end, i + 24), buf[colon] != UInt8(ascii: ":") { colon += 1 }
        guard colon < end, buf[colon] == UInt8(ascii: ":") else { return nil }
        for (name, kind) in headerNames where hasPrefix(buf, i, end, name) {
            var k = i + name.count
            while k < end, buf[k] == UInt8(ascii: "*") { k += 1 }
            k = skipSpace(buf, k, end, html: html)
            while k < end, buf[k] == UInt8(ascii: "*") { k += 1 }
            if k < end, buf[k] == UInt8(ascii: ":") { return kind }
        }
        return nil
    }

    private static let attributionOpeners = bytes([
        "on ", "am ", "le ", "el ", "op ", "il ", "em ", "w dniu ", "den ", "dne ",
    ])
    private static let attributionFirst = firstBytes(attributionOpeners)
    private static let attributionVerbs = bytes([
        "wrote", "schrieb", "a écrit", "escribió", "escribio", "schreef", "ha scritto", "scritto", "escreveu",
        "pisze", "napisał", "skrev", "kirjoitti", "napsal", "írta", "написал", "написала",
    ])

    /// A line that opens an attribution ("On …", "Am …", "Le …", "El …").
    static func opensAttribution(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let i = skipSpace(buf, start, end)
        guard mayStart(attributionFirst, buf, i, end) else { return false }
        return attributionOpeners.contains { hasPrefix(buf, i, end, $0) }
    }

    /// A line that ends an attribution ("… wrote:", "… schrieb:", "… a écrit :", "… escribió:").
    static func closesAttribution(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var e = trimEnd(buf, start, end)
        guard e > start, buf[e - 1] == UInt8(ascii: ":") else { return false }
        e = trimEnd(buf, start, e - 1)
        return attributionVerbs.contains { hasWordSuffix(buf, start, e, $0) }
    }

    /// A line that ends with `:` and has an attribution verb inside, as in German and Dutch
    /// ("Am … schrieb Bob <bob@example.de>:", "Op … schreef Bob <bob@example.nl>:").
    static func closesAttributionWithVerbInside(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let e = trimEnd(buf, start, end)
        guard e > start, buf[e - 1] == UInt8(ascii: ":") else { return false }
        for i in max(start, e - 400)..<e where buf[i] == 0x20 {
            for verb in attributionVerbs where i + verb.count + 1 < e && buf[i + 1 + verb.count] == 0x20 {
                if hasPrefix(buf, i + 1, e, verb) { return true }
            }
        }
        return false
    }

    private static let boilerplateOpeners = bytes([
        "you received this message because you are subscribed to",
        "you received this message because you are a member of",
        "to unsubscribe from this group", "to unsubscribe from this topic", "to post to this group",
        "this email and any attachments are confidential", "this e-mail and any attachments are confidential",
        "this email and any files transmitted with it are confidential",
        "this e-mail and any files transmitted with it are confidential",
        "this message and any attachments are confidential", "this email is confidential",
        "this e-mail is confidential", "this message is confidential", "confidentiality notice",
        "the information contained in this e-mail", "the information contained in this email",
        "the information contained in this message", "this email may contain confidential",
        "this e-mail may contain confidential", "this message may contain confidential",
        "disclaimer: this", "unsubscribe:", "to unsubscribe, e-mail:", "to unsubscribe, email:",
    ])

    private static let boilerplateFirst = firstBytes(boilerplateOpeners)

    /// A line that opens a mailing-list or legal footer.
    static func opensBoilerplate(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, html: Bool = false)
        -> Bool
    {
        var i = skipSpace(buf, start, end, html: html)
        while i < end, buf[i] == UInt8(ascii: "*") || buf[i] == UInt8(ascii: "_") { i += 1 }
        guard mayStart(boilerplateFirst, buf, i, end) else { return false }
        return boilerplateOpeners.contains { hasPrefix(buf, i, end, $0) }
    }

    /// A Mailman footer's "… mailing list" line (follows a line of underscores).
    static func isMailingListLine(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        hasWordSuffix(buf, start, trimEnd(buf, start, end), Array("mailing list".utf8))
    }
}
