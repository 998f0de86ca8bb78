import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
@testable import FakeOpenMeter

/// Meter queries on a file-backed store, where a bounded range of over an hour is read as two time slices
/// on separate WAL readers at once and their rows merged (`MeterQueryEngine.slices`).
/// The in-memory harness never takes that path.
///
/// The `calls` events (tokens, model, user, subject); the range is 2026-01-10T06:00:00Z ..< 2026-01-11T06:00:00Z,
/// so the slices split at its midpoint 2026-01-10T18:00:00Z (slice 1: `time < 18:00:00`, slice 2: `time >= 18:00:00`):
///
/// | id  | time (UTC)         | tokens | model | user | subject | slice |
/// |-----|--------------------|--------|-------|------|---------|-------|
/// | s0  | 01-10 05:59:59     | 1000   | a     | u9   | acme    | before `from` |
/// | s1  | 01-10 06:00:00     | 1      | a     | u1   | acme    | 1 (at `from`) |
/// | s2  | 01-10 12:00:00     | 16     | b     | u2   | acme    | 1 |
/// | s3  | 01-10 17:59:59     | 8      | a     | u2   | beta    | 1 |
/// | s4  | 01-10 18:00:00     | 16     | a     | u1   | acme    | 2 (at the midpoint) |
/// | s5  | 01-10 18:00:01     | 2      | b     | u2   | beta    | 2 |
/// | s6  | 01-10 19:00:00     | —      | a     | u2   | acme    | 2 |
/// | s7  | 01-10 20:00:00     | 3      | a     | u3   | beta    | 2 |
/// | s8  | 01-10 23:59:59     | 32     | B     | u1   | acme    | 2 |
/// | s9  | 01-11 00:00:00     | 64     | a     | u4   | acme    | 2 |
/// | s10 | 01-11 05:59:59     | 0.5    | b     | u2   | acme    | 2 |
/// | s11 | 01-11 06:00:00     | 2000   | a     | u9   | acme    | at `to`: out |
/// | x1  | 01-10 18:00:00     | 500    | a     | u1   | acme    | type `other`: out |
@Suite struct SlicedQueryTests {
    static let from = "2026-01-10T06:00:00Z"
    static let to = "2026-01-11T06:00:00Z"
    static let day10 = ("2026-01-10T00:00:00Z", "2026-01-11T00:00:00Z")
    static let day11 = ("2026-01-11T00:00:00Z", "2026-01-12T00:00:00Z")

