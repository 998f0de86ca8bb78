#if canImport(Glibc)
import Glibc
#endif

/// A process's CPU time and resident memory from one read of `/proc/PID/stat` (the dashboard's RSS and CPU
/// columns). CPU percent needs two readings: `cpuPercent(since:)`.
public struct ProcessUsage: Sendable, Equatable {
    public var pid: Int32
    /// utime + stime, in clock ticks.
    public var cpuTicks: UInt64
    public var rssBytes: Int64
    public var takenAt: ContinuousClock.Instant

    private static let ticksPerSecond = Double(max(sysconf(Int32(_SC_CLK_TCK)), 1))
    private static let pageSize = Int64(max(sysconf(Int32(_SC_PAGESIZE)), 1))

    public static func read(pid: Int32) -> ProcessUsage? {
        guard pid > 0, let text = ProcFiles.text("/proc/\(pid)/stat") else { return nil }
        return parse(text, pid: pid, at: .now)
    }

    /// Fields after `comm` (which may hold spaces and parentheses): field N is at index N − 3.
    static func parse(_ text: String, pid: Int32, at instant: ContinuousClock.Instant) -> ProcessUsage? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 22, let user = UInt64(fields[11]), let system = UInt64(fields[12]),
              let pages = Int64(fields[21]) else { return nil }
        return ProcessUsage(pid: pid, cpuTicks: user + system, rssBytes: pages * pageSize, takenAt: instant)
    }

    /// Percent of one core used between `earlier` and this reading; nil for another process or no time between.
    public func cpuPercent(since earlier: ProcessUsage) -> Double? {
        guard earlier.pid == pid, cpuTicks >= earlier.cpuTicks else { return nil }
        let elapsed = takenAt - earlier.takenAt
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        guard seconds > 0 else { return nil }
        return Double(cpuTicks - earlier.cpuTicks) / Self.ticksPerSecond / seconds * 100
    }
}
