/// Facts about processes from `/proc` (Linux). Each returns nil (or empty) when the process is gone or unreadable.
public enum ProcessTable {
    /// `/proc/PID/cmdline` with its NULs as spaces, trimmed; nil when empty (a kernel thread or a zombie).
    public static func commandLine(_ pid: Int32) -> String? {
        guard pid > 0, let bytes = ProcFiles.bytes("/proc/\(pid)/cmdline") else { return nil }
        let text = String(decoding: bytes.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
        let trimmed = text.trimmingSpaces()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The process group (field 5 of `/proc/PID/stat`).
    public static func processGroup(of pid: Int32) -> Int32? {
        ProcStatLine.read(pid)?.processGroup
    }

    /// The live processes in group `pgid` (zombies skipped), ascending.
    /// Living processes whose parent is `pid`.
    public static func children(of pid: Int32) -> [Int32] {
        ProcFiles.pids().filter { candidate in
            guard let stat = ProcStatLine.read(candidate) else { return false }
            return stat.parent == pid && !stat.isZombie
        }
    }

    public static func members(ofGroup pgid: Int32) -> [Int32] {
        guard pgid > 0 else { return [] }
        return ProcFiles.pids().filter { pid in
            guard let stat = ProcStatLine.read(pid) else { return false }
            return stat.processGroup == pgid && !stat.isZombie
        }.sorted()
    }

    /// Resident memory (`VmRSS` of `/proc/PID/status`) in bytes.
    public static func rssBytes(_ pid: Int32) -> Int? {
        guard pid > 0, let status = ProcFiles.text("/proc/\(pid)/status") else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count >= 2, let kib = Int(parts[1]) else { return nil }
            return kib * 1024
        }
        return nil
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
