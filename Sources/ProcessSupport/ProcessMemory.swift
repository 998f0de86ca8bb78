import Foundation

/// Memory figures of a process from `/proc/<pid>/status` (Linux), in KiB.
public enum ProcessMemory {
    /// A `kB` field such as `VmRSS` (resident now) or `VmHWM` (peak resident); `pid` nil is this process.
    public static func statusKiB(_ field: String, pid: Int32? = nil) -> Int? {
        let path = "/proc/\(pid.map(String.init) ?? "self")/status"
        guard let status = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "")
        }
        return nil
    }
}
