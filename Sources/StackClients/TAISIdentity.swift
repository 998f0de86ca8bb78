import WireFormats

/// The body of `POST /_fake/tokens`: who the dev JWT is for. Fields left nil are left out, so
/// fake-tais's defaults apply (groups `["Administrators"]`, roles `["Owner"]`, 3600 s).
public struct TAISMintRequest: Sendable, Equatable {
    public var tenant: String
    public var user: String
    public var email: String?
    public var name: String?
    public var groups: [String]?
    public var roles: [String]?
    public var ttlSeconds: Int?

    public init(
        tenant: String, user: String, email: String? = nil, name: String? = nil,
        groups: [String]? = nil, roles: [String]? = nil, ttlSeconds: Int? = nil
    ) {
        self.tenant = tenant
        self.user = user
        self.email = email
        self.name = name
        self.groups = groups
        self.roles = roles
        self.ttlSeconds = ttlSeconds
    }

    var json: JSONValue {
        TAISJSON.object([
            ("tenant", .string(tenant)), ("user", .string(user)),
            ("email", email.map(JSONValue.string)), ("name", name.map(JSONValue.string)),
            ("groups", TAISJSON.strings(groups)), ("roles", TAISJSON.strings(roles)),
            ("ttlSeconds", ttlSeconds.map { .number(Double($0)) }),
        ])
    }
}

/// The answer of `POST /_fake/tokens`.
public struct TAISMintedToken: Decodable, Sendable, Equatable {
    public var token: String
    /// RFC 3339, on fake-tais's clock.
    public var expiresAt: String?
}

/// One key of fake-tais's JWKS (`GET /.well-known/jwks.json`).
public struct TAISJWK: Decodable, Sendable, Equatable {
    public var kty: String
    public var crv: String?
    public var use: String?
    public var alg: String?
    public var kid: String?
    /// base64url coordinates of the P-256 point.
    public var x: String?
    public var y: String?
}

/// `GET /.well-known/jwks.json`, the keys and the document as sent (for handing to a verifier).
public struct TAISJWKS: Sendable, Equatable {
    public var keys: [TAISJWK]
    /// The document's raw text.
    public var text: String
    /// The `Cache-Control` header.
    public var cacheControl: String?
}

/// The answer of `POST /_fake/keys/rotate`.
public struct TAISKeyRotation: Decodable, Sendable, Equatable {
    /// The new signing key.
    public var kid: String
    /// The key it replaced, still in the JWKS until `previousValidUntil`.
    public var previousKid: String?
    /// RFC 3339, on fake-tais's clock.
    public var previousValidUntil: String?
}
