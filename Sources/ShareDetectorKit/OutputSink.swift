import Foundation

/// A buffered writer to a file descriptor (standard output by default); flushes every 64 KiB and at the end.
/// A sink on standard error writes each line at once: diagnostics must not wait for the end of a run (a second
/// signal or a SIGKILL would lose them).
///
/// Safe to share between threads: every operation holds a lock.
public final class OutputSink: @unchecked Sendable {
    private var buffer: [UInt8] = []
    private let descriptor: Int32
    private let lock = NSLock()

    /// Creates a sink writing to `descriptor`.
    public init(descriptor: Int32 = STDOUT_FILENO) {
        self.descriptor = descriptor
        buffer.reserveCapacity(1 << 16)
    }

    deinit { writeOut() }

    /// Appends a line (a newline is added).
    public func line(_ text: String) {
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
