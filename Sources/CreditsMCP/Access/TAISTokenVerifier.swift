import AsyncHTTPClient
import Foundation
import JWTKit
import Logging

/// Verifies `Authorization: Bearer <TAIS JWT>` against the JWKS at `TAIS_JWKS_URL`.
///
/// In order, each step refusing with its own reason (safe to show the caller):
///
/// 1. **Structure**: three base64url parts, a JSON header and JSON claims (`malformed`).
/// 2. **Algorithm**: the header's `alg` must be `ES256` (`unsupported algorithm`), checked before any key is
///    looked at, so `none`, `HS256` (also when signed with the public key as HMAC secret) and `RS256` never
///    reach a key. Only JWKS keys that declare `"alg":"ES256"` are trusted (see `JWKSKeySet`).
/// 3. **Key**: the header's `kid` must name a key of the JWKS (`unknown key`); see `JWKSCache` for when the
///    JWKS is fetched again.
/// 4. **Signature** (`signature does not verify`).
/// 5. **Claims**: `exp` (required) and `nbf` (if present) against the injected clock with `leeway` either way
///    (`expired`, `not yet valid`), `iss` (`issuer … is not …`), `aud` (`audience is not …`), then `sub` and
///    a non-blank `tenant_id`.
public final class TAISTokenVerifier: Sendable {
    public struct Verified: Sendable, Equatable {
        public var tenant: String
        public var groups: [String]
        public var user: String
    }

    public static let defaultLeeway: TimeInterval = 60
    static let missingTokenMessage = "missing bearer token: send Authorization: Bearer <TAIS JWT>"

    let issuer: String
    let audience: String
    /// Tolerated clock skew, in seconds, on `exp` and `nbf`.
    let leeway: TimeInterval
    let clock: any VerifierClock
    let keys: JWKSCache

    public convenience init(
        jwksURL: String, issuer: String, audience: String, leeway: TimeInterval = TAISTokenVerifier.defaultLeeway,
        httpClient: HTTPClient = OutboundHTTP.client, clock: any VerifierClock = SystemVerifierClock(), logger: Logger
    ) {
        self.init(
            source: HTTPJWKSSource(location: jwksURL, httpClient: httpClient),
            issuer: issuer, audience: audience, leeway: leeway, clock: clock, logger: logger
        )
    }

    init(source: any JWKSSource, issuer: String, audience: String, leeway: TimeInterval, clock: any VerifierClock, logger: Logger) {
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.clock = clock
        keys = JWKSCache(source: source, clock: clock, logger: logger)
    }

