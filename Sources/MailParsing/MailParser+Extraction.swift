import CGMime
import Foundation

/// Copies the fields of a GMime message into a ``MailMessage``.
struct Extractor {
    let options: OpaquePointer?
    let measuresAttachments: Bool
    /// The warnings GMime reported while constructing the message (and, through the same callback, while extracting).
    let collector: DefectCollector
    /// See ``MailParser/usesFastPaths``.
    let usesFastPaths: Bool
    var defects: [ParseDefect] = []
    /// The message's bytes, which GMime parses in place (header offsets point into them).
    var rawBytes = UnsafeRawBufferPointer(start: nil, count: 0)
    /// Attached messages nest at most this deep; deeper ones are listed, not read.
    static let maxAttachedMessageDepth = 8
    /// Headers read per message; more are ignored.
    static let maxHeaders: Int32 = 10_000

    init(options: OpaquePointer?, measuresAttachments: Bool, collector: DefectCollector, usesFastPaths: Bool) {
        self.options = options
        self.measuresAttachments = measuresAttachments
        self.collector = collector
        self.usesFastPaths = usesFastPaths
    }

    mutating func fill(_ message: inout MailMessage, from gmessage: UnsafeMutablePointer<GMimeMessage>) {
        let object = cgm_message_object(gmessage)
        var sawDate = false
        var sawSubject = false
        var sawMessageID = false
        var sawReferences = false
        var sawInReplyTo = false
        if let headers = g_mime_object_get_header_list(object) {
            let total = g_mime_header_list_get_count(headers)
            let count = min(total, Self.maxHeaders)
            let census = usesFastPaths && total <= Self.maxHeaders ? headerCensus(headers, count) : nil
            // Reading again what GMime already read repeats any warning GMime gave for the header (at the header's
            // offset); where there was one, read again so that the defects stay the same.
            func quiet(_ header: UnsafeMutablePointer<GMimeHeader>) -> Bool {
                let offset = Int64(g_mime_header_get_offset(header))
                return offset >= 0 && !collector.defects.contains(where: { $0.offset == .some(offset) })
            }
            // GMime's own list for an address header, when it is exactly what parsing this header again would give.
            func parsed(
                _ type: GMimeAddressType, _ header: UnsafeMutablePointer<GMimeHeader>
            ) -> UnsafeMutablePointer<InternetAddressList>? {
                guard let census, census.counts[Int(type.rawValue)] == 1, quiet(header) else { return nil }
                return g_mime_message_get_addresses(gmessage, type)
            }
            for index in 0..<max(count, 0) {
                guard let header = g_mime_header_list_get_header_at(headers, index),
                    let name = g_mime_header_get_name(header),
                    let rawValue = g_mime_header_get_raw_value(header)
                else { continue }
                // First occurrence wins for single-valued headers; address headers accumulate.
                switch census?.kinds[Int(index)] ?? HeaderName(name) {
                case .from: message.from += addresses(rawValue, parsed(GMIME_ADDRESS_TYPE_FROM, header))
                case .sender: message.sender += addresses(rawValue, parsed(GMIME_ADDRESS_TYPE_SENDER, header))
                case .replyTo: message.replyTo += addresses(rawValue, parsed(GMIME_ADDRESS_TYPE_REPLY_TO, header))
                case .to: message.to += addresses(rawValue, parsed(GMIME_ADDRESS_TYPE_TO, header))
                case .cc: message.cc += addresses(rawValue, parsed(GMIME_ADDRESS_TYPE_CC, header))
                case .bcc: message.bcc += addresses(rawValue, parsed(GMIME_ADDRESS_TYPE_BCC, header))
                case .subject where !sawSubject:
                    sawSubject = true
                    if let whole = valueWithNUL(header) {
                        defects.append(
                            ParseDefect(code: "nul-in-subject", offset: Int64(g_mime_header_get_offset(header))))
                        message.subject = whole.withUnsafeBufferPointer { decodedText($0.baseAddress!) }
                    } else {
                        message.subject =
                            (census != nil && quiet(header) ? validatedText(header, rawValue) : nil)
                            ?? decodedText(rawValue)
                    }
                case .messageID where !sawMessageID:
                    sawMessageID = true
                    message.messageID = messageID(rawValue)
                case .date where !sawDate:
                    sawDate = true
                    if let census, census.counts[Self.dateCount] == 1, quiet(header), Self.isPlainASCII(rawValue) {
                        // GMime parsed the header's decoded value, which for plain ASCII is the raw value unfolded.
                        message.date = g_mime_message_get_date(gmessage).map(Self.mailDate)
                    } else {
                        message.date = date(rawValue)
                    }
                    if message.date == nil {
                        defects.append(ParseDefect(code: "invalid-date", item: preview(rawValue)))
                    }
                case .inReplyTo where !sawInReplyTo:
                    sawInReplyTo = true
                    message.inReplyTo = references(rawValue)
                case .references where !sawReferences:
                    sawReferences = true
                    message.references = references(rawValue)
                default: break
                }
            }
        }
        if !sawDate { defects.append(ParseDefect(code: "missing-date")) }
        if let body = g_mime_message_get_mime_part(gmessage) {
            walk(body, path: "", attachedDepth: 0, into: &message)
        }
    }

