import GongEngagement

/// Renders stored events as Gong's activity timeline would show them: grouped by day (UTC), newest first, events
/// of both APIs together, each card badged with its API ("content shared" or "digital interaction").
///
/// Server-side HTML5 with inline CSS, no scripts and no external assets. Every value from an event is escaped;
/// `contentUrl` becomes a link only when it is `http` or `https`.
public enum TimelinePage {
    /// Characters of the message body shown in the preview.
    public static let previewLength = 300

    /// The whole page for `events` (in any order) with `filter` applied.
    public static func render(events: [StoredEvent], filter: TimelineFilter) -> String {
        let shown = events.filter { filter.matches($0.event) }
        let dated = shown.map { (stored: $0, epoch: EventTime.epochSeconds($0.timestamp)) }
            .sorted { left, right in
                switch (left.epoch, right.epoch) {
                case (let l?, let r?) where l != r: return l > r
                case (nil, _?): return false
                case (_?, nil): return true
                default: return left.stored.receivedAt > right.stored.receivedAt
                }
            }
        var html = head(total: events.count, shown: shown.count)
        html += form(events: events, filter: filter)
        if dated.isEmpty {
            html +=
                events.isEmpty
                ? "<p class=\"empty\">No events yet. <code>PUT \(GongAPI.contentShared.path)</code> or "
                    + "<code>POST \(GongAPI.digitalInteraction.path)</code> to add one.</p>\n"
                : "<p class=\"empty\">No events match these filters.</p>\n"
        }
        var currentDay: Int?? = .none
        for item in dated {
            let day = item.epoch.map(EventTime.dayNumber)
            if currentDay != .some(day) {
                if currentDay != nil { html += "</ol>\n</section>\n" }
                let heading = day.map(EventTime.dayHeading) ?? "Unknown date"
                let dayAttribute = day.map(EventTime.isoDay) ?? "unknown"
                html += "<section class=\"day\" data-day=\"\(dayAttribute)\">\n<h2>\(HTMLText.escape(heading))</h2>\n"
                html += "<ol class=\"timeline\">\n"
                currentDay = .some(day)
            }
            html += row(item.stored, epoch: item.epoch)
        }
        if currentDay != nil { html += "</ol>\n</section>\n" }
        html += "</main>\n</body>\n</html>\n"
        return html
    }

