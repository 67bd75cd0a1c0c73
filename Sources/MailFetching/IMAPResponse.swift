import MailParsing

/// One complete server response, as ``IMAPResponseReader`` parses it.
public enum IMAPResponse: Sendable, Equatable {
    /// `tag OK|NO|BAD …`: the completion of one of our commands.
    case tagged(tag: String, IMAPStatus)
    /// `* OK|NO|BAD|BYE|PREAUTH …`.
    case untaggedStatus(IMAPStatus)
    /// `+ …`: the server waits for more from us.
    case continuation(String)
    /// `* CAPABILITY …` (names upper-cased).
    case capability([String])
    /// `* n EXISTS`.
    case exists(UInt32)
    /// `* n EXPUNGE`.
    case expunge(UInt32)
    /// `* n FETCH (…)`.
    case fetch(IMAPFetch)
    /// `* SEARCH n n …` (UIDs after `UID SEARCH`).
    case search([UInt32])
    /// `* ESEARCH …`.
    case esearch(IMAPESearch)
    /// `* LIST (attributes) delimiter name`.
    case list(IMAPListEntry)
    /// Any other untagged response (`FLAGS`, `RECENT`, …): its first word.
    case other(String)
    /// A response whose framing was fine but whose syntax was not: the first bytes, for diagnostics.
    case unparsed(String)
}

/// The state of a status response.
public enum IMAPStatusKind: String, Sendable, Equatable {
    /// `OK`.
    case ok = "OK"
    /// `NO`.
    case no = "NO"
    /// `BAD`.
    case bad = "BAD"
    /// `BYE`: the server closes the connection.
    case bye = "BYE"
    /// `PREAUTH`.
    case preauth = "PREAUTH"
}

/// A status response: kind, optional `[CODE …]`, and human-readable text.
public struct IMAPStatus: Sendable, Equatable {
    /// OK, NO, BAD, BYE or PREAUTH.
    public var kind: IMAPStatusKind
    /// The bracketed response code, when present.
    public var code: IMAPResponseCode?
    /// The text after the code (bounded by the line limit).
    public var text: String

    /// Creates a status.
    public init(kind: IMAPStatusKind, code: IMAPResponseCode?, text: String) {
        self.kind = kind
        self.code = code
        self.text = text
    }
}

/// A bracketed response code (RFC 3501 §7.1, RFC 5530).
public enum IMAPResponseCode: Sendable, Equatable {
    /// `[UIDVALIDITY n]`.
    case uidValidity(UInt32)
    /// `[UIDNEXT n]`.
    case uidNext(UInt32)
    /// `[AUTHENTICATIONFAILED]`.
    case authenticationFailed
    /// `[AUTHORIZATIONFAILED]`.
    case authorizationFailed
    /// `[UNAVAILABLE]`.
    case unavailable
    /// `[NONEXISTENT]`.
    case nonexistent
    /// `[TRYCREATE]`.
    case tryCreate
    /// `[READ-ONLY]`.
    case readOnly
    /// `[READ-WRITE]`.
    case readWrite
    /// `[ALERT]`.
    case alert
    /// `[CAPABILITY …]`.
    case capability([String])
    /// Any other code: its name (upper-cased) and the raw arguments.
    case other(String, String)
}

/// The attributes of one `FETCH` response this client asks for.
public struct IMAPFetch: Sendable, Equatable {
    /// The message sequence number.
    public var sequenceNumber: UInt32
    /// `UID`.
    public var uid: UInt32?
    /// `INTERNALDATE`, parsed (nil when absent or malformed).
    public var internalDate: MailDate?
    /// `RFC822.SIZE`.
    public var size: UInt64?
    /// `FLAGS`, as sent (`\Seen`, `$Label`…).
    public var flags: [String]?
    /// `BODY[]` (or `RFC822`) bytes, when sent and within the reader's literal cap.
    public var body: [UInt8]?
    /// The size of a `BODY[]` literal that exceeded the cap and was skipped without being kept.
    public var skippedBodySize: UInt64?
    /// `BODYSTRUCTURE`, when sent and understood.
    public var bodyStructure: IMAPBodyStructure?
    /// Whether a `BODYSTRUCTURE` was sent that ``IMAPBodyStructure`` does not understand (fetch the message whole).
    public var bodyStructureUnusable = false
    /// `BODY[section]` contents by section (`HEADER`, `1.MIME`, `2`, …; upper-cased, without `<origin>`).
    public var sections: [String: [UInt8]] = [:]
    /// The size of the largest section literal that exceeded the cap and was skipped.
    public var skippedSectionSize: UInt64?
    /// Whether the response carried more literals than the reader keeps, so some were skipped for their number, not
    /// their size (see ``IMAPResponseReader/maxLiteralsPerResponse``).
    public var literalsOverflowed = false

    /// Creates an empty fetch for `sequenceNumber`.
    public init(sequenceNumber: UInt32) {
        self.sequenceNumber = sequenceNumber
    }
}

/// An `ESEARCH` response (RFC 4731).
public struct IMAPESearch: Sendable, Equatable {
    /// The `(TAG "…")` correlator.
    public var tag: String?
    /// Whether the numbers are UIDs.
    public var isUID: Bool
    /// `ALL`: ranges in the order sent (each `lower...upper`).
    public var all: [ClosedRange<UInt32>]
    /// `COUNT`.
    public var count: UInt32?
    /// `MIN`.
    public var min: UInt32?
    /// `MAX`.
    public var max: UInt32?

    /// Creates an empty result.
    public init(tag: String? = nil, isUID: Bool = false) {
        self.tag = tag
        self.isUID = isUID
        self.all = []
    }
}

/// One `LIST` response.
public struct IMAPListEntry: Sendable, Equatable {
    /// Attributes as sent (`\HasNoChildren`, `\Sent`…).
    public var attributes: [String]
    /// The hierarchy delimiter, if any.
    public var delimiter: String?
    /// The name on the wire (modified UTF-7): what commands must send.
    public var wireName: String

    /// The name for people (modified UTF-7 decoded).
    public var name: String { IMAPModifiedUTF7.decode(wireName) }

    /// Whether the attribute list holds `attribute` (case-insensitive).
    public func hasAttribute(_ attribute: String) -> Bool {
        attributes.contains { $0.uppercased() == attribute.uppercased() }
    }

    /// Creates an entry.
    public init(attributes: [String], delimiter: String?, wireName: String) {
        self.attributes = attributes
        self.delimiter = delimiter
        self.wireName = wireName
    }
}
