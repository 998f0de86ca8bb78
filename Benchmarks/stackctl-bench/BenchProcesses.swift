import BenchmarkSupport
import Foundation
import ProcessSupport
import StackSupervisor
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Spawning and waiting

/// Children started with posix_spawn (StackSupervisor's `PosixSpawn`) and reaped with `waitpid`, so an exit is
/// seen the moment it happens (Foundation's `Process.waitUntilExit` polls its run loop every 50 ms).
enum Spawn {
    /// Starts `argv` (argv[0] an absolute path) with its output appended to `log`.
    static func start(_ argv: [String], environment: [String: String], workingDirectory: String, log: URL,
                      newProcessGroup: Bool) throws -> pid_t {
        let fd = open(log.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchError("cannot open \(log.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        return try PosixSpawn.spawn(
            path: argv[0], arguments: argv, environment: environment,
            descriptors: .init(stdin: nil, stdout: fd, stderr: fd), newProcessGroup: newProcessGroup,
            workingDirectory: workingDirectory)
    }

    /// Waits for `pid` to exit; its raw wait status.
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            if errno != EINTR { return -1 }
        }
        return status
    }

    /// The raw wait status if `pid` has exited (and is now reaped), nil while it runs.
    static func exited(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid { return status }
        return result == -1 && errno == ECHILD ? -1 : nil
    }

    static func exitCode(_ status: Int32) -> Int32? {
        status >= 0 && status & 0x7f == 0 ? (status >> 8) & 0xff : nil
    }

    static func describe(_ status: Int32) -> String {
        if let code = exitCode(status) { return "exited with \(code)" }
        return status < 0 ? "could not be waited for" : "was killed by signal \(status & 0x7f)"
    }

    /// Runs `argv` to completion; milliseconds from spawn to exit. Throws unless it exits 0.
    static func timedRun(_ argv: [String], environment: [String: String], workingDirectory: String, log: URL) throws -> Double {
        let start = ContinuousClock.now
        let pid = try Spawn.start(argv, environment: environment, workingDirectory: workingDirectory, log: log, newProcessGroup: false)
        let status = wait(pid)
        let milliseconds = (ContinuousClock.now - start).seconds * 1000
        guard exitCode(status) == 0 else {
            throw BenchError("`\(argv.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: " "))` \(describe(status)); "
                + "its output (\(log.path)):\n\(tail(of: log))")
        }
        return milliseconds
    }

    /// Stops the process group `pgid` led by `pid`: SIGTERM, SIGKILL after `grace`, then reaps the leader.
    static func stopGroup(_ pid: pid_t, grace: Duration = .seconds(10)) {
        kill(-pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while exited(pid) == nil {
            if ContinuousClock.now >= deadline {
                kill(-pid, SIGKILL)
                _ = wait(pid)
                break
            }
            usleep(5_000)
        }
        kill(-pid, SIGKILL)  // anything the leader left in its group
    }

    /// The last `lines` lines of a log file.
    static func tail(of log: URL, lines: Int = 30) -> String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? "(no output)"
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

/// A stack-file command as an argv: a plain command (words only) runs directly; anything with shell syntax
/// runs as `/bin/sh -c "exec COMMAND"`, the way stackctl's keeper runs it.
func argv(forCommand command: String) -> [String] {
    let shellSyntax = CharacterSet(charactersIn: "\"'`$\\;&|<>()*?~#\n{}[]")
    if command.unicodeScalars.contains(where: shellSyntax.contains) {
        return ["/bin/sh", "-c", "exec " + command]
    }
    return command.split(separator: " ").map(String.init)
}

// MARK: - Health

/// A blocking HTTP/1.1 GET over a raw socket, for polling a health URL every few milliseconds with no client
/// machinery in the way.
enum RawHTTP {
    /// The status code `url` answers a GET with; nil when it cannot connect or does not answer within `timeout`.
    static func status(_ url: String, timeout: Duration = .seconds(2)) -> Int? {
        guard let components = URLComponents(string: url), var host = components.host, let port = components.port else { return nil }
        if host == "localhost" { host = "127.0.0.1" }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return nil }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while !received.contains(UInt8(ascii: "\n")) {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        // "HTTP/1.1 200 OK"
        let line = String(decoding: received.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = line.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/") else { return nil }
        return Int(parts[1])
    }

    /// Polls `url` every `interval` until it answers 2xx; milliseconds since `start`. Throws when `pid` exits
    /// first or after `timeout`.
    static func waitHealthy(_ url: String, since start: ContinuousClock.Instant, pid: pid_t, name: String, log: URL,
                            interval: Duration = .milliseconds(5), timeout: Duration = .seconds(60)) throws -> Double {
        let intervalMicroseconds = UInt32(interval.seconds * 1_000_000)
        while true {
            if let code = status(url), (200..<300).contains(code) {
                return (ContinuousClock.now - start).seconds * 1000
            }
            if let status = Spawn.exited(pid) {
                throw BenchError("\(name) \(Spawn.describe(status)) before \(url) answered 2xx; its output:\n\(Spawn.tail(of: log))")
            }
            if ContinuousClock.now - start > timeout {
                throw BenchError("\(name): \(url) did not answer 2xx within \(timeout); its output:\n\(Spawn.tail(of: log))")
            }
            usleep(intervalMicroseconds)
        }
    }
}

// MARK: - /proc

/// The few fields of `/proc/PID/stat` the benchmark needs.
struct ProcStat {
    var pid: Int32
    var state: Character
    var parent: Int32
    var group: Int32

    static func read(_ pid: Int32) -> ProcStat? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 3, let state = fields[0].first, let parent = Int32(fields[1]), let group = Int32(fields[2]) else { return nil }
        return ProcStat(pid: pid, state: state, parent: parent, group: group)
    }

    /// Every process now, zombies left out.
    static func all() -> [ProcStat] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { Int32($0) }.compactMap(read).filter { $0.state != "Z" }
    }
}

