import CPCRE2

/// A regular expression that always answers in bounded time: PCRE2 (UTF-8, Unicode properties, JIT where the
/// platform has it) with a match limit, a depth limit and a heap limit on every search.
///
/// Rule files are input written by people, so a pattern may backtrack catastrophically (`(a+)+$` against a long
/// URL). Here a search that reaches a limit stops and reports ``Outcome/limitExceeded(_:)``, which callers treat as
/// a non-match that they report, never a hang.
///
/// Compiled once; safe to search from several threads at once (the compiled code and the match context are only
/// read while matching, and each search has its own match data). Searches bytes: invalid UTF-8 in the subject is a
/// non-match where it occurs, never an error.
public final class BoundedRegex: @unchecked Sendable {
    /// How much work one search may do.
    public struct Limits: Sendable, Hashable {
        /// Backtracking steps per start position (PCRE2 `match_limit`; applies to JIT and the interpreter).
        public var matchLimit: UInt32
        /// Nesting of backtracking points (PCRE2 `depth_limit`; the interpreter only, JIT has its own stack bound).
        public var depthLimit: UInt32
        /// Memory for backtracking, in KiB (PCRE2 `heap_limit`; the interpreter only).
        public var heapLimitKiB: UInt32

        /// Creates limits.
        public init(matchLimit: UInt32 = 100_000, depthLimit: UInt32 = 10_000, heapLimitKiB: UInt32 = 8_192) {
            self.matchLimit = matchLimit
            self.depthLimit = depthLimit
            self.heapLimitKiB = heapLimitKiB
        }

        /// 100,000 steps, depth 10,000, 8 MiB: far above what a rule pattern needs on an 8 KB URL.
        public static let `default` = Limits()
    }

    /// Which limit a search reached.
    public enum Limit: String, Sendable, Hashable {
        /// The match limit (too many backtracking steps).
        case matchLimit = "match-limit"
        /// The depth limit.
        case depthLimit = "depth-limit"
        /// The heap limit.
        case heapLimit = "heap-limit"
        /// The JIT stack.
        case jitStackLimit = "jit-stack-limit"
        /// Another matching error (no memory): also treated as a non-match.
        case other = "match-error"
    }

    /// A pattern that does not compile, with PCRE2's message and where in the pattern it stopped.
    public struct CompileError: Error, Sendable, Hashable, CustomStringConvertible {
        /// PCRE2's message (`missing closing parenthesis`).
        public var message: String
        /// The byte offset in the pattern where compiling stopped.
        public var offset: Int
        /// `missing closing parenthesis at offset 6`.
        public var description: String { "\(message) at offset \(offset)" }
    }

    /// A successful search: the byte range of each group in the subject, `nil` for a group that did not take part.
    public struct Match: Sendable, Hashable {
        /// Group 0 (the whole match), then groups 1…n.
        public var groups: [Range<Int>?]
    }

    /// What one search found.
    public enum Outcome: Sendable, Hashable {
        /// A match.
        case match(Match)
        /// No match.
        case noMatch
        /// The search stopped at a limit: treat as no match, and report it.
        case limitExceeded(Limit)
    }

    /// The pattern as given.
    public let pattern: String
    /// The limits every search uses.
    public let limits: Limits
    /// Named groups by group number, in order of their opening parenthesis.
    public let namedGroups: [(name: String, number: Int)]
    /// Number of capture groups (named or not).
    public let captureCount: Int
    /// `true` when the pattern was JIT-compiled.
    public let usesJIT: Bool
    private let code: OpaquePointer
    private let context: OpaquePointer
    private let groupNumbers: [String: Int]

