public import Hummingbird
import Foundation

/// JSON bodies with the exact content type a service's clients expect.
public enum JSONResponse {
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    public static func make<T: Encodable>(
        _ value: T, status: HTTPResponse.Status = .ok, contentType: String = "application/json"
    ) throws -> Response {
        let data = try encoder.encode(value)
        return raw(data, status: status, contentType: contentType)
    }

    public static func raw(_ data: Data, status: HTTPResponse.Status = .ok, contentType: String = "application/json") -> Response {
        Response(
            status: status,
            headers: [.contentType: contentType],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    public static func empty(_ status: HTTPResponse.Status = .noContent) -> Response {
        Response(status: status)
    }
}

extension Request {
    /// The whole body, refusing more than `limit` bytes with 413.
    public func collectBody(limit: Int) async throws -> ByteBuffer {
        try await body.collect(upTo: limit)
    }
}
