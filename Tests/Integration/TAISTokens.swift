import Foundation
import JWTKit
import StackClients

/// Hand-built JWTs for fake-tais's refusal tests: base64url JSON header and payload, signed (or not) here,
/// so each forgery differs from a genuine token in exactly one way.
enum TAISTokens {
    struct Parts {
        var header: [String: Any]
        var payload: [String: Any]
        var signature: String
    }

    /// The header and payload of `token` as JSON objects, and its signature segment.
    static func parts(_ token: String) throws -> Parts {
        let segments = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard segments.count == 3,
              let header = try JSONSerialization.jsonObject(with: base64URLDecoded(segments[0])) as? [String: Any],
              let payload = try JSONSerialization.jsonObject(with: base64URLDecoded(segments[1])) as? [String: Any]
        else { throw StackTestError("not a JWT: \(token.prefix(40))…") }
        return Parts(header: header, payload: payload, signature: segments[2])
    }

    /// `base64url(header).base64url(payload)`, keys sorted.
    static func signingInput(header: [String: Any], payload: [String: Any]) throws -> String {
        try segment(header) + "." + segment(payload)
    }

    static func segment(_ object: [String: Any]) throws -> String {
        base64URL(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    /// The genuine token with its payload replaced by `change(payload)` and the original signature kept.
    static func tampered(_ token: String, _ change: (inout [String: Any]) -> Void) throws -> String {
        var parts = try parts(token)
        change(&parts.payload)
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        return "\(segments[0]).\(try segment(parts.payload)).\(parts.signature)"
    }

    /// `alg: none` with the token's own claims and an empty signature.
    static func unsigned(_ token: String) throws -> String {
        var parts = try parts(token)
        parts.header["alg"] = "none"
        return try signingInput(header: parts.header, payload: parts.payload) + "."
    }

    /// HS256 over the token's own claims, with `secret` as the HMAC key (the key-confusion attack passes the
    /// verifier's public key here).
    static func hmacSigned(_ token: String, secret: String) async throws -> String {
        var parts = try parts(token)
        parts.header["alg"] = "HS256"
        let input = try signingInput(header: parts.header, payload: parts.payload)
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: "forger"))
        let signature = try await keys.getKey(for: JWKIdentifier(string: "forger")).sign(Array(input.utf8))
        return input + "." + base64URL(Data(signature))
    }

    /// ES256 over `payload` with a key that is not fake-tais's, under `kid`.
    static func foreignSigned(header: [String: Any], payload: [String: Any], key: ES256PrivateKey = ES256PrivateKey()) async throws -> String {
        var header = header
        header["alg"] = "ES256"
        let input = try signingInput(header: header, payload: payload)
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: JWKIdentifier(string: "forger"))
        let signature = try await keys.getKey(for: JWKIdentifier(string: "forger")).sign(Array(input.utf8))
        return input + "." + base64URL(Data(signature))
    }

    /// The PEM of a JWKS key (P-256 x/y), as a key-confusion attacker would take it.
    static func publicKeyPEM(_ jwk: TAISJWK) throws -> String {
        guard let x = jwk.x, let y = jwk.y else { throw StackTestError("the JWK has no x/y: \(jwk)") }
        return try ES256PublicKey(parameters: (x: x, y: y)).pemRepresentation
    }

    /// Verifies `token`'s ES256 signature against the JWKS document with jwt-kit, returning its claims.
    static func verifiedClaims(_ token: String, jwks: String) async throws -> [String: Any] {
        let keys = JWTKeyCollection()
        try await keys.add(jwksJSON: jwks)
        _ = try await keys.verify(token, as: SignatureOnlyPayload.self)
        return try parts(token).payload
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func base64URLDecoded(_ text: String) throws -> Data {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else { throw StackTestError("not base64url: \(text.prefix(40))") }
        return data
    }
}

/// jwt-kit checks the signature only; the tests read the claims themselves.
private struct SignatureOnlyPayload: JWTPayload {
    init(from decoder: any Decoder) throws {}
    func encode(to encoder: any Encoder) throws {}
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
