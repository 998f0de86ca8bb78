import Foundation
import ProcessSupport
import StackClients
import Synchronization
import Testing
import WireFormats

extension IntegrationTests {
    @Suite("fake-openmeter durability")
    struct Durability {
        /// Ids of events whose batch the fake acknowledged with 204.
        final class Acknowledged: Sendable {
            let ids = Mutex<[String]>([])
            var count: Int { ids.withLock { $0.count } }
            func add(_ batch: [String]) { ids.withLock { $0 += batch } }
        }

        @Test("Events acknowledged with 204 survive kill -9 and a restart on the same --data file")
        func survivesKill9() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("credits-it-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let dataFile = directory.appendingPathComponent("openmeter.sqlite")
            let apiKey = "durable-key"
            let subject = "durable-tenant"

            let first = try await StackUnderTest.startOpenMeter(directory: directory, dataFile: dataFile, apiKey: apiKey)
            let control = FakeOpenMeterControl(baseURL: first.baseURL, apiKey: apiKey, requester: HTTPRequester(timeout: .seconds(10)))
            let acknowledged = Acknowledged()
            let base = Int64(Date.now.timeIntervalSince1970) - 86400

            // Four writers post batches until the process dies under them.
            let writers = Task {
                await withTaskGroup(of: Void.self) { group in
                    for writer in 0..<4 {
                        group.addTask {
                            var batchNumber = 0
                            while !Task.isCancelled {
                                let events = (0..<50).map { index in
                                    IngestEvent.credit(
                                        id: "w\(writer)-b\(batchNumber)-e\(index)", subject: subject, time: base + Int64(index),
                                        credits: 1, user: "u\(writer)", module: "m", product: "p", skill: "s")
                                }
                                guard (try? await control.ingest(events)) != nil else { return }
                                acknowledged.add(events.map(\.id))
                                batchNumber += 1
                            }
                        }
                    }
                }
            }
            let enough = try await waitUntil(timeout: .seconds(60), interval: .milliseconds(5)) { acknowledged.count >= 2000 }
            first.stop(signal: SIGKILL)
            await writers.value
            #expect(enough, "only \(acknowledged.count) events acknowledged before the kill")
            let acknowledgedIDs = Set(acknowledged.ids.withLock { $0 })
            try #require(!acknowledgedIDs.isEmpty)

            let second = try await StackUnderTest.startOpenMeter(directory: directory, dataFile: dataFile, apiKey: apiKey)
            defer { second.stop() }
            let reopened = FakeOpenMeterControl(baseURL: second.baseURL, apiKey: apiKey)
            let stored = try await reopened.listEvents(filter: .object([("subject", .object([("$eq", .string(subject))]))]))
            let storedIDs = Set(stored.map(\.id))
            let lost = acknowledgedIDs.subtracting(storedIDs)
            #expect(lost.isEmpty, "\(lost.count) of \(acknowledgedIDs.count) acknowledged events are gone after kill -9, e.g. \(lost.sorted().prefix(5))")
            #expect(stored.count == storedIDs.count, "events were duplicated: \(stored.count) listed, \(storedIDs.count) distinct")
            #expect(try await reopened.eventCount() >= acknowledgedIDs.count)
        }
    }
}
