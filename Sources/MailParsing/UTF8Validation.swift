/// Fast UTF-8 validity check over raw bytes.
public enum UTF8Validation {
    /// True when `bytes` is well-formed UTF-8. ASCII runs are checked eight bytes at a time.
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        guard let base = bytes.baseAddress else { return true }
        var index = 0
        while index + 8 <= count {
            if base.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { break }
            index += 8
        }
        while index < count, base.load(fromByteOffset: index, as: UInt8.self) < 0x80 { index += 1 }
        if index == count { return true }
        let rest = UnsafeBufferPointer(
            start: base.advanced(by: index).assumingMemoryBound(to: UInt8.self),
            count: count - index)
        return String(validating: rest, as: UTF8.self) != nil
    }
}
