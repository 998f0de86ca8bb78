import Testing
@testable import CreditsMCP

@Suite struct DateRangeTests {
    // 2026-01-15T10:00:00Z
    let now: Int64 = 1_768_471_200

    @Test func dateOnlyIsMidnightUTC() throws {
        #expect(DateRange.parseTimestamp("2026-01-15") == 1_768_435_200)
    }

    @Test(arguments: [
        ("2026-01-15T10:00:00Z", Int64(1_768_471_200)),
        ("2026-01-15t10:00:00z", 1_768_471_200),
        ("2026-01-15 10:00:00Z", 1_768_471_200),
        ("2026-01-15T10:00:00.999Z", 1_768_471_200),
        ("2026-01-15T10:00:00,5Z", 1_768_471_200),
        ("2026-01-15T12:00:00+02:00", 1_768_471_200),
        ("2026-01-15T12:00:00+0200", 1_768_471_200),
        ("2026-01-15T12:00:00+02", 1_768_471_200),
        ("2026-01-15T05:00:00-05:00", 1_768_471_200),
        ("2026-01-15T05:00:00-0500", 1_768_471_200),
        ("2026-01-15T10:00Z", 1_768_471_200),
        ("2026-01-15T10:00:00", 1_768_471_200),
        ("2026-01-15T10:00", 1_768_471_200),
    ])
    func dateTimes(text: String, expected: Int64) {
        #expect(DateRange.parseTimestamp(text) == expected, "\(text)")
    }

    @Test(arguments: [
        "yesterday", "", "2026-1-15", "2026-01-32", "2026-02-30", "2026-13-01", "2026-01-15T25:00:00Z",
        "2026-01-15T10:00:00+2", "2026-01-15T10:00:00Zjunk", "2026-01-15T10", "2026-01-15T10:00:00.Z",
        "15.01.2026", "1768471200",
    ])
    func rejected(text: String) {
        #expect(DateRange.parseTimestamp(text) == nil, "\(text)")
    }

    @Test func defaults() throws {
        let range = try DateRange.parse(from: nil, to: nil, now: now)
        #expect(range.to == now)
        #expect(range.from == now - 7 * 86400)
        #expect(range.fromRFC3339 == "2026-01-08T10:00:00Z")
        #expect(range.toRFC3339 == "2026-01-15T10:00:00Z")
    }

    @Test func blankCountsAsAbsent() throws {
        let range = try DateRange.parse(from: "  ", to: "", now: now)
        #expect(range == DateRange(from: now - 7 * 86400, to: now))
    }

    @Test func fromDefaultsToSevenDaysBeforeTo() throws {
        let range = try DateRange.parse(from: nil, to: "2026-01-10", now: now)
        #expect(range.fromRFC3339 == "2026-01-03T00:00:00Z")
        #expect(range.toRFC3339 == "2026-01-10T00:00:00Z")
    }

    @Test func explicitRange() throws {
        let range = try DateRange.parse(from: "2026-01-01", to: "2026-01-15T10:00:00.5Z", now: now)
        #expect(range.fromRFC3339 == "2026-01-01T00:00:00Z")
        #expect(range.toRFC3339 == "2026-01-15T10:00:00Z")
    }

    @Test func invalidFromMessage() {
        let error = #expect(throws: DateRangeError.self) { try DateRange.parse(from: "yesterday", to: nil, now: now) }
        #expect(error?.parameter == "from")
        #expect(error?.message == #"Invalid "from": "yesterday" is not an ISO 8601 date or date-time. Use e.g. "2026-01-15" or "2026-01-15T10:00:00Z"."#)
    }

    @Test func invalidToMessage() {
        // Seconds and offset are optional: a bare local-looking time is read as UTC.
        let accepted = try? DateRange.parse(from: "2026-01-01", to: "2026-01-15T10:00", now: now)
        #expect(accepted?.toRFC3339 == "2026-01-15T10:00:00Z")
        let bad = #expect(throws: DateRangeError.self) { try DateRange.parse(from: nil, to: "next week", now: now) }
        #expect(bad?.parameter == "to")
        #expect(bad?.message == #"Invalid "to": "next week" is not an ISO 8601 date or date-time. Use e.g. "2026-01-15" or "2026-01-15T10:00:00Z"."#)
    }

    @Test func fromIsReportedBeforeTo() {
        let error = #expect(throws: DateRangeError.self) { try DateRange.parse(from: "x", to: "y", now: now) }
        #expect(error?.parameter == "from")
    }

    @Test func longOrControlInputIsShortenedInMessage() {
        let error = #expect(throws: DateRangeError.self) {
            try DateRange.parse(from: String(repeating: "a", count: 100) + "\n", to: nil, now: now)
        }
        #expect(error?.message == "Invalid \"from\": \"" + String(repeating: "a", count: 40)
            + "…\" is not an ISO 8601 date or date-time. Use e.g. \"2026-01-15\" or \"2026-01-15T10:00:00Z\".")
    }

    @Test func fromAfterToMessage() {
        let error = #expect(throws: DateRangeError.self) {
            try DateRange.parse(from: "2026-02-01", to: "2026-01-01T00:00:00Z", now: now)
        }
        #expect(error?.parameter == "from")
        #expect(error?.message == #""from" (2026-02-01T00:00:00Z) must be before "to" (2026-01-01T00:00:00Z). Use e.g. "from": "2026-01-08" with "to": "2026-01-15"."#)
    }

    @Test func fromEqualToIsRejected() {
        let error = #expect(throws: DateRangeError.self) {
            try DateRange.parse(from: "2026-01-01", to: "2026-01-01T00:00:00Z", now: now)
        }
        #expect(error?.message == #""from" (2026-01-01T00:00:00Z) must be before "to" (2026-01-01T00:00:00Z). Use e.g. "from": "2026-01-08" with "to": "2026-01-15"."#)
    }

    @Test func fromAfterDefaultToMentionsNow() {
        let error = #expect(throws: DateRangeError.self) { try DateRange.parse(from: "2026-02-01", to: nil, now: now) }
        #expect(error?.message == #""from" (2026-02-01T00:00:00Z) must be before "to" (2026-01-15T10:00:00Z, which defaults to now). Use e.g. "from": "2026-01-08" with "to": "2026-01-15"."#)
    }
}
