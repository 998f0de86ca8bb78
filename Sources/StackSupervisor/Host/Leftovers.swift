#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// What a crashed supervisor run left running, found through `children.json` and stopped.
public enum Leftovers {
    /// Stops what a crashed run left: for each record whose keeper or service is still alive (same start time),
    /// or whose service group still has members, SIGTERM to the service's process group and the keeper, wait up
    /// to `grace` for them to go, then SIGKILL. Never signals a pid whose start time differs, nor a group whose
    /// leader is a different process. Returns the names it stopped, in record order.
    public static func reap(_ records: [ChildRecord], grace: Duration) async -> [String] {
        let targets = records.compactMap(Target.init)
        guard !targets.isEmpty else { return [] }
        for target in targets { target.signal(SIGTERM) }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: grace)
        while targets.contains(where: \.isRunning), clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let stubborn = targets.filter(\.isRunning)
        if !stubborn.isEmpty {
            for target in stubborn { target.signal(SIGKILL) }
            // SIGKILL cannot be caught; this only waits for the kernel to finish tearing them down.
            let killDeadline = clock.now.advanced(by: .seconds(5))
            while stubborn.contains(where: \.isRunning), clock.now < killDeadline {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        return targets.map(\.record.name)
    }

    /// The records in `file`; a missing or corrupt file gives none.
    public static func load(_ file: URL) -> [ChildRecord] {
        guard let data = try? Data(contentsOf: file),
              let records = try? JSONDecoder().decode([ChildRecord].self, from: data) else { return [] }
        return records
    }

    /// Writes `records` to `file` atomically (a temporary file renamed over it).
    public static func save(_ records: [ChildRecord], to file: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(records).write(to: file, options: .atomic)
    }

    /// One record with something of it still running.
    struct Target {
        var record: ChildRecord

        /// nil when nothing of the record runs any more (or only processes that merely reuse its pids).
        init?(_ record: ChildRecord) {
            self.record = record
            guard isRunning else { return nil }
        }

        var isRunning: Bool {
            record.keeper.isAlive || (record.service?.isAlive ?? false) || !groupMembers.isEmpty
        }

        /// The live members of the service's group, when that group is provably the one the service created:
        /// its leader (pid = pgid) is the recorded service (alive or a zombie), or the leader is gone and
        /// the member started no earlier than the service. While any member is in the group the kernel does
        /// not reuse the pgid as a pid, so a gone leader with members left means the same group.
        var groupMembers: [Int32] {
            guard let group = record.serviceGroup, group > 1 else { return [] }
            let reference = record.service ?? record.keeper
            if let leader = ProcStatLine.read(group) {
                // A different process holds the leader's pid: not ours, whatever its group holds.
                guard record.service?.pid == group, leader.startTime == reference.startTime else { return [] }
                return ProcessTable.members(ofGroup: group)
            }
            return ProcessTable.members(ofGroup: group).filter { pid in
                guard let stat = ProcStatLine.read(pid) else { return false }
                return stat.startTime >= reference.startTime
            }
        }

        /// `signal` to the group (when provably ours), the service and the keeper (when their stamps match).
        func signal(_ signal: Int32) {
            if let group = record.serviceGroup, !groupMembers.isEmpty { kill(-group, signal) }
            if let service = record.service, service.isAlive { kill(service.pid, signal) }
            if record.keeper.isAlive { kill(record.keeper.pid, signal) }
        }
    }
}
