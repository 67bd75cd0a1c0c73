import MailParsing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An incremental, literal-aware reader of IMAP server responses: feed it bytes as they arrive, take responses out.
///
/// Pure (no I/O) and safe on any input: framing follows RFC 3501 literals, so a message body holding a line like
/// `A005 OK fake` or `* 3 EXISTS` is literal data and never ends a command. Memory is bounded: a response line (with
/// its non-body literals) may not exceed ``maxLineBytes``, and a literal above ``maxLiteralBytes`` is skipped as it
/// streams in (its size is reported as ``IMAPFetch/skippedBodySize``), so only a kept message body can be large.
///
/// ```swift
/// var reader = IMAPResponseReader()
/// reader.feed(bytes)
/// while let response = try reader.next() { handle(response) }
/// ```
public struct IMAPResponseReader: Sendable {
    /// Literals larger than this are skipped, not kept (default 64 MiB).
    public var maxLiteralBytes: Int
    /// The longest response text (all lines of one response, without literal data) before framing fails.
    public var maxLineBytes: Int
    /// The most literals one response keeps; past them, literals are skipped (their size kept), a `BODYSTRUCTURE`
    /// in that response is marked unusable (the message is then fetched whole) and a body or section among them is
    /// reported as skipped: one odd message never stops the folder.
    public var maxLiteralsPerResponse = 1_024
    /// The most literals one response may carry at all (kept and skipped); past this the framing fails.
    public var maxSkippedLiteralsPerResponse = 65_536

    private var buffer: [UInt8] = []
    private var start = 0
    private var text: [UInt8] = []
    private var literals: [PlacedLiteral] = []
    private var literalRemaining = 0
    private var literalKeep = false
    private var literalBytes: [UInt8] = []
    private var inLiteral = false
    private var failure: IMAPError?

    /// Creates a reader with the given caps.
    public init(maxLiteralBytes: Int = 64 << 20, maxLineBytes: Int = 16 << 20) {
        self.maxLiteralBytes = maxLiteralBytes
        self.maxLineBytes = maxLineBytes
    }

    /// Bytes received but not yet part of a returned response.
    public var bufferedByteCount: Int { buffer.count - start + text.count + literalBytes.count }

    /// Whether a response has started but not finished (more bytes needed).
    public var isMidResponse: Bool { start < buffer.count || !text.isEmpty || inLiteral }

    /// Appends received bytes.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        if start > 0, start >= buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 1 << 16, start * 2 > buffer.count {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Appends received bytes.
    public mutating func feed(_ bytes: some Sequence<UInt8>) {
        var array = Array(bytes)
        array.withUnsafeMutableBytes { feed(UnsafeRawBufferPointer($0)) }
    }

    /// The next complete response, `nil` when more bytes are needed.
    ///
    /// Throws ``IMAPError/Code-swift.enum/protocolError`` when the framing is broken (an over-long line, too many
    /// literals); the reader then stays failed.
    public mutating func next() throws(IMAPError) -> IMAPResponse? {
        if let failure { throw failure }
        while true {
            if inLiteral {
                guard advanceLiteral() else { return nil }
                continue
            }
            let available = buffer.count - start
            guard available > 0 else { return nil }
            let newline: Int? = buffer.withUnsafeBytes { raw in
                guard let found = memchr(raw.baseAddress! + start, 0x0A, available) else { return nil }
                return start + (UnsafeRawPointer(found) - (raw.baseAddress! + start))
            }
            guard let newline else {
                // A CR at the end may be the first half of the CRLF still on its way: it is not line content (the
                // complete line below is measured without it), so the answer must not depend on where TCP split.
                let pending = buffer[buffer.count - 1] == 0x0D ? available - 1 : available
                if pending + text.count > maxLineBytes {
                    throw fail("a response line exceeds \(maxLineBytes) bytes")
                }
                return nil
            }
            var end = newline
            if end > start, buffer[end - 1] == 0x0D { end -= 1 }
            guard end - start + text.count <= maxLineBytes else {
                throw fail("a response line exceeds \(maxLineBytes) bytes")
            }
            let partStart = text.count
            text.append(contentsOf: buffer[start..<end])
            start = newline + 1
            // Only the line just read can announce a literal (an empty line after a literal ends the response).
            if let size = Self.trailingLiteralSize(text[partStart...]) {
                guard literals.count < maxSkippedLiteralsPerResponse else {
                    throw fail("a response carries more than \(maxSkippedLiteralsPerResponse) literals")
                }
                beginLiteral(size, keep: literals.count < maxLiteralsPerResponse)
                continue
            }
            var parser = IMAPResponseParser(
                text: text, literals: literals, overflowed: literals.count > maxLiteralsPerResponse)
            let response = parser.parse()
            text.removeAll(keepingCapacity: text.capacity <= 1 << 16)
            literals.removeAll()
            return response
        }
    }