    /// Compiles `pattern` (PCRE2 syntax, UTF-8, Unicode properties).
    ///
    /// - Throws: ``CompileError`` with PCRE2's message and the offset where it stopped.
    public init(_ pattern: String, limits: Limits = .default) throws(CompileError) {
        var errorCode: Int32 = 0
        var errorOffset = 0
        let compiled = Array(pattern.utf8).withUnsafeBufferPointer { buffer in
            cpcre2_compile(buffer.baseAddress, buffer.count, &errorCode, &errorOffset)
        }
        guard let compiled else {
            throw CompileError(message: Self.message(for: errorCode), offset: errorOffset)
        }
        guard let context = cpcre2_match_context_create(limits.matchLimit, limits.depthLimit, limits.heapLimitKiB)
        else {
            cpcre2_code_free(compiled)
            throw CompileError(message: "out of memory", offset: 0)
        }
        self.pattern = pattern
        self.limits = limits
        self.code = compiled
        self.context = context
        self.usesJIT = cpcre2_jit_compile(compiled) == 0
        self.captureCount = Int(cpcre2_capture_count(compiled))
        var count: UInt32 = 0
        var entrySize: UInt32 = 0
        var named: [(name: String, number: Int)] = []
        if let table = cpcre2_name_table(compiled, &count, &entrySize) {
            for entry in 0..<Int(count) {
                let base = table + entry * Int(entrySize)
                let number = Int(base[0]) << 8 | Int(base[1])
                var length = 0
                while length < Int(entrySize) - 2, base[2 + length] != 0 { length += 1 }
                let name = String(decoding: UnsafeBufferPointer(start: base + 2, count: length), as: UTF8.self)
                named.append((name, number))
            }
        }
        named.sort { $0.number < $1.number }
        self.namedGroups = named
        self.groupNumbers = Dictionary(named.map { ($0.name, $0.number) }, uniquingKeysWith: { first, _ in first })
    }

    deinit {
        cpcre2_match_context_free(context)
        cpcre2_code_free(code)
    }

    /// The group number of a named group, `nil` when the pattern has no group of that name.
    public func groupNumber(named name: String) -> Int? { groupNumbers[name] }

    /// Searches `bytes`.
    public func firstMatch(in bytes: UnsafeRawBufferPointer) -> Outcome {
        guard let data = cpcre2_match_data_create(code) else { return .limitExceeded(.other) }
        defer { cpcre2_match_data_free(data) }
        let subject = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let result = cpcre2_match(code, subject, bytes.count, data, context)
        guard result > 0 else {
            switch Int(result) {
            case Int(CPCRE2_ERROR_NOMATCH): return .noMatch
            case Int(CPCRE2_ERROR_MATCHLIMIT): return .limitExceeded(.matchLimit)
            case Int(CPCRE2_ERROR_DEPTHLIMIT): return .limitExceeded(.depthLimit)
            case Int(CPCRE2_ERROR_HEAPLIMIT): return .limitExceeded(.heapLimit)
            case Int(CPCRE2_ERROR_JIT_STACKLIMIT): return .limitExceeded(.jitStackLimit)
            default: return .limitExceeded(.other)
            }
        }
        let ovector = cpcre2_ovector(data)!
        let unset = cpcre2_unset()
        let pairs = min(Int(cpcre2_ovector_count(data)), captureCount + 1)
        var groups: [Range<Int>?] = []
        groups.reserveCapacity(captureCount + 1)
        for group in 0..<pairs {
            let start = ovector[2 * group]
            let end = ovector[2 * group + 1]
            groups.append(start == unset || end < start ? nil : Int(start)..<Int(end))
        }
        while groups.count < captureCount + 1 { groups.append(nil) }
        return .match(Match(groups: groups))
    }

    /// Searches `bytes`.
    public func firstMatch(in bytes: [UInt8]) -> Outcome {
        bytes.withUnsafeBytes { firstMatch(in: $0) }
    }

    /// Searches the UTF-8 of `text`.
    public func firstMatch(in text: String) -> Outcome {
        var text = text
        return text.withUTF8 { firstMatch(in: UnsafeRawBufferPointer($0)) }
    }

    private static func message(for code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = buffer.withUnsafeMutableBufferPointer { cpcre2_error_message(code, $0.baseAddress, $0.count) }
        guard length > 0 else { return "error \(code)" }
        return String(decoding: buffer[..<Int(length)], as: UTF8.self)
    }
}