    static func call(_ id: String, _ time: String, _ tokens: String?, _ model: String, _ user: String, _ subject: String, type: String = "calls") -> String {
        var data = "{"
        if let tokens { data += #""tokens":\#(tokens),"# }
        data += "\"model\":\(quote(model)),\"user\":\(quote(user))}"
        return event(id: id, type: type, subject: subject, time: time, data: data)
    }

    static let events: [String] = [
        call("s0", "2026-01-10T05:59:59Z", "1000", "a", "u9", "acme"),
        call("s1", "2026-01-10T06:00:00Z", "1", "a", "u1", "acme"),
        call("s2", "2026-01-10T12:00:00Z", "16", "b", "u2", "acme"),
        call("s3", "2026-01-10T17:59:59Z", "8", "a", "u2", "beta"),
        call("s4", "2026-01-10T18:00:00Z", "16", "a", "u1", "acme"),
        call("s5", "2026-01-10T18:00:01Z", "2", "b", "u2", "beta"),
        call("s6", "2026-01-10T19:00:00Z", nil, "a", "u2", "acme"),
        call("s7", "2026-01-10T20:00:00Z", "3", "a", "u3", "beta"),
        call("s8", "2026-01-10T23:59:59Z", "32", "B", "u1", "acme"),
        call("s9", "2026-01-11T00:00:00Z", "64", "a", "u4", "acme"),
        call("s10", "2026-01-11T05:59:59Z", "0.5", "b", "u2", "acme"),
        call("s11", "2026-01-11T06:00:00Z", "2000", "a", "u9", "acme"),
        call("x1", "2026-01-10T18:00:00Z", "500", "a", "u1", "acme", type: "other"),
    ]

    static let aggregations = ["SUM", "COUNT", "AVG", "MIN", "MAX", "UNIQUE_COUNT", "LATEST"]

    /// A fake on a fresh SQLite file in a temporary folder (a `DatabasePool`), with a `calls_<aggregation>` meter
    /// per aggregation over `$.tokens` (`$.user` for UNIQUE_COUNT), grouped by model and user (model only for UNIQUE_COUNT).
    static func withFileFake(events: [String] = events, _ body: @Sendable (Client) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sliced-query-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var logger = Logger(label: "sliced-query-tests")
        logger.logLevel = .error
        let om = try OpenMeterApp(
            configuration: OpenMeterConfiguration(dataPath: folder.appendingPathComponent("events.sqlite").path, metersFile: builtInMetersFile),
            logger: logger
        )
        #expect(om.store.db is DatabasePool, "a file path must open a pool, got \(type(of: om.store.db))")
        let app = Application(router: om.buildRouter())
        try await app.test(.router) { client in
            let client = Client(client: client, bearer: nil)
            for aggregation in aggregations {
                try await client.createMeter(
                    slug: "calls_" + aggregation.lowercased(), aggregation: aggregation, eventType: "calls",
                    valueProperty: aggregation == "COUNT" ? nil : (aggregation == "UNIQUE_COUNT" ? "$.user" : "$.tokens"),
                    // A meter may not group by its own value property.
                    groupBy: aggregation == "UNIQUE_COUNT" ? ["model": "$.model"] : ["model": "$.model", "user": "$.user"]
                )
            }
            try await client.ingest(events)
            try await body(client)
        }
    }

    static func queryRows(_ client: Client, _ aggregation: String, _ parameters: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation) async throws -> [QRow] {
        let reply = try await client.get("/api/v1/meters/calls_\(aggregation.lowercased())/query?" + query(parameters))
        #expect(reply.status == .ok, "\(reply.status.code): \(reply.text)", sourceLocation: sourceLocation)
        return rows(reply, sourceLocation: sourceLocation)
    }

    // MARK: the slicing rule itself

    @Test func boundedRangesOverAnHourOnAPoolAreHalved() {
        func describe(_ slices: [(lower: Int64?, upper: Int64?)]) -> [String] {
            slices.map { "[\($0.lower.map(String.init) ?? "-"), \($0.upper.map(String.init) ?? "-"))" }
        }
        #expect(describe(MeterQueryEngine.slices(from: 0, to: 3600, parallel: true)) == ["[0, 3600)"])
        #expect(describe(MeterQueryEngine.slices(from: 0, to: 3601, parallel: true)) == ["[0, 1800)", "[1800, 3601)"])
        #expect(describe(MeterQueryEngine.slices(from: 1_768_024_800, to: 1_768_111_200, parallel: true))
            == ["[1768024800, 1768068000)", "[1768068000, 1768111200)"])  // 06:00 .. 06:00 next day: 18:00
        #expect(describe(MeterQueryEngine.slices(from: -7201, to: 0, parallel: true)) == ["[-7201, -3601)", "[-3601, 0)"])
        #expect(describe(MeterQueryEngine.slices(from: 0, to: 86400, parallel: false)) == ["[0, 86400)"])
        #expect(describe(MeterQueryEngine.slices(from: nil, to: 86400, parallel: true)) == ["[-, 86400)"])
        #expect(describe(MeterQueryEngine.slices(from: 0, to: nil, parallel: true)) == ["[0, -)"])
    }

    // MARK: aggregations over both slices, by model and DAY

    /// Per aggregation, rows of `groupBy=model&windowSize=DAY` over the range, in SQLite's order (window, then model
    /// by bytes: "B" < "a" < "b"). Groups `a` and `b` of the 10th have rows in both slices; the 11th only in slice 2.
    static let byModelAndDay: [String: [Double]] = [
        //                 10th: B, a, b            11th: a, b
        "SUM":          [32, 28, 18, 64, 0.5],     // a: 1 + 8 | + 16 + 3; b: 16 | + 2
        "COUNT":        [1, 5, 2, 1, 1],           // a: s1 s3 | s4 s6 s7 (s6 has no value but counts)
        "AVG":          [32, 7, 9, 64, 0.5],       // a: 28 / 4 numeric values; b: 18 / 2
        "MIN":          [32, 1, 2, 64, 0.5],       // a: 1 from slice 1; b: 2 from slice 2
        "MAX":          [32, 16, 16, 64, 0.5],     // a: 16 from slice 2; b: 16 from slice 1
        "UNIQUE_COUNT": [1, 3, 1, 1, 1],           // a: {u1, u2} | {u1, u2, u3}; b: {u2} | {u2}
        "LATEST":       [32, 3, 2, 64, 0.5],       // a: s7 at 20:00 (3), not the max; b: s5 at 18:00:01 (2)
    ]

