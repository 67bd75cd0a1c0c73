/// Checks a `ContentSharedEvent` against Gong's schema and our own rules before it is sent.
///
/// `validate` returns every issue it finds (an empty array means the event may be sent), each with a JSON
/// path such as `recipients[2].email`. It is pure: no I/O, no Foundation, no locale.
///
/// Rules (see `../shared/gong-api/content-shared.md`):
/// - Required fields are present and not blank: `reportingSystem`, `eventTimestamp`, `contentId`,
///   `contentUrl`, `contentTitle`. Optional ids (`eventId`, `shareId`, `workspaceId`) are not blank when present.
/// - `eventTimestamp` and `date`-typed property values are ISO-8601 `YYYY-MM-DDTHH:MM:SS` with `Z` or
///   `±HH:MM`, a real calendar date, and no fractional seconds.
/// - `contentUrl`, `shareInfoUrl` and `url`-typed property values are absolute `http`/`https` URLs with a
///   host and no whitespace or control characters.
/// - Every recipient has a plausible addr-spec `email`; `sharer.email`, when present, is plausible too.
/// - Property `dataType` is one of `string`, `number`, `url`, `date`, and `value` agrees with it
///   (`number` is a JSON number such as `3.14`); property names are not blank.
/// - Context `system` is one of `Salesforce`, `HubSpot`, `MicrosoftDynamic`, `Generic`; `objectType` is one of
///   `Account`, `Opportunity`, `Lead`, `Contact`, `User`; `objectId` is not blank.
/// - Sizes stay within `EventLimits`.
public enum EventValidator {
    /// The `system` values Gong's 2024-11 schema declares for `crmContext` and recipients' `context`.
    public static let allowedSystems: [String] = ["Salesforce", "HubSpot", "MicrosoftDynamic", "Generic"]
    /// The `objectType` values Gong's 2024-11 schema declares (its comma-joined artifacts excluded).
    public static let allowedObjectTypes: [String] = ["Account", "Opportunity", "Lead", "Contact", "User"]
    /// The `dataType` values of a `GenericProperty`.
    public static let allowedDataTypes: [String] = ["string", "number", "url", "date"]

    /// Returns every issue of `event`; empty when it is fit to send.
    public static func validate(_ event: ContentSharedEvent, limits: EventLimits = .default) -> [ValidationIssue] {
        var issues = IssueList()

        issues.requireText(event.reportingSystem, "reportingSystem", maxLength: limits.maxShortTextLength)
        if issues.requireNonBlank(event.eventTimestamp, "eventTimestamp") {
            issues.checkTimestamp(event.eventTimestamp, "eventTimestamp")
        }
        issues.optionalText(event.eventId, "eventId", maxLength: limits.maxShortTextLength)
        issues.requireText(event.contentId, "contentId", maxLength: limits.maxShortTextLength)
        if issues.requireNonBlank(event.contentUrl, "contentUrl") {
            issues.checkURL(event.contentUrl, "contentUrl", limits: limits)
        }
        issues.requireText(event.contentTitle, "contentTitle", maxLength: limits.maxTitleLength)
        issues.optionalText(event.shareId, "shareId", maxLength: limits.maxShortTextLength)
        if let url = event.shareInfoUrl {
            issues.checkURL(url, "shareInfoUrl", limits: limits)
        }
        if let subject = event.sharingMessageSubject, subject.count > limits.maxSubjectLength {
            issues.add("sharingMessageSubject", "is longer than \(limits.maxSubjectLength) characters")
        }
        if let body = event.sharingMessageBody, body.utf8.count > limits.maxBodyBytes {
            issues.add(
                "sharingMessageBody",
                "is \(body.utf8.count) bytes; at most \(limits.maxBodyBytes) bytes are allowed")
        }
        issues.optionalText(event.actionName, "actionName", maxLength: limits.maxShortTextLength)
        issues.optionalText(event.workspaceId, "workspaceId", maxLength: limits.maxShortTextLength)

        if let sharer = event.sharer {
            issues.optionalText(sharer.id, "sharer.id", maxLength: limits.maxShortTextLength)
            if let email = sharer.email {
                issues.checkEmail(email, "sharer.email", limits: limits)
            }
            issues.cap(sharer.name, "sharer.name", maxLength: limits.maxShortTextLength)
        }

        if let recipients = event.recipients {
            issues.checkCount(recipients.count, "recipients", max: limits.maxRecipients)
            for (index, recipient) in recipients.enumerated() {
                issues.checkRecipient(recipient, "recipients[\(index)]", limits: limits)
            }
        }

        if let contexts = event.crmContext {
            issues.checkCount(contexts.count, "crmContext", max: limits.maxContextEntries)
            for (index, context) in contexts.enumerated() {
                issues.checkContext(
                    system: context.system, objects: context.objects, "crmContext[\(index)]", limits: limits)
            }
        }

        for (name, properties) in [
            ("contentProperties", event.contentProperties), ("eventProperties", event.eventProperties),
        ] {
            guard let properties else { continue }
            issues.checkCount(properties.count, name, max: limits.maxProperties)
            for (index, property) in properties.enumerated() {
                issues.checkProperty(property, "\(name)[\(index)]", limits: limits)
            }
        }
        return issues.items
    }

