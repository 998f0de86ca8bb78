/// Who an MCP session belongs to: the caller that sent its `initialize`. Every later request on the
/// session must come from the same owner, or it is answered like an unknown session (404), so a
/// leaked session id gives another tenant neither the session nor a replay of its events.
struct SessionOwner: Hashable, Sendable, CustomStringConvertible {
    /// Headers mode: the forwarded (or dev-override) tenant, "" when none was sent. JWT mode: `tenant_id`.
    var tenant: String
    /// JWT mode only: the token's `sub`.
    var user: String?

    var description: String { user.map { "\(tenant)/\($0)" } ?? (tenant.isEmpty ? "(no tenant)" : tenant) }
}

/// Why a new session was refused; the text goes to the client.
struct SessionRefusal: Error, Sendable {
    enum Kind: Sendable, Equatable { case tenantFull, serverFull, startFailed }
    let kind: Kind
    let message: String

    /// 429 for a tenant at its cap (its own sessions are the remedy), 503 when the server as a whole is full.
    var statusCode: Int {
        switch kind {
        case .tenantFull: 429
        case .serverFull, .startFailed: 503
        }
    }
}