    private mutating func fail(_ detail: String) -> IMAPError {
        let error = IMAPError(.protocolError, host: "", detail: detail)
        failure = error
        return error
    }

    private mutating func beginLiteral(_ size: UInt64, keep: Bool) {
        inLiteral = true
        literalKeep = keep && size <= UInt64(maxLiteralBytes)
        literalRemaining = literalKeep ? Int(size) : 0
        skipRemaining = literalKeep ? 0 : size
        skippedSize = size
        literalBytes = []
        if literalKeep { literalBytes.reserveCapacity(Int(size)) }
    }

    private var skipRemaining: UInt64 = 0
    private var skippedSize: UInt64 = 0

    /// Moves literal bytes out of the buffer; true when the literal is complete.
    private mutating func advanceLiteral() -> Bool {
        let available = buffer.count - start
        if literalKeep {
            let take = min(available, literalRemaining)
            if take > 0 {
                literalBytes.append(contentsOf: buffer[start..<start + take])
                start += take
                literalRemaining -= take
            }
            guard literalRemaining == 0 else { return false }
            literals.append(PlacedLiteral(end: text.count, value: .bytes(literalBytes)))
            literalBytes = []
        } else {
            let take = Int(min(UInt64(available), skipRemaining))
            start += take
            skipRemaining -= UInt64(take)
            guard skipRemaining == 0 else { return false }
            literals.append(PlacedLiteral(end: text.count, value: .skipped(skippedSize)))
        }
        if start >= buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
            start = 0
        }
        inLiteral = false
        return true
    }

    /// The size in a trailing `{n}` or `{n+}`, when the text ends with one.
    static func trailingLiteralSize(_ text: ArraySlice<UInt8>) -> UInt64? {
        guard let last = text.last, last == UInt8(ascii: "}") else { return nil }
        let first = text.startIndex
        var index = text.endIndex - 2
        if index >= first, text[index] == UInt8(ascii: "+") { index -= 1 }
        var value: UInt64 = 0
        var multiplier: UInt64 = 1
        var digits = 0
        while index >= first, text[index] >= 0x30, text[index] <= 0x39 {
            guard digits < 19 else { return nil }
            value += UInt64(text[index] - 0x30) * multiplier
            multiplier &*= 10
            digits += 1
            index -= 1
        }
        guard digits > 0, index >= first, text[index] == UInt8(ascii: "{") else { return nil }
        return value
    }
}

/// A literal of a response: kept bytes or the size of skipped ones.
enum Literal: Sendable {
    case bytes([UInt8])
    case skipped(UInt64)
}

/// A literal and where its `{n}` marker ends in the response text.
struct PlacedLiteral: Sendable {
    var end: Int
    var value: Literal
}

/// Parses the text of one framed response, taking literal contents in order.
struct IMAPResponseParser {
    private let text: [UInt8]
    private var literals: [PlacedLiteral]
    private var literalIndex = 0
    private var index = 0
    /// Whether the response had more literals than are kept (some were skipped for their number, not their size).
    private let overflowed: Bool

    init(text: [UInt8], literals: [PlacedLiteral], overflowed: Bool = false) {
        self.text = text
        self.literals = literals
        self.overflowed = overflowed
    }

    private var preview: String {
        String(decoding: text.prefix(120), as: UTF8.self)
    }

