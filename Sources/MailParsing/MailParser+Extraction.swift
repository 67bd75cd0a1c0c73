import CGMime

/// Copies the fields of a GMime message into a ``MailMessage``.
struct Extractor {
    let options: OpaquePointer?
    let measuresAttachments: Bool
    var defects: [ParseDefect] = []
    /// Attached messages nest at most this deep; deeper ones are listed, not read.
    static let maxAttachedMessageDepth = 8

    init(options: OpaquePointer?, measuresAttachments: Bool) {
        self.options = options
        self.measuresAttachments = measuresAttachments
    }

    mutating func fill(_ message: inout MailMessage, from gmessage: UnsafeMutablePointer<GMimeMessage>) {
        let object = cgm_message_object(gmessage)
        message.messageID = string(g_mime_message_get_message_id(gmessage)).flatMap(Self.nonEmpty)
        message.subject = string(g_mime_message_get_subject(gmessage))
        if let dateTime = g_mime_message_get_date(gmessage) {
            message.date = MailDate(
                unixTime: Int64(g_date_time_to_unix(dateTime)),
                utcOffsetSeconds: Int(g_date_time_get_utc_offset(dateTime) / 1_000_000))
        } else if g_mime_object_get_header(object, "Date") != nil {
            defects.append(ParseDefect(code: "invalid-date", item: headerPreview(object, "Date")))
        } else {
            defects.append(ParseDefect(code: "missing-date"))
        }
        message.from = addresses(g_mime_message_get_from(gmessage))
        message.sender = addresses(g_mime_message_get_sender(gmessage))
        message.replyTo = addresses(g_mime_message_get_reply_to(gmessage))
        message.to = addresses(g_mime_message_get_to(gmessage))
        message.cc = addresses(g_mime_message_get_cc(gmessage))
        message.bcc = addresses(g_mime_message_get_bcc(gmessage))
        message.inReplyTo = references(object, "In-Reply-To")
        message.references = references(object, "References")
        if let body = g_mime_message_get_mime_part(gmessage) {
            walk(body, path: "", attachedDepth: 0, into: &message)
        }
    }

    // MARK: Headers

    private static func nonEmpty(_ text: String) -> String? { text.isEmpty ? nil : text }

