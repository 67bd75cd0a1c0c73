import CGMime
import Foundation
import GMimeSupport

/// Part content without GMime's stream machinery: the encoded bytes are read in place from the message buffer, and
/// decoded (text) or measured (attachments) directly. Every shortcut gives exactly what
/// `g_mime_data_wrapper_write_to_stream` gives; where that is not certain, the stream path runs instead.
extension Extractor {
    /// The part's content after transfer decoding, passed to `body` (valid only during the call).
    func withDecodedContent<Result>(
        _ object: UnsafeMutablePointer<GMimeObject>, _ body: (UnsafeRawBufferPointer) -> Result
    ) -> Result {
        if usesFastPaths, let (encoded, encoding) = encodedContent(object) {
            switch encoding {
            case GMIME_CONTENT_ENCODING_DEFAULT, GMIME_CONTENT_ENCODING_7BIT, GMIME_CONTENT_ENCODING_8BIT,
                GMIME_CONTENT_ENCODING_BINARY:
                return body(encoded)
            case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
                return Self.decodeQuotedPrintable(encoded, body)
            case GMIME_CONTENT_ENCODING_BASE64 where TransferEncoding.base64DecodedCount(encoded) != nil:
                return Self.decode(encoded, GMIME_CONTENT_ENCODING_BASE64, body)
            default:
                break
            }
        }
        return Self.streamDecoded(object, body)
    }

    /// The size of the part's content after transfer decoding.
    func decodedSize(_ object: UnsafeMutablePointer<GMimeObject>) -> Int64 {
        if usesFastPaths, let (encoded, encoding) = encodedContent(object) {
            switch encoding {
            case GMIME_CONTENT_ENCODING_DEFAULT, GMIME_CONTENT_ENCODING_7BIT, GMIME_CONTENT_ENCODING_8BIT,
                GMIME_CONTENT_ENCODING_BINARY:
                return Int64(encoded.count)
            case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
                return Int64(TransferEncoding.quotedPrintableDecodedCount(encoded))
            case GMIME_CONTENT_ENCODING_BASE64:
                if let count = TransferEncoding.base64DecodedCount(encoded) { return Int64(count) }
            default:
                break
            }
        }
        return Int64(cgm_decoded_size(object))
    }

    /// The part's still-encoded content bytes, in place, or `nil` when GMime does not hold them in memory.
    private func encodedContent(
        _ object: UnsafeMutablePointer<GMimeObject>
    ) -> (UnsafeRawBufferPointer, GMimeContentEncoding)? {
        var bytes: UnsafePointer<UInt8>?
        var length = 0
        var encoding = GMIME_CONTENT_ENCODING_DEFAULT
        guard cgm_part_encoded_content(object, &bytes, &length, &encoding) != 0 else { return nil }
        return (UnsafeRawBufferPointer(start: bytes, count: bytes == nil ? 0 : length), encoding)
    }

    /// ``TransferEncoding/quotedPrintableDecode(_:into:)`` into a temporary buffer.
    private static func decodeQuotedPrintable<Result>(
        _ encoded: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Result
    ) -> Result {
        let output = UnsafeMutablePointer<UInt8>.allocate(capacity: max(encoded.count, 1))
        defer { output.deallocate() }
        let count = TransferEncoding.quotedPrintableDecode(encoded, into: output)
        return body(UnsafeRawBufferPointer(start: output, count: count))
    }

