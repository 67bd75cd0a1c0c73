/// What to fetch of one message so that detection reads exactly what it would read in the whole message, and how to
/// put the pieces back together: the header, every `text/*` part with its MIME header, the headers (not the
/// content) of every other part, and the same for each attached `message/rfc822`. Attachments' bytes are never
/// requested.
///
/// The result is a well-formed MIME message with the original header, the original part headers and the original
/// transfer-encoded text; an attachment keeps its headers (name, type) with an empty body. Pure: tested without a
/// server.
public struct IMAPPartialFetch: Sendable, Equatable {
    /// One piece of the rebuilt message.
    public enum Piece: Sendable, Equatable {
        /// Bytes written as they are (a boundary line, a CRLF).
        case bytes([UInt8])
        /// The content of `BODY[section]`.
        case section(String)
    }

    /// The pieces, in order.
    public private(set) var pieces: [Piece] = []
    /// The sections to request (`HEADER`, `1.MIME`, `1`, `2.MIME`, …), each once, in order.
    public private(set) var sections: [String] = []
    /// The encoded bytes of the parts not fetched (the attachments), by the server's count.
    public private(set) var skippedBytes: UInt64 = 0
    /// Each multipart's boundary with the header section that must declare it: a server that read the MIME tree
    /// differently from the header (a second Content-Type, a boundary it repaired) fails the check, and the
    /// message is fetched whole.
    public private(set) var boundaryChecks: [(section: String, boundary: [UInt8])] = []

    /// The most sections one message may need; a message with more is fetched whole.
    public static let maxSections = 120

    /// The plan for a message of this structure; `nil` when it needs too many sections.
    public init?(_ structure: IMAPBodyStructure) {
        add(.section("HEADER"))
        body(structure, path: "")
        guard sections.count <= Self.maxSections else { return nil }
    }

    /// The `UID FETCH` items that bring every section (`BODY.PEEK[…]`, so `\Seen` is not set).
    public var fetchItems: String {
        sections.map { "BODY.PEEK[\($0)]" }.joined(separator: " ")
    }

    /// The rebuilt message from the fetched sections; `nil` when one is missing or a multipart's header does not
    /// declare the boundary the server reported.
    public func assemble(_ fetched: [String: [UInt8]]) -> [UInt8]? {
        for (section, boundary) in boundaryChecks {
            guard let header = fetched[section], Self.contains(header, boundary) else { return nil }
        }
        var size = 0
        for piece in pieces {
            switch piece {
            case .bytes(let bytes): size += bytes.count
            case .section(let name):
                guard let bytes = fetched[name] else { return nil }
                size += bytes.count
            }
        }
        var message: [UInt8] = []
        message.reserveCapacity(size + 4 * pieces.count)
        for piece in pieces {
            switch piece {
            case .bytes(let bytes): message += bytes
            case .section(let name):
                let bytes = fetched[name] ?? []
                message += bytes
                if Self.isHeader(name) { Self.endHeader(&message, section: bytes) }
            }
        }
        return message
    }

    /// Whether a section is a header block (`HEADER`, `1.MIME`, `2.HEADER`).
    static func isHeader(_ section: String) -> Bool {
        section == "HEADER" || section.hasSuffix(".MIME") || section.hasSuffix(".HEADER")
    }

    /// Ends a header block with its blank line when the server sent it without one (an empty part header, a
    /// missing final CRLF): otherwise the parser would read the first lines of the content as header fields.
    static func endHeader(_ message: inout [UInt8], section: [UInt8]) {
        if section.isEmpty {
            message += [0x0D, 0x0A]
        } else if section.last != 0x0A {
            message += [0x0D, 0x0A, 0x0D, 0x0A]
        } else {
            // Complete when it is only the blank line (a part without header fields), or its last line is empty.
            let withoutNewline = section.dropLast(section.count >= 2 && section[section.count - 2] == 0x0D ? 2 : 1)
            if !withoutNewline.isEmpty, withoutNewline.last != 0x0A { message += [0x0D, 0x0A] }
        }
    }

    /// Two plans are equal when they fetch and rebuild alike.
    public static func == (left: Self, right: Self) -> Bool {
        left.pieces == right.pieces && left.sections == right.sections && left.skippedBytes == right.skippedBytes
            && left.boundaryChecks.elementsEqual(right.boundaryChecks) {
                $0.section == $1.section && $0.boundary == $1.boundary
            }
    }

    /// Whether `haystack` contains `needle` (byte-wise).
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
        let first = needle[0]
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == first, haystack[index..<index + needle.count].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }

    /// The body of a message (the top one at path `""`, or an attached one at its part's path) whose header is
    /// `header`.
    private mutating func body(_ structure: IMAPBodyStructure, path: String, header: String = "HEADER") {
        switch structure {
        case .multipart(_, let boundary, let parts):
            boundaryChecks.append((header, Array(boundary.utf8)))
            for (offset, child) in parts.enumerated() {
                let childPath = path.isEmpty ? "\(offset + 1)" : "\(path).\(offset + 1)"
                add(.bytes(Array("--\(boundary)\r\n".utf8)))
                add(.section("\(childPath).MIME"))
                content(child, path: childPath)
                add(.bytes([0x0D, 0x0A]))
            }
            add(.bytes(Array("--\(boundary)--\r\n".utf8)))
        case .part(let part):
            // A single-part body: its text (an attached message's whole text when the body is itself a message).
            if Self.isRead(part) || part.message != nil {
                add(.section(path.isEmpty ? "TEXT" : "\(path).TEXT"))
            } else {
                skippedBytes += part.size
            }
        }
    }

    /// A part inside a multipart, after its MIME header.
    private mutating func content(_ structure: IMAPBodyStructure, path: String) {
        switch structure {
        case .multipart:
            body(structure, path: path, header: "\(path).MIME")
        case .part(let part):
            if let message = part.message {
                add(.section("\(path).HEADER"))
                body(message, path: path, header: "\(path).HEADER")
            } else if Self.isRead(part) {
                add(.section(path))
            } else {
                skippedBytes += part.size
            }
        }
    }

    /// Whether detection reads a leaf part: every `text/*` part (plain, html, and the rarer ones a parser may
    /// still read as text).
    static func isRead(_ part: IMAPBodyStructure.Part) -> Bool { part.type == "text" }

    private mutating func add(_ piece: Piece) {
        pieces.append(piece)
        if case .section(let name) = piece, !sections.contains(name) { sections.append(name) }
    }
}
