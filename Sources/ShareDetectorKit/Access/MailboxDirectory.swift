import Foundation
import GongEngagement
import GongHTTP
import ShareLedger

/// Turns `mailboxSources` into mailboxes: every person from Gong's users list or a CSV file of reps becomes an IMAP
/// mailbox named by their address, with `mailboxDefaults.imap` and the address as user name. Their Gong user ids fill
/// `sharers` (an id set there by hand wins).
///
/// A mailbox's checkpoints are keyed by its name, so a person who leaves the list and comes back resumes where their
/// mailbox stopped.
public enum MailboxDirectory {
    /// One person from a source.
    package struct Person: Sendable, Equatable {
        /// Primary address (lowercased).
        package var email: String
        /// Display name, if known.
        package var name: String?
        /// Gong user id, if known.
        package var gongUserID: String?
        /// Other addresses of the same person (Gong's `emailAliases`), lowercased.
        package var aliases: [String] = []
    }

    /// `config` with its `mailboxSources` read (Gong is asked through its `gong` settings) and expanded. A config
    /// without sources is returned as it is.
    public static func resolve(_ config: TeamConfig) throws(RunFailure) -> TeamConfig {
        guard !config.mailboxSources.isEmpty else { return config }
        var people: [Person] = []
        for (index, source) in config.mailboxSources.enumerated() {
            let key = "mailboxSources[\(index)]"
            switch source {
            case .csv(let path):
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw RunFailure(
                        exitCode: 2,
                        message: ConfigError(
                            code: .missingFile, file: config.file, line: config.keyLines["\(key).csv"] ?? 0,
                            key: "\(key).csv", message: "cannot read \(path)"
                        ).description)
                }
                do {
                    people += try RepsCSV.parse(Array(data), file: path, key: "\(key).csv").map {
                        Person(email: $0.email, name: $0.name, gongUserID: $0.gongUserID)
                    }
                } catch { throw RunFailure(exitCode: 2, message: error.description) }
            case .gongUsers(let activeOnly, let domains):
                let users = try gongUsers(config, key: "\(key).gongUsers")
                people += select(users, activeOnly: activeOnly, domains: domains)
            }
        }
        let expanded = expand(config, people: people)
        guard !expanded.mailboxes.isEmpty else {
            throw RunFailure(
                exitCode: 2,
                message: "\(config.file): mailboxSources gave no mailbox (\(people.count) people listed): check the "
                    + "CSV file, gongUsers.active and gongUsers.emailDomains")
        }
        return expanded
    }

    /// For `send`: the sources' Gong ids and names, which an event rebuilt for another API needs; when they cannot be
    /// read, a warning says so and the config is used as it is (delivering what is recorded does not need them).
    public static func resolveForDelivery(_ config: TeamConfig, diagnostics: OutputSink) -> TeamConfig {
        guard !config.mailboxSources.isEmpty else { return config }
        do { return try resolve(config) } catch {
            diagnostics.line(
                "share-detector: warning: \(error.message); an event rebuilt for another Gong API now would lack "
                    + "the listed sharers' Gong ids", level: .warning)
            return config
        }
    }

    /// The users to read: active ones when asked, in `domains` when given (an alias in a domain counts too).
    package static func select(_ users: [GongUser], activeOnly: Bool, domains: [String]) -> [Person] {
        func domain(_ address: String) -> String { address.split(separator: "@").last.map(String.init) ?? "" }
        return users.compactMap { user in
            guard !activeOnly || user.active else { return nil }
            let addresses = ([user.emailAddress] + user.emailAliases).map { $0.lowercased() }
            let chosen = domains.isEmpty ? addresses.first : addresses.first { domains.contains(domain($0)) }
            guard let email = chosen, !email.isEmpty else { return nil }
            let name = [user.firstName, user.lastName].compactMap { $0 }.joined(separator: " ")
            return Person(
                email: email, name: name.isEmpty ? nil : name, gongUserID: user.id,
                aliases: addresses.filter { $0 != email })
        }
    }

    /// `config` with a mailbox for each person not already a mailbox (by name or IMAP user name), and their ids and
    /// names added to `sharers` and `sharerNames` where the config has none. Pure.
    package static func expand(_ config: TeamConfig, people: [Person]) -> TeamConfig {
        var result = config
        guard let template = config.imapDefaults else { return result }
        var taken = Set(config.mailboxes.map { $0.name.lowercased() })
        for mailbox in config.mailboxes {
            if case .imap(let settings) = mailbox.source { taken.insert(settings.username.lowercased()) }
        }
        for person in people {
            for address in [person.email] + person.aliases {
                if let id = person.gongUserID, result.sharers[address] == nil { result.sharers[address] = id }
                if let name = person.name, result.sharerNames[address] == nil { result.sharerNames[address] = name }
            }
            guard taken.insert(person.email).inserted else { continue }
            var settings = template
            settings.username = person.email
            result.mailboxes.append(MailboxConfig(name: person.email, source: .imap(settings)))
        }
        return result
    }

    /// Every user of the config's Gong account. Each call waits for a slot of the account's shared pace and counts
    /// in its daily budget, as event deliveries do: every run of every team on this machine shares them.
    static func gongUsers(_ config: TeamConfig, key: String) throws(RunFailure) -> [GongUser] {
        let (client, accountKey) = try GongAccess.makeClient(config)
        let account = try LedgerAccess.account(config, key: accountKey)
        let gong = config.gong
        let outcome = BlockingResult<[GongUser], GongUsersError>()
        let pace: @Sendable () async throws(GongUsersError) -> Void = { () async throws(GongUsersError) in
            var waited = 0.0
            while true {
                let now = Date()
                let reservation: Reservation
                do {
                    reservation = try account.reserveCallSlot(
                        now: now, callsPerSecond: max(1, Int(gong.callsPerSecond.rounded(.down))),
                        callsPerDay: gong.callsPerDay)
                } catch { throw .notNow(reason: "the Gong account state cannot be read: \(error)") }
                switch reservation {
                case .go: return
                case .dailyBudgetExhausted:
                    throw .notNow(reason: "today's budget of \(gong.callsPerDay) Gong calls is spent")
                case .waitUntil(let date):
                    try await GongClient.pause(max(0, date.timeIntervalSince(now)))
                case .paused(let until):
                    let wait = until.timeIntervalSince(now)
                    waited += wait
                    guard waited <= gong.maxWaitSeconds else {
                        throw .notNow(reason: "Gong asked for a pause (429) longer than gong.maxWaitSeconds")
                    }
                    try await GongClient.pause(wait)
                }
            }
        }
        Task.detached {
            do throws(GongUsersError) {
                outcome.finish(.success(try await client.allUsers(beforeEachCall: pace)))
            } catch { outcome.finish(.failure(error)) }
        }
        switch outcome.wait() {
        case .success(let users): return users
        case .failure(let error):
            var exitCode: Int32 = 3
            if case .notFound = error { exitCode = 1 }
            throw RunFailure(exitCode: exitCode, message: "\(config.file): \(key): cannot list Gong's users: \(error)")
        }
    }
}

