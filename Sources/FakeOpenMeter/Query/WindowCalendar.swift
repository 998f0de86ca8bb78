import Foundation

/// Tumbling windows in a time zone, as OpenMeter aggregates them: MINUTE and HOUR by arithmetic
/// (aligned to the zone's offset), DAY and MONTH from local midnights, so DST days last 23 or 25 hours.
struct WindowCalendar {
    let size: WindowSize
    let timeZone: TimeZone

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The fixed length of arithmetic windows and their alignment offset, or nil for calendar windows.
    func arithmetic(near instant: Int64) -> (length: Int64, alignment: Int64)? {
        switch size {
        case .minute: return (60, 0)
        case .hour:
            let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
            return (3600, ((offset % 3600) + 3600) % 3600)
        case .day, .month: return nil
        }
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