    mutating func parse() -> IMAPResponse {
        parseResponse() ?? .unparsed(preview)
    }

    private mutating func parseResponse() -> IMAPResponse? {
        if peek == UInt8(ascii: "+") {
            index += 1
            skipSpaces()
            return .continuation(rest())
        }
        if peek == UInt8(ascii: "*") {
            index += 1
            guard take(UInt8(ascii: " ")) else { return nil }
            return parseUntagged()
        }
        let tag = word()
        guard !tag.isEmpty, take(UInt8(ascii: " ")), let status = parseStatus() else { return nil }
        return .tagged(tag: tag, status)
    }

    private mutating func parseUntagged() -> IMAPResponse? {
        if let byte = peek, byte >= 0x30, byte <= 0x39 {
            guard let number = number32(), take(UInt8(ascii: " ")) else { return nil }
            let kind = word().uppercased()
            switch kind {
            case "EXISTS": return .exists(number)
            case "EXPUNGE": return .expunge(number)
            case "FETCH":
                guard take(UInt8(ascii: " ")) else { return nil }
                return parseFetch(number).map { .fetch($0) }
            default: return .other(kind)
            }
        }
        let save = index
        let kind = word().uppercased()
        switch kind {
        case "OK", "NO", "BAD", "BYE", "PREAUTH":
            index = save
            return parseStatus().map { .untaggedStatus($0) }
        case "CAPABILITY":
            return .capability(rest().split(separator: " ").map { $0.uppercased() })
        case "LIST", "LSUB", "XLIST":
            guard take(UInt8(ascii: " ")) else { return nil }
            return parseList().map { .list($0) }
        case "SEARCH":
            var uids: [UInt32] = []
            while take(UInt8(ascii: " ")) {
                if peek == UInt8(ascii: "(") { break }
                guard let uid = number32() else { return nil }
                uids.append(uid)
            }
            return .search(uids)
        case "ESEARCH":
            return parseESearch().map { .esearch($0) }
        default:
            return .other(kind)
        }
    }

    // MARK: Status responses

    private mutating func parseStatus() -> IMAPStatus? {
        guard let kind = IMAPStatusKind(rawValue: word().uppercased()) else { return nil }
        skipSpaces()
        var code: IMAPResponseCode?
        if peek == UInt8(ascii: "[") {
            index += 1
            code = parseCode()
            skipSpaces()
        }
        return IMAPStatus(kind: kind, code: code, text: rest())
    }

    private mutating func parseCode() -> IMAPResponseCode? {
        let nameStart = index
        while let byte = peek, byte != UInt8(ascii: " "), byte != UInt8(ascii: "]") { index += 1 }
        let name = String(decoding: text[nameStart..<index], as: UTF8.self).uppercased()
        _ = take(UInt8(ascii: " "))
        let argumentStart = index
        var depth = 0
        while let byte = peek {
            if byte == UInt8(ascii: "[") { depth += 1 }
            if byte == UInt8(ascii: "]") {
                if depth == 0 { break }
                depth -= 1
            }
            index += 1
        }
        let arguments = String(decoding: text[argumentStart..<index], as: UTF8.self)
        guard take(UInt8(ascii: "]")) else { return nil }
        switch name {
        case "UIDVALIDITY": return UInt32(arguments).map { .uidValidity($0) } ?? .other(name, arguments)
        case "UIDNEXT": return UInt32(arguments).map { .uidNext($0) } ?? .other(name, arguments)
        case "AUTHENTICATIONFAILED": return .authenticationFailed
        case "AUTHORIZATIONFAILED": return .authorizationFailed
        case "UNAVAILABLE": return .unavailable
        case "NONEXISTENT": return .nonexistent
        case "TRYCREATE": return .tryCreate
        case "READ-ONLY": return .readOnly
        case "READ-WRITE": return .readWrite
        case "ALERT": return .alert
        case "CAPABILITY": return .capability(arguments.split(separator: " ").map { $0.uppercased() })
        default: return .other(name, arguments)
        }
    }

    // MARK: FETCH

