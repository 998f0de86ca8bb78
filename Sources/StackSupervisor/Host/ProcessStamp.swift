/// A process identified by pid AND start time (field 22 of `/proc/PID/stat`), so a reused pid is never
/// mistaken for it.
public struct ProcessStamp: Codable, Sendable, Equatable, Hashable {
    public var pid: Int32
    /// Clock ticks after boot when the process started.
    public var startTime: UInt64

    public init(pid: Int32, startTime: UInt64) {
        self.pid = pid
        self.startTime = startTime
    }

    /// The process `pid` as it is now; nil when there is none. A zombie still gets a stamp (it is not alive).
    public static func of(_ pid: Int32) -> ProcessStamp? {
        ProcStatLine.read(pid).map { ProcessStamp(pid: pid, startTime: $0.startTime) }
    }

    /// The same process is still alive (and not a zombie: state Z counts as gone).
    public var isAlive: Bool {
        guard let stat = ProcStatLine.read(pid) else { return false }
        return stat.startTime == startTime && !stat.isZombie
    }
}