/// A result handed from a task to a waiting thread (never a thread of Swift's cooperative pool).
final class BlockingResult<Success: Sendable, Failure: Error>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<Success, Failure>?

    /// Stores the result and wakes the waiter.
    func finish(_ value: Result<Success, Failure>) {
        result = value
        done.signal()
    }

    /// Blocks until ``finish(_:)``.
    func wait() -> Result<Success, Failure> {
        done.wait()
        return result!
    }
}

extension MailboxDirectory {
    /// One line per mailbox for `validate --resolve`: name, where its mail is and how it logs in; never a secret.
    public static func listing(_ config: TeamConfig) -> [String] {
        config.mailboxes.map { mailbox in
            switch mailbox.source {
            case .mbox(let path): return "\(mailbox.name): mbox \(path)"
            case .emlFolder(let path): return "\(mailbox.name): eml \(path)"
            case .imap(let settings):
                let login =
                    settings.oauth2.map { "oauth2 \($0.kindDescription)" }
                    ?? (settings.oauth2Token != nil ? "oauth2Token" : "password")
                let folders = settings.folders.isEmpty ? "the \\Sent folder" : settings.folders.joined(separator: ", ")
                let sharer = config.sharers[settings.username.lowercased()].map { ", Gong user \($0)" } ?? ""
                return
                    "\(mailbox.name): imap \(withoutUserInfo(settings.url)) user \(settings.username), \(login), \(folders)\(sharer)"
            }
        }
    }
}

extension MailboxDirectory {
    /// `url` with any `user:password@` of its authority masked (`imaps://***@host/`): a listing never shows it.
    static func withoutUserInfo(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<scheme.upperBound]) + "***" + String(rest[at...])
    }
}
