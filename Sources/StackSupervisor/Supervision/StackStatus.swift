/// `status --json` (contract): the stack's state, each service, the registration.
public struct StackStatus: Codable, Sendable {
    public enum State: String, Codable, Sendable {
        case running, starting, degraded, stopped
    }

    public var state: State
    public var services: [ServiceStatus]
    public var registration: RegistrationStatus?

    enum CodingKeys: String, CodingKey {
        case state, services, registration
    }

    /// `registration` is written as `null` when there is none.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(state, forKey: .state)
        try container.encode(services, forKey: .services)
        try container.encode(registration, forKey: .registration)
    }

    public init(state: State, services: [ServiceStatus], registration: RegistrationStatus?) {
        self.state = state
        self.services = services
        self.registration = registration
    }
}

/// The registration as `status` shows it.
public struct RegistrationStatus: Codable, Sendable, Equatable {
    public var toolId: String?
    public var sessionId: String?
    public var tenant: String?
    public var user: String?
    public var expiresAt: String?
    public var renewals: Int
    public var state: String
    public var lastError: String?

    enum CodingKeys: String, CodingKey {
        case toolId, sessionId, tenant, user, expiresAt, renewals, state, lastError
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(toolId, forKey: .toolId)
        try container.encode(sessionId, forKey: .sessionId)
        try container.encode(tenant, forKey: .tenant)
        try container.encode(user, forKey: .user)
        try container.encode(expiresAt, forKey: .expiresAt)
        try container.encode(renewals, forKey: .renewals)
        try container.encode(state, forKey: .state)
        try container.encode(lastError, forKey: .lastError)
    }

    public init(toolId: String?, sessionId: String?, tenant: String?, user: String?, expiresAt: String?, renewals: Int,
                state: String, lastError: String?) {
        self.toolId = toolId
        self.sessionId = sessionId
        self.tenant = tenant
        self.user = user
        self.expiresAt = expiresAt
        self.renewals = renewals
        self.state = state
        self.lastError = lastError
    }
}
