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
            let handler = RunLogHandler(
                format: log.format,
                write: { [unowned self] bytes in
                    lock.lock()
                    defer { lock.unlock() }
                    eraseFooter()
                    writeAll(bytes)
                    drawFooter()
                }, logLevel: log.level)
            logger = Logger(label: "share-detector", factory: { _ in handler })
        }
    }

    // MARK: A block redrawn in place (terminal progress)

    /// Lines kept below everything written, for a given terminal width.
    private var footer: (@Sendable (Int) -> [String])?
    /// How many footer lines are on the screen now.
    private var footerLines = 0

    /// Shows `provider`'s lines below everything this sink writes, erased before each write and drawn again after it
    /// (ANSI cursor movement: for a terminal only); `nil` erases the block and stops drawing it.
    public func setFooter(_ provider: (@Sendable (Int) -> [String])?) {
        lock.lock()
        defer { lock.unlock() }
        eraseFooter()
        footer = provider
        drawFooter()
    }

    /// Draws the footer again with its provider's current lines.
    public func redrawFooter() {
        lock.lock()
        defer { lock.unlock() }
        guard footer != nil else { return }
        eraseFooter()
        drawFooter()
    }

    private func eraseFooter() {
        guard footerLines > 0 else { return }
        writeAll(Array(String(repeating: "\u{1B}[1A\u{1B}[2K", count: footerLines).utf8) + [0x0D])
        footerLines = 0
    }

    private func drawFooter() {
        guard let footer else { return }
        var size = winsize()
        let width = ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
        let lines = footer(width)
        writeAll(Array(lines.map { $0 + "\n" }.joined().utf8))
        footerLines = lines.count
    }

    private func writeAll(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes {
                Foundation.write(descriptor, $0.baseAddress! + offset, $0.count - offset)
            }
            if written <= 0 { break }
            offset += written
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
        guard !buffer.isEmpty else { return }
        eraseFooter()
        writeAll(buffer)
        buffer.removeAll(keepingCapacity: true)
        drawFooter()
    }
}
