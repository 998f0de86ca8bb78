/// A process's state as `status` shows it (contract: pending|starting|running|restarting|stopping|stopped|failed;
/// `external` marks a real service stackctl uses but does not run).
public enum ServiceState: String, Codable, Sendable {
    case pending, starting, running, restarting, stopping, stopped, failed, external
}

public struct ServiceStatus: Codable, Sendable, Equatable {
    public var name: String
    public var state: ServiceState
    public var healthy: Bool
    /// The service's own pid (the command, not its keeper); nil when it is not running.
    public var pid: Int32?
    public var url: String?
    public var restarts: Int
    /// How the last run ended ("exited with status 1", "killed by signal 9 (KILL)").
    public var lastExit: String?

    enum CodingKeys: String, CodingKey {
        case name, state, healthy, pid, url, restarts, lastExit
    }

    /// Absent values are written as `null`, as the contract's status shape has them.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(state, forKey: .state)
        try container.encode(healthy, forKey: .healthy)
        try container.encode(pid, forKey: .pid)
        try container.encode(url, forKey: .url)
        try container.encode(restarts, forKey: .restarts)
        try container.encode(lastExit, forKey: .lastExit)
    }

    public init(name: String, state: ServiceState, healthy: Bool, pid: Int32?, url: String?, restarts: Int, lastExit: String?) {
        self.name = name
        self.state = state
        self.healthy = healthy
        self.pid = pid
        self.url = url
        self.restarts = restarts
        self.lastExit = lastExit
    }
}