    private mutating func parseFetch(_ sequenceNumber: UInt32) -> IMAPFetch? {
        guard take(UInt8(ascii: "(")) else { return nil }
        var fetch = IMAPFetch(sequenceNumber: sequenceNumber)
        fetch.literalsOverflowed = overflowed
        skipSpaces()
        while let byte = peek, byte != UInt8(ascii: ")") {
            let name = attributeName().uppercased()
            guard !name.isEmpty, take(UInt8(ascii: " ")) else { return nil }
            switch name {
            case "UID":
                guard let uid = number32() else { return nil }
                fetch.uid = uid
            case "RFC822.SIZE":
                guard let size = number64() else { return nil }
                fetch.size = size
            case "INTERNALDATE":
                guard let value = nstring() else { return nil }
                if case .bytes(let bytes) = value { fetch.internalDate = Self.parseInternalDate(bytes) }
            case "FLAGS":
                guard let flags = flagList() else { return nil }
                fetch.flags = flags
            case "BODY[]", "BODY[]<0>", "RFC822", "BINARY[]":
                guard let value = nstring() else { return nil }
                switch value {
                case .bytes(let bytes): fetch.body = bytes
                case .skipped(let size): fetch.skippedBodySize = size
                }
            case "BODYSTRUCTURE":
                // A structure too wide or too deep for the tree is skipped (bounded) and marked unusable: the
                // message is then fetched whole, never dropped with the rest of the response.
                let start = index
                let literalStart = literalIndex
                if !overflowed, let value = value(depth: 0) {
                    fetch.bodyStructure = IMAPBodyStructure(value)
                } else {
                    index = start
                    literalIndex = literalStart
                    guard skipValue(depth: 0) else { return nil }
                }
                fetch.bodyStructureUnusable = fetch.bodyStructure == nil
            default:
                if let section = Self.section(ofAttribute: name) {
                    guard let value = nstring() else { return nil }
                    switch value {
                    case .bytes(let bytes): fetch.sections[section] = bytes
                    case .skipped(let size): fetch.skippedSectionSize = max(fetch.skippedSectionSize ?? 0, size)
                    }
                } else {
                    guard skipValue(depth: 0) else { return nil }
                }
            }
            skipSpaces()
        }
        guard take(UInt8(ascii: ")")) else { return nil }
        return fetch
    }

    /// `1.MIME` for `BODY[1.MIME]` or `BODY[1.MIME]<0>`; `nil` for any other attribute (and for `BODY[]`).
    static func section(ofAttribute name: String) -> String? {
        guard name.hasPrefix("BODY["), let close = name.firstIndex(of: "]") else { return nil }
        let section = name[name.index(name.startIndex, offsetBy: 5)..<close]
        guard !section.isEmpty, !section.contains(" "), !section.contains("(") else { return nil }
        return String(section)
    }

    /// One value of parenthesised data, as a tree (bounded depth and width): lists, strings, numbers, `NIL`.
    private mutating func value(depth: Int) -> IMAPValue? {
        guard depth < 2 * IMAPBodyStructure.maxDepth + 8, let byte = peek else { return nil }
        switch byte {
        case UInt8(ascii: "("):
            index += 1
            var items: [IMAPValue] = []
            skipSpaces()
            while let inner = peek, inner != UInt8(ascii: ")") {
                guard items.count < 4 * IMAPBodyStructure.maxParts, let item = value(depth: depth + 1) else {
                    return nil
                }
                items.append(item)
                skipSpaces()
            }
            guard take(UInt8(ascii: ")")) else { return nil }
            return .list(items)
        case UInt8(ascii: "\""), UInt8(ascii: "{"):
            guard case .bytes(let bytes)? = nstring() else { return nil }
            return .string(bytes)
        default:
            let atom = word()
            guard !atom.isEmpty else { return nil }
            if atom.uppercased() == "NIL" { return .nil }
            if atom.utf8.count <= 19, atom.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let number = UInt64(atom) {
                return .number(number)
            }
            return .string(Array(atom.utf8))
        }
    }

