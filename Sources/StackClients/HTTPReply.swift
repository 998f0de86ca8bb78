import NIOHTTP1
import WireFormats

/// One complete HTTP answer: status, headers and the whole body.
public struct HTTPReply: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body as UTF-8 text (invalid sequences replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The first value of the header `name` (case-insensitive), or nil.
    public func header(_ name: String) -> String? {
        headers.first(name: name)
    }

    /// The body parsed as JSON; `operation` names the call in the error when it is not JSON.
    public func json(operation: String = "HTTP request") throws(StackClientError) -> JSONValue {
        do {
            return try JSONParser.parse(body)
        } catch {
            throw .invalidResponse(operation: operation, reason: "body is not JSON (\(error.description)): \(text.prefix(200))")
        }
    }
}
