/// A message's MIME tree as the server describes it in `BODYSTRUCTURE` (RFC 3501 §7.4.2): types, parameters,
/// transfer encodings and sizes, without a byte of the content.
///
/// Built from the server's response by ``init(_:)``, which refuses (returns `nil`) anything it does not fully
/// understand; the caller then fetches the whole message. Hostile input: depth and width are bounded.
public indirect enum IMAPBodyStructure: Sendable, Equatable {
    /// A leaf part.
    case part(Part)
    /// A multipart: its parts in order, its subtype (`mixed`, `alternative`, …) and its boundary.
    case multipart(subtype: String, boundary: String, parts: [IMAPBodyStructure])

    /// One leaf part.
    public struct Part: Sendable, Equatable {
        /// Media type, lowercased (`text`, `application`, `message`).
        public var type: String
        /// Media subtype, lowercased (`plain`, `pdf`, `rfc822`).
        public var subtype: String
        /// The encoded size in bytes.
        public var size: UInt64
        /// For `message/rfc822` (and `message/global`): the encapsulated message's structure.
        public var message: IMAPBodyStructure?

        /// Creates a part.
        public init(type: String, subtype: String, size: UInt64, message: IMAPBodyStructure? = nil) {
            self.type = type
            self.subtype = subtype
            self.size = size
            self.message = message
        }
    }

    /// The deepest nesting accepted (servers nest a few levels; deeper trees are fetched whole).
    public static let maxDepth = 16
    /// The most leaf parts accepted.
    public static let maxParts = 64

    /// Reads a parsed `BODYSTRUCTURE` value; `nil` when it is not a structure this reader fully understands.
    public init?(_ value: IMAPValue) {
        var parts = 0
        guard let structure = Self.read(value, depth: 0, parts: &parts) else { return nil }
        self = structure
    }

    private static func read(_ value: IMAPValue, depth: Int, parts: inout Int) -> IMAPBodyStructure? {
        guard depth < maxDepth, case .list(let items) = value, let first = items.first else { return nil }
        if case .list = first {
            // body-type-mpart: 1*body SP media-subtype [SP body-ext-mpart (parameters first)]
            var children: [IMAPBodyStructure] = []
            var index = 0
            while index < items.count, case .list = items[index] {
                guard let child = read(items[index], depth: depth + 1, parts: &parts) else { return nil }
                children.append(child)
                index += 1
            }
            guard index < items.count, let subtype = items[index].text, !children.isEmpty else { return nil }
            guard index + 1 < items.count, let boundary = parameter("boundary", in: items[index + 1]),
                !boundary.isEmpty, boundary.utf8.count <= 200,
                !boundary.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A })
            else { return nil }
            return .multipart(subtype: subtype.lowercased(), boundary: boundary, parts: children)
        }
        // body-type-1part: type, subtype, parameters, id, description, encoding, size, …
        guard items.count >= 7, let type = items[0].text, let subtype = items[1].text,
            case .number(let size) = items[6]
        else { return nil }
        parts += 1
        guard parts <= maxParts else { return nil }
        var part = Part(type: type.lowercased(), subtype: subtype.lowercased(), size: size)
        if part.type == "message", part.subtype == "rfc822" || part.subtype == "global" {
            // body-type-msg: … SP envelope SP body SP body-fld-lines
            guard items.count >= 10, let inner = read(items[8], depth: depth + 1, parts: &parts) else { return nil }
            part.message = inner
        }
        return .part(part)
    }

    /// A parameter's value from a `("name" "value" …)` list, the name compared without case.
    private static func parameter(_ name: String, in value: IMAPValue) -> String? {
        guard case .list(let items) = value else { return nil }
        var index = 0
        while index + 1 < items.count {
            if items[index].text?.lowercased() == name { return items[index + 1].text }
            index += 2
        }
        return nil
    }
}

/// One value of an IMAP response's parenthesised data (RFC 3501 §4): what `BODYSTRUCTURE` is made of.
public indirect enum IMAPValue: Sendable, Equatable {
    /// A parenthesised list.
    case list([IMAPValue])
    /// A quoted string, a literal, or an atom (`NIL` is ``nil``).
    case string([UInt8])
    /// A number.
    case number(UInt64)
    /// `NIL`.
    case `nil`

    /// The bytes of a string or atom as text (invalid UTF-8 repaired); `nil` for a list, a number or `NIL`.
    public var text: String? {
        if case .string(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }
}
