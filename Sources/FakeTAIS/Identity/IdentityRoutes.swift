import Foundation
import Hummingbird
public import StackHTTP
import StackStorage

extension RouteTable {
    /// `GET /.well-known/jwks.json`, `POST /_fake/tokens`, `POST /_fake/keys/rotate` (docs/fake-tais.md, "Identity").
    public mutating func addIdentityRoutes(tokens: TokenService) {
        get("/.well-known/jwks.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "max-age=300"],
                body: .init(byteBuffer: ByteBuffer(string: tokens.jwks()))
            )
        }
        post("/_fake/tokens") { request, _ in
            let body = try await request.collectBody(limit: IdentityRouteLimits.bodyBytes)
            let mintRequest = try IdentityRequestDecoding.decode(MintRequest.self, from: Data(buffer: body))
            let minted: (token: String, expiresAt: Date)
            do {
                minted = try tokens.mint(mintRequest)
            } catch let error as MintRequestError {
                throw HTTPFailure(.badRequest, error.message, code: "invalid_request")
            }
            return try JSONResponse.make(MintedToken(token: minted.token, expiresAt: IdentityTime.rfc3339(minted.expiresAt)))
        }
        post("/_fake/keys/rotate") { _, _ in
            // One SQLite transaction: off the cooperative pool.
            try JSONResponse.make(try await offCooperativePool { try tokens.rotate() })
        }
    }
}

enum IdentityRouteLimits {
    /// Bodies over 1 MiB are refused with 413 (docs/fake-tais.md, "Errors").
    static let bodyBytes = 1 << 20
}

/// `{"token","expiresAt"}`, `expiresAt` in RFC 3339.
struct MintedToken: Encodable {
    var token: String
    var expiresAt: String
}

/// JSON bodies into request types, with 400 `invalid_request` messages that name the field.
enum IdentityRequestDecoding {
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

    /// The expected type of a `MintRequest` field (its arrays all hold strings).
    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Bool.Type: "a boolean"
        default: String(describing: type).hasPrefix("Array") ? "an array of strings" : "of another type"
        }
    }
}
