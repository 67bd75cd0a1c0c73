extension EventValidator {
    /// The `dataType` values of a digital interaction's `CustomField` (Gong's 2024-11 schema).
    public static let allowedCustomFieldTypes: [String] = ["STRING", "NUMBER", "DATE", "URL", "BOOLEAN", "DURATION"]
    /// The `device` values of a digital interaction.
    public static let allowedDevices: [String] = ["MOBILE", "PC"]
    /// The `objectType` values of a person's business context.
    public static let allowedPersonObjectTypes: [String] = ["CONTACT", "LEAD"]
    /// The `objectType` values of a company's business context.
    public static let allowedCompanyObjectTypes: [String] = ["ACCOUNT", "OPPORTUNITY"]

    /// Returns every issue of a digital interaction; empty when it is fit to send.
    ///
    /// Rules (Gong's `DigitalInteractionRequest`, see docs/delivery.md): `eventId`, `timestamp`, `eventType` and
    /// `content.contentTitle` are present and not blank; `timestamp` and `DATE` values are ISO-8601 with an offset;
    /// URLs are absolute `http`/`https`; `device` and the business contexts' `objectType`s are one of Gong's
    /// values; the `person` is known by something (a name, email, phone number, CRM context or `personId`, or
    /// else their company's domain or CRM context), and an email is plausible; every custom field has a name, a
    /// value and a `dataType` its value agrees with. Sizes stay within `EventLimits`.
    public static func validate(_ event: DigitalInteractionEvent, limits: EventLimits = .default) -> [ValidationIssue] {
        var issues = IssueList()
        issues.requireText(event.eventId, "eventId", maxLength: limits.maxShortTextLength)
        if issues.requireNonBlank(event.timestamp, "timestamp") {
            issues.checkTimestamp(event.timestamp, "timestamp")
        }
        issues.requireText(event.eventType, "eventType", maxLength: limits.maxShortTextLength)
        issues.optionalText(event.sourceSystemName, "sourceSystemName", maxLength: limits.maxShortTextLength)
        issues.optionalText(event.sessionId, "sessionId", maxLength: limits.maxShortTextLength)
        if let device = event.device, !allowedDevices.contains(device) {
            issues.add(
                "device", "must be one of \(allowedDevices.joined(separator: ", ")) (got \(issues.quoted(device)))")
        }

        let content = event.content
        issues.optionalText(content.contentId, "content.contentId", maxLength: limits.maxShortTextLength)
        issues.requireText(content.contentTitle, "content.contentTitle", maxLength: limits.maxTitleLength)
        if let url = content.contentUrl { issues.checkURL(url, "content.contentUrl", limits: limits) }
        if let url = content.contentAdditionalInfoUrl {
            issues.checkURL(url, "content.contentAdditionalInfoUrl", limits: limits)
        }
        for (index, label) in (content.contentLabel ?? []).enumerated() {
            issues.requireText(label, "content.contentLabel[\(index)]", maxLength: limits.maxShortTextLength)
        }
        issues.checkCustomFields(content.contentCustomFields, "content.contentCustomFields", limits: limits)

        issues.checkPerson(event.person, limits: limits)
        issues.checkCustomFields(event.customFields, "customFields", limits: limits)
        return issues.items
    }
}

