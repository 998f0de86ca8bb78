import Foundation
import WireFormats

/// Claims read from a JWT WITHOUT verifying its signature: stackctl is a client, TAIS verifies.
/// Used to learn who `TAIS_JWT` (or a minted dev token) speaks for: tenant, user, groups, roles, expiry.
public struct JWTIdentity: Sendable, Equatable {
    public var tenant: String
    public var user: String
    public var groups: [String]
    public var roles: [String]
    /// The `exp` claim; nil when the token has none.
    public var expiresAt: Date?
    /// The `iat` claim; nil when the token has none.
    public var issuedAt: Date?

    public init(tenant: String, user: String, groups: [String] = [], roles: [String] = [], expiresAt: Date? = nil, issuedAt: Date? = nil) {
        self.tenant = tenant
        self.user = user
        self.groups = groups
        self.roles = roles
        self.expiresAt = expiresAt
        self.issuedAt = issuedAt
    }

    /// Reads the payload of `jwt` (`header.payload.signature`, base64url, unpadded or padded) and picks the
    /// identity out of the claims named by `claims`. The tenant and user claims must be non-empty strings;
    /// groups and roles, when present, arrays of strings (absent: empty); `exp`/`iat`, when present, numbers.
    public static func decode(_ jwt: String, claims: ClaimNames) throws(JWTDecodingError) -> JWTIdentity {
        let text = jwt.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw JWTDecodingError("the token is empty") }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw JWTDecodingError("not a JWT: expected three dot-separated parts (header.payload.signature), found \(parts.count)")
        }
        let header = try json(of: parts[0], part: "header")
        guard case .object = header else { throw JWTDecodingError("the JWT header is not a JSON object") }
        let payload = try json(of: parts[1], part: "payload")
        guard case .object = payload else { throw JWTDecodingError("the JWT payload is not a JSON object") }

        let tenant = try requiredString(payload, claims.tenant, role: "tenant")
        let user = try requiredString(payload, claims.user, role: "user")
        let groups = try stringArray(payload, claims.groups)
        let roles = try stringArray(payload, claims.roles)
        let expiresAt = try date(payload, "exp")
        let issuedAt = try date(payload, "iat")
        return JWTIdentity(tenant: tenant, user: user, groups: groups, roles: roles, expiresAt: expiresAt, issuedAt: issuedAt)
    }

    /// Bytes of one base64url part (padding optional).
    static func base64URLDecode<S: StringProtocol>(_ part: S) -> [UInt8]? {
        var text = String(part)
        while text.hasSuffix("=") { text.removeLast() }
        guard !text.isEmpty, !text.contains("+"), !text.contains("/"), !text.contains("=") else { return nil }
        text = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let remainder = text.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { text += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: text).map { Array($0) }
    }

    private static func json(of part: Substring, part name: String) throws(JWTDecodingError) -> JSONValue {
        guard !part.isEmpty else { throw JWTDecodingError("the JWT \(name) is empty") }
        guard let bytes = base64URLDecode(part) else { throw JWTDecodingError("the JWT \(name) is not valid base64url") }
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw JWTDecodingError("the JWT \(name) is not JSON (\(error.description))")
        }
    }

    private static func requiredString(_ payload: JSONValue, _ claim: String, role: String) throws(JWTDecodingError) -> String {
        guard let value = payload[claim], !value.isNull else {
            throw JWTDecodingError("the JWT has no \"\(claim)\" claim (the \(role)); set x-stackctl.claims.\(role) if your TAIS names it differently")
        }
        guard case .string(let text) = value else {
            throw JWTDecodingError("the JWT's \"\(claim)\" claim (the \(role)) must be a string, found \(kind(value))")
        }
        guard !text.isEmpty else { throw JWTDecodingError("the JWT's \"\(claim)\" claim (the \(role)) is empty") }
        return text
    }

    private static func stringArray(_ payload: JSONValue, _ claim: String) throws(JWTDecodingError) -> [String] {
        guard let value = payload[claim], !value.isNull else { return [] }
        guard case .array(let items) = value else {
            throw JWTDecodingError("the JWT's \"\(claim)\" claim must be an array of strings, found \(kind(value))")
        }
        var strings: [String] = []
        for item in items {
            guard case .string(let text) = item else {
                throw JWTDecodingError("the JWT's \"\(claim)\" claim must be an array of strings, found an element that is \(kind(item))")
            }
            strings.append(text)
        }
        return strings
    }

    private static func date(_ payload: JSONValue, _ claim: String) throws(JWTDecodingError) -> Date? {
        guard let value = payload[claim], !value.isNull else { return nil }
        guard case .number(let seconds) = value, seconds.isFinite else {
            throw JWTDecodingError("the JWT's \"\(claim)\" claim must be a number of seconds since 1970, found \(kind(value))")
        }
        return Date(timeIntervalSince1970: seconds)
    }

    private static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Why a JWT could not be read; `message` says what is wrong with it (never the token itself).
public struct JWTDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
