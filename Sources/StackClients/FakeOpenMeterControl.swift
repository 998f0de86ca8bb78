import NIOHTTP1
import WireFormats

/// Drives one fake-openmeter process over HTTP: ingests events through the real API and uses
/// the fake-only `/_fake/` hooks (faults, request journal, reset, seed, stats).
///
/// API calls send `Authorization: Bearer <apiKey>` when `apiKey` is set; the `/_fake/` routes
/// need no key. Every method throws `StackClientError.unexpectedStatus` when the fake answers
/// anything but the documented success status.
public struct FakeOpenMeterControl: Sendable {
    /// E.g. `http://127.0.0.1:8888`, without a trailing slash.
    public let baseURL: String
    public let apiKey: String?
    let http: HTTPRequester

    public init(baseURL: String, apiKey: String? = nil, requester: HTTPRequester = HTTPRequester()) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.apiKey = apiKey
        self.http = requester
    }

    // MARK: - OpenMeter API

    /// `POST /api/v1/events` with the batch; returns once the fake acknowledged it with 204.
    public func ingest(_ events: [IngestEvent]) async throws {
        let reply = try await ingestReply(events)
        try expect(reply, 204, "POST /api/v1/events")
    }

    /// `POST /api/v1/events` with the batch, returning whatever the fake answered.
    public func ingestReply(_ events: [IngestEvent]) async throws -> HTTPReply {
        try await http.send(
            .POST, baseURL + "/api/v1/events",
            headers: authorization + [("Content-Type", "application/cloudevents-batch+json")],
            body: IngestEvent.batchBody(events)
        )
    }

    /// Every event matching the v2 `filter` (a JSON object such as `{"subject":{"$eq":"t1"}}`, nil for all),
    /// read page by page with `GET /api/v2/events` and its cursor, newest first.
    public func listEvents(filter: JSONValue? = nil, pageSize: Int = 100) async throws -> [StoredEvent] {
        var filterText: String?
        if let filter {
            var w = JSONWriter(capacity: 128)
            w.value(filter)
            filterText = String(decoding: w.bytes, as: UTF8.self)
        }
        var events: [StoredEvent] = []
        var cursor: String?
        repeat {
            var query = [("limit", String(pageSize))]
            if let filterText { query.append(("filter", filterText)) }
            if let cursor { query.append(("cursor", cursor)) }
            let reply = try await http.get(baseURL + "/api/v2/events?" + Self.queryString(query), headers: authorization)
            try expect(reply, 200, "GET /api/v2/events")
            let page = try reply.json(operation: "GET /api/v2/events")
            guard case .array(let items)? = page["items"] else {
                throw StackClientError.invalidResponse(operation: "GET /api/v2/events", reason: "no items array")
            }
            events += items.compactMap(StoredEvent.init(item:))
            cursor = items.isEmpty ? nil : page["nextCursor"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        } while cursor != nil
        return events
    }

    // MARK: - Health and state

    /// True when `GET /health` answers 200.
    public func isHealthy() async -> Bool {
        (try? await http.get(baseURL + "/health"))?.status == 200
    }

    /// `POST /_fake/reset`: removes every event, re-seeds the meters, clears faults and the journal.
    public func reset() async throws {
        try expect(try await http.send(.POST, baseURL + "/_fake/reset"), 204, "POST /_fake/reset")
    }

    /// `GET /_fake/stats`: the number of stored events.
    public func eventCount() async throws -> Int {
        let reply = try await http.get(baseURL + "/_fake/stats")
        try expect(reply, 200, "GET /_fake/stats")
        guard case .number(let count)? = try reply.json(operation: "GET /_fake/stats")["events"] else {
            throw StackClientError.invalidResponse(operation: "GET /_fake/stats", reason: "no events count")
        }
        return Int(count)
    }

    /// `POST /_fake/seed`: deterministic demo events; returns how many were new.
    public func seed(tenants: Int, events: Int, days: Int, seed: UInt64, end: String? = nil) async throws -> Int {
        var members: [(key: String, value: JSONValue)] = [
            ("tenants", .number(Double(tenants))), ("events", .number(Double(events))),
            ("days", .number(Double(days))), ("seed", .number(Double(seed))),
        ]
        if let end { members.append(("end", .string(end))) }
        var w = JSONWriter(capacity: 128)
        w.value(.object(members))
        let reply = try await http.send(.POST, baseURL + "/_fake/seed", headers: [("Content-Type", "application/json")], body: w.bytes)
        try expect(reply, 200, "POST /_fake/seed")
        guard case .number(let inserted)? = try reply.json(operation: "POST /_fake/seed")["inserted"] else {
            throw StackClientError.invalidResponse(operation: "POST /_fake/seed", reason: "no inserted count")
        }
        return Int(inserted)
    }

    // MARK: - Faults

    /// `POST /_fake/faults`; returns the new rule's id.
    @discardableResult
    public func addFault(_ fault: FaultSpec) async throws -> String {
        let reply = try await http.send(.POST, baseURL + "/_fake/faults", headers: [("Content-Type", "application/json")], body: fault.json)
        try expect(reply, 201, "POST /_fake/faults")
        guard let id = try reply.json(operation: "POST /_fake/faults")["id"]?.stringValue else {
            throw StackClientError.invalidResponse(operation: "POST /_fake/faults", reason: "no id in \(reply.text)")
        }
        return id
    }

    /// `DELETE /_fake/faults/{id}`.
    public func removeFault(id: String) async throws {
        let reply = try await http.send(.DELETE, baseURL + "/_fake/faults/" + URLText.percentEncoded(id))
        try expect(reply, 204, "DELETE /_fake/faults/\(id)")
    }

    /// `DELETE /_fake/faults`: removes every rule.
    public func clearFaults() async throws {
        try expect(try await http.send(.DELETE, baseURL + "/_fake/faults"), 204, "DELETE /_fake/faults")
    }

    // MARK: - Request journal

    /// `GET /_fake/requests`, optionally only paths matching the pattern (`*`, `**` as for faults).
    /// With a pattern, count `entries`: the snapshot's `total` counts every request.
    public func requests(matching pathPattern: String? = nil) async throws -> RequestJournalSnapshot {
        let url = baseURL + "/_fake/requests" + (pathPattern.map { "?" + Self.queryString([("path", $0)]) } ?? "")
        let reply = try await http.get(url)
        try expect(reply, 200, "GET /_fake/requests")
        return try RequestJournalSnapshot(reply.json(operation: "GET /_fake/requests"))
    }

    /// `DELETE /_fake/requests`: empties the journal.
    public func clearRequests() async throws {
        try expect(try await http.send(.DELETE, baseURL + "/_fake/requests"), 204, "DELETE /_fake/requests")
    }

    // MARK: - Helpers

    private var authorization: [(String, String)] {
        apiKey.map { [("Authorization", "Bearer \($0)")] } ?? []
    }

    private func expect(_ reply: HTTPReply, _ status: Int, _ operation: String) throws {
        guard reply.status == status else {
            throw StackClientError.unexpectedStatus(operation: operation, status: reply.status, body: reply.text)
        }
    }

    /// `name=value&…`, each part percent-encoded (everything but RFC 3986 unreserved characters).
    static func queryString(_ items: [(String, String)]) -> String {
        items.map { URLText.percentEncoded($0.0) + "=" + URLText.percentEncoded($0.1) }.joined(separator: "&")
    }
}