    @Test(arguments: aggregations)
    func eachAggregationByModelAndDayMergesSlices(aggregation: String) async throws {
        let values = try #require(Self.byModelAndDay[aggregation])
        try await Self.withFileFake { client in
            let got = try await Self.queryRows(client, aggregation, [
                ("from", Self.from), ("to", Self.to), ("windowSize", "DAY"), ("groupBy", "model"),
            ])
            #expect(got == [
                QRow(values[0], Self.day10.0, Self.day10.1, ["model": "B"]),
                QRow(values[1], Self.day10.0, Self.day10.1, ["model": "a"]),
                QRow(values[2], Self.day10.0, Self.day10.1, ["model": "b"]),
                QRow(values[3], Self.day11.0, Self.day11.1, ["model": "a"]),
                QRow(values[4], Self.day11.0, Self.day11.1, ["model": "b"]),
            ], "\(aggregation)")
        }
    }

    @Test func dayWindowsInAZoneWhoseDayStraddlesTheMidpoint() async throws {
        // Asia/Kolkata (+05:30, no DST): local days start at 18:30Z, so the first window holds s1 s2 s3 (slice 1)
        // and s4 s5 (slice 2).
        try await Self.withFileFake { client in
            let got = try await Self.queryRows(client, "SUM", [
                ("from", Self.from), ("to", Self.to), ("windowSize", "DAY"), ("windowTimeZone", "Asia/Kolkata"), ("groupBy", "model"),
            ])
            #expect(got == [
                QRow(25, "2026-01-09T18:30:00Z", "2026-01-10T18:30:00Z", ["model": "a"]),   // 1 + 8 | + 16
                QRow(18, "2026-01-09T18:30:00Z", "2026-01-10T18:30:00Z", ["model": "b"]),   // 16 | + 2
                QRow(32, "2026-01-10T18:30:00Z", "2026-01-11T18:30:00Z", ["model": "B"]),
                QRow(67, "2026-01-10T18:30:00Z", "2026-01-11T18:30:00Z", ["model": "a"]),   // 3 + 64
                QRow(0.5, "2026-01-10T18:30:00Z", "2026-01-11T18:30:00Z", ["model": "b"]),
            ])
        }
    }

    // MARK: subject and model, no window

    @Test func subjectAndModelGroupsWithoutWindowSpanTheRange() async throws {
        try await Self.withFileFake { client in
            let parameters = [("from", Self.from), ("to", Self.to), ("groupBy", "subject"), ("groupBy", "model")]
            func expected(_ values: [Double]) -> [QRow] {
                [
                    QRow(values[0], Self.from, Self.to, subject: "acme", ["model": "B"]),
                    QRow(values[1], Self.from, Self.to, subject: "acme", ["model": "a"]),
                    QRow(values[2], Self.from, Self.to, subject: "acme", ["model": "b"]),
                    QRow(values[3], Self.from, Self.to, subject: "beta", ["model": "a"]),
                    QRow(values[4], Self.from, Self.to, subject: "beta", ["model": "b"]),
                ]
            }
            // acme a: s1 | s4 s9 (+ s6 valueless); acme b: s2 | s10; beta a: s3 | s7; beta b: s5.
            let sum = try await Self.queryRows(client, "SUM", parameters)
            #expect(sum == expected([32, 81, 16.5, 11, 2]))
            let count = try await Self.queryRows(client, "COUNT", parameters)
            #expect(count == expected([1, 4, 2, 2, 1]))
            let latest = try await Self.queryRows(client, "LATEST", parameters)
            #expect(latest == expected([32, 64, 0.5, 3, 2]))
            let average = try await Self.queryRows(client, "AVG", parameters)
            #expect(average == expected([32, 27, 8.25, 5.5, 2]))
        }
    }

    @Test func subjectFilterOverBothSlices() async throws {
        try await Self.withFileFake { client in
            let got = try await Self.queryRows(client, "SUM", [
                ("from", Self.from), ("to", Self.to), ("subject", "beta"), ("groupBy", "model"), ("windowSize", "DAY"),
            ])
            #expect(got == [
                QRow(11, Self.day10.0, Self.day10.1, subject: "beta", ["model": "a"]),   // 8 | + 3
                QRow(2, Self.day10.0, Self.day10.1, subject: "beta", ["model": "b"]),
            ])
        }
    }

    @Test func uniqueCountWithoutGroupingMergesUsersAcrossSlices() async throws {
        try await Self.withFileFake { client in
            // u1 u2 | u1 u2 u3 u4: four users, not 2 + 4.
            let got = try await Self.queryRows(client, "UNIQUE_COUNT", [("from", Self.from), ("to", Self.to)])
            #expect(got == [QRow(4, Self.from, Self.to)])
        }
    }

    // MARK: the one-hour threshold

    @Test func anHourIsOneReadAndASecondMoreIsTwoWithTheSameAnswer() async throws {
        try await Self.withFileFake { client in
            // 17:30 ..< 18:30 (3600 s, one read) and 17:30 ..< 18:30:01 (two slices split at 18:00:00).
            // Either way: a = s3 8 + s4 16, b = s5 2; x1 is another type.
            for to in ["2026-01-10T18:30:00Z", "2026-01-10T18:30:01Z"] {
                let got = try await Self.queryRows(client, "SUM", [("from", "2026-01-10T17:30:00Z"), ("to", to), ("groupBy", "model")])
                #expect(got == [
                    QRow(24, "2026-01-10T17:30:00Z", to, ["model": "a"]),
                    QRow(2, "2026-01-10T17:30:00Z", to, ["model": "b"]),
                ], "to \(to)")
                let count = try await Self.queryRows(client, "COUNT", [("from", "2026-01-10T17:30:00Z"), ("to", to)])
                #expect(count == [QRow(3, "2026-01-10T17:30:00Z", to)], "to \(to)")
            }
        }
    }

    // MARK: order and identity of group values

    @Test func rowsAreOrderedByUTF8BytesLikeSQLite() async throws {
        // Byte order: "B" (42) < "a" (61) < "z" (7A) < "Æ" (C3 86) < "é" (C3 A9) < "Å" as U+212B ANGSTROM SIGN (E2 84 AB).
        // Swift's String `<` compares the canonical (NFC) form, where U+212B is U+00C5 and sorts before "Æ".
        let models = ["\u{212B}", "z", "\u{00E9}", "a", "\u{00C6}", "B"]
        let events = models.enumerated().flatMap { index, model in
            [
                Self.call("o\(index)a", "2026-01-10T07:00:00Z", "\(index + 1)", model, "u1", "acme"),
                Self.call("o\(index)b", "2026-01-10T22:00:00Z", "10", model, "u1", "acme"),
            ]
        }
        try await Self.withFileFake(events: events) { client in
            let got = try await Self.queryRows(client, "SUM", [("from", Self.from), ("to", Self.to), ("groupBy", "model")])
            #expect(got.map { $0.groupBy["model"] ?? "?" }.map { Array($0.unicodeScalars) } == [
                "B", "a", "z", "\u{00C6}", "\u{00E9}", "\u{212B}",
            ].map { Array($0.unicodeScalars) })
            #expect(got.map(\.value) == [16, 14, 12, 15, 13, 11])
        }
    }

    @Test func canonicallyEquivalentButDifferentGroupValuesStayApart() async throws {
        // SQLite (and OpenMeter's ClickHouse) group strings by their bytes: "Å" precomposed (U+00C5), decomposed
        // ("A" + U+030A) and the Angstrom sign (U+212B) are three groups and three distinct users.
        let spellings = ["\u{00C5}", "A\u{030A}", "\u{212B}"]
        let events = spellings.enumerated().map { index, spelling in
            Self.call("n\(index)", index == 0 ? "2026-01-10T07:00:00Z" : "2026-01-10T21:00:00Z", "\(1 << index)", spelling, spelling, "acme")
        }
        try await Self.withFileFake(events: events) { client in
            let sum = try await Self.queryRows(client, "SUM", [("from", Self.from), ("to", Self.to), ("groupBy", "model")])
            let unique = try await Self.queryRows(client, "UNIQUE_COUNT", [("from", Self.from), ("to", Self.to)])
            // Bytes: "A\u{030A}" (41 CC 8A) < "\u{00C5}" (C3 85) < "\u{212B}" (E2 84 AB).
            #expect(sum.map { Array(($0.groupBy["model"] ?? "?").unicodeScalars) } == [
                Array("A\u{030A}".unicodeScalars), Array("\u{00C5}".unicodeScalars), Array("\u{212B}".unicodeScalars),
            ])
            #expect(sum.map(\.value) == [2, 1, 4])
            #expect(unique == [QRow(3, Self.from, Self.to)])
        }
    }
}
