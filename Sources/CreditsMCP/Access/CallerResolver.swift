/// Resolves the caller of one tool call from the headers of the HTTP request that carried it.
///
/// Headers mode trusts `X-Tenant-Id` and `X-User-Groups` as the chat platform forwards them; JWT mode
/// reads only the claims the `/mcp` route verified and put into internal headers. The dev overrides
/// apply only when the server runs with `CREDITS_MCP_ENV=development`.
public struct CallerResolver: Sendable {
    public static let adminGroup = "Administrators"
    /// Set by the `/mcp` route after verifying a JWT; stripped from every inbound request first.
    public static let verifiedTenantHeader = "x-credits-mcp-verified-tenant"
    public static let verifiedGroupsHeader = "x-credits-mcp-verified-groups"
    public static let verifiedUserHeader = "x-credits-mcp-verified-user"

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
        let tenantHeader = mode == .jwt ? Self.verifiedTenantHeader : "X-Tenant-Id"
        let groupsHeader = mode == .jwt ? Self.verifiedGroupsHeader : "X-User-Groups"
        let tenant = Self.trimmed(devTenant ?? header(tenantHeader) ?? "")
        guard !tenant.isEmpty else {
            throw AccessDenied(message: "Access denied: the request names no tenant (the X-Tenant-Id header is missing or empty), so no data is shown.")
        }
        let groups = Self.groups(devGroups ?? header(groupsHeader) ?? "")
        guard groups.contains(Self.adminGroup) else {
            throw AccessDenied(message: "Access denied: AI-credit usage is for administrators only. Your groups (\(groups.isEmpty ? "none" : groups.joined(separator: ", "))) do not include \(Self.adminGroup).")
        }
        let user = mode == .jwt ? header(Self.verifiedUserHeader) : nil
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
