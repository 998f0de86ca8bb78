/// Resolves the caller of one tool call from the headers of the HTTP request that carried it.
///
/// Headers mode trusts `X-Tenant-Id` and `X-User-Groups` as the chat platform forwards them; JWT mode
/// reads only the identity the `/mcp` route verified and attached (`VerifiedIdentity`). The dev overrides
/// apply only when the server runs with `CREDITS_MCP_ENV=development`.
public struct CallerResolver: Sendable {
    public static let adminGroup = "Administrators"

    public let mode: AuthMode
    public let devTenant: String?
    public let devGroups: String?

    public init(mode: AuthMode, devTenant: String? = nil, devGroups: String? = nil) {
        self.mode = mode
        self.devTenant = devTenant
        self.devGroups = devGroups
    }

    /// - Parameter header: case-insensitive header lookup of the carrying request, nil when there is none.
    public func resolve(header: ((String) -> String?)?) throws(AccessDenied) -> Caller {
        guard let header else {
            throw AccessDenied(message: "Access denied: this call did not arrive over HTTP with tenant headers, so no data is shown.")
        }
        if mode == .jwt {
            // Only what the `/mcp` route verified: the groups arrive as the token's list, never re-split.
            guard let identity = header(VerifiedIdentity.header).flatMap(VerifiedIdentity.init(headerValue:)) else {
                throw AccessDenied(message: "Access denied: the request carries no verified TAIS token, so no data is shown.")
            }
            return try Self.admit(tenant: Self.trimmed(identity.tenant), groups: identity.groups.map { Self.trimmed($0) }, user: identity.user)
        }
        let tenant = Self.trimmed(devTenant ?? header("X-Tenant-Id") ?? "")
        return try Self.admit(tenant: tenant, groups: Self.groups(devGroups ?? header("X-User-Groups") ?? ""), user: nil)
    }

    /// The tenant an MCP session belongs to in headers mode: the dev override, else the forwarded header,
    /// trimmed like a tool call reads it ("" when there is none).
    public func headersModeTenant(header: (String) -> String?) -> String {
        Self.trimmed(devTenant ?? header("X-Tenant-Id") ?? "")
    }

    static func admit(tenant: String, groups: [String], user: String?) throws(AccessDenied) -> Caller {
        guard !tenant.isEmpty else {
            throw AccessDenied(message: "Access denied: the request names no tenant (the X-Tenant-Id header is missing or empty), so no data is shown.")
        }
        guard groups.contains(Self.adminGroup) else {
            let shown = groups.filter { !$0.isEmpty }
            throw AccessDenied(message: "Access denied: AI-credit usage is for administrators only. Your groups (\(shown.isEmpty ? "none" : shown.joined(separator: ", "))) do not include \(Self.adminGroup).")
        }
        return Caller(tenant: tenant, groups: groups, user: user)
    }

    /// Comma-separated group names, each trimmed, empty entries dropped.
    static func groups(_ text: String) -> [String] {
        text.split(separator: ",").map { trimmed($0) }.filter { !$0.isEmpty }
    }

    /// Strips HTTP's optional whitespace (space, tab; CR and LF from env-supplied values) only: a zero-width or no-break space is part of
    /// the value, so `Administrators\u{200B}` stays a different group.
    static func trimmed(_ text: some StringProtocol) -> String {
        let isOWS: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isOWS($0) }), let last = scalars.lastIndex(where: { !isOWS($0) }) else { return "" }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[first...last])
        return String(view)
    }
}

import Foundation