    private func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)), as: UTF8.self)
    }

    private func headerPreview(_ object: UnsafeMutablePointer<GMimeObject>?, _ name: String) -> String? {
        guard let value = string(g_mime_object_get_header(object, name)) else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.count > 80 ? String(trimmed.prefix(80)) + "…" : trimmed
    }

    private func references(_ object: UnsafeMutablePointer<GMimeObject>?, _ header: String) -> [String] {
        guard let value = g_mime_object_get_header(object, header),
            let refs = g_mime_references_parse(options, value)
        else { return [] }
        defer { g_mime_references_free(refs) }
        let count = g_mime_references_length(refs)
        var ids: [String] = []
        ids.reserveCapacity(Int(count))
        for index in 0..<count {
            if let id = string(g_mime_references_get_message_id(refs, index)), !id.isEmpty { ids.append(id) }
        }
        return ids
    }

    private func addresses(_ list: UnsafeMutablePointer<InternetAddressList>?) -> [MailAddress] {
        var result: [MailAddress] = []
        appendAddresses(list, into: &result, depth: 0)
        return result
    }

    private func appendAddresses(
        _ list: UnsafeMutablePointer<InternetAddressList>?, into result: inout [MailAddress], depth: Int
    ) {
        guard let list, depth < 4 else { return }
        let count = internet_address_list_length(list)
        guard count > 0 else { return }
        for index in 0..<count {
            guard let address = internet_address_list_get_address(list, index) else { continue }
            if cgm_address_is_group(address) != 0 {
                appendAddresses(cgm_group_members(address), into: &result, depth: depth + 1)
            } else if let spec = string(cgm_mailbox_addr(address)) {
                let name = string(internet_address_get_name(address)).flatMap(Self.nonEmpty)
                result.append(MailAddress(name: name, address: spec))
            }
        }
    }

    // MARK: Parts

    private mutating func walk(
        _ object: UnsafeMutablePointer<GMimeObject>, path: String, attachedDepth: Int, into message: inout MailMessage
    ) {
        if let multipart = cgm_as_multipart(object) {
            let count = g_mime_multipart_get_count(multipart)
            guard count > 0 else { return }
            for index in 0..<count {
                guard let child = g_mime_multipart_get_part(multipart, index) else { continue }
                let childPath = path.isEmpty ? "\(index + 1)" : "\(path).\(index + 1)"
                walk(child, path: childPath, attachedDepth: attachedDepth, into: &message)
            }
            return
        }
        let partPath = path.isEmpty ? "1" : path
        let mediaType = contentType(object)
        if cgm_is_message_part(object) != 0 {
            message.attachments.append(
                AttachmentInfo(
                    fileName: nil, contentType: mediaType, size: measuredSize(ofObject: object), path: partPath))
            guard attachedDepth < Self.maxAttachedMessageDepth,
                let inner = cgm_message_part_message(object),
                let body = g_mime_message_get_mime_part(inner)
            else { return }
            walk(body, path: partPath, attachedDepth: attachedDepth + 1, into: &message)
            return
        }
        guard let part = cgm_as_part(object) else { return }
        let isAttachment = cgm_is_attachment(object) != 0
        let isBodyText =
            cgm_is_text_part(object) != 0 && !isAttachment
            && (mediaType == "text/plain" || mediaType == "text/html")
        if isBodyText {
            message.bodyParts.append(
                BodyPart(
                    kind: mediaType == "text/html" ? .html : .plain, path: partPath,
                    charset: string(g_mime_object_get_content_type_parameter(object, "charset"))?.lowercased(),
                    utf8: decodedText(object), isInAttachedMessage: attachedDepth > 0))
        } else {
            message.attachments.append(
                AttachmentInfo(
                    fileName: string(g_mime_part_get_filename(part)), contentType: mediaType,
                    size: measuresAttachments ? Int64(cgm_decoded_size(object)) : -1, path: partPath))
        }
    }

    private func contentType(_ object: UnsafeMutablePointer<GMimeObject>) -> String {
        guard let type = g_mime_object_get_content_type(object) else { return "application/octet-stream" }
        let media = string(g_mime_content_type_get_media_type(type)) ?? "application"
        let subtype = string(g_mime_content_type_get_media_subtype(type)) ?? "octet-stream"
        return (media + "/" + subtype).lowercased()
    }

    private func measuredSize(ofObject object: UnsafeMutablePointer<GMimeObject>) -> Int64 {
        guard measuresAttachments, let null = g_mime_stream_null_new() else { return -1 }
        defer { cgm_unref(null) }
        return Int64(g_mime_object_write_to_stream(object, nil, null))
    }

    /// The part's text as UTF-8: GMime converts known charsets; unknown or lying charsets fall back to GMime's 8-bit
    /// guess so the result is always valid UTF-8.
    private mutating func decodedText(_ object: UnsafeMutablePointer<GMimeObject>) -> [UInt8] {
        guard let text = cgm_text(object) else { return [] }
        defer { g_free(text) }
        let length = strlen(text)
        let buffer = UnsafeRawBufferPointer(start: text, count: length)
        if UTF8Validation.isValid(buffer) { return Array(buffer) }
        defects.append(ParseDefect(code: "invalid-text-charset", item: nil))
        guard let converted = g_mime_utils_decode_8bit(options, text, length) else {
            return Array(String(decoding: buffer, as: UTF8.self).utf8)
        }
        defer { g_free(converted) }
        let convertedBuffer = UnsafeRawBufferPointer(start: converted, count: strlen(converted))
        if UTF8Validation.isValid(convertedBuffer) { return Array(convertedBuffer) }
        return Array(String(decoding: convertedBuffer, as: UTF8.self).utf8)
    }
}
