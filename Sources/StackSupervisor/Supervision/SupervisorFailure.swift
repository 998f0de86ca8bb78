/// Why the supervisor cannot go on, with the exit code the contract gives it:
/// 1 a process failed to start or become healthy, 2 bad usage, 3 a port is taken, 4 the tool could not be registered.
public struct SupervisorFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var exitCode: Int32

    public init(_ message: String, exitCode: Int32) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }

    public static func usage(_ message: String) -> SupervisorFailure { SupervisorFailure(message, exitCode: 2) }
}
