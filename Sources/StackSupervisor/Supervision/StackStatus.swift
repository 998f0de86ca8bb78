/// `status --json` (contract): the stack's state, each service, the registration.
public struct StackStatus: Codable, Sendable {
    public enum State: String, Codable, Sendable {
        case running, starting, degraded, stopped
    }

    public var state: State
    public var services: [ServiceStatus]
    public var registration: RegistrationSnapshot?

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

    public init(state: State, services: [ServiceStatus], registration: RegistrationSnapshot?) {
        self.state = state
        self.services = services
        self.registration = registration
    }
}