    /// A fetch attribute name, `BODY[HEADER.FIELDS (A B)]<0>` included.
    private mutating func attributeName() -> String {
        let begin = index
        while let byte = peek, byte != UInt8(ascii: " "), byte != UInt8(ascii: ")"), byte != UInt8(ascii: "(") {
            index += 1
            if byte == UInt8(ascii: "[") {
                var depth = 1
                while let inner = peek, depth > 0 {
                    if inner == UInt8(ascii: "[") { depth += 1 }
                    if inner == UInt8(ascii: "]") { depth -= 1 }
                    index += 1
                }
            }
        }
        return String(decoding: text[begin..<index], as: UTF8.self)
    }

    private mutating func flagList() -> [String]? {
        guard take(UInt8(ascii: "(")) else { return nil }
        var flags: [String] = []
        skipSpaces()
        while let byte = peek, byte != UInt8(ascii: ")") {
            let flag = word()
            guard !flag.isEmpty else { return nil }
            flags.append(flag)
            skipSpaces()
        }
        guard take(UInt8(ascii: ")")) else { return nil }
        return flags
    }

    /// Skips one value: atom, number, quoted string, literal, NIL, or a parenthesized list (bounded depth).
    private mutating func skipValue(depth: Int) -> Bool {
        guard depth < 64, let byte = peek else { return false }
        switch byte {
        case UInt8(ascii: "("):
            index += 1
            skipSpaces()
            while let inner = peek, inner != UInt8(ascii: ")") {
                guard skipValue(depth: depth + 1) else { return false }
                skipSpaces()
            }
            return take(UInt8(ascii: ")"))
        case UInt8(ascii: "\""), UInt8(ascii: "{"):
            return nstring() != nil
        default:
            return !attributeName().isEmpty
        }
    }

    // MARK: LIST and ESEARCH

    private mutating func parseList() -> IMAPListEntry? {
        guard let attributes = flagList(), take(UInt8(ascii: " ")) else { return nil }
        var delimiter: String?
        if let value = nstring() {
            if case .bytes(let bytes) = value { delimiter = String(decoding: bytes, as: UTF8.self) }
        } else {
            return nil
        }
        guard take(UInt8(ascii: " ")), let name = astring() else { return nil }
        return IMAPListEntry(attributes: attributes, delimiter: delimiter, wireName: name)
    }

    private mutating func parseESearch() -> IMAPESearch? {
        var result = IMAPESearch()
        while take(UInt8(ascii: " ")) {
            if peek == UInt8(ascii: "(") {
                index += 1
                guard word().uppercased() == "TAG", take(UInt8(ascii: " ")), let tag = astring(),
                    take(UInt8(ascii: ")"))
                else { return nil }
                result.tag = tag
                continue
            }
            let key = word().uppercased()
            if key == "UID" {
                result.isUID = true
                continue
            }
            guard take(UInt8(ascii: " ")) else { return nil }
            switch key {
            case "ALL":
                guard let ranges = sequenceSet() else { return nil }
                result.all = ranges
            case "COUNT": result.count = number32()
            case "MIN": result.min = number32()
            case "MAX": result.max = number32()
            default:
                guard skipValue(depth: 0) else { return nil }
            }
        }
        return index == text.count ? result : nil
    }

    private mutating func sequenceSet() -> [ClosedRange<UInt32>]? {
        var ranges: [ClosedRange<UInt32>] = []
        repeat {
            guard let lower = number32() else { return nil }
            var upper = lower
            if take(UInt8(ascii: ":")) {
                guard let value = number32() else { return nil }
                upper = value
            }
            ranges.append(min(lower, upper)...max(lower, upper))
        } while take(UInt8(ascii: ","))
        return ranges
    }

    // MARK: Strings

    /// An astring: atom, quoted string or literal (a skipped literal is not a name).
    private mutating func astring() -> String? {
        if let byte = peek, byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "{") {
            guard case .bytes(let bytes)? = nstring() else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
        let atom = attributeName()
        return atom.isEmpty ? nil : atom
    }

