import Foundation
import WireFormats

/// The body of `POST /_fake/tokens`: who the dev token is for. Only `tenant` and `user` are required.
public struct MintRequest: Decodable, Sendable, Equatable {
    public var tenant: String
    public var user: String
    /// Default: `user` itself when it contains `@`, otherwise `<user>@<tenant>.example`.
    public var email: String?
    /// Default: `user`.
    public var name: String?
    /// Default: `["Administrators"]`.
    public var groups: [String]?
    /// Default: `["Owner"]`.
    public var roles: [String]?
    /// Default: 3600; 1 … 2,592,000 (30 days).
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

    public static let defaultGroups = ["Administrators"]
    public static let defaultRoles = ["Owner"]
    public static let defaultTTLSeconds = 3600
    public static let maximumTTLSeconds = 30 * 24 * 3600
}

/// A mint request fails validation; `message` names the field (`ttlSeconds must be …`).
public struct MintRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { message }
}

/// Who a verified bearer token speaks for.
public struct TAISIdentity: Sendable, Equatable {
    public var tenant: String
    /// The token's `sub`.
    public var user: String
    /// `""` when the token has no `email` claim.
    public var email: String
    /// `""` when the token has no `name` claim.
    public var name: String
    public var groups: [String]
    public var roles: [String]
    public var expiresAt: Date
    /// The raw JWT, forwarded as the caller's own bearer token (the agent's MCP calls).
    public var token: String

    public init(
        tenant: String, user: String, email: String, name: String, groups: [String], roles: [String],
        expiresAt: Date, token: String
    ) {
        self.tenant = tenant
        self.user = user
        self.email = email
        self.name = name
        self.groups = groups
        self.roles = roles
        self.expiresAt = expiresAt
        self.token = token
    }
}

/// Why a bearer token was refused; `reason` is the exact 401 message of docs/fake-tais.md ("Errors").
public struct TokenRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { reason }

    public static let missing = TokenRejection(reason: "missing bearer token")
    public static let malformed = TokenRejection(reason: "malformed token")
    public static let expired = TokenRejection(reason: "token expired")
    public static let notYetValid = TokenRejection(reason: "token not yet valid")
    public static let badSignature = TokenRejection(reason: "bad signature")
    public static let wrongAudience = TokenRejection(reason: "wrong audience")
    public static let wrongIssuer = TokenRejection(reason: "wrong issuer")
    public static let unsupportedAlgorithm = TokenRejection(reason: "unsupported algorithm")
    public static let unknownSigningKey = TokenRejection(reason: "unknown signing key")
}

/// The answer of `POST /_fake/keys/rotate`: `{"kid","previousKid","previousValidUntil"}`, the date in RFC 3339.
public struct RotationResult: Encodable, Sendable, Equatable {
    /// The new signing key.
    public var kid: String
    /// The key it replaced, still in the JWKS (and its tokens still valid) until `previousValidUntil`.
    public var previousKid: String
    public var previousValidUntil: Date

    public init(kid: String, previousKid: String, previousValidUntil: Date) {
        self.kid = kid
        self.previousKid = previousKid
        self.previousValidUntil = previousValidUntil
    }

    enum CodingKeys: String, CodingKey {
        case kid, previousKid, previousValidUntil
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kid, forKey: .kid)
        try container.encode(previousKid, forKey: .previousKid)
        try container.encode(IdentityTime.rfc3339(previousValidUntil), forKey: .previousValidUntil)
    }
}

enum IdentityTime {
    /// `2026-01-15T10:00:00Z`, with milliseconds only when the instant has a fraction.
    static func rfc3339(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        let seconds = interval.rounded(.down)
        let millis = Int(((interval - seconds) * 1000).rounded(.down))
        return RFC3339.format(seconds: Int64(seconds), millis: millis == 0 ? nil : millis)
    }
}