    /// Whether `text` is `YYYY-MM-DDTHH:MM:SS` followed by `Z` or `±HH:MM`, with a real calendar date.
    public static func isGongTimestamp(_ text: String) -> Bool {
        timestampProblem(text) == nil
    }

    /// Whether `text` is an absolute `http`/`https` URL with a host and no whitespace or control characters.
    public static func isHTTPURL(_ text: String) -> Bool {
        urlProblem(text) == nil
    }

    /// Whether `text` is a plausible addr-spec (`local@domain.tld`, no display name or angle brackets).
    public static func isPlausibleEmail(_ text: String) -> Bool {
        emailProblem(text) == nil
    }

    /// Whether `text` is a JSON number (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
    public static func isJSONNumber(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var index = 0
        func digits() -> Int {
            let start = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            return index - start
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { return false }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            return false
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return false }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits() > 0 else { return false }
        }
        return index == bytes.count
    }

    // MARK: - Problems (nil when fine)

    static func timestampProblem(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        let expected = "must be ISO-8601 like 2021-02-17T02:30:00-08:00 or 2021-08-01T08:00:00Z"
        guard bytes.count >= 20 else { return expected }
        func number(_ start: Int, _ length: Int) -> Int? {
            var value = 0
            for offset in start..<(start + length) {
                guard offset < bytes.count, isDigit(bytes[offset]) else { return nil }
                value = value * 10 + Int(bytes[offset] - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0, 4), bytes[4] == UInt8(ascii: "-"), let month = number(5, 2),
            bytes[7] == UInt8(ascii: "-"), let day = number(8, 2), bytes[10] == UInt8(ascii: "T"),
            let hour = number(11, 2), bytes[13] == UInt8(ascii: ":"), let minute = number(14, 2),
            bytes[16] == UInt8(ascii: ":"), let second = number(17, 2)
        else { return expected }
        var rest = bytes[19...]
        if rest.first == UInt8(ascii: ".") || rest.first == UInt8(ascii: ",") {
            return "must not have fractional seconds (Gong wants ISO-8601 without milliseconds)"
        }
        if rest.first == UInt8(ascii: "Z") {
            rest = rest.dropFirst()
            guard rest.isEmpty else { return expected }
        } else if rest.first == UInt8(ascii: "+") || rest.first == UInt8(ascii: "-") {
            let start = rest.startIndex + 1
            guard rest.count == 6, let offsetHour = number(start, 2), bytes[start + 2] == UInt8(ascii: ":"),
                let offsetMinute = number(start + 3, 2)
            else { return "must end with Z or a ±HH:MM offset" }
            guard offsetHour <= 18, offsetMinute <= 59 else { return "has an out-of-range offset" }
        } else {
            return "must end with Z or a ±HH:MM offset"
        }
        guard year >= 1, (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else {
            return "is not a real calendar date"
        }
        guard hour <= 23, minute <= 59, second <= 59 else { return "is not a real time of day" }
        return nil
    }

    static func urlProblem(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        if bytes.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            return "must not contain whitespace or control characters"
        }
        let lower = text.lowercased()
        let schemeLength: Int
        if lower.hasPrefix("https://") {
            schemeLength = 8
        } else if lower.hasPrefix("http://") {
            schemeLength = 7
        } else {
            return "must be an absolute http(s) URL"
        }
        var authority = bytes[schemeLength...].prefix {
            $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#")
        }
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) {
            authority = authority[(at + 1)...]
        }
        var host = authority[...]
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { return "has a malformed host" }
            host = authority[authority.startIndex...close]
            let after = authority[(close + 1)...]
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":"), after.dropFirst().allSatisfy(isDigit) else {
                    return "has a malformed port"
                }
            }
            guard host.count > 2 else { return "must have a host" }
            return nil
        }
        if let colon = authority.firstIndex(of: UInt8(ascii: ":")) {
            host = authority[..<colon]
            guard authority[(colon + 1)...].allSatisfy(isDigit) else { return "has a malformed port" }
        }
        guard !host.isEmpty else { return "must have a host" }
        let hostOK = host.allSatisfy { byte in
            isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "_") || byte >= 0x80 || byte == UInt8(ascii: "%")
        }
        guard hostOK, host.first != UInt8(ascii: "."), host.contains(where: { isAlphanumeric($0) || $0 >= 0x80 }) else {
            return "has a malformed host"
        }
        return nil
    }

    static func emailProblem(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        let expected = "must be a plain address like name@example.com"
        guard !bytes.isEmpty else { return "must not be empty" }
        if bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            return "must not contain control characters"
        }
        guard let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { return expected }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        // A space is allowed only inside a quoted local part ("odd person"@example.com).
        if domain.contains(0x20) || (local.first != UInt8(ascii: "\"") && local.contains(0x20)) {
            return "must not contain whitespace"
        }
        guard !local.isEmpty, local.count <= 64 else { return expected }
        if local.first == UInt8(ascii: "\"") {
            guard local.count >= 2, local.last == UInt8(ascii: "\"") else { return expected }
        } else {
            let atext = Array("!#$%&'*+-/=?^_`{|}~.".utf8)
            guard local.allSatisfy({ isAlphanumeric($0) || atext.contains($0) || $0 >= 0x80 }),
                local.first != UInt8(ascii: "."), local.last != UInt8(ascii: "."),
                !containsDoubleDot(local)
            else { return expected }
        }
        guard domain.count >= 3, domain.count <= 253 else { return expected }
        if domain.first == UInt8(ascii: "[") {
            guard domain.last == UInt8(ascii: "]") else { return expected }
            return nil
        }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return expected }
        for label in labels {
            guard !label.isEmpty, label.count <= 63, label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-"),
                label.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 >= 0x80 })
            else { return expected }
        }
        return nil
    }

    private static func containsDoubleDot(_ bytes: ArraySlice<UInt8>) -> Bool {
        var previousDot = false
        for byte in bytes {
            let dot = byte == UInt8(ascii: ".")
            if dot && previousDot { return true }
            previousDot = dot
        }
        return false
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

@inline(__always)
private func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
}

