#if canImport(Glibc)
import Glibc
#endif

/// An append-only log file that rotates at `maximumBytes`: NAME.log → NAME.log.1 → … → NAME.log.KEPT.
/// Not thread-safe: `LogSink` serialises writes.
final class RotatingLogFile {
    let path: String
    let maximumBytes: Int
    let kept: Int
    private var fd: Int32
    private var size: Int

    init(path: String, maximumBytes: Int = 10 * 1024 * 1024, kept: Int = 3) {
        self.path = path
        self.maximumBytes = maximumBytes
        self.kept = kept
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        var info = stat()
        size = fstat(fd, &info) == 0 ? Int(info.st_size) : 0
    }

    deinit { if fd >= 0 { close(fd) } }

    func write(_ bytes: [UInt8]) {
        guard fd >= 0 else { return }
        if size > 0, size + bytes.count > maximumBytes { rotate() }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if written <= 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
        size += bytes.count
    }

    private func rotate() {
        close(fd)
        unlink("\(path).\(kept)")
        if kept > 1 {
            for index in stride(from: kept - 1, through: 1, by: -1) { rename("\(path).\(index)", "\(path).\(index + 1)") }
        }
        rename(path, "\(path).1")
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0o644)
        size = 0
    }
}
