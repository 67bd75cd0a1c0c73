/// The sequential region state shared by the plain-text and HTML classifiers: what the text
/// from here on is, given the markers seen so far.
struct RegionState: Sendable {
    /// The current region.
    private(set) var region: LinkRegion = .newText
    /// Why.
    private(set) var reason: RegionReason = .newText
    /// The subject's first prefix is a forward prefix (`Fwd:`, `FW:`, `WG:` …).
    let forwardSubject: Bool

    init(forwardSubject: Bool) { self.forwardSubject = forwardSubject }

    /// A forward marker ("---------- Forwarded message ---------", "Begin forwarded message:").
    mutating func forwardMarker(at: Int) {
        guard region != .quoted else { return }
        region = .forwarded
        reason = .forwardMarker(at)
    }

    /// An Outlook reply header block or "-----Original Message-----".
    mutating func replyHeader(_ reason: RegionReason) {
        guard region != .quoted else { return }
        region = forwardSubject ? .forwarded : .quoted
        self.reason = reason
    }

    /// An attribution line not followed by `>` lines: everything below is quoted.
    mutating func quoteAll(attributionAt at: Int) {
        guard region != .quoted else { return }
        region = .quoted
        reason = .attribution(at)
    }

    /// An attribution followed by `>` lines: only those are quoted; the text between is new.
    mutating func inlineReply(attributionAt at: Int) {
        switch region {
        case .quoted, .forwarded: return
        case .newText, .signature, .boilerplate:
            region = .newText
            reason = .inlineReply(at)
        }
    }

    /// A signature delimiter.
    mutating func signature(at: Int) {
        guard region == .newText || region == .forwarded else { return }
        region = .signature
        reason = .signatureDelimiter(at)
    }

    /// A sign-off followed by name lines, or a mobile client's signature line: a signature without
    /// the `-- ` delimiter. Only the sender's new text has one; quoted and forwarded text keep their region.
    mutating func signOff(_ reason: RegionReason) {
        guard region == .newText else { return }
        region = .signature
        self.reason = reason
    }

    /// Whether the region is a signature found by its sign-off (not by a `-- ` delimiter).
    var isSignOffSignature: Bool {
        switch reason {
        case .signOff, .mobileSignature, .signatureElement: return region == .signature
        default: return false
        }
    }

    /// A postscript ("P.S.") or running prose below a sign-off: the sender's text goes on.
    mutating func resumeNewText() {
        guard isSignOffSignature else { return }
        region = .newText
        reason = .newText
    }

    /// A forward below the signature (Gmail puts the signature above the "Forwarded message" block):
    /// the signature ends there, whichever way it was found.
    mutating func endSignature() {
        guard region == .signature else { return }
        region = .newText
        reason = .newText
    }

    /// A list or legal footer.
    mutating func boilerplate(at: Int) {
        guard region != .quoted, region != .boilerplate else { return }
        region = .boilerplate
        reason = .boilerplate(at)
    }

}
