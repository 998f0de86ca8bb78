import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import WireFormats

/// A minimal MCP client over Streamable HTTP that speaks raw JSON-RPC, so tests and benchmarks see
/// exactly what goes over the wire.
///
/// - `initialize()` sends `initialize` with `protocolVersion`, keeps the `Mcp-Session-Id` the server
///   returns, and sends `notifications/initialized`; every later request carries the session id and
///   the negotiated `MCP-Protocol-Version`.
/// - Requests are POSTed with `Accept: application/json, text/event-stream`; the answer is read from
///   either a JSON body or an SSE stream (stopping at the response with the request's id, skipping
///   priming events and server notifications).
/// - Extra headers (`X-Tenant-Id`, `X-User-Groups`, `Authorization`, …) can be set for every request
///   at creation or with `setHeader`, and per call.
///
/// One instance is one MCP session; use one per concurrent client.
public actor MCPHTTPClient {
    public static let defaultProtocolVersion = "2025-06-18"

    /// The `/mcp` URL, e.g. `http://127.0.0.1:8765/mcp`.
    public nonisolated let endpoint: String
    /// The version offered in `initialize`.
    public nonisolated let protocolVersion: String
    /// Set by `initialize()`, cleared by `close()`.
    public private(set) var sessionID: String?
    /// The version the server chose in its `initialize` result.
    public private(set) var negotiatedProtocolVersion: String?

    private var headers: [(name: String, value: String)]
    private var nextRequestID = 1
    private let http: HTTPRequester

    /// - Parameters:
    ///   - endpoint: the server's MCP URL.
    ///   - headers: sent on every request (later `setHeader` calls and per-call headers override by name).
    ///   - requester: the HTTP client and the deadline of each request.
    public init(
        endpoint: String, headers: [String: String] = [:], protocolVersion: String = MCPHTTPClient.defaultProtocolVersion,
        requester: HTTPRequester = HTTPRequester()
    ) {
        self.endpoint = endpoint
        self.protocolVersion = protocolVersion
        self.headers = headers.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        self.http = requester
    }

    /// Sets (or with nil, removes) a header sent on every later request.
    public func setHeader(_ name: String, _ value: String?) {
        headers.removeAll { $0.name.lowercased() == name.lowercased() }
        if let value { headers.append((name: name, value: value)) }
    }

    // MARK: - Session

    /// Opens the session: `initialize`, then `notifications/initialized`. Returns the `initialize` result.
    @discardableResult
    public func initialize(clientName: String = "stack-clients", clientVersion: String = "1.0.0") async throws -> JSONValue {
        let params: JSONValue = .object([
            ("protocolVersion", .string(protocolVersion)),
            ("capabilities", .object([])),
            ("clientInfo", .object([("name", .string(clientName)), ("version", .string(clientVersion))])),
        ])
        sessionID = nil
        negotiatedProtocolVersion = nil
        let result = try await send("initialize", params: params, headers: [:], requireSession: false)
        negotiatedProtocolVersion = result["protocolVersion"]?.stringValue ?? protocolVersion
        try await notify("notifications/initialized")
        return result
    }

    /// Ends the session with `DELETE` (a server that does not allow it, 405, is fine).
    public func close() async throws {
        guard let sessionID else { return }
        let reply = try await http.send(.DELETE, endpoint, headers: requestHeaders(extra: [:], session: sessionID))
        self.sessionID = nil
        guard (200..<300).contains(reply.status) || reply.status == 404 || reply.status == 405 else {
            throw StackClientError.unexpectedStatus(operation: "DELETE \(endpoint)", status: reply.status, body: reply.text)
        }
    }

    // MARK: - Tools

    /// `tools/list`, following `nextCursor` until the last page.
    public func listTools() async throws -> [MCPToolInfo] {
        var tools: [MCPToolInfo] = []
        var cursor: String?
        repeat {
            let params: JSONValue? = cursor.map { .object([("cursor", .string($0))]) }
            let result = try await request("tools/list", params: params)
            guard case .array(let items)? = result["tools"] else {
                throw StackClientError.invalidResponse(operation: "tools/list", reason: "the result has no tools array")
            }
            tools += items.compactMap(MCPToolInfo.init)
            cursor = result["nextCursor"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        } while cursor != nil
        return tools
    }

    /// `tools/call` of `name` with `arguments`; `headers` are added to this one request.
    public func callTool(_ name: String, arguments: [String: JSONValue] = [:], headers: [String: String] = [:]) async throws -> MCPToolResult {
        let args = JSONValue.object(arguments.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) })
        let result = try await request("tools/call", params: .object([("name", .string(name)), ("arguments", args)]), headers: headers)
        return MCPToolResult(result: result)
    }

    /// `tools/call` with string arguments (e.g. `["from": "2026-01-01"]`).
    public func callTool(_ name: String, stringArguments: [String: String], headers: [String: String] = [:]) async throws -> MCPToolResult {
        try await callTool(name, arguments: stringArguments.mapValues { .string($0) }, headers: headers)
    }

    // MARK: - JSON-RPC

    /// Sends a JSON-RPC request in the open session and returns its `result`;
    /// a JSON-RPC `error` answer throws `StackClientError.rpcError`.
    public func request(_ method: String, params: JSONValue? = nil, headers: [String: String] = [:]) async throws -> JSONValue {
        try await send(method, params: params, headers: headers, requireSession: true)
    }

    /// Sends a JSON-RPC notification (no id); the server must accept it (HTTP 202, or 200/204).
    public func notify(_ method: String, params: JSONValue? = nil, headers: [String: String] = [:]) async throws {
        guard let sessionID else { throw StackClientError.notInitialized(method: method) }
        var w = JSONWriter(capacity: 128)
        w.raw("{\"jsonrpc\":\"2.0\",")
        w.key("method"); w.string(method)
        if let params { w.raw(","); w.key("params"); w.value(params) }
        w.raw("}")
        let reply = try await http.send(.POST, endpoint, headers: requestHeaders(extra: headers, session: sessionID), body: w.bytes)
        guard (200..<300).contains(reply.status) else {
            throw StackClientError.unexpectedStatus(operation: method, status: reply.status, body: reply.text)
        }
    }

    /// POSTs `body` as is with this client's headers (session, protocol version, extras) and reads
    /// the whole answer: for protocol-level checks such as status codes of malformed messages.
    public func post(raw body: [UInt8], headers: [String: String] = [:]) async throws -> HTTPReply {
        try await http.send(.POST, endpoint, headers: requestHeaders(extra: headers, session: sessionID), body: body)
    }

    private func send(_ method: String, params: JSONValue?, headers extra: [String: String], requireSession: Bool) async throws -> JSONValue {
        if requireSession, sessionID == nil { throw StackClientError.notInitialized(method: method) }
        let id = nextRequestID
        nextRequestID += 1
        var w = JSONWriter(capacity: 256)
        w.raw("{\"jsonrpc\":\"2.0\",\"id\":\(id),")
        w.key("method"); w.string(method)
        if let params { w.raw(","); w.key("params"); w.value(params) }
        w.raw("}")

        let response = try await http.execute(.POST, endpoint, headers: requestHeaders(extra: extra, session: sessionID), body: w.bytes)
        let status = Int(response.status.code)
        guard status == 200 else {
            let body = try await response.body.collect(upTo: 1024 * 1024)
            throw StackClientError.unexpectedStatus(operation: method, status: status, body: String(buffer: body))
        }
        if method == "initialize" {
            guard let session = response.headers.first(name: "Mcp-Session-Id"), !session.isEmpty else {
                throw StackClientError.invalidResponse(operation: method, reason: "no Mcp-Session-Id header in the initialize answer")
            }
            sessionID = session
        }
        let message = try await Self.readResponse(response, id: id, method: method, limit: http.maximumBodyBytes)
        if let error = message["error"] {
            let code: Int
            if case .number(let n)? = error["code"] { code = Int(n) } else { code = 0 }
            throw StackClientError.rpcError(method: method, code: code, message: error["message"]?.stringValue ?? "\(error)")
        }
        guard let result = message["result"] else {
            throw StackClientError.invalidResponse(operation: method, reason: "the response has neither result nor error")
        }
        return result
    }

    /// The JSON-RPC response with `id`, from a JSON body (one message or a batch) or an SSE stream.
    private static func readResponse(_ response: HTTPClientResponse, id: Int, method: String, limit: Int) async throws -> JSONValue {
        let contentType = response.headers.first(name: "Content-Type")?.lowercased() ?? ""
        if contentType.hasPrefix("text/event-stream") {
            var parser = ServerSentEventParser()
            var received = 0
            for try await chunk in response.body {
                received += chunk.readableBytes
                guard received <= limit else {
                    throw StackClientError.invalidResponse(operation: method, reason: "the event stream exceeded \(limit) bytes")
                }
                for event in parser.feed(chunk.readableBytesView) {
                    if let message = try match(event.data, id: id, method: method) { return message }
                }
            }
            for event in parser.finish() {
                if let message = try match(event.data, id: id, method: method) { return message }
            }
            throw StackClientError.invalidResponse(operation: method, reason: "the event stream ended without the response to request \(id)")
        }
        guard contentType.hasPrefix("application/json") else {
            throw StackClientError.invalidResponse(operation: method, reason: "unexpected Content-Type \(contentType.isEmpty ? "(none)" : contentType)")
        }
        let body = try await response.body.collect(upTo: limit)
        let text = String(buffer: body)
        guard let message = try match(text, id: id, method: method) else {
            throw StackClientError.invalidResponse(operation: method, reason: "no response to request \(id) in \(text.prefix(200))")
        }
        return message
    }

    /// The response to `id` in one JSON text (a message or a batch), nil for anything else
    /// (priming events with empty data, notifications, server requests).
    private static func match(_ text: String, id: Int, method: String) throws -> JSONValue? {
        guard text.contains(where: { !$0.isWhitespace }) else { return nil }
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(text.utf8))
        } catch {
            throw StackClientError.invalidResponse(operation: method, reason: "a message is not JSON (\(error.description)): \(text.prefix(200))")
        }
        let candidates: [JSONValue]
        if case .array(let items) = value { candidates = items } else { candidates = [value] }
        return candidates.first { message in
            guard message["result"] != nil || message["error"] != nil else { return false }
            switch message["id"] {
            case .number(let n)?: return n == Double(id)
            case .string(let s)?: return s == String(id)
            default: return false
            }
        }
    }

    private func requestHeaders(extra: [String: String], session: String?) -> [(String, String)] {
        var list: [(String, String)] = [
            ("Content-Type", "application/json"),
            ("Accept", "application/json, text/event-stream"),
        ]
        if let session { list.append(("Mcp-Session-Id", session)) }
        if let negotiatedProtocolVersion { list.append(("MCP-Protocol-Version", negotiatedProtocolVersion)) }
        let overridden = Set(extra.keys.map { $0.lowercased() })
        for header in headers where !overridden.contains(header.name.lowercased()) {
            list.append((header.name, header.value))
        }
        for (name, value) in extra.sorted(by: { $0.key < $1.key }) {
            list.append((name, value))
        }
        return list
    }
}
