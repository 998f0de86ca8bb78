import BlockingWork
import Foundation
import Synchronization
import Testing
@testable import FakeOpenMeter

/// Group commit: batches that wait while a transaction runs are written together in the next one,
/// each caller gets its own count, and one failing batch fails no other.
@Suite struct GroupCommitTests {
    static func batch(_ name: String, _ count: Int) -> [CloudEvent] {
        (0..<count).map { CloudEvent(id: "\(name)-\($0)", source: "test", type: "calls", subject: "acme", time: 0, data: nil) }
    }

    /// Runs `work` on a new thread (the queue blocks its callers, as it blocks pool threads in the server).
    static func onThread(_ work: @escaping @Sendable () -> Void) {
        Thread.detachNewThread(work)
    }

    @Test func batchesWaitingDuringAWriteShareTheNextOne() throws {
        let queue = GroupCommit()
        let rounds = Mutex<[[Int]]>([])
        let firstWriteStarted = DispatchSemaphore(value: 0)
        let releaseFirstWrite = DispatchSemaphore(value: 0)
        let write: GroupCommit.Write = { batches, _ in
            let isFirst = rounds.withLock { all in all.append(batches.map(\.count)); return all.count == 1 }
            if isFirst {
                firstWriteStarted.signal()
                releaseFirstWrite.wait()
            }
            return batches.map(\.count)
        }
        let results = Mutex<[String: Int]>([:])
        let finished = DispatchSemaphore(value: 0)
        Self.onThread {
            let count = try? queue.submit(Self.batch("first", 1), ingestedAt: 0, write: write)
            results.withLock { $0["first"] = count ?? -1 }
            finished.signal()
        }
        firstWriteStarted.wait()
        for (i, size) in [2, 3, 4].enumerated() {
            Self.onThread {
                let count = try? queue.submit(Self.batch("b\(i)", size), ingestedAt: 0, write: write)
                results.withLock { $0["b\(i)"] = count ?? -1 }
                finished.signal()
            }
        }
        // The three wait behind the first write; let it finish once all are queued.
        while queue.waitingCount < 3 { Thread.sleep(forTimeInterval: 0.001) }
        releaseFirstWrite.signal()
        for _ in 0..<4 { finished.wait() }
        #expect(rounds.withLock { $0 }.map { $0.sorted() } == [[1], [2, 3, 4]])  // the three in any order
        #expect(results.withLock { $0 } == ["first": 1, "b0": 2, "b1": 3, "b2": 4])
    }

    struct Refused: Error {}

    @Test func aFailingBatchFailsAloneAndTheRestAreWritten() throws {
        let queue = GroupCommit()
        let firstWriteStarted = DispatchSemaphore(value: 0)
        let releaseFirstWrite = DispatchSemaphore(value: 0)
        let calls = Mutex(0)
        let write: GroupCommit.Write = { batches, _ in
            if calls.withLock({ $0 += 1; return $0 }) == 1 {
                firstWriteStarted.signal()
                releaseFirstWrite.wait()
            }
            if batches.contains(where: { $0.first?.id.hasPrefix("bad") == true }) { throw Refused() }
            return batches.map(\.count)
        }
        let results = Mutex<[String: String]>([:])
        let finished = DispatchSemaphore(value: 0)
        for (name, size) in [("first", 1), ("good1", 2), ("bad", 3), ("good2", 4)] {
            Self.onThread {
                let outcome: String
                do { outcome = "\(try queue.submit(Self.batch(name, size), ingestedAt: 0, write: write))" } catch { outcome = "failed" }
                results.withLock { $0[name] = outcome }
                finished.signal()
            }
            if name == "first" { firstWriteStarted.wait() }
        }
        while queue.waitingCount < 3 { Thread.sleep(forTimeInterval: 0.001) }
        releaseFirstWrite.signal()
        for _ in 0..<4 { finished.wait() }
        #expect(results.withLock { $0 } == ["first": "1", "good1": "2", "bad": "failed", "good2": "4"])
    }

    @Test func concurrentIngestStoresEveryEventOnceWithItsMeterRows() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("group-commit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let om = try OpenMeterApp(configuration: OpenMeterConfiguration(dataPath: folder.appendingPathComponent("e.sqlite").path, metersFile: builtInMetersFile))
        let store = om.store
        try await withThrowingTaskGroup(of: Void.self) { group in
            for request in 0..<16 {
                group.addTask {
                    let events = (0..<500).map { i in
                        CloudEvent(id: "r\(request)-\(i % 400)", source: "test", type: "ai_credits", subject: "acme", time: 1_768_039_200 + Int64(i),
                                   data: #"{"credits":1,"user":"u\#(i % 7)"}"#)
                    }
                    try await offCooperativePool { try store.ingest(events, ingestedAt: 0) }
                }
            }
            try await group.waitForAll()
        }
        // Each request repeats 100 of its ids: those are deduplicated within its own batch.
        #expect(try store.eventCount() == 6_400)
        #expect(try await store.db.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM meter_rows") } == 6_400)
    }
}
