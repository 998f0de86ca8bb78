import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The files a stack keeps under `--state-dir`: the lock that makes one supervisor per directory, the
/// runtime file the CLI finds the control API by, the per-run control token, logs and the fakes' data.
public struct StateDirectory: Sendable {
    public let url: URL

    public init(_ url: URL) { self.url = url.standardizedFileURL }

    public var lockFile: URL { url.appendingPathComponent("stackctl.lock") }
    public var runtimeFile: URL { url.appendingPathComponent("stackctl.json") }
    public var tokenFile: URL { url.appendingPathComponent("control-token") }
    public var childrenFile: URL { url.appendingPathComponent("children.json") }
    public var logs: URL { url.appendingPathComponent("logs", isDirectory: true) }
    public var supervisorLog: URL { logs.appendingPathComponent("stackctl.log") }
    /// A detached supervisor's stderr: why it failed, shown on `up --detach`'s stderr.
    public var supervisorErrors: URL { logs.appendingPathComponent("stackctl.stderr.log") }
    /// Written by a detached supervisor once the stack is up, so the waiting `up --detach` can return.
    public var readyFile: URL { url.appendingPathComponent("ready") }

    public func seedMarker(_ process: String) -> URL { url.appendingPathComponent(".seeded-\(process)") }

    /// Creates the directory and its logs, both private to this user (0700): the logs hold the ready summary,
    /// whose dashboard and billing links carry the control token and the dev JWT.
    public func create() throws {
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        for directory in [url, logs] {
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
        }
    }

    /// Takes the directory's lock for this process's lifetime (the kernel drops it when the process dies,
    /// however it dies). Nil when another supervisor holds it.
    public func lock() throws -> Int32? {
        let fd = open(lockFile.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw SupervisorFailure("cannot open \(lockFile.path): \(String(cString: strerror(errno)))", exitCode: 2)
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            return nil
        }
        return fd
    }

    /// Whether a supervisor holds the lock right now. Read from /proc/locks rather than by trying the lock:
    /// a probe that takes it, even briefly, could make a starting supervisor's `lock()` fail.
    /// The kernel renders /proc/locks a page per read, restarting its walk each time, so while other
    /// processes take and drop locks a read can skip a line: a held lock is missed now and then, never
    /// invented. A few reads make a miss vanishingly rare.
    public var isLocked: Bool {
        var info = stat()
        guard stat(lockFile.path, &info) == 0 else { return false }
        let suffix = ":\(info.st_ino)"
        for _ in 0..<Self.lockReads {
            guard let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return false }
            let held = locks.split(separator: "\n").contains { line in
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                // "1: FLOCK  ADVISORY  WRITE 4242 08:01:123456 0 EOF"
                return fields.count >= 6 && fields[1] == "FLOCK" && fields[5].hasSuffix(suffix)
                    && fields[5].split(separator: ":").count == 3
            }
            if held { return true }
        }
        return false
    }

    /// Reads of /proc/locks before a lock counts as not held (each misses a held lock ~0.4% of the time under churn).
    static let lockReads = 5

    public func readRuntime() -> RuntimeInfo? {
        guard let data = try? Data(contentsOf: runtimeFile) else { return nil }
        return try? JSONDecoder().decode(RuntimeInfo.self, from: data)
    }

    public func writeRuntime(_ info: RuntimeInfo) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(info).write(to: runtimeFile, options: .atomic)
    }

    /// A fresh random control token, readable by this user only.
    public func newControlToken() throws -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
        let token = bytes.map { String(format: "%02x", $0) }.joined()
        do { try PrivateFile.write(Data(token.utf8), to: tokenFile) } catch {
            throw SupervisorFailure("cannot write \(tokenFile.path): \(error)", exitCode: 2)
        }
        return token
    }

    public func controlToken() -> String? {
        (try? String(contentsOf: tokenFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// `stackctl.json`: how the CLI reaches the running supervisor (the env itself comes from its control API).
public struct RuntimeInfo: Codable, Sendable {
    public var pid: Int32
    public var controlPort: Int
    public var controlURL: String
    public var stackFile: String

    public init(pid: Int32, controlPort: Int, stackFile: String) {
        self.pid = pid
        self.controlPort = controlPort
        controlURL = "http://127.0.0.1:\(controlPort)"
        self.stackFile = stackFile
    }
}
