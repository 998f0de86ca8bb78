import FakeOpenMeter
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// A parsed JSON document, decoded with `JSONDecoder` so numbers, booleans and nulls stay distinct.
enum J: Decodable, Equatable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([J])
    case object([String: J])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([J].self) { self = .array(a) }
        else { self = .object(try c.decode([String: J].self)) }
    }

    subscript(key: String) -> J? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    subscript(index: Int) -> J? {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }

    var string: String? { if case .string(let s) = self { s } else { nil } }
    var number: Double? { if case .number(let n) = self { n } else { nil } }
    var array: [J]? { if case .array(let a) = self { a } else { nil } }
    var object: [String: J]? { if case .object(let o) = self { o } else { nil } }
    var keys: Set<String> { Set(object?.keys.map { $0 } ?? []) }
    var count: Int { array?.count ?? object?.count ?? 0 }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let n): "\(n)"
        case .string(let s): "\"\(s)\""
        case .array(let a): "[" + a.map(\.description).joined(separator: ",") + "]"
        case .object(let o): "{" + o.keys.sorted().map { "\"\($0)\":\(o[$0]!.description)" }.joined(separator: ",") + "}"
        }
    }
}

/// One answer from the fake.
struct Reply: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var text: String

    var json: J {
        (try? JSONDecoder().decode(J.self, from: Data(text.utf8))) ?? .string("<not JSON: \(text)>")
    }

    var contentType: String? { headers[.contentType] }
    /// `detail` of a problem+json body.
    var detail: String? { json["detail"]?.string }
}

/// A client bound to one in-process fake-openmeter.
struct Client: Sendable {
    let client: any TestClientProtocol
    var bearer: String?

    func send(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], body: String? = nil) async throws -> Reply {
        var fields = headers
        if let bearer, fields[.authorization] == nil { fields[.authorization] = "Bearer \(bearer)" }
        let response = try await client.execute(
            uri: uri, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) }
        )
        return Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }

    func get(_ uri: String, accept: String? = nil) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let accept { headers[.accept] = accept }
        return try await send(.get, uri, headers: headers)
    }

    func post(_ uri: String, json: String, contentType: String? = "application/json", accept: String? = nil) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let contentType { headers[.contentType] = contentType }
        if let accept { headers[.accept] = accept }
        return try await send(.post, uri, headers: headers, body: json)
    }

    /// Ingests events (a JSON array) as one batch and expects 204.
    func ingest(_ events: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let reply = try await post(
            "/api/v1/events", json: "[" + events.joined(separator: ",") + "]", contentType: "application/cloudevents-batch+json"
        )
        #expect(reply.status == .noContent, "ingest answered \(reply.status.code): \(reply.text)", sourceLocation: sourceLocation)
    }

    /// Creates a meter and expects 201.
    @discardableResult
    func createMeter(
        slug: String, aggregation: String, eventType: String, valueProperty: String? = nil,
        groupBy: [String: String] = [:], extra: String = "", sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> J {
        var fields = ["\"slug\":\(quote(slug))", "\"aggregation\":\(quote(aggregation))", "\"eventType\":\(quote(eventType))"]
        if let valueProperty { fields.append("\"valueProperty\":\(quote(valueProperty))") }
        if !groupBy.isEmpty {
            fields.append("\"groupBy\":{" + groupBy.keys.sorted().map { "\(quote($0)):\(quote(groupBy[$0]!))" }.joined(separator: ",") + "}")
        }
        if !extra.isEmpty { fields.append(extra) }
        let reply = try await post("/api/v1/meters", json: "{" + fields.joined(separator: ",") + "}")
        #expect(reply.status == .created, "create meter answered \(reply.status.code): \(reply.text)", sourceLocation: sourceLocation)
        return reply.json
    }

    /// Number of stored events, from the fake-only stats route.
    func eventCount() async throws -> Int {
        Int(try await get("/_fake/stats").json["events"]?.number ?? -1)
    }
}

/// Runs `body` against a fresh in-memory fake (each test its own app and database).
func withFake(
    apiKey: String? = nil, metersFile: String? = nil,
    _ body: @Sendable (Client) async throws -> Void
) async throws {
    var logger = Logger(label: "fake-openmeter-tests")
    logger.logLevel = .error
    let om = try OpenMeterApp(
        configuration: OpenMeterConfiguration(dataPath: ":memory:", apiKey: apiKey, metersFile: metersFile ?? builtInMetersFile),
        logger: logger
    )
    let app = Application(router: om.buildRouter())
    try await app.test(.router) { client in
        try await body(Client(client: client, bearer: apiKey))
    }
}

/// The built-in catalog written once to a temporary file, so tests do not depend on the working directory.
let builtInMetersFile: String = {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("fake-openmeter-tests-meters-\(getpid()).yaml").path
    try? MeterCatalog.builtIn.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}()

/// A JSON string literal.
func quote(_ text: String) -> String {
    var out = "\""
    for ch in text.unicodeScalars {
        switch ch {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default: out.unicodeScalars.append(ch)
        }
    }
    return out + "\""
}

/// A CloudEvent as JSON text. `time` nil leaves it out; `data` is raw JSON text (nil leaves it out).
func event(
    id: String, source: String = "test", type: String = "ai_credits", subject: String = "acme",
    time: String? = nil, data: String? = nil
) -> String {
    var fields = [
        "\"specversion\":\"1.0\"", "\"id\":\(quote(id))", "\"source\":\(quote(source))",
        "\"type\":\(quote(type))", "\"subject\":\(quote(subject))",
    ]
    if let time { fields.append("\"time\":\(quote(time))") }
    if let data { fields.append("\"data\":\(data)") }
    return "{" + fields.joined(separator: ",") + "}"
}

/// A query string, every value percent-encoded (`+`, `:` and JSON punctuation included).
func query(_ pairs: [(String, String)]) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return pairs.map { key, value in
        (key.addingPercentEncoding(withAllowedCharacters: allowed) ?? key) + "=" + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)
    }.joined(separator: "&")
}

/// RFC 3339 (UTC, whole seconds) for a Unix time.
func rfc3339(_ seconds: Int64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
}

/// The instant an RFC 3339 string names (any offset, optional fraction), as Unix seconds.
func instant(_ text: String?) -> Int64? {
    guard let text else { return nil }
    let plain = ISO8601DateFormatter()
    plain.formatOptions = [.withInternetDateTime]
    if let date = plain.date(from: text) { return Int64(date.timeIntervalSince1970.rounded(.down)) }
    let fractional = ISO8601DateFormatter()
    fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return fractional.date(from: text).map { Int64($0.timeIntervalSince1970.rounded(.down)) }
}

/// Unix seconds now, whole.
func nowSeconds() -> Int64 { Int64(Date().timeIntervalSince1970) }
typealias HTTPMethod = HTTPRequest.Method