/// The processes of one running stack: the supervisor, its keepers, and each service's process group.
struct StackProcesses {
    struct Service {
        var name: String
        var pid: Int32
        var group: Int32
        var members: [Int32]
    }

    var supervisor: Int32
    var keepers: [Int32]
    var services: [Service]
    /// The supervisor, everything descending from it, and every member of a service's group.
    var all: [Int32]

    static func of(stateDirectory: URL) throws -> StackProcesses {
        let state = StateDirectory(stateDirectory)
        guard let runtime = state.readRuntime() else { throw BenchError("no readable \(state.runtimeFile.path)") }
        let children: [ChildRecord]
        do {
            children = try JSONDecoder().decode([ChildRecord].self, from: Data(contentsOf: state.childrenFile))
        } catch {
            throw BenchError("cannot read \(state.childrenFile.path): \(error)")
        }
        let table = ProcStat.all()
        var descendants: Set<Int32> = [runtime.pid]
        var grew = true
        while grew {
            grew = false
            for process in table where descendants.contains(process.parent) && !descendants.contains(process.pid) {
                descendants.insert(process.pid)
                grew = true
            }
        }
        let keepers = table.filter { $0.parent == runtime.pid && (ProcessTable.commandLine($0.pid)?.contains("__keeper") ?? false) }.map(\.pid)
        var all = descendants
        let services = children.sorted { $0.name < $1.name }.compactMap { child -> Service? in
            guard let pid = child.service?.pid else { return nil }
            let group = child.serviceGroup ?? pid
            let members = table.filter { $0.group == group }.map(\.pid).sorted()
            all.formUnion(members)
            return Service(name: child.name, pid: pid, group: group, members: members)
        }
        return StackProcesses(supervisor: runtime.pid, keepers: keepers.sorted(), services: services, all: all.sorted())
    }

    /// Each process identified by pid and start time, to check later that all are gone.
    var stamps: [ProcessStamp] { all.compactMap(ProcessStamp.of) }
}

enum Measure {
    static func rssKiB(_ pids: [Int32]) -> Int {
        pids.reduce(0) { $0 + (ProcessMemory.statusKiB("VmRSS", pid: $1) ?? 0) }
    }

    static func cpuSeconds(_ pids: [Int32]) -> Double {
        pids.reduce(0) { $0 + (ProcessCPU.seconds(pid: $1) ?? 0) }
    }
}

// MARK: - Clean-up

/// What must not outlive the benchmark: the directly started children's process groups and the stacks that are
/// up. Stopped on every exit path, Ctrl-C and SIGTERM included.
final class Cleanup: Sendable {
    static let shared = Cleanup()

    private struct State {
        var groups: Set<pid_t> = []
        var stacks: Set<String> = []
        var stackctl = ""
        var repo = ""
        var environment: [String: String] = [:]
    }

    private let state = Mutex(State())

    func configure(stackctl: String, repo: String, environment: [String: String]) {
        state.withLock {
            $0.stackctl = stackctl
            $0.repo = repo
            $0.environment = environment
        }
    }

    func track(group: pid_t) { state.withLock { _ = $0.groups.insert(group) } }
    func untrack(group: pid_t) { state.withLock { _ = $0.groups.remove(group) } }
    func track(stack: String) { state.withLock { _ = $0.stacks.insert(stack) } }
    func untrack(stack: String) { state.withLock { _ = $0.stacks.remove(stack) } }

    /// Kills the tracked groups and runs `stackctl down` on every tracked state dir.
    func runAll() {
        let current = state.withLock { state in
            defer { state.groups = []; state.stacks = [] }
            return state
        }
        for group in current.groups { kill(-group, SIGKILL) }
        for stack in current.stacks.sorted() {
            let log = URL(fileURLWithPath: stack).deletingLastPathComponent().appendingPathComponent("cleanup-down.log")
            if let pid = try? Spawn.start([current.stackctl, "down", "--state-dir", stack], environment: current.environment,
                                          workingDirectory: current.repo, log: log, newProcessGroup: false) {
                _ = Spawn.wait(pid)
            }
        }
    }

    /// SIGINT, SIGTERM and SIGHUP clean up and exit; the returned sources must stay alive.
    func installSignalHandlers() -> [any DispatchSourceSignal] {
        signal(SIGPIPE, SIG_IGN)
        return [SIGINT, SIGTERM, SIGHUP].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                report("\nstackctl-bench: signal \(number), stopping what it started…")
                Cleanup.shared.runAll()
                exit(128 + number)
            }
            source.resume()
            return source
        }
    }
}

/// Writes a line straight to stdout, unbuffered, so figures appear as they are measured even through a pipe.
func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
