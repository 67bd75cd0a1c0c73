import Foundation
import MailFetching

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a `command:` secret: `/bin/sh -c CMD` in its own process group, in the config file's folder, with standard
/// input from `/dev/null`, its output captured and a deadline. On the deadline the whole process group is killed
/// (SIGKILL), so a hung helper and anything it started never outlive the run.
struct SecretCommand {
    /// What the command did.
    struct Outcome {
        /// Standard output (bounded).
        var output: [UInt8]
        /// Standard error (bounded).
        var errorOutput: [UInt8]
        /// The exit status, or nil when it was killed or ended by a signal.
        var status: Int32?
        /// Whether the deadline passed and the process group was killed.
        var timedOut: Bool
    }

    /// Why the command could not be started.
    struct StartFailure: Error {
        var errno: Int32
    }

    /// Bytes of standard output kept (a secret is short).
    static let outputLimit = 1 << 20
    /// Bytes of standard error kept for the error message.
    static let errorLimit = 4096

    var command: String
    var directory: String?
    var timeout: Double

    /// Held from pipe creation to spawn (see ``run()``).
    private static let spawnLock = NSLock()

    func run() throws(StartFailure) -> Outcome {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        // Mailboxes are read in parallel: another secret command started meanwhile must not inherit these pipes (it
        // would hold our read end open until it and its children exit). Pipes are made close-on-exec under one lock
        // held until the child is spawned (Glibc's pipe2 is not imported), so no spawn sees them without the flag;
        // dup2 onto 1 and 2 clears the flag for the child's own copies.
        Self.spawnLock.lock()
        guard pipe(&outPipe) == 0 else {
            let code = errno
            Self.spawnLock.unlock()
            throw StartFailure(errno: code)
        }
        guard pipe(&errPipe) == 0 else {
            let code = errno
            Self.spawnLock.unlock()
            close(outPipe[0])
            close(outPipe[1])
            throw StartFailure(errno: code)
        }
        for descriptor in outPipe + errPipe { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for descriptor in outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, descriptor) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Own process group (so the timeout can kill everything the shell started), default signal handling and an
        // empty mask (the parent may block signals; the child must still die on SIGTERM / SIGPIPE).
        var defaults = sigset_t()
        sigfillset(&defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        // The folder change is done by a first shell (posix_spawn_file_actions_addchdir_np is a GNU extension Swift
        // does not import), which then execs the user's command line in the same process and process group.
        let arguments =
            directory.map { ["/bin/sh", "-c", "cd -- \"$1\" || exit 125; exec /bin/sh -c \"$2\"", "sh", $0, command] }
            ?? ["/bin/sh", "-c", command]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var environment: [UnsafeMutablePointer<CChar>?] =
            ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { environment.forEach { free($0) } }
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, &argv, &environment)
        Self.spawnLock.unlock()
        close(outPipe[1])
        close(errPipe[1])
        guard spawned == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            throw StartFailure(errno: spawned)
        }
        defer {
            close(outPipe[0])
            close(errPipe[0])
        }

        let deadline = Date().addingTimeInterval(timeout)
        var outcome = Outcome(output: [], errorOutput: [], status: nil, timedOut: false)
        var open = [outPipe[0], errPipe[0]]
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while !open.isEmpty {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 {
                outcome.timedOut = true
                break
            }
            var descriptors = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&descriptors, nfds_t(descriptors.count), Int32(min(remaining * 1000 + 1, 60_000)))
            if ready < 0 && errno != EINTR { break }
            for descriptor in descriptors where descriptor.revents != 0 {
                let count = read(descriptor.fd, &buffer, buffer.count)
                if count <= 0 {
                    if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                    open.removeAll { $0 == descriptor.fd }
                    continue
                }
                if descriptor.fd == outPipe[0] {
                    outcome.output += buffer[0..<min(count, max(0, Self.outputLimit - outcome.output.count))]
                } else {
                    outcome.errorOutput += buffer[0..<min(count, max(0, Self.errorLimit - outcome.errorOutput.count))]
                }
            }
        }
        // The pipes are closed (or the deadline passed): wait for the shell, up to the deadline.
        var status: Int32 = 0
        while !outcome.timedOut {
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid { break }
            if done < 0 && errno != EINTR { break }
            if deadline.timeIntervalSinceNow <= 0 {
                outcome.timedOut = true
                break
            }
            usleep(2_000)
        }
        if outcome.timedOut {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return outcome
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        if status & 0x7F == 0 { outcome.status = (status >> 8) & 0xFF }
        return outcome
    }
}

extension SecretReference {
    /// Runs `command` as ``SecretReference/command(_:)`` does; errors name the reference, carry the command's
    /// standard error (bounded, scrubbed of anything it printed on standard output) and never the secret.
    func runCommand(_ command: String, directory: String?, timeout: Double) throws(SecretError) -> String {
        let outcome: SecretCommand.Outcome
        do {
            outcome = try SecretCommand(command: command, directory: directory, timeout: timeout).run()
        } catch {
            throw SecretError(
                reference: description, reason: "cannot start /bin/sh: \(String(cString: strerror(error.errno)))")
        }
        let value = String(decoding: outcome.output, as: UTF8.self).trimmingCharacters(in: .newlines)
        // Whatever reached standard output may be (part of) the secret: keep every line of it out of the message.
        let printed =
            [value] + value.split(whereSeparator: \.isNewline).map(String.init).filter { $0.utf8.count >= 4 }
        let scrubber = SecretScrubber(secrets: printed)
        let stderrText = Self.describeStandardError(outcome.errorOutput, scrubber: scrubber)
        if outcome.timedOut {
            throw SecretError(
                reference: description,
                reason: "the command did not finish within \(Self.seconds(timeout)) s "
                    + "(secretCommandTimeoutSeconds); its process group was killed\(stderrText)")
        }
        guard let status = outcome.status else {
            throw SecretError(reference: description, reason: "the command was killed by a signal\(stderrText)")
        }
        guard status == 0 else {
            throw SecretError(reference: description, reason: "the command exited with status \(status)\(stderrText)")
        }
        guard !value.isEmpty else {
            throw SecretError(reference: description, reason: "the command printed nothing\(stderrText)")
        }
        return value
    }

    /// `; it said: …` with the command's standard error on one line, scrubbed and cut; empty when it said nothing.
    static func describeStandardError(_ bytes: [UInt8], scrubber: SecretScrubber) -> String {
        let text = scrubber.scrub(String(decoding: bytes, as: UTF8.self))
        var cleaned = ""
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            let isSpace = scalar.value < 0x20 || scalar.value == 0x7F || scalar == " "
            if isSpace {
                if !lastWasSpace && !cleaned.isEmpty { cleaned.append(" ") }
            } else {
                cleaned.unicodeScalars.append(scalar)
            }
            lastWasSpace = isSpace
        }
        cleaned = cleaned.trimmingCharacters(in: .whitespaces)
        guard !cleaned.isEmpty else { return "" }
        let limit = 500
        return "; it said: " + (cleaned.count > limit ? String(cleaned.prefix(limit)) + "…" : cleaned)
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