    /// Where ``headerCensus(_:_:)`` counts Date headers (after the six address types).
    static let dateCount = 6

    /// The kind of each header, and how many headers there are of each address type (indexed by `GMimeAddressType`)
    /// and of Date.
    private func headerCensus(
        _ headers: UnsafeMutablePointer<GMimeHeaderList>, _ count: Int32
    ) -> (kinds: [HeaderName], counts: [Int]) {
        var kinds: [HeaderName] = []
        kinds.reserveCapacity(Int(max(count, 0)))
        var counts = [Int](repeating: 0, count: 7)
        for index in 0..<max(count, 0) {
            guard let header = g_mime_header_list_get_header_at(headers, index),
                let name = g_mime_header_get_name(header)
            else {
                kinds.append(.other)
                continue
            }
            let kind = HeaderName(name)
            kinds.append(kind)
            switch kind {
            case .sender: counts[Int(GMIME_ADDRESS_TYPE_SENDER.rawValue)] += 1
            case .from: counts[Int(GMIME_ADDRESS_TYPE_FROM.rawValue)] += 1
            case .replyTo: counts[Int(GMIME_ADDRESS_TYPE_REPLY_TO.rawValue)] += 1
            case .to: counts[Int(GMIME_ADDRESS_TYPE_TO.rawValue)] += 1
            case .cc: counts[Int(GMIME_ADDRESS_TYPE_CC.rawValue)] += 1
            case .bcc: counts[Int(GMIME_ADDRESS_TYPE_BCC.rawValue)] += 1
            case .date: counts[Self.dateCount] += 1
            default: break
            }
        }
        return (kinds, counts)
    }

    /// The header's value as GMime decoded it while validating the header (with a warning callback installed, GMime
    /// decodes every header once), trimmed: the same as ``decodedText(_:)`` for valid UTF-8, whose only other
    /// difference is that GMime trims blanks before decoding too. `nil` when the raw value is not valid UTF-8.
    private func validatedText(_ header: UnsafeMutablePointer<GMimeHeader>, _ raw: UnsafePointer<CChar>) -> String? {
        guard UTF8Validation.isValid(UnsafeRawBufferPointer(start: raw, count: strlen(raw))),
            let value = g_mime_header_get_value(header)
        else { return nil }
        return string(value).map(Self.trimmingWhitespaceAndNewlines)
    }

