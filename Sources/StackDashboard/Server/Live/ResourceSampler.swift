import StackSupervisor

/// RSS and CPU of each service process. CPU is the share of one core between this reading and the one before
/// for the same pid (a restarted process starts over).
struct ResourceSampler: Sendable {
    private var previous: [Int32: ProcessUsage] = [:]

    /// Readings for `pids`; forgets pids no longer asked about.
    mutating func sample(_ pids: [Int32]) -> [Int32: (rss: Int64, cpu: Double?)] {
        var result: [Int32: (rss: Int64, cpu: Double?)] = [:]
        var next: [Int32: ProcessUsage] = [:]
        for pid in pids {
            guard let usage = ProcessUsage.read(pid: pid) else { continue }
            // A reading from before a quiet spell (no page open) would average over hours: not shown until the next.
            let recent = previous[pid].flatMap { usage.takenAt - $0.takenAt <= .seconds(10) ? $0 : nil }
            result[pid] = (usage.rssBytes, recent.flatMap { usage.cpuPercent(since: $0) })
            next[pid] = usage
        }
        previous = next
        return result
    }
}
