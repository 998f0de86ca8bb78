import Foundation
import JWTKit

/// The keys of one JWKS document that may verify TAIS tokens: EC keys on P-256 that declare
/// `"alg":"ES256"`, have a `kid`, and are meant for signatures. Every other key is skipped (and listed in
/// `skipped` for the log), so a key without `alg`, an RSA key or a symmetric key can never verify a token,
/// whatever algorithm a token's header asks for.
struct JWKSKeySet: Sendable {
    /// One single-key collection per kid. jwt-kit checks the signature (ES256, via swift-crypto); the key
    /// is chosen here, so jwt-kit's fallback to a default key for an unknown kid never comes into play.
    let keys: [String: JWTKeyCollection]
    /// Why each skipped key was skipped, e.g. `kid k2: no "alg" (only "ES256" keys are trusted)`.
    let skipped: [String]

    var kids: [String] { keys.keys.sorted() }

    /// The key a token names. A token without `kid` may use the set's only key; with several keys it
    /// must say which.
    func key(for kid: String?) -> JWTKeyCollection? {
        if let kid { return keys[kid] }
        return keys.count == 1 ? keys.first?.value : nil
    }

    struct InvalidDocument: Error {}

    /// Parses a JWKS document. Throws only when it is not a JWKS at all (not JSON, or no `keys` array);
    /// unusable entries are skipped.
    static func parse(_ data: Data) async throws(InvalidDocument) -> JWKSKeySet {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: data)
        } catch {
            throw InvalidDocument()
        }
        var keys: [String: JWTKeyCollection] = [:]
        var skipped: [String] = []
        for (index, entry) in document.keys.enumerated() {
            guard let jwk = entry.jwk else {
                skipped.append("key #\(index + 1): not a JSON object of string fields")
                continue
            }
            let name = jwk.kid.map { "kid \(LogSafe.text($0))" } ?? "key #\(index + 1)"
            switch usable(jwk) {
            case .failure(let reason):
                skipped.append("\(name): \(reason)")
            case .success(let publicKey):
                let kid = jwk.kid ?? ""
                guard keys[kid] == nil else {
                    skipped.append("\(name): duplicate kid, the first key with it is used")
                    continue
                }
                let collection = JWTKeyCollection()
                await collection.add(ecdsa: publicKey, kid: JWKIdentifier(string: kid))
                keys[kid] = collection
            }
        }
        return JWKSKeySet(keys: keys, skipped: skipped)
    }

    private struct Reason: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    private static func usable(_ jwk: RawJWK) -> Result<ES256PublicKey, Reason> {
        guard let kid = jwk.kid, !kid.isEmpty else { return .failure(Reason("no kid")) }
        guard let alg = jwk.alg else { return .failure(Reason(#"no "alg" (only keys with "alg":"ES256" are trusted)"#)) }
        guard alg == "ES256" else { return .failure(Reason("alg \(LogSafe.text(alg)) (only ES256 is trusted)")) }
        guard jwk.kty == "EC", jwk.crv == "P-256" else { return .failure(Reason("not an EC P-256 key")) }
        if let use = jwk.use, use != "sig" { return .failure(Reason("use \(LogSafe.text(use)), not sig")) }
        if let operations = jwk.keyOps, !operations.contains("verify") { return .failure(Reason("key_ops does not include verify")) }
        guard let x = jwk.x, let y = jwk.y, let key = try? ES256PublicKey(parameters: (x: x, y: y)) else {
            return .failure(Reason("x/y are not a P-256 point"))
        }
        return .success(key)
    }

    private struct Document: Decodable {
        let keys: [Entry]
    }

    /// One entry of `keys`; an entry that is not an object of the expected field types becomes nil
    /// instead of failing the whole document.
    private struct Entry: Decodable {
        let jwk: RawJWK?
        init(from decoder: any Decoder) throws {
            jwk = try? RawJWK(from: decoder)
        }
    }

    private struct RawJWK: Decodable {
        var kty: String?
        var crv: String?
        var alg: String?
        var kid: String?
        var use: String?
        var keyOps: [String]?
        var x: String?
        var y: String?

        enum CodingKeys: String, CodingKey {
            case kty, crv, alg, kid, use, x, y
            case keyOps = "key_ops"
        }
    }
}

/// Untrusted text (a kid, an alg, an issuer) cut to something safe to log or show: printable ASCII
/// without quotes or backslashes, at most 64 characters.
enum LogSafe {
    static func text(_ raw: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in raw.unicodeScalars.prefix(64) {
            scalars.append((0x21...0x7E).contains(scalar.value) && scalar != "\"" && scalar != "\\" ? scalar : "?")
        }
        return raw.unicodeScalars.count > 64 ? String(scalars) + "…" : String(scalars)
    }
}
