import Foundation

/// A reason a service cannot start, printed as one line and turned into a non-zero exit.
public struct StartupFailure: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let exitCode: Int32

    public init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }
}

extension StartupFailure {
    /// Prints `<program>: error: <message>` to stderr and exits with the failure's code.
    public static func exit(program: String, _ failure: StartupFailure) -> Never {
        FileHandle.standardError.write(Data("\(program): error: \(failure.message)\n".utf8))
        Foundation.exit(failure.exitCode)
    }
}
