import Foundation
import Testing

/// One row of a meter query result, with window bounds normalised to UTC so zones compare by instant.
struct QRow: Equatable, CustomStringConvertible {
    var value: Double
    var windowStart: String
    var windowEnd: String
    var subject: String?
    var groupBy: [String: String]

    init(_ value: Double, _ windowStart: String, _ windowEnd: String, subject: String? = nil, _ groupBy: [String: String] = [:]) {
        self.value = value
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.subject = subject
        self.groupBy = groupBy
    }

    var description: String {
        "\(value) [\(windowStart), \(windowEnd)) subject=\(subject ?? "null") \(groupBy.keys.sorted().map { "\($0)=\(groupBy[$0]!)" })"
    }
}

/// The rows of a JSON query reply; records an issue when a row lacks a required field.
func rows(_ reply: Reply, sourceLocation: SourceLocation = #_sourceLocation) -> [QRow] {
    guard let data = reply.json["data"]?.array else {
        Issue.record("no data array in \(reply.status.code) \(reply.text)", sourceLocation: sourceLocation)
        return []
    }
    return data.map { row in
        #expect(row.keys.isSuperset(of: ["value", "windowStart", "windowEnd", "subject", "groupBy"]), "\(row)", sourceLocation: sourceLocation)
        var groupBy: [String: String] = [:]
        if case .object(let members)? = row["groupBy"] {
            for (key, value) in members { groupBy[key] = value.string ?? "<\(value)>" }
        } else {
            Issue.record("groupBy is not an object: \(row)", sourceLocation: sourceLocation)
        }
        return QRow(
            row["value"]?.number ?? .nan,
            instant(row["windowStart"]?.string).map(rfc3339) ?? "bad \(row["windowStart"]?.description ?? "nil")",
            instant(row["windowEnd"]?.string).map(rfc3339) ?? "bad \(row["windowEnd"]?.description ?? "nil")",
            subject: row["subject"]?.string,
            groupBy
        )
    }
}

/// The `calls` events behind the query tests, on 2026-01-10 (hand-computed answers in each test):
///
/// | id  | time     | subject | tokens  | model   | region | user |
/// |-----|----------|---------|---------|---------|--------|------|
/// | q1  | 10:00:05 | acme    | 10      | gpt     | eu     | u1   |
/// | q2  | 10:00:40 | acme    | 3       | gpt     | us     | u2   |
/// | q3  | 10:30:00 | beta    | 20      | claude  | eu     | u1   |
/// | q4  | 11:15:00 | acme    | "7.5"   | claude  | eu     | u3   |
/// | q5  | 11:20:00 | beta    | "NaN"   | gpt     | us     | u1   |
/// | q6  | 11:25:00 | beta    | —       | gpt     | eu     | u2   |
/// | q7  | 11:30:00 | beta    | "abc"   | gpt     | us     | u2   |
/// | q8  | 11:45:30 | acme    | 4       | gpt     | eu     | u1   |
/// | q9  | 11:50:00 | beta    | "Inf"   | mistral | eu     | u4   |
/// | q10 | 11:50:10 | acme    | null    | gpt     | eu     | u1   |
///
/// Numeric values: 10, 3, 20, 7.5, 4 (sum 44.5). Plus one `other` event (tokens 1000) that no meter counts.
enum CallsFixture {
    static let events: [String] = [
        call("q1", "10:00:05", "acme", "10", "gpt", "eu", "u1"),
        call("q2", "10:00:40", "acme", "3", "gpt", "us", "u2"),
        call("q3", "10:30:00", "beta", "20", "claude", "eu", "u1"),
        call("q4", "11:15:00", "acme", #""7.5""#, "claude", "eu", "u3"),
        call("q5", "11:20:00", "beta", #""NaN""#, "gpt", "us", "u1"),
        call("q6", "11:25:00", "beta", nil, "gpt", "eu", "u2"),
        call("q7", "11:30:00", "beta", #""abc""#, "gpt", "us", "u2"),
        call("q8", "11:45:30", "acme", "4", "gpt", "eu", "u1"),
        call("q9", "11:50:00", "beta", #""Inf""#, "mistral", "eu", "u4"),
        call("q10", "11:50:10", "acme", "null", "gpt", "eu", "u1"),
        event(id: "x1", type: "other", subject: "acme", time: "2026-01-10T10:10:00Z", data: #"{"tokens":1000,"model":"gpt","region":"eu","user":"u9"}"#),
    ]

    static func call(_ id: String, _ time: String, _ subject: String, _ tokens: String?, _ model: String, _ region: String, _ user: String) -> String {
        var data = "{"
        if let tokens { data += #""tokens":\#(tokens),"# }
        data += #""model":"\#(model)","region":"\#(region)","user":"\#(user)"}"#
        return event(id: id, type: "calls", subject: subject, time: "2026-01-10T\(time)Z", data: data)
    }

    /// A fresh fake with the fixture and a meter `calls_<aggregation>` per aggregation asked for.
    static func withCalls(_ aggregations: [String] = ["SUM"], _ body: @Sendable @escaping (Client) async throws -> Void) async throws {
        try await withFake { client in
            for aggregation in aggregations {
                try await client.createMeter(
                    slug: "calls_" + aggregation.lowercased(), aggregation: aggregation, eventType: "calls",
                    valueProperty: aggregation == "COUNT" ? nil : (aggregation == "UNIQUE_COUNT" ? "$.user" : "$.tokens"),
                    groupBy: aggregation == "UNIQUE_COUNT" ? ["model": "$.model"] : ["model": "$.model", "region": "$.region", "user": "$.user"]
                )
            }
            try await client.ingest(events)
            try await body(client)
        }
    }
}
