/// Finds the classic shape of catastrophic backtracking in a pattern's text: a group repeated without bound whose
/// body can be nothing but another unbounded repeat (`(a+)+`, `(\w+\s?)*`, `(?:x*|y)+`, `((a+))*`).
///
/// Such a group can split the same input among its iterations in exponentially many ways, and a failing search
/// tries them all. ``BoundedRegex`` stops such a search at its limits anyway; rejecting the pattern when the rule
/// file loads tells its author at once instead of counting limit hits in every scan. Bodies with a required
/// separator (`(?:[^/]+/)*`), atomic groups (`(?>a+)+`) and possessive repeats (`(a++)+`, `(a+)++`) are accepted.
/// A heuristic on the text: it may miss other slow shapes (overlapping alternatives such as `(a|a)+`), which the
/// limits still bound.
enum NestedQuantifierCheck {
    /// A description of the first catastrophic group (`(a+)+ at offset 1`), or `nil` when none is found.
    static func catastrophicGroup(in pattern: String) -> String? {
        var parser = Parser(Array(pattern.utf8))
        _ = parser.alternatives(depth: 0)
        guard let offset = parser.found else { return nil }
        let bytes = Array(pattern.utf8)
        let end = min(parser.foundEnd, bytes.count)
        let text = String(decoding: bytes[offset..<end], as: UTF8.self)
        return "'\(text)' at offset \(offset) repeats a group whose body is itself an unbounded repeat"
    }

    /// What is known about one item (an atom with its quantifier) or a group body.
    private struct Shape {
        /// It contains an unbounded, backtracking repeat.
        var hasUnboundedRepeat = false
        /// It can match the empty string.
        var canBeEmpty = false
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0
        var found: Int?
        var foundEnd = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        func peek(_ offset: Int = 0) -> UInt8? {
            index + offset < bytes.count ? bytes[index + offset] : nil
        }

        /// Parses alternatives until `)` or the end; returns, per alternative, whether it is "one unbounded repeat
        /// plus optional items" and the shape of the whole.
        mutating func alternatives(depth: Int) -> (risky: Bool, shape: Shape) {
            var risky = false
            var shape = Shape()
            var anyEmpty = false
            while true {
                let (alternativeRisky, alternative) = sequence(depth: depth)
                risky = risky || alternativeRisky
                shape.hasUnboundedRepeat = shape.hasUnboundedRepeat || alternative.hasUnboundedRepeat
                anyEmpty = anyEmpty || alternative.canBeEmpty
                if peek() == UInt8(ascii: "|") {
                    index += 1
                    continue
                }
                break
            }
            shape.canBeEmpty = anyEmpty
            return (risky, shape)
        }

        /// One alternative: items until `|`, `)` or the end.
        mutating func sequence(depth: Int) -> (risky: Bool, shape: Shape) {
            var items: [Shape] = []
            while let byte = peek(), byte != UInt8(ascii: "|"), byte != UInt8(ascii: ")") {
                if let item = self.item(depth: depth) { items.append(item) }
            }
            let repeats = items.filter(\.hasUnboundedRepeat)
            let required = items.filter { !$0.canBeEmpty }
            // Risky: some item repeats without bound and every other item can match nothing.
            let risky = !repeats.isEmpty && required.count <= 1 && (required.isEmpty || required[0].hasUnboundedRepeat)
            return (
                risky,
                Shape(hasUnboundedRepeat: !repeats.isEmpty, canBeEmpty: required.isEmpty)
            )
        }

