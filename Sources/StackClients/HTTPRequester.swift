import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Sends one HTTP request with AsyncHTTPClient and reads the whole answer, with a deadline per request.
/// The shared plumbing of `MCPHTTPClient` and `FakeOpenMeterControl`, usable on its own for plain
/// requests such as `GET /health` or a download.
public struct HTTPRequester: Sendable {
    public let client: HTTPClient
    /// Deadline of one request, from sending to the end of the body.
    public let timeout: Duration
    /// Bodies larger than this are refused instead of being held in memory.
    public let maximumBodyBytes: Int

    public init(client: HTTPClient = .shared, timeout: Duration = .seconds(30), maximumBodyBytes: Int = 256 * 1024 * 1024) {
        self.client = client
        self.timeout = timeout
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// Sends `method url` with `headers` (in order; repeated names allowed) and an optional body.
    public func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) async throws -> HTTPReply {
        let response = try await execute(method, url, headers: headers, body: body)
        let buffer = try await response.body.collect(upTo: maximumBodyBytes)
        return HTTPReply(status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
    }

    /// `GET url`.
    public func get(_ url: String, headers: [(String, String)] = []) async throws -> HTTPReply {
        try await send(.GET, url, headers: headers)
    }

    /// Sends the request and returns as soon as the response head arrives, leaving the body
    /// to be streamed by the caller (for Server-Sent Events).
    func execute(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)], body: [UInt8]?
    ) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        return try await client.execute(request, timeout: Self.timeAmount(timeout))
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
