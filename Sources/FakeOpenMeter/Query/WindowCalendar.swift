import Foundation

/// Tumbling windows in a time zone, as OpenMeter aggregates them: MINUTE and HOUR by arithmetic
/// (aligned to the zone's offset at each instant), DAY and MONTH from local midnights, so DST days last 23 or 25 hours.
struct WindowCalendar {
    let size: WindowSize
    let timeZone: TimeZone

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The sub-hour part of the zone's UTC offset at an instant (5 h 30 min → 1800 s).
    func hourAlignment(at instant: Int64) -> Int64 {
        let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
        return ((offset % 3600) + 3600) % 3600
    }

    /// One alignment for all of [lower, upper), or nil when DST changes it inside the range.
    func hourAlignment(from lower: Int64, to upper: Int64) -> Int64? {
        let alignment = hourAlignment(at: lower)
        var cursor = Date(timeIntervalSince1970: TimeInterval(lower))
        let end = Date(timeIntervalSince1970: TimeInterval(upper))
        while let transition = timeZone.nextDaylightSavingTimeTransition(after: cursor), transition < end {
            if hourAlignment(at: Int64(transition.timeIntervalSince1970)) != alignment { return nil }
            cursor = transition
        }
        return alignment
    }

    /// Start of the local hour holding an instant, by that instant's own offset.
    func hourStart(containing instant: Int64) -> Int64 {
        let alignment = hourAlignment(at: instant)
        let shifted = instant + alignment
        let floored = shifted >= 0 ? shifted / 3600 * 3600 : (shifted - 3599) / 3600 * 3600
        return floored - alignment
    }

    /// Window starts covering [lower, upper), plus the end of the last window.
    func boundaries(from lower: Int64, to upper: Int64) -> [Int64] {
        let component: Calendar.Component = size == .day ? .day : .month
        let calendar = self.calendar
        let lowerDate = Date(timeIntervalSince1970: TimeInterval(lower))
        guard var current = calendar.dateInterval(of: component, for: lowerDate)?.start else { return [lower, upper] }
        var result = [Int64(current.timeIntervalSince1970)]
        while Int64(current.timeIntervalSince1970) < upper {
            guard let next = calendar.date(byAdding: component, value: 1, to: current) else { break }
            // Adding to a local midnight keeps midnight, across DST changes too.
            current = calendar.dateInterval(of: component, for: next)?.start ?? next
            result.append(Int64(current.timeIntervalSince1970))
        }
        return result
    }
}