@inline(__always)
private func isAlphanumeric(_ byte: UInt8) -> Bool {
    isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
}

/// Collects issues; the helpers return whether the value passed so callers can skip dependent checks.
struct IssueList {
    var items: [ValidationIssue] = []

    mutating func add(_ path: String, _ message: String) {
        items.append(ValidationIssue(path: path, message: message))
    }

    @discardableResult
    mutating func requireNonBlank(_ value: String, _ path: String) -> Bool {
        if value.isEmpty {
            add(path, "is required and must not be empty")
            return false
        }
        if value.allSatisfy(\.isWhitespace) {
            add(path, "is required and must not be blank")
            return false
        }
        return true
    }

    mutating func requireText(_ value: String, _ path: String, maxLength: Int) {
        if requireNonBlank(value, path) {
            cap(value, path, maxLength: maxLength)
        }
    }

    mutating func optionalText(_ value: String?, _ path: String, maxLength: Int) {
        guard let value else { return }
        if value.allSatisfy(\.isWhitespace) {
            add(path, "must not be empty when present; leave it out instead")
        } else {
            cap(value, path, maxLength: maxLength)
        }
    }

    mutating func cap(_ value: String?, _ path: String, maxLength: Int) {
        guard let value, value.utf8.count > maxLength, value.count > maxLength else { return }
        add(path, "is longer than \(maxLength) characters")
    }

