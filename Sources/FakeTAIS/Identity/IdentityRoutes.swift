import BlockingWork
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
            let mintRequest = try JSONBodyDecoding.decode(MintRequest.self, from: Data(buffer: body))
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
