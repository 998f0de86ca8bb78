import Foundation

/// A stack-file process with every `${…}` substituted: what the supervisor actually runs.
public struct ResolvedProcess: Sendable {
    public var name: String
    public var command: String
    public var environment: [String: String]
    public var workingDirectory: String?
    public var probe: HealthProbe?
    public var availability: Availability
    public var shutdown: Shutdown
    public var extras: ProcessExtras
    public var dependsOn: [String: DependencyCondition]
    /// `http://127.0.0.1:PORT` when the stack file gives the process a port.
    public var url: String?
    public var port: Int?
    /// A real service in use instead (its URL came from the environment): never started or seeded.
    public var external: Bool
}