    private static func head(total: Int, shown: Int) -> String {
        let count = shown == total ? "\(total) event\(total == 1 ? "" : "s")" : "\(shown) of \(total) events"
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Gong sandbox · activity timeline</title>
            <style>
            \(css)
            </style>
            </head>
            <body>
            <header><h1>Activity timeline</h1><p class="sub">Gong sandbox · content shared and digital interaction \
            events · \(count) · times in UTC</p></header>
            <main>

            """
    }

    private static func form(events: [StoredEvent], filter: TimelineFilter) -> String {
        let sharers = Set(events.compactMap { TimelineFilter.sharerEmail(of: $0.event)?.lowercased() }).sorted()
        var html = "<form class=\"filters\" method=\"get\" action=\"/\">\n"
        html += "<label>Sharer <select name=\"sharer\">\n<option value=\"\">All sharers</option>\n"
        for sharer in sharers {
            let selected = sharer == filter.sharer ? " selected" : ""
            html += "<option value=\"\(HTMLText.escape(sharer))\"\(selected)>\(HTMLText.escape(sharer))</option>\n"
        }
        if !filter.sharer.isEmpty && !sharers.contains(filter.sharer) {
            let value = HTMLText.escape(filter.sharer)
            html += "<option value=\"\(value)\" selected>\(value)</option>\n"
        }
        html += "</select></label>\n"
        html += "<label>Recipient domain <input type=\"text\" name=\"domain\" placeholder=\"example.com\" "
        html += "value=\"\(HTMLText.escape(filter.recipientDomain))\"></label>\n"
        html += "<button type=\"submit\">Filter</button> <a href=\"/\">Clear</a>\n</form>\n"
        return html
    }

    private static func row(_ stored: StoredEvent, epoch: Int64?) -> String {
        let time = epoch.map { EventTime.clock($0) } ?? "—"
        let eventId = stored.event.eventId
        var html =
            "<li class=\"event\" data-event-id=\"\(HTMLText.escape(eventId))\" data-api=\"\(stored.api.rawValue)\">\n"
        html += "<time datetime=\"\(HTMLText.escape(stored.timestamp))\" "
        html += "title=\"\(HTMLText.escape(stored.timestamp))\">\(time)</time>\n"
        html += "<div class=\"card\">\n"
        let rendered =
            switch stored.event {
            case .contentShared(let event): Self.card(event)
            case .digitalInteraction(let event): Self.card(event)
            }
        html += rendered.body
        let meta = rendered.meta + ["requestId <code>\(HTMLText.escape(stored.requestId))</code>"]
        html += "<p class=\"meta\">\(meta.joined(separator: " · "))</p>\n"
        html += "</div>\n</li>\n"
        return html
    }

    /// A content-shared card: its body, and the items of its `meta` line (escaped HTML).
    private static func card(_ event: ContentSharedEvent) -> (body: String, meta: [String]) {
        let action = event.actionName.flatMap { $0.isEmpty ? nil : $0 } ?? "Content Shared"
        let provider = event.contentProperties?.first { $0.name.lowercased() == "provider" }?.value
        let contentType = event.contentProperties?.first { $0.name.lowercased() == "contenttype" }?.value
        var html = actionLine(action, provider: provider, contentType: contentType, api: .contentShared)
        html += title(event.contentTitle, url: event.contentUrl)
        html += "<dl>\n"
        if let sharer = event.sharer, sharer.email != nil || sharer.name != nil {
            html += "<dt>Shared by</dt><dd class=\"sharer\">\(person(name: sharer.name, email: sharer.email))</dd>\n"
        }
        let recipients = (event.recipients ?? []).map { person(name: $0.name, email: $0.email) }
        if !recipients.isEmpty {
            html += "<dt>To</dt><dd class=\"recipients\">\(recipients.joined(separator: ", "))</dd>\n"
        }
        if let subject = event.sharingMessageSubject, !subject.isEmpty {
            html += "<dt>Subject</dt><dd class=\"subject\">\(HTMLText.escape(subject))</dd>\n"
        }
        html += "</dl>\n"
        if let body = event.sharingMessageBody {
            let preview = HTMLText.truncate(HTMLText.plainText(fromHTML: body), to: previewLength)
            if !preview.isEmpty { html += "<p class=\"preview\">\(HTMLText.escape(preview))</p>\n" }
        }
        return (html, [HTMLText.escape(event.reportingSystem), "<code>\(HTMLText.escape(event.contentId))</code>"])
    }

    /// A digital-interaction card and its `meta` items: `eventType`, the content, the
    /// sharer (custom fields `sharerName`, `sharerEmail`), the person and their company, the subject (custom field
    /// `messageSubject`), then every custom field of the event, the content and the person.
    private static func card(_ event: DigitalInteractionEvent) -> (body: String, meta: [String]) {
        let provider =
            TimelineFilter.customField("provider", of: event)
            ?? event.content.contentLabel?.first.flatMap { $0.isEmpty ? nil : $0 }
        let contentType = event.content.contentCustomFields?.first { $0.name.lowercased() == "contenttype" }?.value
        let action = event.eventType.isEmpty ? "Digital Interaction" : event.eventType
        var html = actionLine(action, provider: provider, contentType: contentType, api: .digitalInteraction)
        html += title(event.content.contentTitle, url: event.content.contentUrl ?? "")
        html += "<dl>\n"
        let sharerName = TimelineFilter.customField("sharerName", of: event)
        let sharerEmail = TimelineFilter.sharerEmail(of: event)
        if sharerName != nil || sharerEmail != nil {
            html += "<dt>Shared by</dt><dd class=\"sharer\">\(person(name: sharerName, email: sharerEmail))</dd>\n"
        }
        let someone = event.person
        var personHTML = person(name: someone.name, email: someone.email)
        if someone.name == nil && someone.email == nil, let personId = someone.personId, !personId.isEmpty {
            personHTML = "<code>\(HTMLText.escape(personId))</code>"
        }
        if let company = someone.company, let label = companyLabel(company) {
            personHTML += " · <span class=\"company\">\(label)</span>"
        }
        html += "<dt>Person</dt><dd class=\"person\">\(personHTML)</dd>\n"
        if let subject = TimelineFilter.customField("messageSubject", of: event) {
            html += "<dt>Subject</dt><dd class=\"subject\">\(HTMLText.escape(subject))</dd>\n"
        }
        html += "</dl>\n"
        html += fields("Custom fields", event.customFields)
        html += fields("Content fields", event.content.contentCustomFields)
        html += fields("Person fields", someone.personCustomFields)
        var meta = [HTMLText.escape(event.sourceSystemName ?? "(no sourceSystemName)")]
        if let contentId = event.content.contentId { meta.append("<code>\(HTMLText.escape(contentId))</code>") }
        if let sessionId = event.sessionId { meta.append("session <code>\(HTMLText.escape(sessionId))</code>") }
        if let device = event.device { meta.append(HTMLText.escape(device)) }
        return (html, meta)
    }

    /// The action line: action name, provider, content type, and the API badge.
    private static func actionLine(_ action: String, provider: String?, contentType: String?, api: GongAPI) -> String {
        var html = "<div class=\"action\">\(HTMLText.escape(action))"
        if let provider, !provider.isEmpty {
            html += " <span class=\"provider\">\(HTMLText.escape(provider))</span>"
        }
        if let contentType, !contentType.isEmpty {
            html += " <span class=\"kind\">\(HTMLText.escape(contentType))</span>"
        }
        html += " <span class=\"api api-\(api.rawValue)\">\(badge(api))</span>"
        html += "</div>\n"
        return html
    }

    /// The badge text of an API.
    static func badge(_ api: GongAPI) -> String {
        switch api {
        case .contentShared: "content shared"
        case .digitalInteraction: "digital interaction"
        }
    }

    /// The content title, linked when the URL is a web URL.
    private static func title(_ title: String, url: String) -> String {
        let text = HTMLText.escape(title)
        guard isWebURL(url) else { return "<span class=\"title\">\(text)</span>\n" }
        return "<a class=\"title\" href=\"\(HTMLText.escape(url))\" rel=\"noopener noreferrer\">\(text)</a>\n"
    }

    /// "Acme (acme.com)", "acme.com" or "Acme", escaped; `nil` when the company has neither.
    private static func companyLabel(_ company: DigitalInteractionEvent.Company) -> String? {
        let name = company.name.flatMap { $0.isEmpty ? nil : $0 }
        let domain = company.domain.flatMap { $0.isEmpty ? nil : $0 }
        switch (name, domain) {
        case (let name?, let domain?): return "\(HTMLText.escape(name)) (\(HTMLText.escape(domain)))"
        case (let name?, nil): return HTMLText.escape(name)
        case (nil, let domain?): return HTMLText.escape(domain)
        case (nil, nil): return nil
        }
    }

    /// A titled list of custom fields, `name` → `value` (with the `dataType` when not `STRING`); empty for none.
    private static func fields(_ heading: String, _ fields: [DigitalInteractionEvent.CustomField]?) -> String {
        guard let fields, !fields.isEmpty else { return "" }
        var html = "<div class=\"fields\"><span class=\"fields-title\">\(HTMLText.escape(heading))</span><dl>\n"
        for field in fields {
            html += "<dt>\(HTMLText.escape(field.name))</dt><dd>\(HTMLText.escape(field.value))"
            if let type = field.dataType, type != "STRING" {
                html += " <span class=\"type\">\(HTMLText.escape(type))</span>"
            }
            html += "</dd>\n"
        }
        html += "</dl></div>\n"
        return html
    }

    private static func person(name: String?, email: String?) -> String {
        let name = name.flatMap { $0.isEmpty ? nil : $0 }
        switch (name, email) {
        case (let name?, let email?):
            return "\(HTMLText.escape(name)) <span class=\"email\">&lt;\(HTMLText.escape(email))&gt;</span>"
        case (let name?, nil): return HTMLText.escape(name)
        case (nil, let email?): return "<span class=\"email\">\(HTMLText.escape(email))</span>"
        case (nil, nil): return "(unknown)"
        }
    }

    private static func isWebURL(_ url: String) -> Bool {
        let lower = url.lowercased()
        return lower.hasPrefix("https://") || lower.hasPrefix("http://")
    }

    private static let css = """
        :root { color-scheme: light; --ink: #1f2430; --muted: #6b7280; --line: #d8dce6; --accent: #7a2ff5; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
               color: var(--ink); background: #f5f6fa; }
        header { background: #fff; border-bottom: 1px solid var(--line); padding: 16px 32px; }
        h1 { margin: 0; font-size: 22px; }
        .sub { margin: 2px 0 0; color: var(--muted); font-size: 13px; }
        main { max-width: 980px; margin: 0 auto; padding: 16px 32px 48px; }
        .filters { display: flex; gap: 16px; align-items: end; flex-wrap: wrap; background: #fff;
                   border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin-bottom: 8px; }
        .filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 4px; }
        .filters select, .filters input { font: inherit; padding: 4px 8px; min-width: 220px; }
        .filters button { font: inherit; padding: 5px 14px; background: var(--accent); color: #fff; border: 0;
                          border-radius: 6px; }
        h2 { font-size: 14px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted);
             margin: 24px 0 8px; }
        ol.timeline { list-style: none; margin: 0; padding: 0 0 0 72px; position: relative; }
        ol.timeline::before { content: ""; position: absolute; left: 60px; top: 4px; bottom: 4px; width: 2px;
                              background: var(--line); }
        li.event { position: relative; margin: 0 0 12px; }
        li.event::before { content: ""; position: absolute; left: -17px; top: 16px; width: 12px; height: 12px;
                           border-radius: 50%; background: var(--accent); border: 2px solid #f5f6fa; }
        li.event time { position: absolute; left: -72px; top: 12px; width: 44px; text-align: right;
                        font-size: 13px; color: var(--muted); font-variant-numeric: tabular-nums; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
        .action { font-size: 12px; font-weight: 600; color: var(--accent); text-transform: uppercase;
                  letter-spacing: .03em; }
        .provider, .kind { font-weight: 500; text-transform: none; letter-spacing: 0; color: var(--ink);
                           background: #eef0f6; border-radius: 10px; padding: 1px 8px; margin-left: 6px; }
        a.title, span.title { display: inline-block; margin: 4px 0 6px; font-size: 17px; font-weight: 600;
                              color: #1a56db; text-decoration: none; }
        a.title:hover { text-decoration: underline; }
        dl { display: grid; grid-template-columns: 84px 1fr; gap: 2px 8px; margin: 0; font-size: 14px; }
        dt { color: var(--muted); }
        dd { margin: 0; }
        .email { color: var(--muted); }
        .preview { margin: 8px 0 0; padding: 8px 12px; background: #f8f9fc; border-left: 3px solid var(--line);
                   color: #374151; font-size: 14px; }
        .meta { margin: 8px 0 0; font-size: 12px; color: var(--muted); }
        .api { float: right; font-weight: 600; text-transform: none; letter-spacing: 0; border-radius: 10px;
               padding: 1px 8px; font-size: 11px; }
        .api-content-shared { color: #1d4ed8; background: #e0eaff; }
        .api-digital-interaction { color: #047857; background: #d9f5ea; }
        .company { color: var(--muted); }
        .fields { margin: 8px 0 0; font-size: 12px; }
        .fields-title { color: var(--muted); text-transform: uppercase; letter-spacing: .03em; font-size: 11px; }
        .fields dl { grid-template-columns: repeat(2, max-content minmax(0, 1fr)); gap: 1px 12px; font-size: 12px;
                     margin-top: 2px; }
        .fields dd { overflow-wrap: anywhere; }
        .type { color: var(--muted); font-size: 10px; border: 1px solid var(--line); border-radius: 4px;
                padding: 0 4px; }
        .empty { color: var(--muted); }
        """
}
