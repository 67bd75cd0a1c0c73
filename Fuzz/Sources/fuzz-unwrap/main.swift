// Fuzzes the URL unwrappers and the rule engine on arbitrary strings: the bytes, as UTF-8 text (invalid sequences
// repaired), go through URLUnwrapper and RuleSet.classify with the built-in rules. It must never crash, chains stay
// within the depth limit, and classify agrees with the unwrapper it is built on.
import CFuzz
import Foundation
import ShareDetection

func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("invariant violated: \(message())") }
}

let rules = RuleSet.builtIn()
let unwrapper = rules.unwrapper

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let text = String(decoding: input, as: UTF8.self)
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    let unwrapped = unwrapper.unwrap(text)
    check(unwrapped.chain.count <= unwrapper.maxDepth, "chain of \(unwrapped.chain.count) steps")
    check(unwrapped.chain.count <= 5, "chain deeper than 5")
    if let first = unwrapped.chain.first {
        check(first.from == trimmed, "the chain does not start at the trimmed input")
    }
    if let last = unwrapped.chain.last { check(last.to == unwrapped.url, "the chain does not end at the result") }
    for (step, next) in zip(unwrapped.chain, unwrapped.chain.dropFirst()) {
        check(step.to == next.from, "the chain is not connected")
    }
    if unwrapped.chain.isEmpty { check(unwrapped.url == trimmed, "unchanged URL differs from the trimmed input") }
    let classification = rules.classify(text)
    check(classification.unwrap == unwrapped, "classify unwrapped differently")
    if let match = classification.contentMatch {
        check(!match.contentId.isEmpty, "empty content id")
        check(!match.contentUrl.isEmpty, "empty content URL")
    }
    _ = unwrapper.wrapperRule(for: text)
    return 0
}

/// The classic libFuzzer entry point as well: depending on the linker, libFuzzer's own `main` may be the one linked,
/// and then it calls this.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzzOne(data, size) }

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) })
