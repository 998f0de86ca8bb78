#if canImport(Glibc)
import Glibc
#endif

/// How a process ended, as `waitpid` reports it.
public struct ExitStatus: Sendable, Equatable, CustomStringConvertible {
    public let raw: Int32

    public init(raw: Int32) { self.raw = raw }

    public var signal: Int32? {
        let number = raw & 0x7f
        return number == 0 ? nil : number
    }

    public var code: Int32? { signal == nil ? (raw >> 8) & 0xff : nil }

    public var isSuccess: Bool { code == 0 }

    public var description: String {
        if let signal { return "killed by signal \(signal) (\(Self.signalName(signal)))" }
        return "exited with status \(code ?? -1)"
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGHUP: "HUP"
        case SIGINT: "INT"
        case SIGQUIT: "QUIT"
        case SIGABRT: "ABRT"
        case SIGKILL: "KILL"
        case SIGSEGV: "SEGV"
        case SIGTERM: "TERM"
        case SIGUSR1: "USR1"
        case SIGUSR2: "USR2"
        case SIGTRAP: "TRAP"
        case SIGILL: "ILL"
        case SIGBUS: "BUS"
        default: "SIG\(signal)"
        }
    }
}
