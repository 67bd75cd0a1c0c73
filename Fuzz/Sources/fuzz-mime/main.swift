// Fuzzes MailParser (GMime plus our extraction) on arbitrary bytes: it must never crash, and what it returns must
// keep the documented promises (body parts are valid UTF-8, rawSize is the input size). Also cross-checks the fast
// UTF-8 validator against the standard library on the same bytes.
import CFuzz
import Foundation
import MailParsing

func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("invariant violated: \(message())") }
}

let parser = MailParser(maxMessageBytes: 1 << 20)

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let fast = input.withUnsafeBytes { UTF8Validation.isValid($0) }
    check(fast == (String(validating: input, as: UTF8.self) != nil), "UTF8Validation disagrees with the stdlib")
    guard let message = try? parser.parse(input) else { return 0 }
    check(message.rawSize == size, "rawSize \(message.rawSize) for \(size) bytes")
    for part in message.bodyParts {
        check(String(validating: part.utf8, as: UTF8.self) != nil, "body part \(part.path) is not valid UTF-8")
    }
    // Touch every string so a bad one would surface under ASan.
    var total = (message.subject?.utf8.count ?? 0) + (message.messageID?.utf8.count ?? 0)
    for address in message.from + message.to + message.cc + message.bcc + message.replyTo + message.sender {
        total += address.address.utf8.count + (address.name?.utf8.count ?? 0) + address.domain.utf8.count
    }
    for attachment in message.attachments { total += attachment.fileName?.utf8.count ?? 0 }
    for defect in message.defects { total += defect.code.utf8.count + (defect.item?.utf8.count ?? 0) }
    check(total >= 0, "negative length")
    return 0
}

/// The classic libFuzzer entry point as well: depending on the linker, libFuzzer's own `main` may be the one linked,
/// and then it calls this.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzzOne(data, size) }

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) })
