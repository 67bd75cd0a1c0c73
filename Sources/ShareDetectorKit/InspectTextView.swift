import MailParsing

/// The readable (non-JSON) rendering of an ``InspectRecord``.
public enum InspectTextView {
    /// Renders one record as an aligned block of `Label: value` lines.
    public static func render(_ record: InspectRecord) -> String {
        var lines: [String] = []
        lines.append(
            "── \(record.source.file)  message \(record.source.index) at byte \(record.source.byteOffset)"
                + "  (\(record.size) B)")
        func add(_ label: String, _ value: String?) {
            guard let value, !value.isEmpty else { return }
            lines.append(label.padding(toLength: 13, withPad: " ", startingAt: 0) + value)
        }
        func addresses(_ list: [MailAddress]) -> String? {
            list.isEmpty
                ? nil
                : list.map { address in
                    address.name.map { "\($0) <\(address.address)>" } ?? address.address
                }.joined(separator: ", ")
        }
        add("Message-ID:", record.messageId.map { "<\($0)>" })
        add("Date:", record.date.map { "\($0.iso8601)" + ($0.origin == "header" ? "" : "  (from the \($0.origin))") })
        add("From:", addresses(record.from))
        add("Sender:", addresses(record.sender))
        add("Reply-To:", addresses(record.replyTo))
        add("To:", addresses(record.to))
        add("Cc:", addresses(record.cc))
        add("Bcc:", addresses(record.bcc))
        add("Subject:", record.subject)
        add("In-Reply-To:", record.inReplyTo.isEmpty ? nil : record.inReplyTo.map { "<\($0)>" }.joined(separator: " "))
        add("References:", record.references.isEmpty ? nil : "\(record.references.count) message ids")
        for part in record.parts {
            add(
                "Part \(part.path):",
                "\(part.type)\(part.charset.map { "; charset=\($0)" } ?? ""), \(part.bytes) B decoded"
                    + (part.inAttachedMessage ? ", inside an attached message" : ""))
        }
        for attachment in record.attachments {
            add(
                "Attachment:",
                "\(attachment.fileName ?? "(no name)") \(attachment.contentType), "
                    + (attachment.size >= 0 ? "\(attachment.size) B" : "size not measured"))
        }
        for defect in record.defects {
            add("Defect:", defect.code + (defect.item.map { " (\($0))" } ?? ""))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