    /// The header's whole value from the message bytes when it holds a NUL byte, which ends GMime's C string of it:
    /// the bytes after the colon up to the end of the header (folded lines included), each NUL as U+FFFD, then a
    /// terminating NUL. `nil` when the value has no NUL (or the header is not in the message buffer).
    private func valueWithNUL(_ header: UnsafeMutablePointer<GMimeHeader>) -> [CChar]? {
        let offset = Int(g_mime_header_get_offset(header))
        guard offset >= 0, offset < rawBytes.count else { return nil }
        var index = offset
        while index < rawBytes.count, rawBytes[index] != 0x3A, rawBytes[index] != 0x0A { index += 1 }
        guard index < rawBytes.count, rawBytes[index] == 0x3A else { return nil }
        let start = index + 1
        guard let base = rawBytes.baseAddress else { return nil }
        // The end of the header: the first line feed not followed by a blank (memchr: this runs for every message).
        var end = rawBytes.count
        var from = start
        while from < rawBytes.count, let hit = memchr(base + from, 0x0A, rawBytes.count - from) {
            let lineFeed = base.distance(to: UnsafeRawPointer(hit))
            let next = lineFeed + 1
            if next < rawBytes.count, rawBytes[next] == 0x20 || rawBytes[next] == 0x09 {
                from = next
                continue
            }
            end = lineFeed
            break
        }
        if end <= start || memchr(base + start, 0, end - start) == nil { return nil }
        var value: [CChar] = []
        value.reserveCapacity(end - start + 8)
        for byte in rawBytes[start..<end] {
            if byte == 0 {
                value += [0xEF, 0xBF, 0xBD].map { CChar(bitPattern: $0) }
            } else {
                value.append(CChar(bitPattern: byte))
            }
        }
        value.append(0)
        return value
    }

