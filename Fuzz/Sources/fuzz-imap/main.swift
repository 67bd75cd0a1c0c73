// Fuzzes IMAPResponseReader: any bytes, fed in pieces whose sizes come from the input itself, must give exactly the
// responses the same bytes give in one piece (framing never depends on how the network splits data), never trap,
// and never keep a literal over the cap. Every BODYSTRUCTURE it reads goes through IMAPPartialFetch: the plan asks
// for each section once, within the limit, always the header first, and rebuilds a message from any sections that
// declare its boundaries.
import CFuzz
import Foundation
import MailFetching

/// The literal cap: small, so the skip path runs as often as the keep path.
let cap = 64
/// The line cap: a body or section sent as a quoted string (not a literal) is bounded by it, not by `cap` (the
/// reader's contract: literals over `maxLiteralBytes` are skipped; everything else lives in a line of at most
/// `maxLineBytes`). A quoted body over `cap` once failed a stricter check here (crash-f72bfc95…, `RFC822 "…"`).
let lineCap = 512

func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("invariant violated: \(message())") }
}

/// Every response (or the error) for `input` fed in pieces of the given sizes (cycled).
func responses(_ input: [UInt8], pieces: [Int]) -> (items: [IMAPResponse], failed: Bool) {
    var reader = IMAPResponseReader(maxLiteralBytes: cap, maxLineBytes: lineCap)
    // Small literal counts, so the "more literals than kept" path (skipped by number) runs too.
    reader.maxLiteralsPerResponse = 6
    reader.maxSkippedLiteralsPerResponse = 64
    var items: [IMAPResponse] = []
    var offset = 0
    var piece = 0
    while offset < input.count {
        let size = pieces.isEmpty ? input.count : max(1, pieces[piece % pieces.count])
        piece += 1
        let end = min(input.count, offset + size)
        // The raw-buffer entry point, as IMAPSession feeds what libcurl received (no copy per piece).
        input.withUnsafeBytes { reader.feed(UnsafeRawBufferPointer(rebasing: $0[offset..<end])) }
        offset = end
        do {
            while let response = try reader.next() { items.append(response) }
        } catch {
            return (items, true)
        }
    }
    return (items, false)
}

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let all = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let first = all.first else { return 0 }
    // The first byte picks the piece sizes: 1…16 bytes, cycled with a second size.
    let pieces = [Int(first & 0x0F) + 1, Int(first >> 4) + 1]
    let input = Array(all.dropFirst())
    let whole = responses(input, pieces: [])
    let split = responses(input, pieces: pieces)
    check(whole.failed == split.failed, "failure depends on the split")
    check(whole.items == split.items, "responses depend on the split")
    checkMachine(whole.items, seed: first)
    for item in whole.items {
        if case .fetch(let fetch) = item {
            check((fetch.body?.count ?? 0) <= max(cap, lineCap), "a body over the caps was kept")
            if let skipped = fetch.skippedBodySize {
                check(skipped > UInt64(cap) || fetch.literalsOverflowed, "skipped \(skipped) bytes")
            }
            for (_, bytes) in fetch.sections {
                check(bytes.count <= max(cap, lineCap), "a section over the caps was kept")
            }
            if let structure = fetch.bodyStructure {
                check(!fetch.bodyStructureUnusable, "a structure both read and unusable")
                checkPlan(structure)
            }
        }
    }
    return 0
}

/// Drives the folder fetch machine with the responses, as if they answered its commands: it never yields a UID
/// twice, never a UID it was not asked for, and its checkpoint never passes a UID it has not handled.
func checkMachine(_ responses: [IMAPResponse], seed: UInt8) {
    var options = IMAPFetchOptions()
    options.partial = seed & 1 == 0
    options.uidsPerCommand = Int(seed >> 5) + 1
    options.commandsInFlight = Int((seed >> 1) & 3) + 1
    options.partialMinimumSavedBytes = UInt64(seed & 0x10) * 64
    var uids = Set<UInt32>()
    for response in responses { if case .fetch(let fetch) = response, let uid = fetch.uid { uids.insert(uid % 64) } }
    let sorted = Array(uids).sorted()
    var machine = IMAPFetchMachine(
        uids: sorted, large: Set(sorted.filter { $0 % 2 == 0 }), resumeUID: nil, options: options)
    var yielded = Set<UInt32>()
    var tag = 0
    func take(_ output: IMAPFetchMachine.Output?) {
        guard let output else { return }
        let uid: UInt32
        switch output {
        case .message(let value, _, _): uid = value
        case .unreadable(let value, _): uid = value
        }
        check(uids.contains(uid), "yielded UID \(uid) that was not asked for")
        check(yielded.insert(uid).inserted, "UID \(uid) yielded twice")
        checkCheckpoint()
    }
    /// Every UID at or below the checkpoint was yielded or found expunged.
    func checkCheckpoint() {
        guard let resume = machine.resumeUID else { return }
        let passed = sorted.filter { $0 <= resume }.count
        check(passed <= yielded.count + machine.statistics.vanished, "the checkpoint passed a UID not handled")
    }
    for response in responses {
        while machine.nextCommand() != nil {
            tag += 1
            machine.sent(tag: "A\(tag)")
        }
        var adjusted = response
        if case .fetch(var fetch) = response, let uid = fetch.uid {
            fetch.uid = uid % 64
            adjusted = .fetch(fetch)
        }
        if case .tagged(_, let status) = response { adjusted = .tagged(tag: "A\(max(1, tag - 1))", status) }
        take(machine.receive(adjusted, scrub: { $0 }))
        while let queued = machine.takeQueued() { take(queued) }
        if response == .continuation("") { machine.connectionLost() }
    }
    checkCheckpoint()
}

/// The plan of a structure the reader accepted: well formed, and it rebuilds a message from sections that hold what
/// its boundary checks ask for.
func checkPlan(_ structure: IMAPBodyStructure) {
    guard let plan = IMAPPartialFetch(structure) else { return }
    check(plan.sections.first == "HEADER", "the header is not the first section")
    check(Set(plan.sections).count == plan.sections.count, "a section asked twice")
    check(plan.sections.count <= IMAPPartialFetch.maxSections, "too many sections")
    var fetched: [String: [UInt8]] = [:]
    let boundaries: [UInt8] = plan.boundaryChecks.flatMap { check in check.boundary + [UInt8(0x0A)] }
    for section in plan.sections { fetched[section] = Array(section.utf8) + boundaries }
    let rebuilt = plan.assemble(fetched)
    check(rebuilt != nil, "a plan did not rebuild from all its sections")
    if let missing = plan.sections.last, plan.sections.count > 1 {
        fetched[missing] = nil
        check(plan.assemble(fetched) == nil, "a plan rebuilt without one of its sections")
    }
}

/// The classic libFuzzer entry point as well (see fuzz-mbox).
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzzOne(data, size) }

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) })
