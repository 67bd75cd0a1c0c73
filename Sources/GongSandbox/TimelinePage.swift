import GongEngagement

/// Renders stored events as Gong's activity timeline would show them: grouped by day (UTC), newest first.
///
/// Server-side HTML5 with inline CSS, no scripts and no external assets. Every value from an event is escaped;
/// `contentUrl` becomes a link only when it is `http` or `https`.
public enum TimelinePage {
    /// Characters of the message body shown in the preview.
    public static let previewLength = 300

    /// The whole page for `events` (in any order) with `filter` applied.
    public static func render(events: [StoredEvent], filter: TimelineFilter) -> String {
        let shown = events.filter { filter.matches($0.event) }
        let dated = shown.map { (stored: $0, epoch: EventTime.epochSeconds($0.event.eventTimestamp)) }
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
                ? "<p class=\"empty\">No events yet. <code>PUT /v2/customer-engagement/content/shared</code> "
                    + "to add one.</p>\n"
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
            <header><h1>Activity timeline</h1><p class="sub">Gong sandbox · content shared events · \(count) · \
            times in UTC</p></header>
            <main>

            """
    }

    private static func form(events: [StoredEvent], filter: TimelineFilter) -> String {
        let sharers = Set(events.compactMap { $0.event.sharer?.email?.lowercased() }).sorted()
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
        let event = stored.event
        let action = event.actionName.flatMap { $0.isEmpty ? nil : $0 } ?? "Content Shared"
        let time = epoch.map { EventTime.clock($0) } ?? "—"
        let provider = event.contentProperties?.first { $0.name.lowercased() == "provider" }?.value
        let contentType = event.contentProperties?.first { $0.name.lowercased() == "contenttype" }?.value
        var html = "<li class=\"event\" data-event-id=\"\(HTMLText.escape(event.eventId ?? ""))\">\n"
        html += "<time datetime=\"\(HTMLText.escape(event.eventTimestamp))\" "
        html += "title=\"\(HTMLText.escape(event.eventTimestamp))\">\(time)</time>\n"
        html += "<div class=\"card\">\n<div class=\"action\">\(HTMLText.escape(action))"
        if let provider, !provider.isEmpty {
            html += " <span class=\"provider\">\(HTMLText.escape(provider))</span>"
        }
        if let contentType, !contentType.isEmpty {
            html += " <span class=\"kind\">\(HTMLText.escape(contentType))</span>"
        }
        html += "</div>\n"
        let title = HTMLText.escape(event.contentTitle)
        if isWebURL(event.contentUrl) {
            html += "<a class=\"title\" href=\"\(HTMLText.escape(event.contentUrl))\" rel=\"noopener noreferrer\">"
            html += "\(title)</a>\n"
        } else {
            html += "<span class=\"title\">\(title)</span>\n"
        }
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
        html += "<p class=\"meta\">\(HTMLText.escape(event.reportingSystem)) · "
        html += "<code>\(HTMLText.escape(event.contentId))</code> · requestId "
        html += "<code>\(HTMLText.escape(stored.requestId))</code></p>\n"
        html += "</div>\n</li>\n"
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
        .empty { color: var(--muted); }
        """
}
