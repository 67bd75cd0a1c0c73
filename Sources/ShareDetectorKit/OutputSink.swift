import Foundation
import Logging

/// A buffered writer to a file descriptor (standard output by default); flushes every 64 KiB and at the end.
/// A sink on standard error writes each line at once: diagnostics must not wait for the end of a run (a second
/// signal or a SIGKILL would lose them).
///
/// Safe to share between threads: every operation holds a lock.
public final class OutputSink: @unchecked Sendable {
    private var buffer: [UInt8] = []
    private let descriptor: Int32
    private let lock = NSLock()

    private var logger: Logger?

    /// Creates a sink writing to `descriptor`; with `log`, every line goes through swift-log (``RunLogHandler``) in
    /// that format and above that level.
    public init(descriptor: Int32 = STDOUT_FILENO, log: LogSettings? = nil) {
        self.descriptor = descriptor
        buffer.reserveCapacity(1 << 16)
        if let log {
            let fd = descriptor
            let handler = RunLogHandler(
                format: log.format,
                write: { bytes in
                    var offset = 0
                    while offset < bytes.count {
                        let written = bytes.withUnsafeBytes {
                            Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset)
                        }
                        if written <= 0 { break }
                        offset += written
                    }
                }, logLevel: log.level)
            logger = Logger(label: "share-detector", factory: { _ in handler })
        }
    }

    /// Logs a diagnostic at `level` with `metadata` (ids such as `mailbox`, `file`, `message`, `eventId`); on a
    /// sink without log settings, writes the text as a line.
    public func line(_ text: String, level: Logger.Level, metadata: Logger.Metadata = [:]) {
        if let logger {
            logger.log(level: level, "\(text)", metadata: metadata)
        } else {
            line(text)
        }
    }

    deinit { writeOut() }

    /// Appends a line (a newline is added); on a logging sink, logs it at `notice`.
    public func line(_ text: String) {
        if let logger {
            logger.notice("\(text)")
            return
        }
        lock.lock()
        defer { lock.unlock() }
        buffer.append(contentsOf: text.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 || descriptor == STDERR_FILENO { writeOut() }
    }

    /// Appends raw bytes followed by a newline.
    public func line(bytes: some Sequence<UInt8>) {
        lock.lock()
        defer { lock.unlock() }
        buffer.append(contentsOf: bytes)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 || descriptor == STDERR_FILENO { writeOut() }
    }

    /// Writes out everything buffered.
    public func flush() {
        lock.lock()
        defer { lock.unlock() }
        writeOut()
    }

    private func writeOut() {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 { break }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
