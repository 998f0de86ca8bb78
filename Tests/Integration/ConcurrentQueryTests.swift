import Foundation
import ProcessSupport
import StackClients
import Testing
import WireFormats

extension IntegrationTests {
    @Suite("fake-openmeter under concurrent load")
    struct ConcurrentQueries {
        /// Regression: meter queries read time slices in parallel. When GRDB's async reads held every
        /// reader connection while synchronous reads (meter lookups) blocked both cooperative threads,
        /// the process stopped answering. Many concurrent queries plus lookups must all complete, and agree.
        @Test("48 concurrent grouped queries and meter lookups all answer, with the same totals")
        func manyConcurrentQueries() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("credits-it-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let apiKey = "load-key"
            let server = try await StackUnderTest.startOpenMeter(directory: directory, dataFile: directory.appendingPathComponent("om.sqlite"), apiKey: apiKey)
            defer { _ = server.stop() }
            let http = HTTPRequester(timeout: .seconds(20))
            let control = FakeOpenMeterControl(baseURL: server.baseURL, apiKey: apiKey, requester: http)
            let end = "2026-01-15T00:00:00Z"
            #expect(try await control.seed(tenants: 2, events: 20_000, days: 7, seed: 3, end: end) == 20_000)

            let headers = [("Authorization", "Bearer \(apiKey)")]
            let query = server.baseURL + "/api/v1/meters/ai_credits/query?subject=tenant-01&from=2026-01-08T00:00:00Z&to=\(end)&groupBy=user&groupBy=module"
            let expected = try Self.total(try await http.get(query, headers: headers))
            #expect(expected > 0)

            // A deadlock shows as requests that never answer: each has the requester's 20 s deadline and
            // would throw. No wall-clock bound on the whole batch, which a busy machine would blur.
            let results = try await withThrowingTaskGroup(of: (Int, Double?).self) { group in
                for index in 0..<48 {
                    group.addTask {
                        if index % 3 == 2 {
                            return (try await http.get(server.baseURL + "/api/v1/meters/ai_credits", headers: headers).status, nil)
                        }
                        let reply = try await http.get(query, headers: headers)
                        return (reply.status, reply.status == 200 ? try Self.total(reply) : nil)
                    }
                }
                var all: [(Int, Double?)] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(results.count == 48)
            #expect(results.allSatisfy { $0.0 == 200 })
            for case let total? in results.map(\.1) {
                #expect(abs(total - expected) < 1e-6)
            }
        }

        /// Sum of the `value` of every row of a meter query answer.
        static func total(_ reply: HTTPReply) throws -> Double {
            guard reply.status == 200, case .array(let rows)? = try reply.json()["data"] else {
                throw StackClientError.invalidResponse(operation: "meter query", reason: "status \(reply.status): \(reply.text.prefix(200))")
            }
            return rows.reduce(0) { sum, row in
                if case .number(let value)? = row["value"] { return sum + value }
                return sum
            }
        }
    }
}
