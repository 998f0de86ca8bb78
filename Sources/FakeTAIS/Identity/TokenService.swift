public import FakeControls
public import Foundation
public import GRDB
import Synchronization
import WireFormats

/// fake-tais's identity authority: mints ES256 dev tokens, verifies bearer tokens, serves the JWKS and rotates
/// the signing key (docs/fake-tais.md, "Identity").
///
/// The keys live in `signing_keys` (see `IdentitySchema`) and, parsed, in memory: `verify` reads no database,
/// takes a lock only to look up the `kid`, and does one P-256 signature check.
public final class TokenService: Sendable {
    public let issuer: String
    public let audience: String
    /// How long a rotated-out key stays in the JWKS and its tokens stay valid (`TAIS_KEY_GRACE_SECONDS`).
    public let rotationGrace: TimeInterval
    /// Clock skew tolerated on `exp` and `nbf` (`TAIS_JWT_LEEWAY_SECONDS`).
    public let leeway: TimeInterval
    public let clock: FakeClock

    private let db: any DatabaseWriter
    private let ring: Mutex<KeyRing>
    /// Serializes rotations, so the ring installed last is the one the database ended with.
    private let rotation = Mutex<Void>(())
    /// Tokens that verified, by their text (see `verify`).
    private let verified = Mutex<[String: VerifiedToken]>([:])

    /// Loads the signing keys, creating the first one on first start.
    public init(
        db: any DatabaseWriter, clock: FakeClock, issuer: String = "fake-tais", audience: String = "tais",
        rotationGrace: TimeInterval = 3600, leeway: TimeInterval = 30
    ) throws {
        self.db = db
        self.clock = clock
        self.issuer = issuer
        self.audience = audience
        self.rotationGrace = max(0, rotationGrace)
        self.leeway = max(0, leeway)
        let records = try SigningKeyStore.loadOrCreate(db, now: clock.now())
        ring = Mutex(try KeyRing(records))
    }

    /// The key that signs new tokens.
    public var activeKid: String {
        ring.withLock { $0.active.kid }
    }

    // MARK: Minting

    /// A dev token for `request`, signed with the active key; `expiresAt` is its `exp`.
    public func mint(_ request: MintRequest) throws -> (token: String, expiresAt: Date) {
        let claims = try MintedClaims(request)
        let key = ring.withLock { $0.active }
        let issuedAt = Int64(clock.now().timeIntervalSince1970.rounded(.down))
        let expires = issuedAt + Int64(claims.ttlSeconds)

        var payload = JSONWriter(capacity: 512)
        payload.raw("{")
        payload.key("iss"); payload.string(issuer); payload.raw(",")
        payload.key("aud"); payload.string(audience); payload.raw(",")
        payload.key("sub"); payload.string(claims.user); payload.raw(",")
        payload.key("email"); payload.string(claims.email); payload.raw(",")
        payload.key("name"); payload.string(claims.name); payload.raw(",")
        payload.key("tenant_id"); payload.string(claims.tenant); payload.raw(",")
        payload.key("groups"); payload.value(.array(claims.groups.map { .string($0) })); payload.raw(",")
        payload.key("roles"); payload.value(.array(claims.roles.map { .string($0) })); payload.raw(",")
        payload.key("iat"); payload.raw(String(issuedAt)); payload.raw(",")
        payload.key("nbf"); payload.raw(String(issuedAt)); payload.raw(",")
        payload.key("exp"); payload.raw(String(expires))
        payload.raw("}")

        let token = try sign(header: Self.header(kid: key.kid), payload: payload.bytes, with: key)
        return (token, Date(timeIntervalSince1970: TimeInterval(expires)))
    }

    static func header(kid: String) -> [UInt8] {
        var header = JSONWriter(capacity: 64)
        header.raw("{")
        header.key("alg"); header.string("ES256"); header.raw(",")
        header.key("typ"); header.string("JWT"); header.raw(",")
        header.key("kid"); header.string(kid)
        header.raw("}")
        return header.bytes
    }

    private func sign(header: [UInt8], payload: [UInt8], with key: SigningKey) throws -> String {
        let input = Base64URL.encode(header) + "." + Base64URL.encode(payload)
        return input + "." + Base64URL.encode(try key.sign(Array(input.utf8)))
    }

    /// Signs any header and claims with the active key (tests forge tokens the minting rules would refuse).
    func signWithActiveKey(header: [UInt8], payload: [UInt8]) throws -> String {
        try sign(header: header, payload: payload, with: ring.withLock { $0.active })
    }

    // MARK: Verifying

