import Foundation
import Synchronization
import Testing

/// Windows in `windowTimeZone`, following its daylight-saving rules (hand-computed boundaries).
@Suite struct WindowTests {
    /// Ingests `ai_credits` events (credits, time) and queries the built-in SUM meter.
    static func windows(_ events: [(Double, String)], _ parameters: [(String, String)]) async throws -> [QRow] {
        let result = ResultBox()
        try await withFake { client in
            try await client.ingest(events.enumerated().map { i, e in
                event(id: "w\(i)", time: e.1, data: #"{"credits":\#(e.0)}"#)
            })
            let reply = try await client.get("/api/v1/meters/ai_credits/query?" + query(parameters))
            #expect(reply.status == .ok, "\(reply.text)")
            let parsed = rows(reply)
            result.rows.withLock { $0 = parsed }
        }
        return result.rows.withLock { $0 }
    }

    final class ResultBox: Sendable {
        let rows = Mutex<[QRow]>([])
    }

    // Europe/Berlin, 2026-03-29: clocks go 02:00 CET → 03:00 CEST, so the local day is 23 hours.
    static let spring: [(Double, String)] = [
        (1, "2026-03-28T12:00:00Z"),
        (2, "2026-03-29T12:00:00Z"),
        (4, "2026-03-29T22:30:00Z"),  // 00:30 CEST on the 30th
        (8, "2026-03-30T12:00:00Z"),
    ]
    static let springRows = [
        QRow(1, "2026-03-27T23:00:00Z", "2026-03-28T23:00:00Z"),
        QRow(2, "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"),
        QRow(12, "2026-03-29T22:00:00Z", "2026-03-30T22:00:00Z"),
    ]

    @Test func berlinSpringForwardDayIs23Hours() async throws {
        let withRange = try await Self.windows(Self.spring, [
            ("windowSize", "DAY"), ("windowTimeZone", "Europe/Berlin"), ("from", "2026-03-27T23:00:00Z"), ("to", "2026-03-31T22:00:00Z"),
        ])
        #expect(withRange == Self.springRows)
        let withoutRange = try await Self.windows(Self.spring, [("windowSize", "DAY"), ("windowTimeZone", "Europe/Berlin")])
        #expect(withoutRange == Self.springRows)
        let day = try #require(withRange.dropFirst().first)
        #expect(try #require(instant(day.windowEnd)) - (try #require(instant(day.windowStart))) == 23 * 3600)
    }

    // Europe/Berlin, 2026-10-25: clocks go 03:00 CEST → 02:00 CET, so the local day is 25 hours.
    static let autumn: [(Double, String)] = [
        (1, "2026-10-24T12:00:00Z"),
        (2, "2026-10-25T12:00:00Z"),
        (4, "2026-10-25T22:30:00Z"),  // 23:30 CET, still the 25th
        (8, "2026-10-25T23:30:00Z"),  // 00:30 CET on the 26th
    ]
    static let autumnRows = [
        QRow(1, "2026-10-23T22:00:00Z", "2026-10-24T22:00:00Z"),
        QRow(6, "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"),
        QRow(8, "2026-10-25T23:00:00Z", "2026-10-26T23:00:00Z"),
    ]

    @Test func berlinFallBackDayIs25Hours() async throws {
        let withRange = try await Self.windows(Self.autumn, [
            ("windowSize", "DAY"), ("windowTimeZone", "Europe/Berlin"), ("from", "2026-10-20T00:00:00Z"), ("to", "2026-10-30T00:00:00Z"),
        ])
        #expect(withRange == Self.autumnRows)
        let withoutRange = try await Self.windows(Self.autumn, [("windowSize", "DAY"), ("windowTimeZone", "Europe/Berlin")])
        #expect(withoutRange == Self.autumnRows)
        let day = try #require(withRange.dropFirst().first)
        #expect(try #require(instant(day.windowEnd)) - (try #require(instant(day.windowStart))) == 25 * 3600)
    }

    @Test func newYorkFallBackDay() async throws {
        // 2026-11-01: EDT → EST; local midnight 04:00Z, next midnight 05:00Z the day after.
        let rows = try await Self.windows([(3, "2026-11-01T12:00:00Z")], [("windowSize", "DAY"), ("windowTimeZone", "America/New_York")])
        #expect(rows == [QRow(3, "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z")])
    }

    @Test func dayInUTCByDefault() async throws {
        let rows = try await Self.windows(Self.spring, [("windowSize", "DAY")])
        #expect(rows == [
            QRow(1, "2026-03-28T00:00:00Z", "2026-03-29T00:00:00Z"),
            QRow(6, "2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z"),
            QRow(8, "2026-03-30T00:00:00Z", "2026-03-31T00:00:00Z"),
        ])
        let explicit = try await Self.windows(Self.spring, [("windowSize", "DAY"), ("windowTimeZone", "UTC")])
        #expect(explicit == rows)
    }

    @Test func monthInBerlinStartsAtLocalMidnightAcrossDST() async throws {
        let rows = try await Self.windows([
            (4, "2026-02-28T23:30:00Z"),  // 00:30 CET on 1 March
            (1, "2026-03-15T12:00:00Z"),
            (2, "2026-03-31T22:30:00Z"),  // 00:30 CEST on 1 April
        ], [("windowSize", "MONTH"), ("windowTimeZone", "Europe/Berlin")])
        #expect(rows == [
            QRow(5, "2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z"),
            QRow(2, "2026-03-31T22:00:00Z", "2026-04-30T22:00:00Z"),
        ])
    }

    @Test func monthInUTC() async throws {
        let rows = try await Self.windows([
            (1, "2026-01-31T23:59:59Z"), (2, "2026-02-01T00:00:00Z"), (4, "2026-02-28T23:59:59Z"), (8, "2026-12-31T12:00:00Z"),
        ], [("windowSize", "MONTH"), ("from", "2026-01-01T00:00:00Z"), ("to", "2027-01-01T00:00:00Z")])
        #expect(rows == [
            QRow(1, "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"),
            QRow(6, "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"),
            QRow(8, "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        ])
    }

    @Test func hourInAHalfHourZone() async throws {
        // Asia/Kolkata is UTC+05:30: local hours start at :30 UTC.
        let rows = try await Self.windows([(1, "2026-01-10T10:00:05Z"), (2, "2026-01-10T10:29:59Z"), (4, "2026-01-10T10:30:00Z")],
                                          [("windowSize", "HOUR"), ("windowTimeZone", "Asia/Kolkata")])
        #expect(rows == [
            QRow(3, "2026-01-10T09:30:00Z", "2026-01-10T10:30:00Z"),
            QRow(4, "2026-01-10T10:30:00Z", "2026-01-10T11:30:00Z"),
        ])
    }

    @Test func hourAcrossBerlinSpringForward() async throws {
        // 00:30Z = 01:30 CET; 01:30Z = 03:30 CEST: consecutive local hours 01:00 and 03:00.
        let rows = try await Self.windows([(1, "2026-03-29T00:30:00Z"), (2, "2026-03-29T01:30:00Z")],
                                          [("windowSize", "HOUR"), ("windowTimeZone", "Europe/Berlin")])
        #expect(rows == [
            QRow(1, "2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z"),
            QRow(2, "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"),
        ])
    }

    @Test func hourFollowsTheOffsetOfEachInstantInAHalfHourDSTZone() async throws {
        // Australia/Lord_Howe is +11:00 in January (DST) and +10:30 in June: June hours start at :30 UTC.
        let rows = try await Self.windows([(1, "2026-01-10T10:15:00Z"), (2, "2026-06-15T10:15:00Z")], [
            ("windowSize", "HOUR"), ("windowTimeZone", "Australia/Lord_Howe"), ("from", "2026-01-01T00:00:00Z"), ("to", "2026-07-01T00:00:00Z"),
        ])
        #expect(rows == [
            QRow(1, "2026-01-10T10:00:00Z", "2026-01-10T11:00:00Z"),
            QRow(2, "2026-06-15T09:30:00Z", "2026-06-15T10:30:00Z"),
        ])
    }

    @Test func minuteWindows() async throws {
        let rows = try await Self.windows([(1, "2026-01-10T10:00:00Z"), (2, "2026-01-10T10:00:59Z"), (4, "2026-01-10T10:01:00Z")],
                                          [("windowSize", "MINUTE"), ("windowTimeZone", "Asia/Kathmandu")])
        #expect(rows == [
            QRow(3, "2026-01-10T10:00:00Z", "2026-01-10T10:01:00Z"),
            QRow(4, "2026-01-10T10:01:00Z", "2026-01-10T10:02:00Z"),
        ])
    }
}