    mutating func checkCount(_ count: Int, _ path: String, max: Int) {
        if count > max {
            add(path, "has \(count) entries; at most \(max) are allowed")
        }
    }

    mutating func checkTimestamp(_ value: String, _ path: String) {
        if let problem = EventValidator.timestampProblem(value) {
            add(path, "\(problem) (got \(quoted(value)))")
        }
    }

    mutating func checkURL(_ value: String, _ path: String, limits: EventLimits) {
        if value.utf8.count > limits.maxURLBytes {
            add(path, "is \(value.utf8.count) bytes; at most \(limits.maxURLBytes) bytes are allowed")
        } else if let problem = EventValidator.urlProblem(value) {
            add(path, "\(problem) (got \(quoted(value)))")
        }
    }

    mutating func checkEmail(_ value: String, _ path: String, limits: EventLimits) {
        if value.utf8.count > limits.maxEmailBytes {
            add(path, "is longer than \(limits.maxEmailBytes) bytes")
        } else if let problem = EventValidator.emailProblem(value) {
            add(path, "\(problem) (got \(quoted(value)))")
        }
    }

    mutating func checkRecipient(_ recipient: Actor, _ path: String, limits: EventLimits) {
        if let email = recipient.email {
            checkEmail(email, "\(path).email", limits: limits)
        } else {
            add("\(path).email", "is required for every recipient")
        }
        cap(recipient.name, "\(path).name", maxLength: limits.maxShortTextLength)
        cap(recipient.title, "\(path).title", maxLength: limits.maxShortTextLength)
        if let contexts = recipient.context {
            checkCount(contexts.count, "\(path).context", max: limits.maxContextEntries)
            for (index, context) in contexts.enumerated() {
                checkContext(
                    system: context.system, objects: context.objects, "\(path).context[\(index)]", limits: limits)
            }
        }
    }

    mutating func checkContext(system: String, objects: [ExternalObject]?, _ path: String, limits: EventLimits) {
        if !EventValidator.allowedSystems.contains(system) {
            add(
                "\(path).system",
                "must be one of \(EventValidator.allowedSystems.joined(separator: ", ")) (got \(quoted(system)))")
        }
        guard let objects else { return }
        checkCount(objects.count, "\(path).objects", max: limits.maxContextEntries)
        for (index, object) in objects.enumerated() {
            let objectPath = "\(path).objects[\(index)]"
            if !EventValidator.allowedObjectTypes.contains(object.objectType) {
                add(
                    "\(objectPath).objectType",
                    "must be one of \(EventValidator.allowedObjectTypes.joined(separator: ", ")) (got \(quoted(object.objectType)))"
                )
            }
            requireText(object.objectId, "\(objectPath).objectId", maxLength: limits.maxShortTextLength)
        }
    }

    mutating func checkProperty(_ property: GenericProperty, _ path: String, limits: EventLimits) {
        requireText(property.name, "\(path).name", maxLength: limits.maxShortTextLength)
        let valuePath = "\(path).value"
        switch property.dataType {
        case "string":
            cap(property.value, valuePath, maxLength: limits.maxPropertyValueLength)
        case "number":
            if !EventValidator.isJSONNumber(property.value) {
                add(valuePath, "must be a JSON number like 3.14 for dataType number (got \(quoted(property.value)))")
            }
        case "url":
            checkURL(property.value, valuePath, limits: limits)
        case "date":
            checkTimestamp(property.value, valuePath)
        default:
            add(
                "\(path).dataType",
                "must be one of \(EventValidator.allowedDataTypes.joined(separator: ", ")) (got \(quoted(property.dataType)))"
            )
        }
    }

    /// A short quoted prefix of `value` for messages.
    func quoted(_ value: String) -> String {
        let limit = 80
        if value.count <= limit { return "\"\(value)\"" }
        return "\"\(value.prefix(limit))…\""
    }
}
