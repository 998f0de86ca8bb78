import Foundation
import StackHTTP

/// JSON bodies into request types, with 400 `invalid_request` messages that name the field.
enum JSONBodyDecoding {
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        // No body at all reads as `{}`, so the message names the first missing field.
        let json = data.isEmpty ? Data("{}".utf8) : data
        do {
            return try JSONDecoder().decode(type, from: json)
        } catch DecodingError.keyNotFound(let key, let context) {
            throw invalid("\(path(context.codingPath + [key])) is required")
        } catch DecodingError.valueNotFound(_, let context) where !context.codingPath.isEmpty {
            throw invalid("\(path(context.codingPath)) is required")
        } catch DecodingError.typeMismatch(let expected, let context) where !context.codingPath.isEmpty {
            throw invalid("\(path(context.codingPath)) must be \(describe(expected))")
        } catch DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty {
            throw invalid("\(path(context.codingPath)) is not valid: \(context.debugDescription)")
        } catch {
            throw invalid("the body must be a JSON object")
        }
    }

    private static func invalid(_ message: String) -> HTTPFailure {
        HTTPFailure(.badRequest, message, code: "invalid_request")
    }

    /// `groups[1]`, `ttlSeconds`.
    private static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return out
    }

    /// The expected type of a field (every array of a request body holds strings).
    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Bool.Type: "a boolean"
        case is any Collection.Type: "an array of strings"
        default:
            // Foundation names an expected array `Array<Any>` or `[Any]` depending on the decoding path.
            String(describing: type).hasPrefix("Array") || String(describing: type).hasPrefix("[") ? "an array of strings" : "of another type"
        }
    }
}
