import Foundation
import StackClients
import Testing

extension IntegrationTests {
    /// The request that used to kill fake-openmeter (an overflowing page offset), on the real process.
    @Suite("fake-openmeter survives extreme paging")
    struct PagingCrash {
        @Test("A page far past the end is an empty page and the process lives on")
        func overflowingPageIsAnEmptyPage() async throws {
            try await StackUnderTest.with { stack in
                let auth = [("Authorization", "Bearer \(stack.apiKey)")]
                for query in ["page=4611686018427387905&pageSize=2", "page=\(Int.max)&pageSize=1000", "page=\(Int.max / 2 + 1)&pageSize=\(Int.max)"] {
                    let reply = try await stack.http.get(stack.openMeter.baseURL + "/api/v1/meters?" + query, headers: auth)
                    #expect(reply.status == 200 || reply.status == 400, "\(query): \(reply.status) \(reply.text)")
                    if reply.status == 200 { #expect(reply.text == "[]", "\(query): \(reply.text)") }
                    let health = try await stack.http.get(stack.openMeter.baseURL + "/health")
                    #expect(health.status == 200, "fake-openmeter died after \(query)")
                }
                #expect(stack.openMeter.isRunning)
            }
        }
    }
}
