import Foundation

/// The identity `/mcp` verified from a TAIS JWT, carried to the tool handlers on one internal header
/// as JSON. JSON keeps `groups` a list: a group name may contain any character (a comma included),
/// so no separator could be split back safely. Inbound headers with the internal prefix are
/// stripped before this one is set, so a caller can never supply it.
public struct VerifiedIdentity: Codable, Sendable, Equatable {
    public var tenant: String
    public var user: String
    public var groups: [String]

    public init(tenant: String, user: String, groups: [String]) {
        self.tenant = tenant
        self.user = user
        self.groups = groups
    }

    /// Every inbound header starting with this is dropped by the `/mcp` route.
    public static let internalHeaderPrefix = "x-credits-mcp-verified-"
    public static let header = "x-credits-mcp-verified-identity"

    public var headerValue: String {
        // Encoding plain strings cannot fail.
        String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self)
    }

    public init?(headerValue: String) {
        guard let decoded = try? JSONDecoder().decode(Self.self, from: Data(headerValue.utf8)) else { return nil }
        self = decoded
    }
}
