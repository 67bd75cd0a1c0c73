/// Gong's two call limits as a pure state machine: at most `perSecond` calls in any sliding one-second window and
/// at most `perDay` calls per UTC day. Times are seconds since the Unix epoch, passed in, so tests need no clock.
struct RateLimiter: Sendable {
    /// Calls per sliding second; 0 = unlimited.
    let perSecond: Int
    /// Calls per UTC day; 0 = unlimited.
    let perDay: Int
    private var recent: [Double] = []
    private var day: Int = -1
    private var dayCount = 0

    init(perSecond: Int, perDay: Int) {
        self.perSecond = perSecond
        self.perDay = perDay
    }

    /// Admits a call at `now` (and counts it), or returns the whole seconds to wait (at least 1).
    mutating func admit(now: Double) -> Int? {
        let today = Int((now / 86_400).rounded(.down))
        if today != day {
            day = today
            dayCount = 0
        }
        if perDay > 0 && dayCount >= perDay {
            let nextDay = Double(today + 1) * 86_400
            return max(1, Int((nextDay - now).rounded(.up)))
        }
        if perSecond > 0 {
            recent.removeAll { $0 <= now - 1 }
            if recent.count >= perSecond {
                let wait = recent[0] + 1 - now
                return max(1, Int(wait.rounded(.up)))
            }
            recent.append(now)
        }
        dayCount += 1
        return nil
    }
}
