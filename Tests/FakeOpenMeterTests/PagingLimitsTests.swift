import Testing

/// Every paged route over extreme integers: the answer is 200 or OpenMeter's 400, never a crash.
/// `page=4611686018427387905&pageSize=2` once trapped in the meter list (the wrapped offset became a
/// negative slice start) and killed the process.
@Suite struct PagingLimitsTests {
    static let extremes = ["0", "1", "2", "-1", "1000", "1001", "\(Int.max)", "\(Int.max / 2 + 1)", "\(Int.min)", "9223372036854775808", "abc", ""]

    /// Asserts 200 or a 400 that names the parameter, and that the server still answers.
    static func check(_ client: Client, _ uri: String, parameters: [String]) async throws -> Reply {
        let reply = try await client.get(uri)
        #expect(reply.status == .ok || reply.status == .badRequest, "\(uri): \(reply.status.code) \(reply.text)")
        if reply.status == .badRequest {
            let detail = reply.detail ?? ""
            #expect(parameters.contains { detail.contains("\"\($0)\"") }, "\(uri): the 400 must name the parameter: \(detail)")
            #expect(reply.contentType == "application/problem+json")
        }
        #expect(try await client.get("/health").status == .ok, "the server stopped answering after \(uri)")
        return reply
    }

    @Test func meterListPages() async throws {
        try await withFake { client in
            for slug in ["m_a", "m_b", "m_c"] {
                try await client.createMeter(slug: slug, aggregation: "COUNT", eventType: slug)
            }
            let total = try await client.get("/api/v1/meters").json.count
            for page in Self.extremes {
                for pageSize in Self.extremes {
                    let reply = try await Self.check(client, "/api/v1/meters?page=\(page)&pageSize=\(pageSize)", parameters: ["page", "pageSize"])
                    guard reply.status == .ok, let size = Int(pageSize), let index = Int(page) else { continue }
                    #expect(reply.json.count <= min(size, total))
                    if index > total { #expect(reply.json.count == 0, "page \(page) of \(total) meters") }
                }
            }
            // The request that used to crash: far past the end, an empty page.
            let crash = try await client.get("/api/v1/meters?page=4611686018427387905&pageSize=2")
            #expect(crash.status == .ok)
            #expect(crash.json == .array([]))
            // The last partial page is exact.
            let last = try await client.get("/api/v1/meters?page=2&pageSize=\(total - 1)")
            #expect(last.json.count == 1)
        }
    }

    @Test func eventListLimits() async throws {
        try await withFake { client in
            try await client.ingest((0..<3).map { event(id: "e\($0)", time: rfc3339(nowSeconds() - 60), data: #"{"credits":1}"#) })
            for limit in Self.extremes {
                for path in ["/api/v1/events", "/api/v2/events"] {
                    let reply = try await Self.check(client, "\(path)?limit=\(limit)", parameters: ["limit"])
                    if reply.status == .ok, let n = Int(limit) {
                        let count = path.hasPrefix("/api/v1") ? reply.json.count : reply.json["items"]?.count ?? -1
                        #expect(count == min(n, 3), "\(path)?limit=\(limit)")
                    }
                }
            }
        }
    }

    @Test func outOfRangeIntegersSayOutOfRange() async throws {
        try await withFake { client in
            let reply = try await client.get("/api/v1/meters?page=9223372036854775808")
            #expect(reply.status == .badRequest)
            #expect(reply.detail == #"parameter "page" in query has an error: value 9223372036854775808: an invalid integer: value out of range"#)
            let word = try await client.get("/api/v1/meters?page=abc")
            #expect(word.detail == #"parameter "page" in query has an error: value abc: an invalid integer: invalid syntax"#)
        }
    }
}
