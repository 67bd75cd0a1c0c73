import CGMime
import Foundation
import GMimeSupport

/// Parses raw RFC 5322 message bytes into a ``MailMessage`` with GMime.
///
/// GMime handles transfer encodings, RFC 2047/2231 words, charsets and broken structure; this type only copies out the
/// fields the tool needs. Call it from any thread: each instance (and its copies) keeps one set of GMime objects for
/// reuse, and a thread that finds them busy uses its own for that message.
public struct MailParser: Sendable {
    /// The largest message accepted, in bytes; larger ones fail with ``MailParsingError/Code/tooLarge``.
    public var maxMessageBytes: Int
    /// Whether to compute each attachment's decoded size (counted from the encoded bytes, or by the decoder).
    public var measuresAttachments: Bool

    /// Whether to read content in place, measure encoded attachments by counting and let GMime validate only the
    /// headers its validation can fault (the default); `false` streams every part through GMime's decoder and lets
    /// GMime decode every header as it is added. Both give the same result, defects included; tests compare them.
    var usesFastPaths = true
    private let cache = GMimeSessionCache()

    /// Creates a parser.
    public init(maxMessageBytes: Int = 64 << 20, measuresAttachments: Bool = true) {
        self.maxMessageBytes = maxMessageBytes
        self.measuresAttachments = measuresAttachments
    }

    /// Parses one message.
    ///
    /// - Throws: ``MailParsingError`` when the bytes hold no message at all; defects in a readable message are
    ///   reported in ``MailMessage/defects`` instead.
    public func parse(_ bytes: [UInt8]) throws(MailParsingError) -> MailMessage {
        let outcome = bytes.withUnsafeBytes { parseResult($0) }
        return try outcome.get()
    }

    /// Parses one message from a raw buffer; see ``parse(_:)-([UInt8])``.
    public func parse(_ raw: UnsafeRawBufferPointer) throws(MailParsingError) -> MailMessage {
        try parseResult(raw).get()
    }

    private func parseResult(_ raw: UnsafeRawBufferPointer) -> Result<MailMessage, MailParsingError> {
        GMimeRuntime.ensureInitialized()
        if raw.isEmpty { return .failure(MailParsingError(.emptyMessage, "the message has no bytes")) }
        if raw.count > maxMessageBytes {
            return .failure(
                MailParsingError(.tooLarge, "message of \(raw.count) bytes exceeds the \(maxMessageBytes)-byte cap"))
        }
        let first = parseBuffer(raw)
        guard case .failure = first else { return first }
        // A header block that starts with a folded (indented) line has no header name to continue; GMime rejects
        // the whole message. Drop the leading white space and try once more, noting the defect.
        var skip = 0
        while skip < raw.count, [0x20, 0x09, 0x0D, 0x0A].contains(raw[skip]) { skip += 1 }
        guard skip > 0, skip < raw.count else { return first }
        return parseBuffer(UnsafeRawBufferPointer(rebasing: raw[skip...])).map { message in
            var message = message
            message.rawSize = raw.count
            message.defects.insert(ParseDefect(code: "header-starts-with-whitespace", offset: 0), at: 0)
            return message
        }
    }

    private func parseBuffer(_ raw: UnsafeRawBufferPointer) -> Result<MailMessage, MailParsingError> {
        // One GMime parser, options and input stream per MailParser, reused message after message; a thread that
        // finds them in use (another thread is parsing with the same MailParser) makes its own for this message.
        guard let session = cache.take() ?? GMimeSession() else {
            return .failure(MailParsingError(.notAMessage, "GMime could not create a parser"))
        }
        defer { cache.put(session) }
        session.releasePreviousMessage()
        let collector = DefectCollector()
        let options = session.options
        g_mime_parser_options_set_warning_callback(
            options, gmimeWarningCallback, Unmanaged.passUnretained(collector).toOpaque())
        defer { g_mime_parser_options_set_warning_callback(options, nil, nil) }

        // The stream reads the caller's bytes in place (no copy); they are detached again before returning, after
        // the message and every substream over them are gone. Between messages the parser keeps the empty stream.
        guard let base = raw.baseAddress, let length = UInt32(exactly: raw.count) else {
            return .failure(MailParsingError(.tooLarge, "message of \(raw.count) bytes is too large for GMime"))
        }
        cgm_byte_array_lend(session.array, base, length)
        defer { cgm_byte_array_lend(session.array, nil, 0) }
        _ = g_mime_stream_reset(session.stream)
        g_mime_parser_init_with_stream(session.parser, session.stream)
        g_mime_parser_set_format(session.parser, GMIME_FORMAT_MESSAGE)
        gms_set_lazy_header_validation(usesFastPaths ? 1 : 0)
        let constructed = g_mime_parser_construct_message(session.parser, options)
        gms_set_lazy_header_validation(0)
        guard let gmessage = constructed else {
            return .failure(MailParsingError(.notAMessage, "no RFC 5322 message could be read from the bytes"))
        }
        defer { session.previousMessage = gmessage }

        var message = MailMessage()
        message.rawSize = raw.count
        var extractor = Extractor(
            options: options, measuresAttachments: measuresAttachments, collector: collector,
            usesFastPaths: usesFastPaths)
        extractor.rawBytes = raw
        extractor.fill(&message, from: gmessage)
        withExtendedLifetime(collector) {}
        message.defects = collector.defects + extractor.defects
        return .success(message)
    }
}

