import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small files only their owner may read (tokens), written atomically.
enum PrivateFile {
    struct WriteFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Writes `data` to a temporary file beside `url` with mode 0600, then renames it over `url`.
    static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        try? FileManager.default.removeItem(at: temporary)
        guard FileManager.default.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw WriteFailure(description: "cannot write \(temporary.path)")
        }
        // createFile honours the umask on some platforms; make sure.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: temporary.path)
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw WriteFailure(description: "cannot replace \(url.path): \(reason)")
        }
    }
}
