import Foundation

/// A buffered writer to a file descriptor (standard output by default); flushes every 64 KiB and at the end.
public final class OutputSink {
    private var buffer: [UInt8] = []
    private let descriptor: Int32

    /// Creates a sink writing to `descriptor`.
    public init(descriptor: Int32 = STDOUT_FILENO) {
        self.descriptor = descriptor
        buffer.reserveCapacity(1 << 16)
    }

    deinit { flush() }

    /// Appends a line (a newline is added).
    public func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Appends raw bytes followed by a newline.
    public func line(bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes out everything buffered.
    public func flush() {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 { break }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
