// Fuzzes MboxReader on in-memory input with a small message cap, so the oversize path runs as often as the normal
// one, and traps when an entry breaks the reader's contract.
import CFuzz
import Foundation
import MailParsing

/// The message cap: small, so fuzz inputs (up to -max_len bytes) often exceed it.
let cap = 1024

func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("invariant violated: \(message())") }
}

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    // One variant per input (picked by its first byte) rather than all three: a third of the cost per execution.
    let variants = MboxVariant.allCases
    do {
        let variant = variants[Int(input.first ?? 0) % variants.count]
        var previous: UInt64?
        var expectedIndex = 0
        for entry in MboxReader(bytes: input, variant: variant, maxMessageBytes: cap) {
            check(entry.index == expectedIndex, "index \(entry.index) after \(expectedIndex - 1)")
            if let previous { check(entry.offset > previous, "offset \(entry.offset) after \(previous)") }
            check(entry.endOffset >= entry.offset, "endOffset \(entry.endOffset) < offset \(entry.offset)")
            check(entry.offset < UInt64(size), "offset \(entry.offset) outside \(size) bytes")
            check(entry.endOffset <= UInt64(size), "endOffset \(entry.endOffset) outside \(size) bytes")
            check(UInt64(entry.bytes.count) <= entry.endOffset - entry.offset, "more bytes than the entry spans")
            if let oversized = entry.oversizedSize {
                check(entry.bytes.isEmpty, "an oversized entry kept its bytes")
                check(oversized > UInt64(cap), "oversized at \(oversized) bytes")
            } else {
                check(entry.bytes.count <= cap, "\(entry.bytes.count) bytes kept over the \(cap)-byte cap")
            }
            previous = entry.offset
            expectedIndex += 1
        }
    }
    return 0
}

/// The classic libFuzzer entry point as well: depending on the linker, libFuzzer's own `main` may be the one linked,
/// and then it calls this.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzzOne(data, size) }

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) })
