/// Fast UTF-8 validity check over raw bytes.
public enum UTF8Validation {
    /// True when `bytes` is well-formed UTF-8 (Unicode Table 3-7: no overlongs, surrogates or values above
    /// U+10FFFF). ASCII runs are checked eight bytes at a time, also between multi-byte characters, so mostly-ASCII
    /// text with a few accents stays on the fast path.
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        guard let base = bytes.baseAddress else { return true }
        func byte(_ offset: Int) -> UInt8 { base.load(fromByteOffset: offset, as: UInt8.self) }
        func isContinuation(_ offset: Int) -> Bool { byte(offset) & 0xC0 == 0x80 }
        var index = 0
        while index < count {
            // Long ASCII runs 32 bytes at a time, then 8.
            while index + 32 <= count,
                (base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    | base.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self)
                    | base.loadUnaligned(fromByteOffset: index + 16, as: UInt64.self)
                    | base.loadUnaligned(fromByteOffset: index + 24, as: UInt64.self)) & 0x8080_8080_8080_8080 == 0
            {
                index += 32
            }
            while index + 8 <= count,
                base.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
            {
                index += 8
            }
            guard index < count else { return true }
            let lead = byte(index)
            switch lead {
            case 0x00..<0x80:
                index += 1
            case 0xC2..<0xE0:
                guard index + 1 < count, isContinuation(index + 1) else { return false }
                index += 2
            case 0xE0..<0xF0:
                guard index + 2 < count else { return false }
                let second = byte(index + 1)
                let secondRange: ClosedRange<UInt8> =
                    lead == 0xE0 ? 0xA0...0xBF : lead == 0xED ? 0x80...0x9F : 0x80...0xBF
                guard secondRange.contains(second), isContinuation(index + 2) else { return false }
                index += 3
            case 0xF0..<0xF5:
                guard index + 3 < count else { return false }
                let second = byte(index + 1)
                let secondRange: ClosedRange<UInt8> =
                    lead == 0xF0 ? 0x90...0xBF : lead == 0xF4 ? 0x80...0x8F : 0x80...0xBF
                guard secondRange.contains(second), isContinuation(index + 2), isContinuation(index + 3) else {
                    return false
                }
                index += 4
            default:
                return false
            }
        }
        return true
    }

    /// True when every byte of `bytes` is ASCII (below 0x80); eight bytes at a time.
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        guard let base = bytes.baseAddress else { return true }
        var index = 0
        while index + 8 <= count {
            if base.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            index += 8
        }
        while index < count {
            if base.load(fromByteOffset: index, as: UInt8.self) >= 0x80 { return false }
            index += 1
        }
        return true
    }
}
