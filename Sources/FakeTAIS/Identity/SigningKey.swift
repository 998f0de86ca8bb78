import Foundation
import GRDB
import JWTKit

// jwt-kit 5 signs and verifies only through its `JWTKeyCollection` actor (async). Verification runs on every
// API request and must be synchronous and cheap, so these are the P-256 types jwt-kit's own ES256 keys wrap
// (`ES256PrivateKey.Curve` is swift-crypto's `P256`), reached through jwt-kit's public API.
typealias P256SigningPrivateKey = ES256PrivateKey.Curve.PrivateKey
typealias P256SigningPublicKey = P256SigningPrivateKey.PublicKey
typealias P256SigningSignature = ES256PrivateKey.Curve.Signature

/// One P-256 key with everything signing, verifying and the JWKS need, parsed once.
struct SigningKey: Sendable {
    let kid: String
    let privateKey: P256SigningPrivateKey
    let publicKey: P256SigningPublicKey
    /// JWK coordinates, base64url.
    let x: String
    let y: String
    let createdAt: Date
    /// When it stopped signing; nil for the active key.
    var retiredAt: Date?

    init(kid: String, pem: String, createdAt: Date, retiredAt: Date?) throws {
        self.kid = kid
        privateKey = try P256SigningPrivateKey(pemRepresentation: pem)
        publicKey = privateKey.publicKey
        // 0x04 || x (32 bytes) || y (32 bytes)
        let point = [UInt8](publicKey.x963Representation)
        guard point.count == 65 else { throw IdentityStoreError(description: "signing key \(kid) is not a P-256 key") }
        x = Base64URL.encode(point[1..<33])
        y = Base64URL.encode(point[33..<65])
        self.createdAt = createdAt
        self.retiredAt = retiredAt
    }

    /// Signs `input` (the JWT signing input): the 64-byte `r || s` form JWS uses.
    func sign(_ input: [UInt8]) throws -> [UInt8] {
        [UInt8](try privateKey.signature(for: input).rawRepresentation)
    }

    func isValidSignature(_ signature: [UInt8], for input: ArraySlice<UInt8>) -> Bool {
        guard signature.count == 64, let parsed = try? P256SigningSignature(rawRepresentation: signature) else { return false }
        return publicKey.isValidSignature(parsed, for: input)
    }

    /// Signs and may verify at `now`: the active key, or one retired less than `grace` ago.
    func isLive(at now: Date, grace: TimeInterval) -> Bool {
        guard let retiredAt else { return true }
        return now < retiredAt.addingTimeInterval(grace)
    }

    static func newPEM() -> String {
        ES256PrivateKey().pemRepresentation
    }

    /// 16 random bytes, base64url: 22 url-safe characters.
    static func newKid() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}

struct IdentityStoreError: Error, CustomStringConvertible, Sendable {
    let description: String
}

/// The `signing_keys` rows: load (creating the first key when none signs), rotate.
enum SigningKeyStore {
    struct Record: Sendable {
        var kid: String
        var pem: String
        var createdAt: Date
        var retiredAt: Date?
    }

    /// Every key, creating an active one first if there is none (first start).
    static func loadOrCreate(_ db: any DatabaseWriter, now: Date) throws -> [Record] {
        try db.write { db in
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM signing_keys WHERE retired_at IS NULL") == 0 {
                try insert(Record(kid: SigningKey.newKid(), pem: SigningKey.newPEM(), createdAt: now), into: db)
            }
            return try all(db)
        }
    }

    /// Retires the active key at `now` and makes a new one active, in one transaction.
    /// Returns the new key, the retired one and every key after the change.
    static func rotate(_ db: any DatabaseWriter, now: Date) throws -> (new: Record, previous: Record, all: [Record]) {
        try db.write { db in
            let active = try all(db).filter { $0.retiredAt == nil }
            guard var previous = active.max(by: { $0.createdAt < $1.createdAt }) else {
                throw IdentityStoreError(description: "no active signing key to rotate")
            }
            try db.execute(sql: "UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL", arguments: [now.timeIntervalSince1970])
            previous.retiredAt = now
            let new = Record(kid: SigningKey.newKid(), pem: SigningKey.newPEM(), createdAt: now)
            try insert(new, into: db)
            return (new, previous, try all(db))
        }
    }

    private static func insert(_ record: Record, into db: Database) throws {
        try db.execute(
            sql: "INSERT INTO signing_keys(kid, private_pem, created_at, retired_at) VALUES (?, ?, ?, NULL)",
            arguments: [record.kid, record.pem, record.createdAt.timeIntervalSince1970]
        )
    }

    private static func all(_ db: Database) throws -> [Record] {
        try Row.fetchAll(db, sql: "SELECT kid, private_pem, created_at, retired_at FROM signing_keys ORDER BY created_at, kid").map { row in
            let retired: Double? = row["retired_at"]
            return Record(
                kid: row["kid"], pem: row["private_pem"],
                createdAt: Date(timeIntervalSince1970: row["created_at"]),
                retiredAt: retired.map { Date(timeIntervalSince1970: $0) }
            )
        }
    }
}
