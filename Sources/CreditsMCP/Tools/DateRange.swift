import Foundation
import WireFormats

/// A tool argument `from`/`to` that could not be used; `message` is shown to the caller as is.
public struct DateRangeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `from` or `to`.
    public var parameter: String
    public var message: String
    public var description: String { message }

    public init(parameter: String, message: String) {
        self.parameter = parameter
        self.message = message
    }
}

/// The half-open time range `[from, to)` of a tool call, in whole Unix seconds (UTC).
public struct DateRange: Sendable, Equatable {
    public var from: Int64
    public var to: Int64

    /// `from` when no `from` is given: `to` minus seven days.
    public static let defaultSpanSeconds: Int64 = 7 * 86400

    public init(from: Int64, to: Int64) {
        self.from = from
        self.to = to
    }

    /// `from` as RFC 3339 (`2026-01-08T00:00:00Z`), e.g. for OpenMeter queries.
    public var fromRFC3339: String { RFC3339.format(seconds: from) }
    /// `to` as RFC 3339 (`2026-01-15T00:00:00Z`).
    public var toRFC3339: String { RFC3339.format(seconds: to) }

    /// Parses the tools' optional `from` and `to` arguments.
    ///
    /// Accepted: a date `2026-01-15` (00:00:00 UTC that day) or a date-time `2026-01-15T10:00:00Z`
    /// (`T` or a space, lower-case `t`/`z`, optional seconds, optional fraction which is dropped,
    /// offset `Z`, `+02:00`, `+0200` or `+02`; no offset means UTC). Absent or blank: `to` is `now`,
    /// `from` is `to` − 7 days. `from` must be before `to`.
    public static func parse(from: String?, to: String?, now: Int64) throws(DateRangeError) -> DateRange {
        let fromText = nonBlank(from)
        let toText = nonBlank(to)
        var fromValue: Int64?
        if let fromText {
            guard let value = parseTimestamp(fromText) else { throw invalid("from", fromText) }
            fromValue = value
        }
        var toValue: Int64?
        if let toText {
            guard let value = parseTimestamp(toText) else { throw invalid("to", toText) }
            toValue = value
        }
        let end = toValue ?? now
        let start = fromValue ?? end - defaultSpanSeconds
        guard start < end else {
            let toShown = toValue == nil
                ? "\(RFC3339.format(seconds: end)), which defaults to now"
                : RFC3339.format(seconds: end)
            throw DateRangeError(
                parameter: "from",
                message: "\"from\" (\(RFC3339.format(seconds: start))) must be before \"to\" (\(toShown)). "
                    + "Use e.g. \"from\": \"2026-01-08\" with \"to\": \"2026-01-15\".")
        }
        return DateRange(from: start, to: end)
    }

    /// `parse(from:to:now:)` with `now` as a `Date` (sub-second part dropped).
    public static func parse(from: String?, to: String?, now: Date = Date()) throws(DateRangeError) -> DateRange {
        try parse(from: from, to: to, now: Int64(now.timeIntervalSince1970.rounded(.down)))
    }

    /// One ISO 8601 date or date-time as whole Unix seconds (fraction dropped), or nil.
    public static func parseTimestamp(_ text: String) -> Int64? {
        guard let canonical = canonicalRFC3339(text), let parsed = RFC3339.parse(canonical) else { return nil }
        return parsed.seconds
    }

    // MARK: - Helpers

    private static func nonBlank(_ text: String?) -> String? {
        guard let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return trimmed
    }

    private static func invalid(_ parameter: String, _ text: String) -> DateRangeError {
        DateRangeError(
            parameter: parameter,
            message: "Invalid \"\(parameter)\": \"\(shown(text))\" is not an ISO 8601 date or date-time. "
                + "Use e.g. \"2026-01-15\" or \"2026-01-15T10:00:00Z\".")
    }

    /// The offending input, shortened and without control characters, for the error message.
    private static func shown(_ text: String) -> String {
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0.value < 0x20 || $0.value == 0x7F ? " " : $0
        }))
        return cleaned.count > 40 ? String(cleaned.prefix(40)) + "…" : cleaned
    }

    /// Rewrites the accepted ISO 8601 forms to the RFC 3339 grammar `RFC3339.parse` reads
    /// (`YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`); nil when the shape is wrong. Range checks
    /// (month, day, hour, …) are left to `RFC3339.parse`.
    static func canonicalRFC3339(_ text: String) -> String? {
        let b = Array(text.utf8)
        func isDigit(_ i: Int) -> Bool { i < b.count && b[i] >= 48 && b[i] <= 57 }
        func digits(_ start: Int, _ count: Int) -> Bool { (start..<(start + count)).allSatisfy(isDigit) }
        func slice(_ start: Int, _ end: Int) -> String { String(decoding: b[start..<end], as: UTF8.self) }

        guard b.count >= 10, digits(0, 4), b[4] == 45, digits(5, 2), b[7] == 45, digits(8, 2) else { return nil }
        let date = slice(0, 10)
        if b.count == 10 { return date + "T00:00:00Z" }
        guard b[10] == 84 || b[10] == 116 || b[10] == 32, digits(11, 2), b.count > 13, b[13] == 58, digits(14, 2)
        else { return nil }
        var time = slice(11, 16)
        var i = 16
        if i < b.count, b[i] == 58 {
            guard digits(i + 1, 2) else { return nil }
            time += slice(i, i + 3)
            i += 3
        } else {
            time += ":00"
        }
        if i < b.count, b[i] == 46 || b[i] == 44 {  // fraction, `.` or `,`
            let start = i + 1
            i = start
            while isDigit(i) { i += 1 }
            guard i > start else { return nil }
            time += "." + slice(start, i)
        }
        var zone = "Z"
        if i < b.count {
            switch b[i] {
            case 90, 122:  // Z z
                guard i + 1 == b.count else { return nil }
            case 43, 45:  // + -
                let sign = b[i] == 43 ? "+" : "-"
                let rest = b.count - i - 1
                if rest == 2, digits(i + 1, 2) {
                    zone = sign + slice(i + 1, i + 3) + ":00"
                } else if rest == 4, digits(i + 1, 4) {
                    zone = sign + slice(i + 1, i + 3) + ":" + slice(i + 3, i + 5)
                } else if rest == 5, digits(i + 1, 2), b[i + 3] == 58, digits(i + 4, 2) {
                    zone = sign + slice(i + 1, i + 6)
                } else {
                    return nil
                }
            default:
                return nil
            }
        }
        return date + "T" + time + zone
    }
}