extension IssueList {
    mutating func checkPerson(_ person: DigitalInteractionEvent.Person, limits: EventLimits) {
        let known =
            [person.name, person.email, person.phoneNumber, person.personId].contains {
                !($0 ?? "").allSatisfy(\.isWhitespace)
            }
            || person.personBusinessContext != nil
        let company = person.company
        let companyKnown =
            !(company?.domain ?? "").allSatisfy(\.isWhitespace) || !(company?.companyBusinessContexts ?? []).isEmpty
        if !known && !companyKnown {
            add(
                "person",
                "needs a name, email, phoneNumber, personBusinessContext or personId, or a company with a domain "
                    + "or companyBusinessContexts")
        }
        cap(person.name, "person.name", maxLength: limits.maxShortTextLength)
        if let email = person.email { checkEmail(email, "person.email", limits: limits) }
        optionalText(person.phoneNumber, "person.phoneNumber", maxLength: limits.maxShortTextLength)
        optionalText(person.personId, "person.personId", maxLength: limits.maxShortTextLength)
        if let context = person.personBusinessContext {
            checkBusinessContext(
                context, "person.personBusinessContext", allowed: EventValidator.allowedPersonObjectTypes,
                limits: limits)
        }
        if let company {
            optionalText(company.companyId, "person.company.companyId", maxLength: limits.maxShortTextLength)
            cap(company.name, "person.company.name", maxLength: limits.maxShortTextLength)
            if let domain = company.domain, let problem = Self.domainProblem(domain) {
                add("person.company.domain", "\(problem) (got \(quoted(domain)))")
            }
            let contexts = company.companyBusinessContexts ?? []
            checkCount(contexts.count, "person.company.companyBusinessContexts", max: limits.maxContextEntries)
            for (index, context) in contexts.enumerated() {
                checkBusinessContext(
                    context, "person.company.companyBusinessContexts[\(index)]",
                    allowed: EventValidator.allowedCompanyObjectTypes, limits: limits)
            }
        }
        checkCustomFields(person.personCustomFields, "person.personCustomFields", limits: limits)
    }

    mutating func checkBusinessContext(
        _ context: DigitalInteractionEvent.BusinessContext, _ path: String, allowed: [String], limits: EventLimits
    ) {
        if !allowed.contains(context.objectType) {
            add(
                "\(path).objectType",
                "must be one of \(allowed.joined(separator: ", ")) (got \(quoted(context.objectType)))")
        }
        requireText(context.objectId, "\(path).objectId", maxLength: limits.maxShortTextLength)
        optionalText(context.systemName, "\(path).systemName", maxLength: limits.maxShortTextLength)
    }

    mutating func checkCustomFields(
        _ fields: [DigitalInteractionEvent.CustomField]?, _ path: String, limits: EventLimits
    ) {
        guard let fields else { return }
        checkCount(fields.count, path, max: limits.maxProperties)
        for (index, field) in fields.enumerated() {
            let fieldPath = "\(path)[\(index)]"
            requireText(field.name, "\(fieldPath).name", maxLength: limits.maxShortTextLength)
            let valuePath = "\(fieldPath).value"
            guard requireNonBlank(field.value, valuePath) else { continue }
            switch field.dataType ?? "STRING" {
            case "STRING":
                cap(field.value, valuePath, maxLength: limits.maxPropertyValueLength)
            case "NUMBER":
                if !EventValidator.isJSONNumber(field.value) {
                    add(valuePath, "must be a number like 3.14 for dataType NUMBER (got \(quoted(field.value)))")
                }
            case "DURATION":
                if !EventValidator.isJSONNumber(field.value) || field.value.hasPrefix("-") {
                    add(
                        valuePath,
                        "must be a number of seconds, not negative, for dataType DURATION (got \(quoted(field.value)))")
                }
            case "URL":
                checkURL(field.value, valuePath, limits: limits)
            case "DATE":
                checkTimestamp(field.value, valuePath)
            case "BOOLEAN":
                if field.value != "true" && field.value != "false" {
                    add(valuePath, "must be true or false for dataType BOOLEAN (got \(quoted(field.value)))")
                }
            default:
                add(
                    "\(fieldPath).dataType",
                    "must be one of \(EventValidator.allowedCustomFieldTypes.joined(separator: ", ")) "
                        + "(got \(quoted(field.dataType ?? "")))")
            }
        }
    }

    /// Why `domain` is not a plausible DNS domain (`acme.com`), or `nil`.
    static func domainProblem(_ domain: String) -> String? {
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, domain.utf8.count <= 253 else { return "must be a domain such as acme.com" }
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63,
                label.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || $0 >= 0x80 || isAlphanumericByte($0) }),
                label.first != "-", label.last != "-"
            else { return "must be a domain such as acme.com" }
        }
        return nil
    }

    private static func isAlphanumericByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}
