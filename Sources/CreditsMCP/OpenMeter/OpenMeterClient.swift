import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import WireFormats

/// The two OpenMeter reads credits-mcp needs: the meter query (totals, breakdowns) and the v2
/// event list read page by page (so ranges over 100 events or 32 days are complete).
/// Each request has a deadline; a transient failure (unreachable, timeout, 429, 5xx) is retried once.
///
/// Errors carry a caller-safe `message` (no URL, host, port or raw Swift error) and a `detail` for the log.
public struct OpenMeterClient: Sendable {
    public struct MeterRow: Sendable, Equatable {
        public var value: Double
        public var groupBy: [String: String]
    }

    public struct CreditEvent: Sendable, Equatable {
        public var time: Int64
        public var data: JSONValue

        public init(time: Int64, data: JSONValue) {
            self.time = time
            self.data = data
        }
    }

    public let baseURL: String
    let apiKey: String
    let timeout: Duration
    let retryDelay: Duration
    let httpClient: HTTPClient
    /// The most events one listing reads: five full Excel sheets (5 × 1,048,575 rows), about 75 MB of .xlsx.
    /// Memory does not limit it (events stream to the file page by page); the file's size and the time
    /// to read that many pages do. Also a guard against a server that never stops paging.
    public static let maximumEvents = 5_000_000