    /// A quoted string, literal, or `NIL` (as empty bytes); `nil` when none is there.
    private mutating func nstring() -> Literal? {
        guard let byte = peek else { return nil }
        if byte == UInt8(ascii: "\"") {
            index += 1
            var bytes: [UInt8] = []
            while let inner = peek {
                index += 1
                if inner == UInt8(ascii: "\"") { return .bytes(bytes) }
                if inner == UInt8(ascii: "\\") {
                    guard let escaped = peek else { return nil }
                    index += 1
                    bytes.append(escaped)
                } else {
                    bytes.append(inner)
                }
            }
            return nil
        }
        if byte == UInt8(ascii: "{") {
            // A literal marker ends where the framing layer cut the text; anything else is not a literal.
            guard let close = text[index...].firstIndex(of: UInt8(ascii: "}")), literalIndex < literals.count,
                literals[literalIndex].end == close + 1
            else { return nil }
            index = close + 1
            let literal = literals[literalIndex].value
            literals[literalIndex].value = .skipped(0)
            literalIndex += 1
            return literal
        }
        let save = index
        if word().uppercased() == "NIL" { return .bytes([]) }
        index = save
        return nil
    }

    // MARK: Lexing

    private var peek: UInt8? { index < text.count ? text[index] : nil }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipSpaces() {
        while peek == UInt8(ascii: " ") { index += 1 }
    }

    /// Bytes up to a space, parenthesis or bracket-close.
    private mutating func word() -> String {
        let begin = index
        while let byte = peek, byte != UInt8(ascii: " "), byte != UInt8(ascii: "("), byte != UInt8(ascii: ")"),
            byte != UInt8(ascii: "]")
        {
            index += 1
        }
        return String(decoding: text[begin..<index], as: UTF8.self)
    }

    private mutating func rest() -> String {
        defer { index = text.count }
        return String(decoding: text[index...].prefix(1000), as: UTF8.self)
    }

    private mutating func number64() -> UInt64? {
        var value: UInt64 = 0
        var digits = 0
        while let byte = peek, byte >= 0x30, byte <= 0x39 {
            guard digits < 19 else { return nil }
            value = value * 10 + UInt64(byte - 0x30)
            digits += 1
            index += 1
        }
        return digits > 0 ? value : nil
    }

    private mutating func number32() -> UInt32? {
        number64().flatMap { UInt32(exactly: $0) }
    }

    // MARK: INTERNALDATE

    /// `dd-Mon-yyyy hh:mm:ss +zzzz` (day may be space-padded); `nil` when malformed.
    static func parseInternalDate(_ bytes: [UInt8]) -> MailDate? {
        var fields = bytes.split(whereSeparator: { $0 == UInt8(ascii: " ") }).map { Array($0) }
        guard fields.count == 3 else { return nil }
        let dateParts = fields[0].split(separator: UInt8(ascii: "-")).map { Array($0) }
        let clock = fields[1].split(separator: UInt8(ascii: ":")).map { Array($0) }
        let zone = fields.removeLast()
        guard dateParts.count == 3, clock.count == 3, zone.count == 5,
            zone[0] == UInt8(ascii: "+") || zone[0] == UInt8(ascii: "-"),
            let day = digits(dateParts[0], max: 31), day >= 1,
            let month = monthIndex(dateParts[1]),
            let year = digits(dateParts[2], max: 9999), year >= 1900,
            let hour = digits(clock[0], max: 23), let minute = digits(clock[1], max: 59),
            let second = digits(clock[2], max: 60),
            let zoneHours = digits(Array(zone[1...2]), max: 23), let zoneMinutes = digits(Array(zone[3...4]), max: 59)
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let offset = (zoneHours * 3600 + zoneMinutes * 60) * (zone[0] == UInt8(ascii: "-") ? -1 : 1)
        let local = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return MailDate(unixTime: local - Int64(offset), utcOffsetSeconds: offset)
    }

    private static func digits(_ bytes: [UInt8], max: Int) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 4 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value <= max ? value : nil
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    private static func monthIndex(_ bytes: [UInt8]) -> Int? {
        let name = String(decoding: bytes, as: UTF8.self).lowercased()
        return months.firstIndex(of: name).map { $0 + 1 }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