    /// One decoder step over the whole content, which is what GMime's filter does chunk by chunk: the
    /// quoted-printable decoder carries its state across chunks, and the base64 one does too for content whose `=`
    /// padding is only at the end (``TransferEncoding/base64DecodedCount(_:)`` checks that first).
    private static func decode<Result>(
        _ encoded: UnsafeRawBufferPointer, _ encoding: GMimeContentEncoding, _ body: (UnsafeRawBufferPointer) -> Result
    ) -> Result {
        guard let input = encoded.baseAddress, !encoded.isEmpty else { return body(UnsafeRawBufferPointer(encoded)) }
        let capacity = encoded.count + 4
        let output = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 1)
        defer { output.deallocate() }
        var state: Int32 = 0
        var save: UInt32 = 0
        let source = input.assumingMemoryBound(to: UInt8.self)
        let target = output.assumingMemoryBound(to: UInt8.self)
        let count =
            encoding == GMIME_CONTENT_ENCODING_BASE64
            ? g_mime_encoding_base64_decode_step(source, encoded.count, target, &state, &save)
            : g_mime_encoding_quoted_decode_step(source, encoded.count, target, &state, &save)
        return body(UnsafeRawBufferPointer(start: output, count: count))
    }

    /// The reference path: GMime's data wrapper writes the decoded content into a memory stream.
    private static func streamDecoded<Result>(
        _ object: UnsafeMutablePointer<GMimeObject>, _ body: (UnsafeRawBufferPointer) -> Result
    ) -> Result {
        guard let part = cgm_as_part(object), let content = g_mime_part_get_content(part),
            let stream = g_mime_stream_mem_new()
        else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        defer { cgm_unref(stream) }
        _ = g_mime_data_wrapper_write_to_stream(content, stream)
        let memory = UnsafeMutableRawPointer(stream).assumingMemoryBound(to: GMimeStreamMem.self)
        guard let array = g_mime_stream_mem_get_byte_array(memory), let data = array.pointee.data else {
            return body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return body(UnsafeRawBufferPointer(start: data, count: Int(array.pointee.len)))
    }
}

/// Decoded sizes computed from transfer-encoded bytes, exactly as GMime's decoders would produce them.
enum TransferEncoding {
    /// The size of what `g_mime_encoding_quoted_decode_step` outputs for the whole input; see
    /// ``quotedPrintableDecode(_:into:)``.
    static func quotedPrintableDecodedCount(_ bytes: UnsafeRawBufferPointer) -> Int {
        quotedPrintableDecode(bytes, into: nil)
    }

    /// Decodes quoted-printable exactly as `g_mime_encoding_quoted_decode_step` does over the whole input, into
    /// `output` (at least `bytes.count` long) or, when `output` is `nil`, only counts: every byte is kept, except
    /// that `=` plus newline is dropped (a soft break), `=` CR LF likewise, `=` plus two hex digits is one byte, any
    /// other `=` plus two bytes is kept as the three, and an unfinished `=` sequence at the very end is dropped.
    /// Returns the number of bytes decoded.
    static func quotedPrintableDecode(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<UInt8>?) -> Int
    {
        guard let base = bytes.baseAddress else { return 0 }
        let input = base.assumingMemoryBound(to: UInt8.self)
        var count = 0
        var index = 0
        let end = bytes.count
        func emit(_ byte: UInt8) {
            output?[count] = byte
            count += 1
        }
        while index < end {
            let run: Int
            if let equals = memchr(input + index, 0x3D, end - index) {
                run = base.distance(to: UnsafeRawPointer(equals)) - index
            } else {
                run = end - index
            }
            if run > 0 {
                output.map { ($0 + count).update(from: input + index, count: run) }
                count += run
                index += run
            }
            guard index < end else { break }
            index += 1  // the `=`
            guard index < end else { break }
            let first = input[index]
            index += 1
            if first == 0x0A { continue }
            guard index < end else { break }
            let second = input[index]
            index += 1
            if let high = hexValue(first), let low = hexValue(second) {
                emit(high << 4 | low)
            } else if !(second == 0x0A && first == 0x0D) {
                emit(0x3D)
                emit(first)
                emit(second)
            }
        }
        return count
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// What GMime's base64 decoder outputs, for content it decodes the same whichever way it is split into chunks:
    /// any `=` comes after the last alphabet character, at most two of them, and alphabet characters plus `=` make
    /// whole groups of four. Bytes outside the alphabet (line breaks, spaces, junk) are skipped, as the decoder
    /// skips them. Returns `nil` for anything else, and the caller runs the decoder.
    static func base64DecodedCount(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress else { return 0 }
        var alphabet = 0
        var padding = 0
        var alphabetAfterPadding = 0
        gms_base64_census(
            base.assumingMemoryBound(to: UInt8.self), bytes.count, &alphabet, &padding, &alphabetAfterPadding)
        let total = alphabet + padding
        guard alphabetAfterPadding == 0, padding <= 2, total % 4 == 0 else { return nil }
        return total / 4 * 3 - padding
    }
}