    /// The identity a bearer token carries, or the reason it is refused (docs/fake-tais.md, "Identity").
    ///
    /// In order: the structure; `alg` exactly `ES256` (before any key is looked at); a `kid` of the JWKS; the
    /// signature; `iss`; `aud` (a string or an array holding it); `exp`, then `nbf`, with `leeway`, against the
    /// fake clock; then `sub` and a non-blank `tenant_id`.
    ///
    /// A token that verified is remembered (up to `verifiedCacheLimit` of them): presented again, only what can
    /// change is checked again (its key still in the JWKS, `exp` and `nbf` against the clock), with the same
    /// reasons. The cache is keyed by the exact token text, so any change to a token is a full verification.
    public func verify(_ token: String) throws(TokenRejection) -> TAISIdentity {
        if let known = verified.withLock({ $0[token] }) {
            let now = clock.now()
            guard let key = ring.withLock({ $0.keys[known.kid] }), key.isLive(at: now, grace: rotationGrace) else {
                throw .unknownSigningKey
            }
            try checkTimes(exp: known.exp, nbf: known.nbf, now: now)
            return known.identity
        }
        let known = try verifyFully(token)
        verified.withLock { cache in
            if cache.count >= Self.verifiedCacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[token] = known
        }
        return known.identity
    }

    /// How many verified tokens `verify` remembers.
    static let verifiedCacheLimit = 10_000

    /// A token whose signature, issuer, audience and claims verified, with what must be checked again.
    struct VerifiedToken: Sendable {
        let kid: String
        let exp: Double
        let nbf: Double?
        let identity: TAISIdentity
    }

    private func checkTimes(exp: Double, nbf: Double?, now: Date) throws(TokenRejection) {
        let seconds = now.timeIntervalSince1970
        guard seconds < exp + leeway else { throw .expired }
        if let nbf, seconds + leeway < nbf { throw .notYetValid }
    }

    /// Every check, nothing remembered.
    func verifyFully(_ token: String) throws(TokenRejection) -> VerifiedToken {
        let bytes = Array(token.utf8)
        guard let firstDot = bytes.firstIndex(of: 0x2E),
              let secondDot = bytes[(firstDot + 1)...].firstIndex(of: 0x2E),
              !bytes[(secondDot + 1)...].contains(0x2E)
        else { throw .malformed }

        // Header: alg, then kid.
        guard let headerJSON = Base64URL.decode(bytes[..<firstDot]),
              case .object(let header)? = try? JSONParser.parse(headerJSON)
        else { throw .malformed }
        func headerField(_ name: String) -> JSONValue? { header.last(where: { $0.key == name })?.value }
        guard headerField("alg")?.stringValue == "ES256" else { throw .unsupportedAlgorithm }
        // No header extension is understood, so one marked critical cannot be honoured (RFC 7515 §4.1.11).
        guard headerField("crit") == nil else { throw .malformed }
        guard let kid = headerField("kid")?.stringValue else { throw .unknownSigningKey }

        let now = clock.now()
        guard let key = ring.withLock({ $0.keys[kid] }), key.isLive(at: now, grace: rotationGrace) else {
            throw .unknownSigningKey
        }

        // Signature over `header.payload`.
        guard let signature = Base64URL.decode(bytes[(secondDot + 1)...]) else { throw .malformed }
        guard key.isValidSignature(signature, for: bytes[..<secondDot]) else { throw .badSignature }

        // Claims.
        guard let payloadJSON = Base64URL.decode(bytes[(firstDot + 1)..<secondDot]),
              case .object(let claims)? = try? JSONParser.parse(payloadJSON)
        else { throw .malformed }
        var values: [String: JSONValue] = [:]
        for member in claims { values[member.key] = member.value }

        guard values["iss"]?.stringValue == issuer else { throw .wrongIssuer }
        switch values["aud"] {
        case .string(let single)?:
            guard single == audience else { throw .wrongAudience }
        case .array(let many)?:
            guard many.contains(.string(audience)) else { throw .wrongAudience }
        default:
            throw .wrongAudience
        }

        guard case .number(let exp)? = values["exp"] else { throw .malformed }
        let nbf: Double?
        switch values["nbf"] {
        case nil: nbf = nil
        case .number(let value)?: nbf = value
        default: throw .malformed
        }
        try checkTimes(exp: exp, nbf: nbf, now: now)

        guard let user = values["sub"]?.stringValue, !user.isEmpty,
              let tenant = values["tenant_id"]?.stringValue, !tenant.trimmingCharacters(in: .whitespaces).isEmpty,
              let email = Self.optionalString(values["email"]),
              let name = Self.optionalString(values["name"]),
              let groups = Self.optionalStrings(values["groups"]),
              let roles = Self.optionalStrings(values["roles"])
        else { throw .malformed }

        let identity = TAISIdentity(
            tenant: tenant, user: user, email: email, name: name, groups: groups, roles: roles,
            expiresAt: Date(timeIntervalSince1970: exp), token: token
        )
        return VerifiedToken(kid: kid, exp: exp, nbf: nbf, identity: identity)
    }

    /// `""` when absent; nil (malformed) when not a string.
    private static func optionalString(_ value: JSONValue?) -> String? {
        switch value {
        case nil, .null?: ""
        case .string(let text)?: text
        default: nil
        }
    }