    /// ASCII without `=?`: RFC 2047 decoding leaves it as it is.
    private static func isPlainASCII(_ raw: UnsafePointer<CChar>) -> Bool {
        var pointer = UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self)
        var previous: UInt8 = 0
        while pointer.pointee != 0 {
            let byte = pointer.pointee
            if byte >= 0x80 || (previous == 0x3D && byte == 0x3F) { return false }
            previous = byte
            pointer += 1
        }
        return true
    }

    private static func mailDate(_ dateTime: OpaquePointer) -> MailDate {
        MailDate(
            unixTime: Int64(g_date_time_to_unix(dateTime)),
            utcOffsetSeconds: Int(g_date_time_get_utc_offset(dateTime) / 1_000_000))
    }

    /// The headers the extractor reads.
    enum HeaderName {
        case from, sender, replyTo, to, cc, bcc, subject, messageID, date, inReplyTo, references, other

        init(_ name: UnsafePointer<CChar>) {
            self =
                switch strlen(name) {
                case 2: strcasecmp(name, "to") == 0 ? .to : strcasecmp(name, "cc") == 0 ? .cc : .other
                case 3: strcasecmp(name, "bcc") == 0 ? .bcc : .other
                case 4: strcasecmp(name, "from") == 0 ? .from : strcasecmp(name, "date") == 0 ? .date : .other
                case 6: strcasecmp(name, "sender") == 0 ? .sender : .other
                case 7: strcasecmp(name, "subject") == 0 ? .subject : .other
                case 8: strcasecmp(name, "reply-to") == 0 ? .replyTo : .other
                case 10:
                    strcasecmp(name, "message-id") == 0
                        ? .messageID : strcasecmp(name, "references") == 0 ? .references : .other
                case 11: strcasecmp(name, "in-reply-to") == 0 ? .inReplyTo : .other
                default: .other
                }
        }
    }

    // MARK: Headers

    private static func nonEmpty(_ text: String) -> String? { text.isEmpty ? nil : text }

    private func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)), as: UTF8.self)
    }

    private func preview(_ raw: UnsafePointer<CChar>) -> String? {
        let trimmed = unfolded(raw).trimmingCharacters(in: .whitespaces)
        return trimmed.count > 80 ? String(trimmed.prefix(80)) + "…" : trimmed
    }

    /// The header value with folding line breaks removed, as a String (header values are short).
    private func unfolded(_ raw: UnsafePointer<CChar>) -> String {
        let bytes = UnsafeBufferPointer(
            start: UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self), count: strlen(raw))
        return String(decoding: bytes.lazy.filter { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self)
    }

    private func decodedText(_ raw: UnsafePointer<CChar>) -> String? {
        let decodeText = { (folded: UnsafePointer<CChar>) -> String? in
            guard let decoded = g_mime_utils_header_decode_text(options, folded) else { return nil }
            defer { g_free(decoded) }
            return string(decoded)
        }
        // For valid UTF-8, `unfolded` is the same bytes without CR and LF: drop them in place of a String round trip.
        let bytes = UnsafeRawBufferPointer(start: raw, count: strlen(raw))
        let decoded: String?
        if UTF8Validation.isValid(bytes) {
            var folded = [CChar]()
            folded.reserveCapacity(bytes.count + 1)
            for byte in bytes where byte != 0x0D && byte != 0x0A { folded.append(CChar(bitPattern: byte)) }
            folded.append(0)
            decoded = folded.withUnsafeBufferPointer { decodeText($0.baseAddress!) }
        } else {
            decoded = unfolded(raw).withCString(decodeText)
        }
        return decoded.map(Self.trimmingWhitespaceAndNewlines)
    }

    /// `text.trimmingCharacters(in: .whitespacesAndNewlines)` without Foundation's cost (about 14,000 instructions a
    /// call here): the same set, trimmed by Unicode scalar from both ends.
    static func trimmingWhitespaceAndNewlines(_ text: String) -> String {
        let scalars = text.unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, isWhitespaceOrNewline(scalars[start]) { start = scalars.index(after: start) }
        while start < end, isWhitespaceOrNewline(scalars[scalars.index(before: end)]) {
            end = scalars.index(before: end)
        }
        if start == scalars.startIndex && end == scalars.endIndex { return text }
        return String(scalars[start..<end])
    }

    /// The scalars Foundation's `trimmingCharacters(in: .whitespacesAndNewlines)` removes on this platform (measured
    /// over every scalar): general category Zs, tab, the newlines U+000A–U+000D, U+0085, U+2028 and U+2029, and also
    /// U+200B ZERO WIDTH SPACE, which the trim drops although `CharacterSet.contains` says no.
    static func isWhitespaceOrNewline(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    private func messageID(_ raw: UnsafePointer<CChar>) -> String? {
        guard let decoded = g_mime_utils_decode_message_id(raw) else { return nil }
        defer { g_free(decoded) }
        return string(decoded).flatMap(Self.nonEmpty)
    }

    private func date(_ raw: UnsafePointer<CChar>) -> MailDate? {
        guard let dateTime = g_mime_utils_header_decode_date(raw) else { return nil }
        defer { g_date_time_unref(dateTime) }
        return MailDate(
            unixTime: Int64(g_date_time_to_unix(dateTime)),
            utcOffsetSeconds: Int(g_date_time_get_utc_offset(dateTime) / 1_000_000))
    }

    private func references(_ raw: UnsafePointer<CChar>) -> [String] {
        guard let refs = g_mime_references_parse(options, raw) else { return [] }
        defer { g_mime_references_free(refs) }
        let count = min(g_mime_references_length(refs), 1000)
        var ids: [String] = []
        ids.reserveCapacity(Int(max(count, 0)))
        for index in 0..<max(count, 0) {
            if let id = string(g_mime_references_get_message_id(refs, index)), !id.isEmpty { ids.append(id) }
        }
        return ids
    }

    /// GMime's parse of an address header; where GMime drops addresses it rejects (such as `k..allen@enron.com`),
    /// the lenient parser's reading is used instead. `parsed` is GMime's list from constructing the message when it
    /// is this header's alone; otherwise the header is parsed here.
    private func addresses(
        _ raw: UnsafePointer<CChar>, _ parsed: UnsafeMutablePointer<InternetAddressList>?
    ) -> [MailAddress] {
        var strict: [MailAddress] = []
        if let parsed {
            appendAddresses(parsed, into: &strict, depth: 0)
        } else if let list = internet_address_list_parse(options, raw) {
            appendAddresses(list, into: &strict, depth: 0)
            cgm_unref(list)
        }
        // The lenient parser yields at most one address per top-level `,`/`;` plus one, so when GMime already found
        // that many it cannot win: skip it (it is by far the costliest step of reading a header).
        guard strict.count <= Self.separatorCount(raw) else { return strict }
        let lenient = LenientAddressParser.parse(unfolded(raw))
        guard lenient.count > strict.count else { return strict }
        return lenient.map { entry in
            MailAddress(name: entry.rawName.flatMap(decodedPhrase), address: entry.address)
        }
    }

    /// The number of `,` and `;` bytes in a C string.
    private static func separatorCount(_ raw: UnsafePointer<CChar>) -> Int {
        var count = 0
        var pointer = raw
        while pointer.pointee != 0 {
            if pointer.pointee == 0x2C || pointer.pointee == 0x3B { count += 1 }
            pointer += 1
        }
        return count
    }

    private func appendAddresses(
        _ list: UnsafeMutablePointer<InternetAddressList>?, into result: inout [MailAddress], depth: Int
    ) {
        guard let list, depth < 4 else { return }
        let count = min(internet_address_list_length(list), 1000)
        guard count > 0 else { return }
        for index in 0..<count {
            guard let address = internet_address_list_get_address(list, index) else { continue }
            if cgm_address_is_group(address) != 0 {
                appendAddresses(cgm_group_members(address), into: &result, depth: depth + 1)
            } else if let spec = string(cgm_mailbox_addr(address)) {
                let name = string(internet_address_get_name(address)).flatMap(Self.nonEmpty)
                result.append(MailAddress(name: name, address: spec))
            }
        }
    }

    private func decodedPhrase(_ raw: String) -> String? {
        guard let decoded = g_mime_utils_header_decode_phrase(options, raw) else { return nil }
        defer { g_free(decoded) }
        return string(decoded).flatMap(Self.nonEmpty)
    }

    // MARK: Parts

    private mutating func walk(
        _ object: UnsafeMutablePointer<GMimeObject>, path: String, attachedDepth: Int, into message: inout MailMessage
    ) {
        if let multipart = cgm_as_multipart(object) {
            let count = g_mime_multipart_get_count(multipart)
            guard count > 0 else { return }
            for index in 0..<count {
                guard let child = g_mime_multipart_get_part(multipart, index) else { continue }
                let childPath = path.isEmpty ? "\(index + 1)" : "\(path).\(index + 1)"
                walk(child, path: childPath, attachedDepth: attachedDepth, into: &message)
            }
            return
        }
        let partPath = path.isEmpty ? "1" : path
        let mediaType = contentType(object)
        if cgm_is_message_part(object) != 0 {
            message.attachments.append(
                AttachmentInfo(
                    fileName: nil, contentType: mediaType, size: measuredSize(ofObject: object), path: partPath))
            guard attachedDepth < Self.maxAttachedMessageDepth else {
                defects.append(
                    ParseDefect(
                        code: "attached-message-depth",
                        item:
                            "part \(partPath): more than \(Self.maxAttachedMessageDepth) nested message/rfc822 parts, not read"
                    ))
                return
            }
            guard let inner = cgm_message_part_message(object),
                let body = g_mime_message_get_mime_part(inner)
            else { return }
            walk(body, path: partPath, attachedDepth: attachedDepth + 1, into: &message)
            return
        }
        guard let part = cgm_as_part(object) else { return }
        let isAttachment = cgm_is_attachment(object) != 0
        // A text type GMime could not parse (`text; charset=utf-8`, `text/`) is text/plain with its charset, as
        // RFC 2045 §5.2 says for an invalid Content-Type and CPython reads it; GMime calls it application/octet-stream.
        let malformedText = mediaType == "application/octet-stream" ? Self.malformedTextType(object) : nil
        let isBodyText =
            (cgm_is_text_part(object) != 0 || malformedText != nil) && !isAttachment
            && (mediaType == "text/plain" || mediaType == "text/html" || malformedText != nil)
        if isBodyText {
            let charsetPointer =
                malformedText == nil ? g_mime_object_get_content_type_parameter(object, "charset") : nil
            let charset = malformedText != nil ? malformedText?.charset : string(charsetPointer)
            if malformedText != nil {
                defects.append(ParseDefect(code: "malformed-text-type", item: "part \(partPath): read as text/plain"))
            }
            let utf8: [UInt8]
            if malformedText != nil, let charset {
                utf8 = charset.withCString { decodedText(object, charset: $0, path: partPath) }
            } else {
                utf8 = decodedText(object, charset: charsetPointer, path: partPath)
            }
            message.bodyParts.append(
                BodyPart(
                    kind: mediaType == "text/html" ? .html : .plain, path: partPath,
                    charset: charset?.lowercased(), utf8: utf8, isInAttachedMessage: attachedDepth > 0))
        } else {
            message.attachments.append(
                AttachmentInfo(
                    fileName: string(g_mime_part_get_filename(part)), contentType: mediaType,
                    size: measuresAttachments ? decodedSize(object) : -1, path: partPath))
        }
    }

    /// For a part GMime typed application/octet-stream because its Content-Type did not parse: when the raw header's
    /// type is `text` (any case) without a valid subtype (`text`, `text;…`, `text/;…`), the charset parameter it
    /// gives, if any. `nil` otherwise.
    static func malformedTextType(_ object: UnsafeMutablePointer<GMimeObject>) -> MalformedTextType? {
        guard let raw = g_mime_object_get_header(object, "Content-Type") else { return nil }
        let value = String(decoding: UnsafeRawBufferPointer(start: raw, count: strlen(raw)), as: UTF8.self)
        let parts = value.split(separator: ";", omittingEmptySubsequences: false)
        let type = parts[0].filter { !$0.isWhitespace }.lowercased()
        guard type == "text" || type == "text/" else { return nil }
        var charset: String?
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "charset" else {
                continue
            }
            let text = pair[1].trimmingCharacters(in: .whitespacesAndNewlines)
                .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            if !text.isEmpty { charset = text }
        }
        return MalformedTextType(charset: charset)
    }

    /// A text part whose Content-Type GMime could not parse, and the charset its raw header names.
    struct MalformedTextType {
        var charset: String?
    }

    private func contentType(_ object: UnsafeMutablePointer<GMimeObject>) -> String {
        guard let type = g_mime_object_get_content_type(object) else { return "application/octet-stream" }
        let media = string(g_mime_content_type_get_media_type(type)) ?? "application"
        let subtype = string(g_mime_content_type_get_media_subtype(type)) ?? "octet-stream"
        return (media + "/" + subtype).lowercased()
    }

    private func measuredSize(ofObject object: UnsafeMutablePointer<GMimeObject>) -> Int64 {
        guard measuresAttachments, let null = g_mime_stream_null_new() else { return -1 }
        defer { cgm_unref(null) }
        return Int64(g_mime_object_write_to_stream(object, nil, null))
    }

    /// The part's text as UTF-8: GMime converts known charsets; unknown or lying charsets fall back to GMime's 8-bit
    /// guess so the result is always valid UTF-8. A NUL byte is kept with the text after it (GMime's C strings would
    /// end there) and reported as a `nul-in-text` defect.
    private mutating func decodedText(
        _ object: UnsafeMutablePointer<GMimeObject>, charset: UnsafePointer<CChar>?, path: String
    ) -> [UInt8] {
        let text = directText(object, charset: charset) ?? generalText(object, charset: charset)
        let nul = text.withUnsafeBytes { bytes -> Int? in
            guard let base = bytes.baseAddress, let hit = memchr(base, 0, bytes.count) else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
        if let nul {
            defects.append(ParseDefect(code: "nul-in-text", offset: Int64(nul), item: "part \(path)"))
        }
        return text
    }

    /// `g_mime_text_part_get_text` with its length, then GMime's 8-bit guess for text that is not valid UTF-8 (per
    /// NUL-separated run, since the guess works on C strings).
    private mutating func generalText(
        _ object: UnsafeMutablePointer<GMimeObject>, charset: UnsafePointer<CChar>?
    ) -> [UInt8] {
        var length = 0
        guard let text = cgm_text_with_length(object, charset, &length) else { return [] }
        defer { g_free(text) }
        let buffer = UnsafeRawBufferPointer(start: text, count: length)
        if UTF8Validation.isValid(buffer) { return Array(buffer) }
        defects.append(ParseDefect(code: "invalid-text-charset", item: nil))
        var result: [UInt8] = []
        result.reserveCapacity(length)
        for (index, run) in buffer.split(separator: 0, omittingEmptySubsequences: false).enumerated() {
            if index > 0 { result.append(0) }
            guard !run.isEmpty else { continue }
            let runBuffer = UnsafeRawBufferPointer(rebasing: run)
            let start = runBuffer.baseAddress!.assumingMemoryBound(to: CChar.self)
            guard let converted = g_mime_utils_decode_8bit(options, start, runBuffer.count) else {
                result += String(decoding: runBuffer, as: UTF8.self).utf8
                continue
            }
            defer { g_free(converted) }
            let convertedBuffer = UnsafeRawBufferPointer(start: converted, count: strlen(converted))
            if UTF8Validation.isValid(convertedBuffer) {
                result += convertedBuffer
            } else {
                result += String(decoding: convertedBuffer, as: UTF8.self).utf8
            }
        }
        return result
    }

    /// What `g_mime_text_part_get_text` would do to a part's decoded bytes, by the part's charset.
    private enum CharsetConversion {
        /// No charset parameter: the bytes are returned as they are.
        case none
        /// UTF-8 to UTF-8: the identity on valid UTF-8.
        case utf8
        /// An ASCII superset converted to UTF-8: the identity on pure ASCII.
        case asciiSuperset
        /// Anything else: only GMime knows.
        case other
    }

    private static let asciiSupersetIconvNames: Set<String> = ["us-ascii", "ascii", "iso-8859-1", "latin1", "cp1252"]

    private func charsetConversion(_ charset: UnsafePointer<CChar>?) -> CharsetConversion {
        guard let charset else { return .none }
        guard let iconvName = string(g_mime_charset_iconv_name(charset))?.lowercased() else { return .other }
        if iconvName == "utf-8" { return .utf8 }
        return Self.asciiSupersetIconvNames.contains(iconvName) ? .asciiSuperset : .other
    }

    /// The fast path of ``decodedText(_:)``: the transfer-decoded bytes straight from GMime, skipping the charset
    /// filter (an iconv pass that costs more than the MIME parse) when that filter would be the identity: no charset,
    /// or UTF-8 declared and the bytes are valid UTF-8, or an ASCII superset declared and the bytes are ASCII. NUL
    /// bytes are kept, as in ``generalText(_:)``. Returns `nil` when the general path must decide.
    private func directText(_ object: UnsafeMutablePointer<GMimeObject>, charset: UnsafePointer<CChar>?) -> [UInt8]? {
        guard let part = cgm_as_part(object) else { return nil }
        let conversion = charsetConversion(charset)
        if conversion == .other { return nil }
        guard g_mime_part_get_content(part) != nil else { return [] }
        return withDecodedContent(object) { bytes in
            switch conversion {
            case .none, .utf8:
                return UTF8Validation.isValid(bytes) ? Array(bytes) : nil
            case .asciiSuperset:
                return UTF8Validation.isASCII(bytes) ? Array(bytes) : nil
            case .other:
                return nil
            }
        }
    }
}
