import Foundation
import GongEngagement

/// The sender of a `scan`: a thread that delivers while the mailboxes are read, from the first committed event, at
/// the account's pace; ``finish()`` closes its feed (no more events) and waits for it to send what is left.
///
/// The Gong client is used by this thread alone.
final class BackgroundDelivery: @unchecked Sendable {
    /// Announce each committed batch of new events here.
    let feed = DeliveryFeed()
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<Deliverer.Report, RunFailure>?

    /// Starts sending through `session` with `gong`; `onDelivered` is told of each event Gong took.
    init(
        session: DeliverySession, gong: GongConnection, diagnostics: OutputSink,
        onDelivered: (@Sendable () -> Void)? = nil
    ) {
        let feed = feed
        // Handed over: from here on only the sender thread uses the client.
        nonisolated(unsafe) let gong = gong
        let thread = Thread { [self] in
            do throws(RunFailure) {
                result = .success(
                    try session.deliver(
                        using: gong, diagnostics: diagnostics, feed: feed, onDelivered: onDelivered))
            } catch {
                result = .failure(error)
            }
            done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Ends the feed, waits for the sender, and returns what it did.
    func finish() throws(RunFailure) -> Deliverer.Report {
        feed.close()
        done.wait()
        switch result {
        case .success(let report): return report
        case .failure(let error): throw error
        case nil: throw RunFailure(exitCode: 1, message: "the sender ended without a report")
        }
    }
}
