/// One child a supervisor started, as recorded in the state dir's `children.json`.
public struct ChildRecord: Codable, Sendable, Equatable {
    /// The process's name in the stack file.
    public var name: String
    /// The `stackctl __keeper` between the supervisor and the service.
    public var keeper: ProcessStamp
    /// The service itself (`/bin/sh -c COMMAND`), once the keeper reported it.
    public var service: ProcessStamp?
    /// The service's own process group (its pid, as the keeper starts it in a new group).
    public var serviceGroup: Int32?

    public init(name: String, keeper: ProcessStamp, service: ProcessStamp? = nil, serviceGroup: Int32? = nil) {
        self.name = name
        self.keeper = keeper
        self.service = service
        self.serviceGroup = serviceGroup
    }
}