    /// Returns the verified identity, or a reason safe to show the caller.
    public func verify(_ token: String) async throws(AccessDenied) -> Verified {
        let token = token.trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty else { throw AccessDenied(message: Self.missingTokenMessage) }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw Self.invalid("malformed (a JWT has three dot-separated parts)") }
        let header = try Self.header(parts[0])
        guard let payload = Self.base64URLDecoded(parts[1]) else {
            throw Self.invalid("malformed (the claims are not base64url-encoded)")
        }
        guard header.alg == "ES256" else {
            throw Self.invalid("unsupported algorithm\(header.alg.map { " \(LogSafe.text($0))" } ?? "") (only ES256 is accepted)")
        }
        guard !parts[2].isEmpty, Self.base64URLDecoded(parts[2]) != nil else {
            throw Self.invalid("malformed (the signature is not base64url-encoded)")
        }
        let kid = header.kid
        guard let key = try await keys.key(for: kid) else {
            throw Self.invalid(kid.map { "unknown key \(LogSafe.text($0))" } ?? "unknown key (the token names no kid and the JWKS has several keys)")
        }
        do {
            _ = try await key.verify(token, as: SignatureOnly.self)
        } catch {
            throw Self.invalid("signature does not verify")
        }
        return try check(Self.claims(payload))
    }

    /// The header fields that matter: `alg` and `kid` (nil when absent or not a string).
    private struct Header {
        var alg: String?
        var kid: String?
    }

    private static func header(_ segment: Substring) throws(AccessDenied) -> Header {
        guard let data = base64URLDecoded(segment), let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw invalid("malformed (the header is not base64url-encoded JSON)")
        }
        if object["crit"] != nil {
            throw invalid("malformed (critical header extensions are not supported)")
        }
        if let kid = object["kid"], !(kid is String) {
            throw invalid("malformed (kid is not a string)")
        }
        return Header(alg: object["alg"] as? String, kid: object["kid"] as? String)
    }

    /// The time and identity rules, on claims whose signature verified.
    private func check(_ claims: TAISClaims) throws(AccessDenied) -> Verified {
        let now = clock.now().timeIntervalSince1970
        guard let exp = claims.exp else { throw Self.invalid("missing claim exp") }
        guard now < exp + leeway else { throw Self.invalid("expired") }
        if let nbf = claims.nbf, now + leeway < nbf { throw Self.invalid("not yet valid") }
        guard let iss = claims.iss else { throw Self.invalid("missing claim iss") }
        guard iss == issuer else { throw Self.invalid("issuer \(LogSafe.text(iss)) is not \(issuer)") }
        guard let aud = claims.aud else { throw Self.invalid("missing claim aud") }
        guard aud.contains(audience) else { throw Self.invalid("audience is not \(audience)") }
        guard let sub = claims.sub else { throw Self.invalid("missing claim sub") }
        guard let rawTenant = claims.tenant_id else { throw Self.invalid("missing claim tenant_id") }
        let tenant = rawTenant.trimmingCharacters(in: .whitespaces)
        guard !tenant.isEmpty else { throw Self.invalid("no tenant_id claim") }
        return Verified(tenant: tenant, groups: claims.groups ?? [], user: sub)
    }

    private static func claims(_ payload: Data) throws(AccessDenied) -> TAISClaims {
        do {
            return try JSONDecoder().decode(TAISClaims.self, from: payload)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            guard let claim = context.codingPath.first?.stringValue else { throw invalid("malformed (the claims are not a JSON object)") }
            throw invalid("malformed (claim \(LogSafe.text(claim)) has the wrong type)")
        } catch {
            throw invalid("malformed (the claims are not a JSON object)")
        }
    }

    static func invalid(_ reason: String) -> AccessDenied {
        AccessDenied(message: "invalid token: \(reason)")
    }

    /// Strict base64url without padding, as JWT segments are written; nil for anything else.
    static func base64URLDecoded(_ text: Substring) -> Data? {
        guard text.utf8.allSatisfy({ byte in
            (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x2D || byte == 0x5F
        }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        switch base64.utf8.count % 4 {
        case 2: base64 += "=="
        case 3: base64 += "="
        case 1: return nil
        default: break
        }
        return Data(base64Encoded: base64)
    }
}

/// The TAIS JWT claims credits-mcp relies on; all optional here so a missing one gets its own reason.
struct TAISClaims: Decodable {
    var iss: String?
    var aud: [String]?
    var sub: String?
    var exp: Double?
    var nbf: Double?
    var tenant_id: String?
    var groups: [String]?

    enum CodingKeys: String, CodingKey {
        case iss, aud, sub, exp, nbf, tenant_id, groups
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        iss = try container.decodeIfPresent(String.self, forKey: .iss)
        // `aud` is one string or an array of strings (RFC 7519 4.1.3).
        if let single = try? container.decodeIfPresent(String.self, forKey: .aud) {
            aud = [single]
        } else {
            aud = try container.decodeIfPresent([String].self, forKey: .aud)
        }
        sub = try container.decodeIfPresent(String.self, forKey: .sub)
        exp = try container.decodeIfPresent(Double.self, forKey: .exp)
        nbf = try container.decodeIfPresent(Double.self, forKey: .nbf)
        tenant_id = try container.decodeIfPresent(String.self, forKey: .tenant_id)
        groups = try container.decodeIfPresent([String].self, forKey: .groups)
    }
}

/// jwt-kit checks the signature only; the claims are decoded and checked by `TAISTokenVerifier`.
private struct SignatureOnly: JWTPayload {
    init(from decoder: any Decoder) throws {}
    func encode(to encoder: any Encoder) throws {}
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
