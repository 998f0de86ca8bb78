#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Writes to stdout or stderr that never trap: `FileHandle.write` crashes on EPIPE (a closed terminal,
/// `stackctl up | head`), and a supervisor must go on stopping its children cleanly when nobody reads.
public enum ConsoleOutput {
    public static func standardOutput(_ text: String) { write(1, Array(text.utf8)) }
    public static func standardError(_ text: String) { write(2, Array(text.utf8)) }
    public static func standardOutput(_ data: Data) { write(1, Array(data)) }
    public static func standardError(_ data: Data) { write(2, Array(data)) }

    static func write(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}
