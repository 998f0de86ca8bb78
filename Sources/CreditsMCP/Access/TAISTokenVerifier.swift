import AsyncHTTPClient
import Foundation
import JWTKit
import Logging

/// The TAIS JWT claims credits-mcp relies on.
struct TAISClaims: JWTPayload {
    var iss: IssuerClaim
    var aud: AudienceClaim
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var tenant_id: String
    var groups: [String]?

    /// Signature is checked by the key collection; this checks expiry. Issuer and audience are
    /// checked by the verifier against its configuration.
    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Verifies `Authorization: Bearer <TAIS JWT>` against the JWKS at `TAIS_JWKS_URL`: signature,
/// `iss`, `aud`, `exp`. Keys are fetched on first use and again when a token names an unknown key
/// (at most every 30 s), so a TAIS key rotation is picked up without a restart.
public actor TAISTokenVerifier {
    public struct Verified: Sendable {
        public var tenant: String
        public var groups: [String]
        public var user: String
    }

    let jwksURL: String
    let issuer: String
    let audience: String
    let httpClient: HTTPClient
    let logger: Logger
    private var keys: JWTKeyCollection?
    private var lastFetch: ContinuousClock.Instant?

    public init(jwksURL: String, issuer: String, audience: String, httpClient: HTTPClient = OutboundHTTP.client, logger: Logger) {
        self.jwksURL = jwksURL
        self.issuer = issuer
        self.audience = audience
        self.httpClient = httpClient
        self.logger = logger
    }

    /// Returns the verified identity, or a reason safe to show the caller.
    public func verify(_ token: String) async throws(AccessDenied) -> Verified {
        let claims: TAISClaims
        do {
            let collection = try await currentKeys(forceRefresh: false)
            do {
                claims = try await collection.verify(token, as: TAISClaims.self)
            } catch let error as JWTError {
                // A rotated key: jwt-kit falls back to its default key for an unknown kid, so it shows up
                // as a bad signature. Refetch (at most every 30 s) and try once more with the new keys.
                let fresh = try await currentKeys(forceRefresh: true)
                guard fresh !== collection else { throw error }
                claims = try await fresh.verify(token, as: TAISClaims.self)
            }
        } catch let denied as AccessDenied {
            throw denied
        } catch {
            throw AccessDenied(message: "invalid token: \(Self.reason(error))")
        }
        guard claims.iss.value == issuer else { throw AccessDenied(message: "invalid token: issuer \(claims.iss.value) is not \(issuer)") }
        guard claims.aud.value.contains(audience) else { throw AccessDenied(message: "invalid token: audience is not \(audience)") }
        let tenant = claims.tenant_id.trimmingCharacters(in: .whitespaces)
        guard !tenant.isEmpty else { throw AccessDenied(message: "invalid token: no tenant_id claim") }
        return Verified(tenant: tenant, groups: claims.groups ?? [], user: claims.sub.value)
    }

    /// The cached keys, fetched on first use; with `forceRefresh`, fetched again unless the last fetch
    /// was under 30 s ago (then the same collection comes back).
    private func currentKeys(forceRefresh: Bool) async throws -> JWTKeyCollection {
        if let keys, !forceRefresh { return keys }
        if forceRefresh, let keys, let lastFetch, ContinuousClock.now - lastFetch < .seconds(30) { return keys }
        var request = HTTPClientRequest(url: jwksURL)
        request.headers.add(name: "Accept", value: "application/json")
        let json: String
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(10))
            guard response.status.code == 200 else {
                throw AccessDenied(message: "cannot verify tokens: the JWKS at \(jwksURL) answered HTTP \(response.status.code)")
            }
            json = String(buffer: try await response.body.collect(upTo: 1024 * 1024))
        } catch let denied as AccessDenied {
            throw denied
        } catch {
            throw AccessDenied(message: "cannot verify tokens: the JWKS at \(jwksURL) is unreachable")
        }
        let collection = JWTKeyCollection()
        do {
            try await collection.add(jwksJSON: json)
        } catch {
            throw AccessDenied(message: "cannot verify tokens: the JWKS at \(jwksURL) is invalid")
        }
        keys = collection
        lastFetch = .now
        logger.info("loaded signing keys from \(jwksURL)")
        return collection
    }

    static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("expired") || text.contains("exp") { return "expired or not yet valid" }
        if text.contains("signature") { return "signature does not verify" }
        return "not a valid TAIS JWT"
    }
}