/// The GMime objects one parse needs, kept between messages: creating and freeing them cost more than the parse of a
/// short message. Only one thread uses a session at a time (``GMimeSessionCache`` hands it out).
final class GMimeSession: @unchecked Sendable {
    let options: OpaquePointer
    let parser: UnsafeMutablePointer<GMimeParser>
    /// The byte array behind ``stream``; it points at the message being parsed, and at nothing in between.
    let array: UnsafeMutablePointer<GByteArray>
    let stream: UnsafeMutablePointer<GMimeStream>

    init?() {
        GMimeRuntime.ensureInitialized()
        guard let options = g_mime_parser_options_new() else { return nil }
        guard let array = g_byte_array_new() else {
            g_mime_parser_options_free(options)
            return nil
        }
        guard let stream = cgm_stream_mem_over(array), let parser = cgm_parser_new() else {
            g_mime_parser_options_free(options)
            g_byte_array_unref(array)
            return nil
        }
        self.options = options
        self.array = array
        self.stream = stream
        self.parser = parser
        g_mime_parser_init_with_stream(parser, stream)
    }

    /// The last message parsed, freed when the next parse starts (see ``releasePreviousMessage()``).
    var previousMessage: UnsafeMutablePointer<GMimeMessage>?

    /// Frees the previous message's GMime objects. Done at the start of the next parse rather than at the end of
    /// its own: the thousands of small blocks GMime frees are then reused by the parse that follows, instead of
    /// being merged by glibc at the caller's next large allocation (the next message's bytes), after which each of
    /// GMime's small allocations takes malloc's slow path.
    func releasePreviousMessage() {
        if let previousMessage { cgm_unref(previousMessage) }
        previousMessage = nil
    }

    deinit {
        releasePreviousMessage()
        cgm_unref(parser)
        cgm_unref(stream)
        cgm_byte_array_lend(array, nil, 0)
        g_byte_array_unref(array)
        g_mime_parser_options_free(options)
    }
}

/// Holds the idle ``GMimeSession``s of a ``MailParser`` and its copies: one per thread that parses at once (the scan's
/// detection workers share one parser), up to ``maxIdle``.
final class GMimeSessionCache: @unchecked Sendable {
    /// The most idle sessions kept; a thread finding none makes one.
    static let maxIdle = 16
    private let lock = NSLock()
    private var idle: [GMimeSession] = []

    /// An idle session, or `nil` when there is none (first use, or other threads have them all).
    func take() -> GMimeSession? {
        lock.lock()
        defer { lock.unlock() }
        return idle.popLast()
    }

    /// Returns a session for the next parse.
    func put(_ session: GMimeSession) {
        lock.lock()
        defer { lock.unlock() }
        if idle.count < Self.maxIdle { idle.append(session) }
    }
}

/// One-time GMime initialisation, with GMime's header validation made lazy where this GMime allows it (see
/// `HeaderValidation.c` in GMimeSupport: GMime decodes every added header only to look for faulty encoded words).
enum GMimeRuntime {
    private static let initialized: Bool = {
        g_mime_init()
        return gms_install_lazy_header_validation() != 0
    }()

    /// Initialises GMime once per process.
    static func ensureInitialized() {
        _ = initialized
    }

    /// Whether this GMime validates lazily on a thread that asks for it; `false` when GMime is not the version the
    /// lazy validation was written against (GMime then decodes every header, as it always does).
    static var validatesHeadersLazily: Bool { initialized }
}

/// Collects parser warnings through the C callback's user-data pointer.
final class DefectCollector {
    var defects: [ParseDefect] = []
}

private let gmimeWarningCallback: GMimeParserWarningFunc = { offset, code, item, userData in
    guard let userData else { return }
    let collector = Unmanaged<DefectCollector>.fromOpaque(userData).takeUnretainedValue()
    guard collector.defects.count < 100 else { return }
    var detail: String?
    if let item {
        let text = String(cString: item)
        detail = text.count > 120 ? String(text.prefix(120)) + "…" : text
    }
    collector.defects.append(
        ParseDefect(code: defectCode(code), offset: offset >= 0 ? Int64(offset) : nil, item: detail))
}

private func defectCode(_ warning: GMimeParserWarning) -> String {
    switch warning {
    case GMIME_WARN_DUPLICATED_HEADER: "duplicated-header"
    case GMIME_WARN_DUPLICATED_PARAMETER: "duplicated-parameter"
    case GMIME_WARN_UNENCODED_8BIT_HEADER: "unencoded-8bit-header"
    case GMIME_WARN_INVALID_CONTENT_TYPE: "invalid-content-type"
    case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE: "invalid-rfc2047-header-value"
    case GMIME_WARN_MALFORMED_MULTIPART: "malformed-multipart"
    case GMIME_WARN_TRUNCATED_MESSAGE: "truncated-message"
    case GMIME_WARN_MALFORMED_MESSAGE: "malformed-message"
    case GMIME_CRIT_INVALID_HEADER_NAME: "invalid-header-name"
    case GMIME_CRIT_CONFLICTING_HEADER: "conflicting-header"
    case GMIME_CRIT_CONFLICTING_PARAMETER: "conflicting-parameter"
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: "multipart-without-boundary"
    case GMIME_WARN_INVALID_PARAMETER: "invalid-parameter"
    case GMIME_WARN_INVALID_ADDRESS_LIST: "invalid-address-list"
    case GMIME_CRIT_NESTING_OVERFLOW: "nesting-overflow"
    case GMIME_WARN_PART_WITHOUT_CONTENT: "part-without-content"
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: "part-without-headers-or-content"
    default: "parser-warning-\(warning.rawValue)"
    }
}