        /// One atom and its quantifier; `nil` for things that match nothing (option settings, comments).
        mutating func item(depth: Int) -> Shape? {
            let start = index
            var atom = Shape()
            var bodyRisky = false
            var atomic = false
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\\"):
                index += 2
                if index <= bytes.count, let letter = bytes.dropFirst(index - 1).first {
                    switch letter {
                    case UInt8(ascii: "Q"):
                        while index < bytes.count, !(bytes[index] == UInt8(ascii: "\\") && peek(1) == UInt8(ascii: "E"))
                        {
                            index += 1
                        }
                        index = min(index + 2, bytes.count)
                        atom.canBeEmpty = true
                    case UInt8(ascii: "b"), UInt8(ascii: "B"), UInt8(ascii: "A"), UInt8(ascii: "z"), UInt8(ascii: "Z"),
                        UInt8(ascii: "G"), UInt8(ascii: "K"):
                        atom.canBeEmpty = true
                    case UInt8(ascii: "p"), UInt8(ascii: "P"), UInt8(ascii: "x"), UInt8(ascii: "o"), UInt8(ascii: "N"),
                        UInt8(ascii: "g"), UInt8(ascii: "k"):
                        if peek() == UInt8(ascii: "{") || peek() == UInt8(ascii: "<") || peek() == UInt8(ascii: "'") {
                            let close: UInt8 =
                                peek() == UInt8(ascii: "{")
                                ? UInt8(ascii: "}")
                                : peek() == UInt8(ascii: "<") ? UInt8(ascii: ">") : UInt8(ascii: "'")
                            while index < bytes.count, bytes[index] != close { index += 1 }
                            index = min(index + 1, bytes.count)
                        }
                    default: break
                    }
                }
                index = min(index, bytes.count)
            case UInt8(ascii: "["):
                skipClass()
            case UInt8(ascii: "^"), UInt8(ascii: "$"):
                index += 1
                atom.canBeEmpty = true
            case UInt8(ascii: "("):
                index += 1
                var zeroWidth = false
                if peek() == UInt8(ascii: "*") {
                    // (*VERB) or (*positive_lookahead: …): skip to the closing parenthesis.
                    while index < bytes.count, bytes[index] != UInt8(ascii: ")") { index += 1 }
                    index = min(index + 1, bytes.count)
                    return nil
                }
                if peek() == UInt8(ascii: "?") {
                    index += 1
                    let kind = peek()
                    switch kind {
                    case UInt8(ascii: ":"), UInt8(ascii: "|"):
                        index += 1
                    case UInt8(ascii: ">"):
                        index += 1
                        atomic = true
                    case UInt8(ascii: "="), UInt8(ascii: "!"):
                        index += 1
                        zeroWidth = true
                    case UInt8(ascii: "#"):
                        while index < bytes.count, bytes[index] != UInt8(ascii: ")") { index += 1 }
                        index = min(index + 1, bytes.count)
                        return nil
                    case UInt8(ascii: "<") where peek(1) == UInt8(ascii: "=") || peek(1) == UInt8(ascii: "!"):
                        index += 2
                        zeroWidth = true
                    case UInt8(ascii: "P") where peek(1) != UInt8(ascii: "<"):
                        // (?P=name) back reference or (?P>name) call: one atom, nothing to look into.
                        while index < bytes.count, bytes[index] != UInt8(ascii: ")") { index += 1 }
                        index = min(index + 1, bytes.count)
                        return Shape()
                    case UInt8(ascii: "<"), UInt8(ascii: "'"), UInt8(ascii: "P"):
                        // Named group: skip the name up to > or '.
                        let close: UInt8 = kind == UInt8(ascii: "'") ? UInt8(ascii: "'") : UInt8(ascii: ">")
                        index += kind == UInt8(ascii: "P") ? 2 : 1
                        while index < bytes.count, bytes[index] != close { index += 1 }
                        index = min(index + 1, bytes.count)
                    default:
                        // Option settings: (?i) alone, or (?i: … ).
                        while let next = peek(), next != UInt8(ascii: ")"), next != UInt8(ascii: ":") { index += 1 }
                        if peek() == UInt8(ascii: ")") {
                            index += 1
                            return nil
                        }
                        index = min(index + 1, bytes.count)
                    }
                }
                let body = depth < 200 ? alternatives(depth: depth + 1) : (risky: false, shape: Shape())
                if peek() == UInt8(ascii: ")") { index += 1 }
                bodyRisky = body.risky && !atomic
                atom = body.shape
                if zeroWidth { atom = Shape(hasUnboundedRepeat: false, canBeEmpty: true) }
                if atomic { atom.hasUnboundedRepeat = false }
            default:
                index += 1
            }
            // The quantifier, if any.
            var unbounded = false
            var optional = false
            var quantified = false
            if let q = peek() {
                switch q {
                case UInt8(ascii: "*"):
                    index += 1
                    unbounded = true
                    optional = true
                    quantified = true
                case UInt8(ascii: "+"):
                    index += 1
                    unbounded = true
                    quantified = true
                case UInt8(ascii: "?"):
                    index += 1
                    optional = true
                    quantified = true
                case UInt8(ascii: "{"):
                    if let (minimum, maximum, length) = braces() {
                        index += length
                        unbounded = maximum == nil
                        optional = minimum == 0
                        quantified = true
                    }
                default: break
                }
            }
            var possessive = false
            if quantified, let suffix = peek() {
                if suffix == UInt8(ascii: "+") {
                    possessive = true
                    index += 1
                } else if suffix == UInt8(ascii: "?") {
                    index += 1
                }
            }
            if unbounded, !possessive, bodyRisky, found == nil {
                found = start
                foundEnd = index
            }
            var shape = atom
            if unbounded, !possessive { shape.hasUnboundedRepeat = true }
            if possessive { shape.hasUnboundedRepeat = false }
            if optional { shape.canBeEmpty = true }
            return shape
        }

        /// `{n}`, `{n,}`, `{n,m}` at the current index: (n, m or nil for unbounded, length); `nil` when it is a literal.
        func braces() -> (Int, Int?, Int)? {
            var i = index + 1
            var minimum = 0
            var digits = 0
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                minimum = min(minimum * 10 + Int(bytes[i] - 0x30), 1_000_000)
                i += 1
                digits += 1
            }
            guard digits > 0, i < bytes.count else { return nil }
            if bytes[i] == UInt8(ascii: "}") { return (minimum, minimum, i + 1 - index) }
            guard bytes[i] == UInt8(ascii: ",") else { return nil }
            i += 1
            var maximum = 0
            var maxDigits = 0
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                maximum = min(maximum * 10 + Int(bytes[i] - 0x30), 1_000_000)
                i += 1
                maxDigits += 1
            }
            guard i < bytes.count, bytes[i] == UInt8(ascii: "}") else { return nil }
            return (minimum, maxDigits == 0 ? nil : maximum, i + 1 - index)
        }

        /// Skips a character class `[…]`, with `]` first, escapes and `[:name:]`.
        mutating func skipClass() {
            index += 1
            if peek() == UInt8(ascii: "^") { index += 1 }
            if peek() == UInt8(ascii: "]") { index += 1 }
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\") {
                    index += 2
                } else if byte == UInt8(ascii: "["), peek(1) == UInt8(ascii: ":") {
                    index += 2
                    while index < bytes.count, bytes[index] != UInt8(ascii: "]") { index += 1 }
                    index += 1
                } else if byte == UInt8(ascii: "]") {
                    index += 1
                    return
                } else {
                    index += 1
                }
            }
            index = min(index, bytes.count)
        }
    }
}
