/// `POST /_fake/tenants/{tenant}`'s answer: the tenant's plan and live-registration cap.
public struct TAISTenantSettings: Decodable, Sendable, Equatable {
    public var tenant: String
    public var plan: String
    public var toolCap: Int
}

/// `GET /_fake/outbox`: credit events waiting for OpenMeter, and those it acknowledged.
public struct TAISOutboxCounts: Decodable, Sendable, Equatable {
    public var pending: Int
    public var delivered: Int
}

/// `/_fake/clock`'s state: `{"now","mode":"real|offset|frozen","offsetSeconds"}`.
public struct TAISClockState: Decodable, Sendable, Equatable {
    /// RFC 3339, whole seconds.
    public var now: String
    public var mode: String
    public var offsetSeconds: Double?
}
