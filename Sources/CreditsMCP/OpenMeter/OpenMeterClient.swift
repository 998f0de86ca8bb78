import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import WireFormats

/// The two OpenMeter reads credits-mcp needs: the meter query (totals, breakdowns) and the v2
/// event list read page by page (so ranges over 100 events or 32 days are complete).
/// Each request has a deadline; a transient failure (unreachable, timeout, 429, 5xx) is retried once.
public struct OpenMeterClient: Sendable {
    public struct MeterRow: Sendable, Equatable {
        public var value: Double
        public var groupBy: [String: String]
    }

    public struct CreditEvent: Sendable, Equatable {
        public var time: Int64
        public var data: JSONValue
    }

    public let baseURL: String
    let apiKey: String
    let timeout: Duration
    let retryDelay: Duration
    let httpClient: HTTPClient
    /// Guard against a server that never stops paging.
    public static let maximumEvents = 2_000_000

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
        let body = try await get(path: "/api/v1/meters/\(Self.pathEscape(slug))/query", query: query, what: "the \(slug) meter query")
        guard case .array(let rows)? = body["data"] else {
            throw OpenMeterError(kind: .invalidResponse, message: "OpenMeter's meter query answer has no data array")
        }
        return rows.compactMap { row in
            guard case .number(let value)? = row["value"] else { return nil }
            var groups: [String: String] = [:]
            if case .object(let members)? = row["groupBy"] {
                for (key, v) in members { groups[key] = v.stringValue ?? "" }
            }
            return MeterRow(value: value, groupBy: groups)
        }
    }

    /// Every event of `type` for `subject` with `from <= time < to`, newest first, following `nextCursor`.
    public func events(type: String, subject: String, from: String, to: String) async throws -> [CreditEvent] {
        var filter = JSONWriter()
        filter.raw("{\"subject\":{\"$eq\":"); filter.string(subject)
        filter.raw("},\"type\":{\"$eq\":"); filter.string(type)
        filter.raw("},\"time\":{\"$and\":[{\"$gte\":"); filter.string(from)
        filter.raw("},{\"$lt\":"); filter.string(to)
        filter.raw("}]}}")
        let filterText = String(decoding: filter.bytes, as: UTF8.self)
        var events: [CreditEvent] = []
        var cursor: String?
        var seenCursors: Set<String> = []
        // Each page has its own deadline; the whole listing gets twelve of them, so a slow OpenMeter
        // answering every page just in time still ends in a clear error rather than minutes later.
        let budget = timeout * 12
        let deadline = ContinuousClock.now + budget
        repeat {
            guard ContinuousClock.now < deadline else {
                throw OpenMeterError(kind: .timeout, message: "OpenMeter did not list the range's events within \(budget.components.seconds) s (\(events.count) read so far); choose a shorter range")
            }
            var query = [("limit", "100"), ("filter", filterText)]
            if let cursor { query.append(("cursor", cursor)) }
            let page = try await get(path: "/api/v2/events", query: query, what: "the event list")
            guard case .array(let items)? = page["items"] else {
                throw OpenMeterError(kind: .invalidResponse, message: "OpenMeter's event list answer has no items array")
            }
            for item in items {
                guard let event = item["event"], let timeText = event["time"]?.stringValue, let time = RFC3339.parse(timeText) else { continue }
                events.append(CreditEvent(time: time.seconds, data: event["data"] ?? .null))
            }
            guard events.count <= Self.maximumEvents else {
                throw OpenMeterError(kind: .invalidResponse, message: "the range holds more than \(Self.maximumEvents) events; choose a shorter range")
            }
            cursor = items.isEmpty ? nil : page["nextCursor"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            if let next = cursor, !seenCursors.insert(next).inserted {
                throw OpenMeterError(kind: .invalidResponse, message: "OpenMeter repeated a page cursor while listing events")
            }
        } while cursor != nil
        return events
    }

    func get(path: String, query: [(String, String)], what: String) async throws -> JSONValue {
        var components = URLComponents()
        components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
        // URLComponents leaves `+` and `;` alone; OpenMeter would read `+` as a space.
        let encodedQuery = (components.percentEncodedQuery ?? "")
            .replacingOccurrences(of: "+", with: "%2B").replacingOccurrences(of: ";", with: "%3B")
        let url = baseURL + path + (encodedQuery.isEmpty ? "" : "?" + encodedQuery)
        do {
            return try await attempt(url: url, what: what)
        } catch let error as OpenMeterError where error.isTransient {
            try await Task.sleep(for: error.kind == .rateLimited ? retryDelay * 4 : retryDelay)
            return try await attempt(url: url, what: what)
        }
    }

    private func attempt(url: String, what: String) async throws -> JSONValue {
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
            throw OpenMeterError(kind: .timeout, message: "OpenMeter did not answer \(what) within \(seconds) s (\(baseURL))")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw OpenMeterError(kind: .unreachable, message: "OpenMeter is unreachable at \(baseURL): \(Self.describe(error))")
        }
        let status = Int(response.status.code)
        guard status == 200 else {
            let detail = (try? JSONParser.parse(Array(body.readableBytesView)))?["detail"]?.stringValue
            let suffix = detail.map { ": \($0)" } ?? ""
            switch status {
            case 401, 403:
                throw OpenMeterError(kind: .unauthorized, message: "OpenMeter refused the API key (HTTP \(status)); check OPENMETER_API_KEY")
            case 429:
                throw OpenMeterError(kind: .rateLimited, message: "OpenMeter is rate limiting requests (HTTP 429); try again in a moment")
            case 404:
                throw OpenMeterError(kind: .notFound, message: "OpenMeter answered 404 for \(what)\(suffix)")
            case 400..<500:
                throw OpenMeterError(kind: .badRequest, message: "OpenMeter rejected \(what) (HTTP \(status))\(suffix)")
            default:
                throw OpenMeterError(kind: .server, message: "OpenMeter failed on \(what) (HTTP \(status))\(suffix)")
            }
        }
        do {
            return try JSONParser.parse(Array(body.readableBytesView))
        } catch {
            throw OpenMeterError(kind: .invalidResponse, message: "OpenMeter's answer to \(what) is not valid JSON")
        }
    }

    static func pathEscape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? segment
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        if text.contains("remoteConnectionClosed") { return "the connection closed before an answer" }
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
