import Foundation
import ProcessSupport
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What one `stackctl` command did.
struct StackctlResult: Sendable, CustomStringConvertible {
    let arguments: [String]
    /// The exit status; minus the signal number when a signal ended it.
    let code: Int32
    let stdout: String
    let stderr: String

    var output: String { stdout + stderr }

    var description: String {
        "`stackctl \(arguments.joined(separator: " "))` exited \(code)\n--- stdout:\n\(stdout)\n--- stderr:\n\(stderr)"
    }
}

/// `stackctl status --json`, decoded (extra fields ignored).
struct StackctlStatus: Decodable, Sendable, CustomStringConvertible {
    struct Service: Decodable, Sendable {
        let name: String
        let state: String
        let healthy: Bool
        let pid: Int32?
        let url: String?
        let restarts: Int
        let lastExit: String?

        /// The port of `url`, nil without one.
        var port: Int? { url.flatMap { URLComponents(string: $0)?.port } }
    }

    struct Registration: Decodable, Sendable {
        let toolId: String?
        let sessionId: String?
        let tenant: String?
        let user: String?
        let expiresAt: String?
        let renewals: Int
        let state: String?
        let lastError: String?
    }

    let state: String
    let services: [Service]
    let registration: Registration?
    /// The JSON as printed, for failure messages.
    var text = ""

    enum CodingKeys: String, CodingKey { case state, services, registration }

    func service(_ name: String) -> Service? { services.first { $0.name == name } }

    var description: String { text }
}

/// Runs the built `stackctl` as a child process with its own temp state dir, in the package root (so
/// `compose/stack.yaml` resolves), with an environment cleared of every variable that would make it use other
/// ports or real services. Every command gets `--state-dir` appended.
final class StackctlRun: Sendable {
    /// Variables of a developer's shell (or CI) that change what `stackctl` starts or where.
    static let clearedEnvironment = [
        "OPENMETER_URL", "OPENMETER_API_KEY", "TAIS_URL", "TAIS_JWT", "TAIS_SESSION_ID", "MCP_URL",
        "STACKCTL_PORT", "OPENMETER_PORT", "TAIS_PORT", "MCP_PORT", "STRIPE_PORT", "STACKCTL_BIN",
    ]

    static let services = ["credits-mcp", "fake-openmeter", "fake-stripe", "fake-tais"]

    /// A private temp folder; the state dir is `state/` inside it.
    let directory: URL
    let stateDir: URL
    let executable: URL
    let packageRoot: URL

    init(_ label: String) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("stackctl-it-\(label)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        stateDir = directory.appendingPathComponent("state", isDirectory: true)
        executable = try BuiltProducts.executable("stackctl")
        packageRoot = Self.packageRoot
    }

    /// The package root, from this file's path (Tests/Integration/Support/…).
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Runs a fresh `StackctlRun` through `body`, then `down`s its stack and removes its folder, also when `body`
    /// throws (then the supervisor's log is recorded too).
    static func with<T: Sendable>(_ label: String, _ body: (StackctlRun) async throws -> T) async throws -> T {
        let run = try StackctlRun(label)
        do {
            let result = try await body(run)
            await run.tearDown()
            return result
        } catch {
            Issue.record("\(error)\n\(run.logTail())")
            await run.tearDown()
            throw error
        }
    }

    // MARK: - Commands

    /// `stackctl ARGUMENTS --state-dir STATE` with the clean environment plus `environment`.
    func run(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(120)) async throws -> StackctlResult {
        var env = ProcessInfo.processInfo.environment
        for key in Self.clearedEnvironment { env[key] = nil }
        env.merge(environment) { $1 }
        return try await Self.execute(
            executable, arguments + ["--state-dir", stateDir.path], environment: env, directory: packageRoot, timeout: timeout)
    }

    /// `up --detach --ephemeral-ports` (plus `extra`), required to succeed.
    @discardableResult
    func up(_ extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) async throws -> StackctlResult {
        let result = try await run(["up", "--detach", "--ephemeral-ports"] + extra)
        try #require(result.code == 0, "\(result)\n\(logTail())", sourceLocation: sourceLocation)
        return result
    }

    func status() async throws -> StackctlStatus {
        let result = try await run(["status", "--json"])
        guard result.code == 0 else { throw StackTestError("status failed: \(result)") }
        do {
            var status = try JSONDecoder().decode(StackctlStatus.self, from: Data(result.stdout.utf8))
            status.text = result.stdout
            return status
        } catch {
            throw StackTestError("status --json is not the status JSON (\(error)): \(result.stdout)")
        }
    }

