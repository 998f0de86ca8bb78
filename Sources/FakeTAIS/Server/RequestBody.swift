import Foundation
import Hummingbird
import StackHTTP

/// JSON request bodies of the TAIS API: at most 1 MiB, decoded with errors that name the field.
enum RequestBody {
    static let limit = 1024 * 1024

    static func decode<T: Decodable>(_ type: T.Type, from request: Request, example: String) async throws -> T {
        let buffer = try await request.collectBody(limit: limit)
        guard buffer.readableBytes > 0 else { throw HTTPFailure.badRequest("a JSON body is required, like \(example)") }
        return try JSONBodyDecoding.decode(T.self, from: Data(buffer: buffer))
    }
}

/// A JSON field that may be absent, null or a value (`PATCH` tells "leave it" from "remove it").
enum Patch<Value: Decodable & Sendable>: Decodable, Sendable {
    case absent
    case null
    case value(Value)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self = container.decodeNil() ? .null : .value(try container.decode(Value.self))
    }
}

extension KeyedDecodingContainer {
    func decodePatch<Value>(_ type: Value.Type, forKey key: Key) throws -> Patch<Value> {
        // decodeIfPresent reads null as absent; a PATCH must tell them apart.
        contains(key) ? try decode(Patch<Value>.self, forKey: key) : .absent
    }
}
