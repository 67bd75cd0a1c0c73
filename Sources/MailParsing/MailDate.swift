import Foundation

/// An instant together with the UTC offset the message's author wrote it in.
public struct MailDate: Sendable, Hashable, Codable {
    /// Seconds since 1970-01-01T00:00:00Z.
    public var unixTime: Int64
    /// The original offset from UTC in seconds (`-0700` is `-25200`).
    public var utcOffsetSeconds: Int

    /// Creates a date from an instant and its original offset.
    public init(unixTime: Int64, utcOffsetSeconds: Int) {
        self.unixTime = unixTime
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    /// The instant as a Foundation `Date`.
    public var date: Date { Date(timeIntervalSince1970: TimeInterval(unixTime)) }

    /// ISO-8601 with the original offset and no fractions, e.g. `2001-05-10T12:50:00-07:00`.
    public var iso8601: String {
        var local = time_t(unixTime + Int64(utcOffsetSeconds))
        var parts = tm()
        gmtime_r(&local, &parts)
        let sign = utcOffsetSeconds < 0 ? "-" : "+"
        let magnitude = abs(utcOffsetSeconds)
        let fields = [
            Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min),
            Int(parts.tm_sec), magnitude / 3600, (magnitude % 3600) / 60,
        ]
        guard fields.allSatisfy({ $0 >= 0 }) else {
            return String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d%@%02d:%02d", fields[0], fields[1], fields[2], fields[3],
                fields[4], fields[5], sign, fields[6], fields[7])
        }
        // `String(format: "%04d-%02d-%02dT%02d:%02d:%02d%@%02d:%02d", …)` for non-negative fields, without
        // Foundation's formatter (the costliest step of building an event).
        var text = ""
        text.reserveCapacity(25)
        func append(_ value: Int, width: Int) {
            let digits = String(value)
            if digits.utf8.count < width { text += String(repeating: "0", count: width - digits.utf8.count) }
            text += digits
        }
        append(fields[0], width: 4)
        for (index, separator) in ["-", "-", "T", ":", ":"].enumerated() {
            text += separator
            append(fields[index + 1], width: 2)
        }
        text += sign
        append(fields[6], width: 2)
        text += ":"
        append(fields[7], width: 2)
        return text
    }
}

extension MailDate {
    /// Parses the date of an mbox `From ` line (`From sender Thu May 10 12:50:00 2001`, asctime, taken as UTC).
    ///
    /// Returns `nil` when the line carries no recognisable date.
    public static func parseMboxFromLine(_ line: some Collection<UInt8>) -> MailDate? {
        let text = String(decoding: line, as: UTF8.self)
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" })
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        // Find "<Mon> <day> <hh:mm[:ss]> <year>" anywhere after the sender.
        guard words.count >= 5 else { return nil }
        for start in 1..<words.count {
            guard start + 3 < words.count,
                let month = months.firstIndex(of: words[start].lowercased()),
                let day = Int(words[start + 1]), (1...31).contains(day)
            else { continue }
            let clock = words[start + 2].split(separator: ":").compactMap { Int($0) }
            // Clock fields must fit the C struct: `11:0233333333333:13` used to trap in the Int32 conversion
            // (found by fuzz-mbox); such a line simply has no date here.
            guard clock.count >= 2, let year = Int(words[start + 3]), (1970...9999).contains(year),
                let hour = Int32(exactly: clock[0]), let minute = Int32(exactly: clock[1]),
                let second = Int32(exactly: clock.count > 2 ? clock[2] : 0)
            else { continue }
            var parts = tm()
            parts.tm_year = Int32(year - 1900)
            parts.tm_mon = Int32(month)
            parts.tm_mday = Int32(day)
            parts.tm_hour = hour
            parts.tm_min = minute
            parts.tm_sec = second
            let seconds = timegm(&parts)
            return MailDate(unixTime: Int64(seconds), utcOffsetSeconds: 0)
        }
        return nil
    }
}