    /// `stackctl env` as a dictionary (single-quoted values unquoted).
    func env() async throws -> [String: String] {
        let result = try await run(["env"])
        guard result.code == 0 else { throw StackTestError("env failed: \(result)") }
        return Self.parseEnv(result.stdout)
    }

    static func parseEnv(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            var value = String(line[line.index(after: equals)...])
            if value.hasPrefix("'"), value.hasSuffix("'"), value.count >= 2 {
                value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "'\\''", with: "'")
            }
            values[String(line[..<equals])] = value
        }
        return values
    }

    /// Polls `status --json` until `condition` holds; returns the last status, or throws with it after `timeout`.
    @discardableResult
    func waitForStatus(
        _ what: String, timeout: Duration = .seconds(60), _ condition: (StackctlStatus) async throws -> Bool
    ) async throws -> StackctlStatus {
        var last: StackctlStatus?
        let held = try await waitUntil(timeout: timeout, interval: .milliseconds(200)) {
            let status = try await self.status()
            last = status
            return try await condition(status)
        }
        guard held, let last else {
            throw StackTestError("not within \(timeout): \(what); last status: \(last?.text ?? "none")\n\(logTail())")
        }
        return last
    }

    // MARK: - State dir

    var runtimeFile: URL { stateDir.appendingPathComponent("stackctl.json") }

    /// The supervisor's pid from `stackctl.json`, nil when the file is missing.
    func supervisorPID() -> Int32? {
        guard let data = try? Data(contentsOf: runtimeFile),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let pid = object["pid"] as? Int else { return nil }
        return Int32(pid)
    }

    /// `stackctl.json`'s `controlPort`.
    func controlPort() -> Int? {
        guard let data = try? Data(contentsOf: runtimeFile),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["controlPort"] as? Int
    }

    /// The last lines of the supervisor's and the merged log, for failure messages.
    func logTail(lines: Int = 30) -> String {
        let logs = stateDir.appendingPathComponent("logs")
        return ["stackctl.log", "stack.log"].map { name in
            let text = (try? String(contentsOf: logs.appendingPathComponent(name), encoding: .utf8)) ?? "(none)"
            return "--- \(name):\n" + text.split(separator: "\n").suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// `down`; when that fails, kills the supervisor (its keepers then stop their services) and `down`s again to
    /// reap leftovers; then kills whatever still names the state dir on its command line (recorded as an issue)
    /// and removes the folder.
    func tearDown() async {
        let down = try? await run(["down"], timeout: .seconds(90))
        if down?.code != 0 {
            Issue.record("down failed during clean-up: \(down.map(\.description) ?? "did not run")\n\(logTail())")
            if let pid = supervisorPID(), ProcTable.commandLine(pid)?.contains("stackctl") == true { kill(pid, SIGKILL) }
            _ = try? await waitUntil(timeout: .seconds(20)) { ProcTable.processes(mentioning: self.stateDir.path).isEmpty }
            _ = try? await run(["down"], timeout: .seconds(60))
        }
        let strays = ProcTable.processes(mentioning: stateDir.path)
        if !strays.isEmpty {
            Issue.record("processes left after down: \(strays.map { "\($0.pid) \(ProcTable.commandLine($0.pid) ?? "?")" })")
            for stray in strays { kill(stray.pid, SIGKILL) }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: - Running a child

    /// Runs `executable` to its end (killed after `timeout`), reading stdout and stderr fully and concurrently.
    static func execute(
        _ executable: URL, _ arguments: [String], environment: [String: String], directory: URL, timeout: Duration
    ) async throws -> StackctlResult {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    continuation.resume(returning: try executeBlocking(
                        executable, arguments, environment: environment, directory: directory, timeout: timeout))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private final class Collected: Sendable {
        let stdout = Mutex(Data())
        let stderr = Mutex(Data())
        let finished = Mutex(false)
    }

    private static func executeBlocking(
        _ executable: URL, _ arguments: [String], environment: [String: String], directory: URL, timeout: Duration
    ) throws -> StackctlResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let collected = Collected()
        let group = DispatchGroup()
        let outHandle = out.fileHandleForReading, errHandle = err.fileHandleForReading
        DispatchQueue.global().async(group: group) {
            let data = outHandle.readDataToEndOfFile()
            collected.stdout.withLock { $0 = data }
        }
        DispatchQueue.global().async(group: group) {
            let data = errHandle.readDataToEndOfFile()
            collected.stderr.withLock { $0 = data }
        }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            collected.finished.withLock { finished in
                if !finished { kill(pid, SIGKILL) }
            }
        }
        process.waitUntilExit()
        collected.finished.withLock { $0 = true }
        group.wait()
        let code = process.terminationReason == .uncaughtSignal ? -process.terminationStatus : process.terminationStatus
        return StackctlResult(
            arguments: arguments, code: code,
            stdout: String(decoding: collected.stdout.withLock { $0 }, as: UTF8.self),
            stderr: String(decoding: collected.stderr.withLock { $0 }, as: UTF8.self))
    }
}

/// One line of `/proc/PID/stat`, the fields after the command name.
struct ProcStat: Sendable, Hashable {
    let pid: Int32
    /// R, S, D, Z, …
    let state: Character
    let ppid: Int32
    let pgrp: Int32
    /// Clock ticks since boot: with `pid`, the process's identity (pids are reused).
    let startTime: UInt64

    var isZombie: Bool { state == "Z" || state == "X" }
}

/// Reading the process table from /proc.
enum ProcTable {
    static func stat(_ pid: Int32) -> ProcStat? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), [1] ppid (4), [2] pgrp (5), [19] starttime (22).
        guard fields.count > 19, let state = fields[0].first, let ppid = Int32(fields[1]), let pgrp = Int32(fields[2]),
              let start = UInt64(fields[19]) else { return nil }
        return ProcStat(pid: pid, state: state, ppid: ppid, pgrp: pgrp, startTime: start)
    }

    static func all() -> [ProcStat] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { Int32($0) }.compactMap(stat)
    }

    /// Whether the process `identity` names still runs: it exists with the same start time and is no zombie.
    static func isAlive(_ identity: ProcStat) -> Bool {
        guard let now = stat(identity.pid), now.startTime == identity.startTime else { return false }
        return !now.isZombie
    }

    static func commandLine(_ pid: Int32) -> String? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
        return String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
            .trimmingCharacters(in: .whitespaces)
    }

    static func comm(_ pid: Int32) -> String? {
        (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Live processes whose command line contains `text` (e.g. a state dir path).
    static func processes(mentioning text: String) -> [ProcStat] {
        all().filter { !$0.isZombie && $0.pid != getpid() && commandLine($0.pid)?.contains(text) == true }
    }

    /// Every process of a running stack: the supervisor, its children (the keepers), each service pid of `status`,
    /// every member of those services' process groups, and the keepers' children. Live ones only.
    static func stackProcesses(supervisor: Int32, status: StackctlStatus) -> [ProcStat] {
        let table = all().filter { !$0.isZombie }
        var found: [Int32: ProcStat] = [:]
        if let own = table.first(where: { $0.pid == supervisor }) { found[own.pid] = own }
        let keepers = table.filter { $0.ppid == supervisor }
        for keeper in keepers { found[keeper.pid] = keeper }
        let services = status.services.compactMap(\.pid)
        let groups = Set(table.filter { services.contains($0.pid) }.map(\.pgrp))
        let keeperPIDs = Set(keepers.map(\.pid))
        for process in table where groups.contains(process.pgrp) || keeperPIDs.contains(process.ppid) || services.contains(process.pid) {
            found[process.pid] = process
        }
        return found.values.sorted { $0.pid < $1.pid }
    }

    static func describe(_ processes: [ProcStat]) -> String {
        processes.map { "\($0.pid) [\($0.state) ppid \($0.ppid) pgrp \($0.pgrp)] \(commandLine($0.pid) ?? "?")" }.joined(separator: "\n")
    }
}

/// A TCP socket listening on 127.0.0.1 (port 0: the kernel picks), held until `close()`.
final class StackctlListener: Sendable {
    let fd: Int32
    let port: Int

    init(port requested: Int = 0) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StackTestError("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(requested).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let error = errno
            Glibc.close(fd)
            throw StackTestError("bind/listen: errno \(error)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            Glibc.close(fd)
            throw StackTestError("getsockname: errno \(errno)")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: actual.sin_port))
    }

    func close() { Glibc.close(fd) }

    /// `count` distinct ports that were free a moment ago (all bound at once, read, released).
    static func freePorts(_ count: Int) throws -> [Int] {
        var listeners: [StackctlListener] = []
        defer { for listener in listeners { listener.close() } }
        for _ in 0..<count { listeners.append(try StackctlListener()) }
        return listeners.map(\.port)
    }
}