    public init(
        baseURL: String, apiKey: String, timeout: Duration, retryDelay: Duration = .milliseconds(250),
        httpClient: HTTPClient = OutboundHTTP.client
    ) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.timeout = timeout
        self.retryDelay = retryDelay
        self.httpClient = httpClient
    }

    /// `GET /api/v1/meters/{slug}/query?subject=…&from=…&to=…&groupBy=…` (from inclusive, to exclusive).
    public func queryMeter(slug: String, subject: String, from: String, to: String, groupBy: [String]) async throws -> [MeterRow] {
        var query = [("subject", subject), ("from", from), ("to", to)]
        query += groupBy.map { ("groupBy", $0) }
        let rows = try await get(
            path: "/api/v1/meters/\(Self.pathEscape(slug))/query", query: query, what: "the \(slug) meter query", decode: Self.meterRows
        )
        guard let rows else {
            throw OpenMeterError(kind: .invalidResponse, message: "OpenMeter's meter query answer has no data array")
        }
        return rows
    }

    /// The rows of a meter query answer (nil without a `data` array), read straight from the bytes: a
    /// grouped week is thousands of rows, and a JSON tree of them cost more than the rest of the tool.
    /// Rows whose value is not a number are left out; a group-by value that is not a string reads "".
    static func meterRows(_ bytes: [UInt8]) throws(JSONParser.Failure) -> [MeterRow]? {
        var parser = JSONParser(bytes: bytes)
        var rows: [MeterRow]?
        try parser.parseObjectMembers { (key, p) throws(JSONParser.Failure) in
            guard key == "data", rows == nil, p.peek() == UInt8(ascii: "[") else { try p.skipValue(); return }
            var found: [MeterRow] = []
            try p.parseArrayElements { (p) throws(JSONParser.Failure) in
                guard p.peek() == UInt8(ascii: "{") else { try p.skipValue(); return }
                var value: Double?
                var groups: [String: String] = [:]
                try p.parseObjectMembers { (key, p) throws(JSONParser.Failure) in
                    switch key {
                    case "value":
                        if case .number(let number) = try p.parseValue() { value = number }
                    case "groupBy" where p.peek() == UInt8(ascii: "{"):
                        try p.parseObjectMembers { (name, p) throws(JSONParser.Failure) in
                            groups[name] = p.peek() == UInt8(ascii: "\"") ? try p.parseString() : (try p.parseValue()).stringValue ?? ""
                        }
                    default:
                        try p.skipValue()
                    }
                }
                if let value { found.append(MeterRow(value: value, groupBy: groups)) }
            }
            rows = found
        }
        try parser.expectEnd()
        return rows
    }

    /// Every event of `type` for `subject` with `from <= time < to`, page by page, following `nextCursor`.
    ///
    /// `body` receives each page's events (in OpenMeter's order: newest first, see below) before the next
    /// page is requested, so a listing of any length holds one page at a time. Returns the number of events.
    ///
    /// Order: OpenMeter's v2 list orders by `time` descending (ties by id) and its cursor continues after the
    /// last event of the previous page, so the concatenated pages are newest first without a global sort.
    /// (fake-openmeter: `ORDER BY time DESC, id DESC, seq DESC` with a `(time, id, seq) <` cursor.)
    ///
    /// Guards: one deadline for the whole listing (twelve request timeouts), a repeated cursor, and more than
    /// `maximumEvents` events all end the listing with an `OpenMeterError`.
    @discardableResult
    public func forEachEventPage(
        type: String, subject: String, from: String, to: String, maximumEvents: Int = maximumEvents,
        _ body: ([CreditEvent]) async throws -> Void
    ) async throws -> Int {
        var filter = JSONWriter()
        filter.raw("{\"subject\":{\"$eq\":"); filter.string(subject)
        filter.raw("},\"type\":{\"$eq\":"); filter.string(type)
        filter.raw("},\"time\":{\"$and\":[{\"$gte\":"); filter.string(from)
        filter.raw("},{\"$lt\":"); filter.string(to)
        filter.raw("}]}}")
        let filterText = String(decoding: filter.bytes, as: UTF8.self)
        var count = 0
        var cursor: String?
        var seenCursors: Set<String> = []
        // Each page has its own deadline; the whole listing gets twelve of them, so a slow OpenMeter
        // answering every page just in time still ends in a clear error rather than minutes later.
        let budget = timeout * 12
        let deadline = ContinuousClock.now + budget
        repeat {
            guard ContinuousClock.now < deadline else {
                throw OpenMeterError(kind: .timeout, message: "OpenMeter did not list the range's events within \(budget.components.seconds) s (\(count) read so far); choose a shorter range")
            }
            var query = [("limit", "100"), ("filter", filterText)]
            if let cursor { query.append(("cursor", cursor)) }
            let page = try await get(path: "/api/v2/events", query: query, what: "the event list")
            guard case .array(let items)? = page["items"] else {
                throw OpenMeterError(kind: .invalidResponse, message: "OpenMeter's event list answer has no items array")
            }
            var events: [CreditEvent] = []
            events.reserveCapacity(items.count)
            for item in items {
                guard let event = item["event"], let timeText = event["time"]?.stringValue, let time = RFC3339.parse(timeText) else { continue }
                events.append(CreditEvent(time: time.seconds, data: event["data"] ?? .null))
            }
            count += events.count
            guard count <= maximumEvents else {
                throw OpenMeterError(kind: .tooManyEvents, message: "the range holds more than \(maximumEvents) events; choose a shorter range")
            }
            cursor = items.isEmpty ? nil : page["nextCursor"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            if let next = cursor, !seenCursors.insert(next).inserted {
                throw OpenMeterError(kind: .invalidResponse, message: "OpenMeter repeated a page cursor while listing events")
            }
            if !events.isEmpty { try await body(events) }
        } while cursor != nil
        return count
    }

    func get(path: String, query: [(String, String)], what: String) async throws -> JSONValue {
        try await get(path: path, query: query, what: what, decode: JSONParser.parse)
    }

    /// A GET whose 200 body `decode` reads; one retry after a transient failure.
    func get<T: Sendable>(
        path: String, query: [(String, String)], what: String, decode: @Sendable ([UInt8]) throws(JSONParser.Failure) -> T
    ) async throws -> T {
        var components = URLComponents()
        components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
        // URLComponents leaves `+` and `;` alone; OpenMeter would read `+` as a space.
        let encodedQuery = (components.percentEncodedQuery ?? "")
            .replacingOccurrences(of: "+", with: "%2B").replacingOccurrences(of: ";", with: "%3B")
        let url = baseURL + path + (encodedQuery.isEmpty ? "" : "?" + encodedQuery)
        do {
            return try await attempt(url: url, what: what, decode: decode)
        } catch let error as OpenMeterError where error.isTransient {
            try await Task.sleep(for: error.kind == .rateLimited ? retryDelay * 4 : retryDelay)
            return try await attempt(url: url, what: what, decode: decode)
        }
    }

    private func attempt<T: Sendable>(
        url: String, what: String, decode: @Sendable ([UInt8]) throws(JSONParser.Failure) -> T
    ) async throws -> T {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        request.headers.add(name: "Accept", value: "application/json")
        let seconds = Int64(timeout.components.seconds)
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await httpClient.execute(request, timeout: .seconds(seconds))
            body = try await response.body.collect(upTo: 256 * 1024 * 1024)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw OpenMeterError(kind: .timeout, message: "OpenMeter did not answer \(what) within \(seconds) s", detail: "GET \(url): \(error)")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let reason = Self.reason(error)
            throw OpenMeterError(
                kind: .unreachable, message: "OpenMeter is unreachable" + (reason.map { ": \($0)" } ?? ""),
                detail: "\(baseURL): \(Self.truncated(String(describing: error), 500))")
        }
        let status = Int(response.status.code)
        guard status == 200 else {
            let problem = (try? JSONParser.parse(Array(body.readableBytesView)))?["detail"]?.stringValue
            let detail = "GET \(url): HTTP \(status)" + (problem.map { ": \(Self.truncated($0, 500))" } ?? "")
            // OpenMeter's problem text says what was wrong with a request (4xx) and is shown when it names
            // no address; for 5xx it describes OpenMeter's own internals and stays in the log.
            let shown = problem.flatMap(Self.callerSafe).map { ": \($0)" } ?? ""
            switch status {
            case 401, 403:
                throw OpenMeterError(kind: .unauthorized, message: "OpenMeter refused the API key (HTTP \(status)); check OPENMETER_API_KEY", detail: detail)
            case 429:
                throw OpenMeterError(kind: .rateLimited, message: "OpenMeter is rate limiting requests (HTTP 429); try again in a moment", detail: detail)
            case 404:
                throw OpenMeterError(kind: .notFound, message: "OpenMeter answered 404 for \(what)\(shown)", detail: detail)
            case 400..<500:
                throw OpenMeterError(kind: .badRequest, message: "OpenMeter rejected \(what) (HTTP \(status))\(shown)", detail: detail)
            default:
                throw OpenMeterError(kind: .server, message: "OpenMeter failed on \(what) (HTTP \(status))", detail: detail)
            }
        }
        do {
            return try decode(Array(body.readableBytesView))
        } catch {
            throw OpenMeterError(kind: .invalidResponse, message: "OpenMeter's answer to \(what) is not valid JSON", detail: "GET \(url): \(error)")
        }
    }

    static func pathEscape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? segment
    }

    /// A fixed phrase for a connection failure, never the error's own text (which names addresses and types).
    static func reason(_ error: any Error) -> String? {
        let text = String(describing: error)
        let lower = text.lowercased()
        if text.contains("connectionRefused") || lower.contains("connection refused") { return "connection refused" }
        if text.contains("remoteConnectionClosed") || lower.contains("connection reset") { return "the connection closed before an answer" }
        if lower.contains("getaddrinfo") || text.contains("SocketAddressError") || lower.contains("dns") || lower.contains("resolve") {
            return "its host name could not be resolved"
        }
        if lower.contains("ssl") || lower.contains("tls") || lower.contains("handshake") || lower.contains("certificate") {
            return "the TLS connection failed"
        }
        if error is HTTPParserError || error is NIOHTTPDecoderError || text.contains("HTTPParserError") || text.contains("HTTPDecoderError") {
            return "its answer was not valid HTTP"
        }
        return nil
    }

    /// OpenMeter's problem text when it is safe to show: one line, at most 200 characters, and nil when it
    /// names a URL, an IP address or a `host:port`.
    static func callerSafe(_ problem: String) -> String? {
        let line = problem.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        guard !line.isEmpty else { return nil }
        let lower = line.lowercased()
        if lower.contains("://") || lower.contains("localhost") || line.contains("]:") { return nil }
        if containsAddress(Array(line.utf8)) { return nil }
        return truncated(line, 200)
    }

    /// A dotted quad (`10.0.0.5`) or a host name followed by a port (`clickhouse:9000`, not the `10:00:00` of a time).
    static func containsAddress(_ bytes: [UInt8]) -> Bool {
        func isDigit(_ i: Int) -> Bool { i >= 0 && i < bytes.count && bytes[i] >= 48 && bytes[i] <= 57 }
        func isLetter(_ i: Int) -> Bool {
            i >= 0 && i < bytes.count && ((bytes[i] >= 65 && bytes[i] <= 90) || (bytes[i] >= 97 && bytes[i] <= 122))
        }
        func isHostByte(_ i: Int) -> Bool { isDigit(i) || isLetter(i) || (i >= 0 && i < bytes.count && (bytes[i] == 45 || bytes[i] == 46)) }
        var index = 0
        while index < bytes.count {
            if isDigit(index), !isDigit(index - 1) {
                // digits and dots: count the dots of a run like 10.0.0.5
                var end = index, dots = 0
                while isDigit(end) || (end < bytes.count && bytes[end] == 46 && isDigit(end + 1)) {
                    if bytes[end] == 46 { dots += 1 }
                    end += 1
                }
                if dots == 3 { return true }
            }
            if bytes[index] == 58, isHostByte(index - 1), isDigit(index + 1), isDigit(index + 2) {
                var start = index - 1
                var hasLetter = false
                while isHostByte(start) {
                    if isLetter(start) { hasLetter = true }
                    start -= 1
                }
                var end = index + 1
                while isDigit(end) { end += 1 }
                let portLength = end - index - 1
                let followedByTime = end < bytes.count && bytes[end] == 58 && isDigit(end + 1)
                if hasLetter, portLength <= 5, !followedByTime { return true }
            }
            index += 1
        }
        return false
    }

    static func truncated(_ text: String, _ limit: Int) -> String {
        text.count > limit ? String(text.prefix(limit)) + "…" : text
    }
}
