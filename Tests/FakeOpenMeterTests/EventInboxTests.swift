import BlockingWork
import Foundation
import GRDB
import Testing
@testable import FakeOpenMeter

/// A file store acknowledges ingested events once they are in its inbox and moves them into
/// `events` before any read: reads see every acknowledged event, a restart merges what a crash
/// left, the first stored of a (source, id) wins, and a reset empties the inbox too.
@Suite struct EventInboxTests {
    static func call(_ id: String, credits: Double, user: String = "u1") -> CloudEvent {
        CloudEvent(id: id, source: "test", type: "ai_credits", subject: "acme", time: 1_768_039_200, data: #"{"credits":\#(credits),"user":"\#(user)"}"#)
    }

    static func withFolder(_ body: (String) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("inbox-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await body(folder.appendingPathComponent("events.sqlite").path)
    }

    static func rawCounts(_ store: EventStore) async throws -> (events: Int, inbox: Int, rows: Int) {
        try await store.db.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM main.events") ?? -1,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM inbox.inbox") ?? -1,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM meter_rows") ?? -1)
        }
    }

    @Test func readsSeeEveryAcknowledgedEvent() async throws {
        try await Self.withFolder { path in
            let om = try OpenMeterApp(configuration: OpenMeterConfiguration(dataPath: path, metersFile: builtInMetersFile))
            try om.store.ingest([Self.call("a", credits: 1), Self.call("b", credits: 2)], ingestedAt: 0)
            // Acknowledged, still in the inbox: no merger runs in this test.
            #expect(try await Self.rawCounts(om.store) == (0, 2, 0))
            #expect(try om.store.eventCount() == 2)
            #expect(try await Self.rawCounts(om.store) == (2, 0, 2))
        }
    }

    @Test func theFirstStoredOfAnIDWinsAcrossInboxAndEvents() async throws {
        try await Self.withFolder { path in
            let om = try OpenMeterApp(configuration: OpenMeterConfiguration(dataPath: path, metersFile: builtInMetersFile))
            try om.store.ingest([Self.call("a", credits: 1)], ingestedAt: 0)
            try om.store.mergeInbox()
            try om.store.ingest([Self.call("a", credits: 50), Self.call("b", credits: 2), Self.call("b", credits: 70)], ingestedAt: 0)
            #expect(try om.store.eventCount() == 2)
            let credits = try await om.store.db.read { db in
                try Double.fetchAll(db, sql: "SELECT json_extract(data, '$.credits') FROM events ORDER BY id")
            }
            #expect(credits == [1, 2])
        }
    }

    @Test func aRestartMergesWhatACrashLeftInTheInbox() async throws {
        try await Self.withFolder { path in
            do {
                let before = try EventStore(path: path)
                try before.ingest([Self.call("a", credits: 1), Self.call("b", credits: 2)], ingestedAt: 0)
                // Written to the inbox file and never merged, as when the process is killed.
                #expect(try await Self.rawCounts(before) == (0, 2, 0))
            }
            let after = try EventStore(path: path)
            _ = try MeterCatalog.seed(try MeterCatalog.load(path: builtInMetersFile).meters, into: after)
            #expect(try await Self.rawCounts(after) == (2, 0, 2))
        }
    }

    @Test func resetEmptiesTheInbox() async throws {
        try await Self.withFolder { path in
            let om = try OpenMeterApp(configuration: OpenMeterConfiguration(dataPath: path, metersFile: builtInMetersFile))
            try om.store.ingest([Self.call("a", credits: 1)], ingestedAt: 0)
            try om.reset()
            #expect(try om.store.eventCount() == 0)
            try om.store.ingest([Self.call("b", credits: 2)], ingestedAt: 0)
            #expect(try om.store.eventCount() == 1)
        }
    }

    @Test func theInboxGivesItsPagesBackOnceMerged() async throws {
        try await Self.withFolder { path in
            let store = try EventStore(path: path)
            try store.ingest((0..<5_000).map { Self.call("e\($0)", credits: 1) }, ingestedAt: 0)
            let inbox = try #require(store.inbox)
            let grown = try await inbox.db.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
            #expect(grown > 50)
            try store.mergeInbox()
            let (mode, pages) = try await inbox.db.read { db in
                (try Int.fetchOne(db, sql: "PRAGMA auto_vacuum"), try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0)
            }
            #expect(mode == 1, "FULL auto-vacuum")
            #expect(pages <= 5, "an empty inbox keeps \(pages) pages")
        }
    }
}
