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

extension StackStatus {
    /// fake-tais's login link to Settings → Billing with the dev token (`env`'s `TAIS_JWT`), when fake-tais runs
    /// here rather than a real TAIS. The token is a JWT, whose characters need no escaping in a query.
    public func billingLink(env: [String: String]) -> String? {
        guard let tais = env["TAIS_URL"], let token = env["TAIS_JWT"],
              services.contains(where: { $0.name == "fake-tais" && $0.state != .external }) else { return nil }
        return "\(tais)/login?token=\(token)&next=/settings/billing"
    }
}
