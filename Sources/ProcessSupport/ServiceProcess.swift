import Foundation
import Synchronization

/// One of the stack's executables running as a real child process, for integration tests and
/// benchmarks: started with `--port 0`, its bound port read from its `listening on` log line.
public final class ServiceProcess: Sendable {
    public struct LaunchError: Error, CustomStringConvertible {
        public let description: String
    }

    public let name: String
    public let logURL: URL
    public let pid: Int32
    private let process: Mutex<Process>
    public let port: Int

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts `executable` with `arguments` (add `--port 0` yourself) and waits up to `timeout`
    /// for it to log that it listens.
    public init(
        executable: URL, arguments: [String], environment: [String: String] = [:],
        workingDirectory: URL? = nil, timeout: Duration = .seconds(20)
    ) async throws {
        name = executable.lastPathComponent
        let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        self.logURL = logURL
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        pid = process.processIdentifier
        self.process = Mutex(process)
        port = try await Self.waitForPort(logURL: logURL, pid: pid, name: executable.lastPathComponent, timeout: timeout)
    }

    private static func waitForPort(logURL: URL, pid: Int32, name: String, timeout: Duration) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on http://") {
                let rest = text[range.upperBound...]
                let hostPort = rest.prefix { !$0.isWhitespace }
                if let colon = hostPort.lastIndex(of: ":"), let port = Int(hostPort[hostPort.index(after: colon)...]) {
                    return port
                }
            }
            if kill(pid, 0) != 0 {
                throw LaunchError(description: "\(name) exited before listening:\n\(text)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(pid, SIGKILL)
        throw LaunchError(description: "\(name) did not log 'listening on' within \(timeout)")
    }

    public var log: String {
        (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
    }

    public var isRunning: Bool {
        process.withLock { $0.isRunning }
    }

    /// Sends `signal` and waits for the exit; returns the termination status. A process still
    /// running after `grace` is killed with SIGKILL, so a hung child cannot hang its parent too.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, grace: Duration = .seconds(10)) -> Int32 {
        process.withLock { process in
            if process.isRunning {
                kill(pid, signal)
                let deadline = ContinuousClock.now + grace
                while process.isRunning, ContinuousClock.now < deadline { usleep(10_000) }
                if process.isRunning { kill(pid, SIGKILL) }
                process.waitUntilExit()
            }
            return process.terminationStatus
        }
    }

    /// Peak resident set size in KiB (VmHWM), while the process runs.
    public func peakRSSKiB() -> Int? {
        ProcessMemory.statusKiB("VmHWM", pid: pid)
    }

    /// Current resident set size in KiB (VmRSS).
    public func rssKiB() -> Int? {
        ProcessMemory.statusKiB("VmRSS", pid: pid)
    }

    deinit {
        stop(signal: SIGKILL)
    }
}

/// Where the package's built executables are: `CREDITS_STACK_BIN` (set by scripts/test.sh),
/// else the directory of the running test or benchmark binary and its parents' `debug`/`release`.
public enum BuiltProducts {
    public static func executable(_ name: String) throws -> URL {
        var candidates: [URL] = []
        if let bin = ProcessInfo.processInfo.environment["CREDITS_STACK_BIN"] {
            candidates.append(URL(fileURLWithPath: bin).appendingPathComponent(name))
        }
        let own = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        var directory = own
        for _ in 0..<5 {
            candidates.append(directory.appendingPathComponent(name))
            directory = directory.deletingLastPathComponent()
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug/\(name)"))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        throw ServiceProcess.LaunchError(description: "cannot find the \(name) executable; run swift build first (looked in \(candidates.map(\.path)))")
    }

    /// The package root, for tests that read compose/ or ../shared.
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}
