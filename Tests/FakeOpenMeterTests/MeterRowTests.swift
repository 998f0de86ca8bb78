import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
@testable import FakeOpenMeter

/// Per-meter typed rows (`meter_rows`): written at ingest, for events already stored when a meter is
/// created, re-read when its group-by keys change, dropped with the meter, and built for stores made
/// before they existed.
@Suite struct MeterRowTests {
    static let day = "2026-01-10"

    static func call(_ id: String, _ time: String, tokens: String, model: String, region: String, subject: String = "acme") -> String {
        event(id: id, type: "calls", subject: subject, time: "\(day)T\(time)Z", data: #"{"tokens":\#(tokens),"model":"\#(model)","region":"\#(region)"}"#)
    }

    static let calls = [
        call("c1", "10:00:00", tokens: "10", model: "gpt", region: "eu"),
        call("c2", "10:10:00", tokens: "5", model: "claude", region: "eu"),
        call("c3", "10:20:00", tokens: "\"2.5\"", model: "gpt", region: "us"),
        call("c4", "10:30:00", tokens: "true", model: "gpt", region: "us"),  // not a number: counted by COUNT only
        call("c5", "10:40:00", tokens: "1", model: "gpt", region: "eu", subject: "beta"),
    ]

    static func withStore(path: String = ":memory:", _ body: @Sendable (OpenMeterApp, Client) async throws -> Void) async throws {
        var logger = Logger(label: "meter-row-tests")
        logger.logLevel = .error
        let om = try OpenMeterApp(configuration: OpenMeterConfiguration(dataPath: path, metersFile: builtInMetersFile), logger: logger)
        try await Application(router: om.buildRouter()).test(.router) { client in
            try await body(om, Client(client: client, bearer: nil))
        }
    }

    static func grouped(_ client: Client, _ slug: String, by keys: [String]) async throws -> [QRow] {
        let reply = try await client.get("/api/v1/meters/\(slug)/query?" + query(keys.map { ("groupBy", $0) }))
        #expect(reply.status == .ok, "\(reply.text)")
        return rows(reply)
    }

    static func rowCount(_ om: OpenMeterApp, slug: String) throws -> Int {
        try om.store.db.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM meter_rows WHERE meter = (SELECT created_seq FROM meters WHERE slug = ?)", arguments: [slug]) ?? -1
        }
    }

    @Test func aMeterCreatedAfterItsEventsCountsThem() async throws {
        try await Self.withStore { om, client in
            try await client.ingest(Self.calls)
            try await client.createMeter(slug: "tokens", aggregation: "SUM", eventType: "calls", valueProperty: "$.tokens", groupBy: ["model": "$.model", "region": "$.region"])
            #expect(try Self.rowCount(om, slug: "tokens") == 5)
            let byModel = try await Self.grouped(client, "tokens", by: ["model"])
            #expect(byModel.map(\.groupBy) == [["model": "claude"], ["model": "gpt"]])
            #expect(byModel.map(\.value) == [5, 13.5])
            // Events after the meter exists are added at ingest.
            try await client.ingest([Self.call("c6", "11:00:00", tokens: "100", model: "claude", region: "us")])
            #expect(try await Self.grouped(client, "tokens", by: ["model"]).map(\.value) == [105, 13.5])
        }
    }

