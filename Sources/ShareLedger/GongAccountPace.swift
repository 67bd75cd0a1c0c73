import Foundation

/// What every run calling one Gong account shares, whatever its team or machine: one pace, one daily budget, the
/// 429 pause and the sending breaker. Two implementations: ``GongAccountState`` (a per-user SQLite file, for ledgers
/// on one machine) and ``PostgresAccountState`` (rows in the shared PostgreSQL ledger, for every machine).
public protocol GongAccountPace: AnyObject, Sendable {
    /// The account's key (base URL and a hash of the credential; no secret).
    var accountKey: String { get }
    /// Where the state lives, for messages.
    var location: String { get }
    /// How much wider than one second the pacing window is: room for the delay between reserving a call and its
    /// arrival at Gong, which differs from call to call (more across machines than within one).
    var pacingMargin: TimeInterval { get }
    /// Pauses every call to the account until `until` (a later stored pause wins).
    func pause(until: Date, reason: String, now: Date) throws
    /// The stored pause, when it lasts beyond `now`.
    func pause(now: Date) throws -> (until: Date, reason: String)?
    /// Consecutive failed calls to the account, across runs.
    func consecutiveFailures() throws -> Int
    /// Counts one call's outcome (a failure adds one, any other answer resets); returns the new count.
    func noteCall(failed: Bool, lastFailure: String?, now: Date) throws -> Int
    /// Reserves the right to make one call now, or says when to ask again (see ``GongAccountState``'s rules).
    func reserveCallSlot(now: Date, callsPerSecond: Int, callsPerDay: Int, safetyMargin: TimeInterval) throws
        -> Reservation
    /// Gives back today's count of a reserved call that never reached Gong.
    func refundCall(now: Date) throws
    /// Calls reserved on `now`'s UTC day.
    func callsToday(now: Date) throws -> Int
    /// The reserved call times (Unix microseconds) kept for pacing, oldest first.
    func recentCallSlots() throws -> [Int64]
}

extension GongAccountPace {
    /// Pauses at the current time.
    public func pause(until: Date, reason: String) throws {
        try pause(until: until, reason: reason, now: Date())
    }

    /// The stored pause at the current time.
    public func pause() throws -> (until: Date, reason: String)? {
        try pause(now: Date())
    }

    /// Counts an outcome at the current time.
    public func noteCall(failed: Bool, lastFailure: String?) throws -> Int {
        try noteCall(failed: failed, lastFailure: lastFailure, now: Date())
    }

    /// Reserves with the state's ``pacingMargin``.
    public func reserveCallSlot(now: Date, callsPerSecond: Int, callsPerDay: Int) throws -> Reservation {
        try reserveCallSlot(
            now: now, callsPerSecond: callsPerSecond, callsPerDay: callsPerDay, safetyMargin: pacingMargin)
    }
}
