/// A one-line progress counter on a terminal.
struct Progress {
    let enabled: Bool
    let mailbox: String
    let sink: OutputSink

    func tick(_ count: Int) {
        guard enabled, count % 500 == 0 else { return }
        sink.line("\(mailbox): \(count) messages read…")
        sink.flush()
    }

    func done() {}
}
