/// The process listening on a port, as `PortCheck.holder(of:)` found it.
public struct PortHolder: Sendable, Equatable, CustomStringConvertible {
    /// nil when the listening socket exists but no process this user can read holds it.
    public var pid: Int32?
    public var command: String?

    public init(pid: Int32?, command: String?) {
        self.pid = pid
        self.command = command
    }

    /// `pid 1234 (python3 -m http.server 8888)`, or `a process this user cannot see`.
    public var description: String {
        guard let pid else { return "a process this user cannot see" }
        guard let command else { return "pid \(pid)" }
        return "pid \(pid) (\(command))"
    }
}
