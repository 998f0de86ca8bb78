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
        guard let text = ProcFiles.text("/proc/\(pid)/stat"), pid > 0 else { return nil }
        return parse(text, pid: pid, at: .now)
    }

    static func parse(_ text: String, pid: Int32, at instant: ContinuousClock.Instant) -> ProcessUsage? {
        guard let line = ProcStatLine(text), let ticks = line.cpuTicks, let pages = line.residentPages else { return nil }
        return ProcessUsage(pid: pid, cpuTicks: ticks, rssBytes: pages * pageSize, takenAt: instant)
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
