#if canImport(Glibc)
import Glibc
#endif

/// Raw reads of `/proc` (Linux): a whole pseudo-file, a symlink's target, the pids listed.
/// Each call opens and closes what it reads; nothing is cached.
enum ProcFiles {
    /// The bytes of `path` read to the end (pseudo-files report size 0, so `stat` cannot size them).
    static func bytes(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { return out }
            out.append(contentsOf: buffer[0..<count])
        }
    }

    static func text(_ path: String) -> String? {
        bytes(path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Where the symlink at `path` points (e.g. `/proc/PID/fd/N` → `socket:[12345]`).
    static func link(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBufferPointer { readlink(path, $0.baseAddress!, $0.count - 1) }
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The names in directory `path`, without `.` and `..`; nil when it cannot be read.
    static func names(_ path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { out.append(name) }
        }
        return out
    }

    /// Every process id listed in `/proc` now (thread-group leaders only).
    static func pids() -> [Int32] {
        (names("/proc") ?? []).compactMap { Int32($0) }
    }
}

/// The fields of `/proc/PID/stat` stackctl needs. `comm` (field 2) sits in parentheses and may itself hold
/// spaces and parentheses, so fields are counted from after the LAST `)`.
struct ProcStatLine: Equatable {
    /// Field 3: R, S, D, Z (zombie), T, X (dead), …
    var state: Character
    /// Field 4.
    var parent: Int32
    /// Field 5.
    var processGroup: Int32
    /// Field 22: clock ticks since boot when the process started.
    var startTime: UInt64
    /// Fields 14 + 15, utime + stime, in clock ticks; nil when the line is cut short.
    var cpuTicks: UInt64?
    /// Field 24: resident set size in pages; nil when the line is cut short.
    var residentPages: Int64?

    var isZombie: Bool { state == "Z" || state == "X" || state == "x" }

    init?(_ text: String) {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(whereSeparator: { $0 == " " || $0 == "\n" })
        // fields[0] is field 3, so field N is fields[N - 3].
        guard fields.count >= 20, let state = fields[0].first, fields[0].count == 1,
              let parent = Int32(fields[1]), let group = Int32(fields[2]), let start = UInt64(fields[19]) else { return nil }
        self.state = state
        self.parent = parent
        self.processGroup = group
        self.startTime = start
        if fields.count >= 22, let user = UInt64(fields[11]), let system = UInt64(fields[12]), let pages = Int64(fields[21]) {
            cpuTicks = user + system
            residentPages = pages
        }
    }

    static func read(_ pid: Int32) -> ProcStatLine? {
        guard pid > 0, let text = ProcFiles.text("/proc/\(pid)/stat") else { return nil }
        return ProcStatLine(text)
    }
}