    /// `[]` when absent; nil (malformed) when not an array of strings.
    private static func optionalStrings(_ value: JSONValue?) -> [String]? {
        switch value {
        case nil, .null?: return []
        case .array(let items)?:
            var strings: [String] = []
            strings.reserveCapacity(items.count)
            for item in items {
                guard case .string(let text) = item else { return nil }
                strings.append(text)
            }
            return strings
        default: return nil
        }
    }

    // MARK: JWKS and rotation

    /// `{"keys":[…]}`: the active key first, then the keys retired less than `rotationGrace` ago, newest first.
    public func jwks() -> String {
        let now = clock.now()
        let keys = ring.withLock { $0.published }.filter { $0.isLive(at: now, grace: rotationGrace) }
        var out = JSONWriter(capacity: 160 * keys.count + 16)
        out.raw(#"{"keys":["#)
        for (index, key) in keys.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{")
            out.key("kty"); out.string("EC"); out.raw(",")
            out.key("crv"); out.string("P-256"); out.raw(",")
            out.key("use"); out.string("sig"); out.raw(",")
            out.key("alg"); out.string("ES256"); out.raw(",")
            out.key("kid"); out.string(key.kid); out.raw(",")
            out.key("x"); out.string(key.x); out.raw(",")
            out.key("y"); out.string(key.y)
            out.raw("}")
        }
        out.raw("]}")
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// Makes a new key the signing key; the previous one stays valid for `rotationGrace`.
    public func rotate() throws -> RotationResult {
        try rotation.withLock { _ in
            let now = clock.now()
            let change = try SigningKeyStore.rotate(db, now: now)
            let updated = try KeyRing(change.all)
            ring.withLock { $0 = updated }
            return RotationResult(
                kid: change.new.kid, previousKid: change.previous.kid,
                previousValidUntil: now.addingTimeInterval(rotationGrace)
            )
        }
    }
}

/// The parsed keys: the active one, and every key by kid.
struct KeyRing: Sendable {
    var active: SigningKey
    var keys: [String: SigningKey]
    /// The active key, then retired keys, most recently retired first (the JWKS order before filtering).
    var published: [SigningKey]

    init(_ records: [SigningKeyStore.Record]) throws {
        let parsed = try records.map { record in
            do {
                return try SigningKey(kid: record.kid, pem: record.pem, createdAt: record.createdAt, retiredAt: record.retiredAt)
            } catch {
                throw IdentityStoreError(description: "signing key \(record.kid) in the data file is unusable: \(error)")
            }
        }
        guard let active = parsed.filter({ $0.retiredAt == nil }).max(by: { $0.createdAt < $1.createdAt }) else {
            throw IdentityStoreError(description: "the data file has no active signing key")
        }
        self.active = active
        keys = Dictionary(parsed.map { ($0.kid, $0) }, uniquingKeysWith: { first, _ in first })
        let retired = parsed.filter { $0.retiredAt != nil }.sorted { $0.retiredAt! > $1.retiredAt! }
        published = [active] + retired
    }
}

/// A mint request with its defaults applied and every field checked.
struct MintedClaims {
    var tenant: String
    var user: String
    var email: String
    var name: String
    var groups: [String]
    var roles: [String]
    var ttlSeconds: Int

    init(_ request: MintRequest) throws(MintRequestError) {
        tenant = try Self.required(request.tenant, "tenant")
        user = try Self.required(request.user, "user")
        email = try request.email.map { value throws(MintRequestError) in try Self.required(value, "email") }
            ?? (user.contains("@") ? user : "\(user)@\(tenant).example")
        name = try request.name.map { value throws(MintRequestError) in try Self.required(value, "name") } ?? user
        groups = try Self.names(request.groups ?? MintRequest.defaultGroups, "groups", allowComma: false)
        roles = try Self.names(request.roles ?? MintRequest.defaultRoles, "roles", allowComma: true)
        ttlSeconds = request.ttlSeconds ?? MintRequest.defaultTTLSeconds
        guard (1...MintRequest.maximumTTLSeconds).contains(ttlSeconds) else {
            throw MintRequestError(
                field: "ttlSeconds",
                message: "ttlSeconds must be between 1 and \(MintRequest.maximumTTLSeconds) (30 days)"
            )
        }
    }

    /// Trimmed, non-blank, no control characters (tenant, user and groups travel in HTTP headers).
    private static func required(_ value: String, _ field: String) throws(MintRequestError) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw MintRequestError(field: field, message: "\(field) is required") }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw MintRequestError(field: field, message: "\(field) must not contain control characters")
        }
        return trimmed
    }

    /// Group names are joined with ", " into `X-User-Groups`, so they may not hold a comma.
    private static func names(_ values: [String], _ field: String, allowComma: Bool) throws(MintRequestError) -> [String] {
        var names: [String] = []
        for (index, value) in values.enumerated() {
            let name = try required(value, "\(field)[\(index)]")
            if !allowComma, name.contains(",") {
                throw MintRequestError(field: "\(field)[\(index)]", message: "\(field)[\(index)] must not contain a comma")
            }
            names.append(name)
        }
        return names
    }
}
