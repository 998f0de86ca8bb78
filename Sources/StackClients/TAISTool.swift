/// A tool registration (`/api/v2/tools-service/tools`).
public struct TAISTool: Decodable, Sendable, Equatable {
    /// `tool_…`
    public var id: String
    public var name: String
    public var description: String?
    public var url: String
    public var transport: String
    public var tenantId: String
    public var createdBy: String?
    /// RFC 3339, on fake-tais's clock.
    public var createdAt: String
    /// RFC 3339: `createdAt` + `TAIS_TOOL_TTL_SECONDS`.
    public var expiresAt: String
}

/// `{"items":[…]}` lists.
struct TAISItems<Item: Decodable & Sendable>: Decodable, Sendable {
    var items: [Item]
}
