public import Hummingbird
import StackHTTP

/// The bearer-token check of every `/api/...` route: the caller's identity, or 401 `unauthorized` with the
/// reason (`missing bearer token`, `token expired`, …) and `WWW-Authenticate: Bearer realm="fake-tais"`.
public struct BearerAuthenticator: Sendable {
    public let tokens: TokenService

    public init(tokens: TokenService) {
        self.tokens = tokens
    }

    public func identity(_ request: Request) throws -> TAISIdentity {
        guard let token = Self.bearerToken(request.headers[.authorization]) else { throw Self.failure(.missing) }
        do {
            return try tokens.verify(token)
        } catch {
            throw Self.failure(error)
        }
    }

    /// The token of `Bearer <token>` (scheme case-insensitive); nil when absent, empty or another scheme.
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " "),
              trimmed[..<space].lowercased() == "bearer"
        else { return nil }
        let token = trimmed[space...].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    static func failure(_ rejection: TokenRejection) -> HTTPFailure {
        HTTPFailure(
            .unauthorized, rejection.reason, code: "unauthorized",
            headers: [.wwwAuthenticate: #"Bearer realm="fake-tais""#]
        )
    }
}