    @Test func newGroupByKeysReReadTheRows() async throws {
        try await Self.withStore { om, client in
            try await client.createMeter(slug: "tokens", aggregation: "SUM", eventType: "calls", valueProperty: "$.tokens", groupBy: ["model": "$.model"])
            try await client.ingest(Self.calls)
            #expect(try await Self.grouped(client, "tokens", by: ["model"]).map(\.value) == [5, 13.5])
            let put = try await client.send(.put, "/api/v1/meters/tokens", body: #"{"name":"Tokens","groupBy":{"region":"$.region"}}"#)
            #expect(put.status == .ok, "\(put.text)")
            let byRegion = try await Self.grouped(client, "tokens", by: ["region"])
            #expect(byRegion.map(\.groupBy) == [["region": "eu"], ["region": "us"]])
            #expect(byRegion.map(\.value) == [16, 2.5])
            let old = try await client.get("/api/v1/meters/tokens/query?groupBy=model")
            #expect(old.status == .badRequest)
            #expect(old.detail == "invalid group by: model")
            #expect(try Self.rowCount(om, slug: "tokens") == 5)
            // A filter on the new key reads the re-read values.
            let filtered = try await client.get("/api/v1/meters/tokens/query?filterGroupBy%5Bregion%5D=us")
            #expect(rows(filtered).map(\.value) == [2.5])
        }
    }

    @Test func aDeletedMetersRowsAreGone() async throws {
        try await Self.withStore { om, client in
            try await client.createMeter(slug: "tokens", aggregation: "COUNT", eventType: "calls", groupBy: ["model": "$.model"])
            try await client.ingest(Self.calls)
            #expect(try Self.rowCount(om, slug: "tokens") == 5)
            #expect(try await client.send(.delete, "/api/v1/meters/tokens").status == .noContent)
            #expect(try Self.rowCount(om, slug: "tokens") == 0)
            // A new meter under the same slug starts from the stored events, not the old rows.
            try await client.createMeter(slug: "tokens", aggregation: "COUNT", eventType: "calls", groupBy: ["region": "$.region"])
            #expect(try await Self.grouped(client, "tokens", by: ["region"]).map(\.value) == [3, 2])
        }
    }

    @Test func aStoreFromBeforeMeterRowsIsReadOnOpen() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("meter-rows-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("events.sqlite").path
        do {
            // The schema as it was, with a meter and events written the old way.
            let old = try DatabaseQueue(path: path)
            try EventStore.migrator.migrate(old, upTo: "v1")
            let meter = Meter(
                id: "01KAZ0000000000000000000AA", slug: "tokens", aggregation: .sum, eventType: "calls",
                valueProperty: "$.tokens", groupBy: ["model": "$.model"], createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z"
            )
            let body = String(decoding: try JSONEncoder().encode(meter), as: UTF8.self)
            try await old.write { db in
                try db.execute(sql: "INSERT INTO meters (id, slug, deleted, created_seq, body) VALUES (?, 'tokens', 0, 1, ?)", arguments: [meter.id, body])
                for (i, (tokens, model)) in [(3, "gpt"), (4, "gpt"), (7, "claude")].enumerated() {
                    try db.execute(sql: """
                        INSERT INTO events (id, source, type, subject, time, ingested_at, stored_at, specversion, data)
                        VALUES (?, 'test', 'calls', 'acme', ?, 0, 0, '1.0', ?)
                        """, arguments: ["o\(i)", 1_768_039_200 + i, #"{"tokens":\#(tokens),"model":"\#(model)"}"#])
                }
            }
            try old.close()
        }
        try await Self.withStore(path: path) { om, client in
            #expect(try Self.rowCount(om, slug: "tokens") == 3)
            let byModel = try await Self.grouped(client, "tokens", by: ["model"])
            #expect(byModel.map(\.groupBy) == [["model": "claude"], ["model": "gpt"]])
            #expect(byModel.map(\.value) == [7, 7])
        }
    }

    @Test func resetEmptiesTheRowsAndGroupsStayDistinct() async throws {
        try await Self.withStore { om, client in
            try await client.createMeter(slug: "tokens", aggregation: "SUM", eventType: "calls", valueProperty: "$.tokens", groupBy: ["model": "$.model"])
            try await client.ingest(Self.calls)
            #expect(try await client.send(.post, "/_fake/reset").status == .noContent)
            #expect(try await om.store.db.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM meter_rows") } == 0)
            // After the reset, groups are created afresh: the cached ids of the old ones must not be reused.
            try await client.createMeter(slug: "tokens", aggregation: "SUM", eventType: "calls", valueProperty: "$.tokens", groupBy: ["model": "$.model"])
            try await client.ingest([Self.call("n1", "12:00:00", tokens: "2", model: "gpt", region: "eu"), Self.call("n2", "12:00:01", tokens: "3", model: "mistral", region: "eu")])
            let byModel = try await Self.grouped(client, "tokens", by: ["model"])
            #expect(byModel.map(\.groupBy) == [["model": "gpt"], ["model": "mistral"]])
            #expect(byModel.map(\.value) == [2, 3])
        }
    }
}
