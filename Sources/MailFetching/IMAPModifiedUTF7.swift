/// IMAP's modified UTF-7 for mailbox names (RFC 3501 §5.1.3): `Envoyés` ↔ `Envoy&AOk-s`.
///
/// Printable ASCII other than `&` stands for itself, `&` is `&-`, and everything else is UTF-16 in modified
/// base64 (`,` instead of `/`, no padding) between `&` and `-`.
public enum IMAPModifiedUTF7 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".utf8)

    /// The wire form of a mailbox name.
    public static func encode(_ name: String) -> String {
        var output: [UInt8] = []
        var pending: [UInt16] = []

        func flush() {
            guard !pending.isEmpty else { return }
            output.append(UInt8(ascii: "&"))
            var bytes: [UInt8] = []
            for unit in pending { bytes += [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
            var index = 0
            while index < bytes.count {
                let chunk = bytes[index..<min(index + 3, bytes.count)]
                let b0 = chunk[chunk.startIndex]
                let b1 = chunk.count > 1 ? chunk[chunk.startIndex + 1] : 0
                let b2 = chunk.count > 2 ? chunk[chunk.startIndex + 2] : 0
                output.append(alphabet[Int(b0 >> 2)])
                output.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
                if chunk.count > 1 { output.append(alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)]) }
                if chunk.count > 2 { output.append(alphabet[Int(b2 & 0x3F)]) }
                index += 3
            }
            output.append(UInt8(ascii: "-"))
            pending.removeAll()
        }

        for scalar in name.unicodeScalars {
            if scalar.value >= 0x20, scalar.value <= 0x7E {
                flush()
                output.append(UInt8(scalar.value))
                if scalar == "&" { output.append(UInt8(ascii: "-")) }
            } else {
                pending.append(contentsOf: String(scalar).utf16)
            }
        }
        flush()
        return String(decoding: output, as: UTF8.self)
    }

    /// The display form of a wire mailbox name; a malformed `&…-` run is kept as it is.
    public static func decode(_ wire: String) -> String {
        let bytes = Array(wire.utf8)
        var result = ""
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "&") else {
                result.unicodeScalars.append(Unicode.Scalar(byte))
                index += 1
                continue
            }
            guard let end = bytes[(index + 1)...].firstIndex(of: UInt8(ascii: "-")) else {
                result += String(decoding: bytes[index...], as: UTF8.self)
                break
            }
            if end == index + 1 {
                result += "&"
            } else if let decoded = decodeRun(bytes[(index + 1)..<end]) {
                result += decoded
            } else {
                result += String(decoding: bytes[index...end], as: UTF8.self)
            }
            index = end + 1
        }
        return result
    }

    /// Decodes the modified base64 between `&` and `-` into text, or `nil` when it is not valid UTF-16.
    private static func decodeRun(_ run: ArraySlice<UInt8>) -> String? {
        var bits: UInt32 = 0
        var bitCount = 0
        var bytes: [UInt8] = []
        for character in run {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            bits = (bits << 6) | UInt32(value)
            bitCount += 6
            if bitCount >= 8 {
                bitCount -= 8
                bytes.append(UInt8((bits >> UInt32(bitCount)) & 0xFF))
            }
        }
        guard bytes.count % 2 == 0 else { return nil }
        var units: [UInt16] = []
        for pair in stride(from: 0, to: bytes.count, by: 2) {
            units.append(UInt16(bytes[pair]) << 8 | UInt16(bytes[pair + 1]))
        }
        var text = ""
        for decoded in Unicode.UTF16.decode(units) {
            guard let scalar = decoded else { return nil }
            text.unicodeScalars.append(scalar)
        }
        return text
    }
}

extension Unicode.UTF16 {
    /// The scalars of `units`, `nil` for an unpaired surrogate.
    fileprivate static func decode(_ units: [UInt16]) -> [Unicode.Scalar?] {
        var result: [Unicode.Scalar?] = []
        var iterator = units.makeIterator()
        var decoder = Unicode.UTF16()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): result.append(scalar)
            case .emptyInput: break loop
            case .error: result.append(nil)
            }
        }
        return result
    }
}
