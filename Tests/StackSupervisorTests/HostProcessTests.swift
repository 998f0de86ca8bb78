#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import StackSupervisor

/// Processes through /proc: stamps that survive pid reuse, the process table, and reaping what a crashed run left.
@Suite struct HostProcessTests {
    @Test func thisProcessHasALiveStamp() throws {
        let stamp = try #require(ProcessStamp.of(getpid()))
        #expect(stamp.pid == getpid())
        #expect(stamp.startTime > 0)
        #expect(stamp.isAlive)
        #expect(ProcessStamp.of(getpid()) == stamp)
        // The right pid with a wrong start time is another process: not alive.
        #expect(!ProcessStamp(pid: getpid(), startTime: stamp.startTime + 1).isAlive)
        #expect(!ProcessStamp(pid: getpid(), startTime: stamp.startTime &- 1).isAlive)
        #expect(ProcessStamp.of(-1) == nil)
        #expect(ProcessStamp.of(0) == nil)
    }

    @Test func aStampOutlivesNeitherKillNorWait() throws {
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["30"]
        try sleeper.run()
        defer { if sleeper.isRunning { sleeper.terminate(); sleeper.waitUntilExit() } }
        let stamp = try #require(ProcessStamp.of(sleeper.processIdentifier))
        #expect(stamp.isAlive)
        // Until the child has exec'd, its command line is not yet sleep's.
        try HostSpawn.waitFor("sleep to exec") { ProcessTable.commandLine(stamp.pid)?.hasSuffix("sleep 30") == true }
        #expect(ProcessStamp.of(sleeper.processIdentifier) == stamp)
        kill(sleeper.processIdentifier, SIGKILL)
        sleeper.waitUntilExit()
        #expect(!stamp.isAlive)
    }

    @Test func aZombieIsNotAlive() throws {
        let pid = try HostSpawn.spawn(["/bin/sleep", "30"], newGroup: false)
        defer { HostSpawn.cleanUp(pid) }
        let stamp = try #require(ProcessStamp.of(pid))
        #expect(stamp.isAlive)
        kill(pid, SIGKILL)
        // Not waited for: it stays a zombie (state Z), which counts as gone.
        try HostSpawn.waitFor("pid \(pid) to be a zombie") { HostSpawn.state(pid) == "Z" }
        #expect(!stamp.isAlive)
        #expect(ProcessStamp.of(pid) == stamp)
    }

    @Test func theStatLineIsReadAfterTheLastParenthesis() throws {
        // comm with spaces and parentheses; state, ppid, pgrp, then fields 6-21, then start time (field 22).
        let rest = (6...21).map(String.init).joined(separator: " ")
        let line = "4242 (evil) S 1 (x) Z) R 17 4200 \(rest) 987654 23 24\n"
        let stat = try #require(ProcStatLine(line))
        #expect(stat.state == "R")
        #expect(stat.parent == 17)
        #expect(stat.processGroup == 4200)
        #expect(stat.startTime == 987654)
        #expect(ProcStatLine("4242 (short) S 1 2") == nil)
        #expect(ProcStatLine("no parenthesis") == nil)
    }

    @Test func theProcessTableDescribesThisProcess() throws {
        let me = getpid()
        let command = try #require(ProcessTable.commandLine(me))
        #expect(command.hasPrefix(CommandLine.arguments[0]))
        #expect(!command.contains("\0"))
        #expect(ProcessTable.processGroup(of: me) == getpgrp())
        #expect(ProcessTable.members(ofGroup: getpgrp()).contains(me))
        let rss = try #require(ProcessTable.rssBytes(me))
        #expect(rss > 1024 * 1024)
        #expect(rss % 1024 == 0)
        #expect(ProcessTable.commandLine(-5) == nil)
        #expect(ProcessTable.members(ofGroup: 0) == [])
    }

    @Test func reapStopsAServiceGroupAndItsKeeper() async throws {
        let keeper = try HostSpawn.spawn(["/bin/sleep", "300"], newGroup: false)
        let shell = try HostSpawn.spawn(["/bin/sh", "-c", "sleep 300 & sleep 300 & wait"], newGroup: true)
        defer {
            HostSpawn.cleanUp(shell, group: true)
            HostSpawn.cleanUp(keeper)
        }
        try HostSpawn.waitFor("the shell and its two sleeps in group \(shell)") { HostSpawn.liveGroup(shell).count == 3 }
        #expect(ProcessTable.members(ofGroup: shell) == HostSpawn.liveGroup(shell))
        #expect(ProcessTable.processGroup(of: shell) == shell)

        let keeperStamp = try #require(ProcessStamp.of(keeper))
        let serviceStamp = try #require(ProcessStamp.of(shell))
        let record = ChildRecord(name: "svc", keeper: keeperStamp, service: serviceStamp, serviceGroup: shell)
        let stopped = await Leftovers.reap([record], grace: .seconds(5))
        #expect(stopped == ["svc"])
        // reap waits until they are gone; allow the kernel a moment all the same, with a deadline.
        try HostSpawn.waitFor("group \(shell) to be empty") { HostSpawn.liveGroup(shell).isEmpty }
        try HostSpawn.waitFor("the keeper \(keeper) to be gone") { !HostSpawn.isLive(keeper) }
        #expect(!record.keeper.isAlive)
        #expect(record.service?.isAlive == false)
    }

    @Test func reapStopsAGroupWhoseLeaderAlreadyExited() async throws {
        let keeper = try HostSpawn.spawn(["/bin/sleep", "300"], newGroup: false)
        let shell = try HostSpawn.spawn(["/bin/sh", "-c", "sleep 300 & sleep 300 & wait"], newGroup: true)
        defer {
            HostSpawn.cleanUp(shell, group: true)
            HostSpawn.cleanUp(keeper)
        }
        try HostSpawn.waitFor("the shell and its two sleeps in group \(shell)") { HostSpawn.liveGroup(shell).count == 3 }
        let keeperStamp = try #require(ProcessStamp.of(keeper))
        let serviceStamp = try #require(ProcessStamp.of(shell))
        let record = ChildRecord(name: "orphans", keeper: keeperStamp, service: serviceStamp, serviceGroup: shell)
        // The keeper and the shell die (as with kill -9); the shell's sleeps stay behind in its group.
        kill(keeper, SIGKILL)
        kill(shell, SIGKILL)
        HostSpawn.reap(keeper)
        HostSpawn.reap(shell)
        try HostSpawn.waitFor("only the two sleeps left in group \(shell)") { HostSpawn.liveGroup(shell).count == 2 }

        let stopped = await Leftovers.reap([record], grace: .seconds(5))
        #expect(stopped == ["orphans"])
        try HostSpawn.waitFor("group \(shell) to be empty") { HostSpawn.liveGroup(shell).isEmpty }
    }

    @Test func reapIgnoresARecordWhoseStartTimeDiffers() async throws {
        let shell = try HostSpawn.spawn(["/bin/sh", "-c", "sleep 300 & wait"], newGroup: true)
        defer { HostSpawn.cleanUp(shell, group: true) }
        try HostSpawn.waitFor("the shell and its sleep in group \(shell)") { HostSpawn.liveGroup(shell).count == 2 }
        let real = try #require(ProcessStamp.of(shell))
        let stale = ProcessStamp(pid: shell, startTime: real.startTime - 1)
        // Same pids, another start time: an earlier run's processes whose pids were since reused.
        let records = [
            ChildRecord(name: "stale-keeper", keeper: stale),
            ChildRecord(name: "stale-service", keeper: stale, service: stale, serviceGroup: shell),
        ]
        let stopped = await Leftovers.reap(records, grace: .milliseconds(200))
        #expect(stopped == [])
        #expect(real.isAlive)
        #expect(HostSpawn.liveGroup(shell).count == 2)
        #expect(HostSpawn.state(shell) != nil && HostSpawn.state(shell) != "Z")
    }

    @Test func recordsRoundTripThroughTheirFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("host-records-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("children.json")
        #expect(Leftovers.load(file) == [])
        let records = [
            ChildRecord(name: "a", keeper: ProcessStamp(pid: 10, startTime: 100),
                        service: ProcessStamp(pid: 11, startTime: 101), serviceGroup: 11),
            ChildRecord(name: "b", keeper: ProcessStamp(pid: 20, startTime: 200)),
        ]
        try Leftovers.save(records, to: file)
        #expect(Leftovers.load(file) == records)
        let json = try String(contentsOf: file, encoding: .utf8)
        #expect(json.contains(#""startTime" : 101"#))
        #expect(json.contains(#""serviceGroup" : 11"#))
        try Leftovers.save([], to: file)
        #expect(Leftovers.load(file) == [])
        try Data("{not json".utf8).write(to: file)
        #expect(Leftovers.load(file) == [])
        // Nothing in the records runs: nothing to reap.
        #expect(FileManager.default.fileExists(atPath: file.path))
    }

    @Test func reapOfNothingRunningReturnsAtOnce() async {
        let gone = ChildRecord(name: "gone", keeper: ProcessStamp(pid: Int32.max - 1, startTime: 1),
                               service: ProcessStamp(pid: Int32.max - 2, startTime: 1), serviceGroup: Int32.max - 2)
        let started = ContinuousClock.now
        #expect(await Leftovers.reap([gone], grace: .seconds(10)) == [])
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}

/// Test processes started with posix_spawn (Foundation's Process cannot put a child in a new process group),
/// and checks of them read straight from /proc, independently of the code under test.
enum HostSpawn {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts `argv` (an absolute path first), in a new process group led by itself when `newGroup`.
    static func spawn(_ argv: [String], newGroup: Bool) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Default dispositions for the stop signals, whatever the test runner ignores.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var flags = Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        if newGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let args = argv.map { strdup($0) } + [nil]
        defer { args.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, argv[0], &actions, &attributes, args, environ)
        guard result == 0 else { throw Failure(description: "posix_spawn \(argv[0]): \(String(cString: strerror(result)))") }
        return pid
    }

    /// Kills `pid` (and its group when `group` and it still leads it), then waits for it.
    static func cleanUp(_ pid: pid_t, group: Bool = false) {
        if group {
            if let line = statFields(pid), line.pgrp == pid { kill(-pid, SIGKILL) } else if statFields(pid) == nil {
                // Leader already waited for: its group may still hold orphans, and the pgid cannot be reused
                // by another group while they live.
                if !liveGroup(pid).isEmpty { kill(-pid, SIGKILL) }
            }
        }
        kill(pid, SIGKILL)
        reap(pid)
    }

    /// waitpid for a child of this process; a no-op if it was already waited for.
    static func reap(_ pid: pid_t) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    }

    /// Polls `condition` until it holds or `seconds` pass (then fails).
    static func waitFor(_ what: String, seconds: Double = 10, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            if Date() > deadline { throw Failure(description: "timed out waiting for \(what)") }
            usleep(10_000)
        }
    }

    /// (state, pgrp) of `pid` from /proc/PID/stat, parsed after the last ')'.
    static func statFields(_ pid: pid_t) -> (state: String, pgrp: Int32)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 3, let pgrp = Int32(fields[2]) else { return nil }
        return (String(fields[0]), pgrp)
    }

    static func state(_ pid: pid_t) -> String? { statFields(pid)?.state }

    static func isLive(_ pid: pid_t) -> Bool {
        guard let state = state(pid) else { return false }
        return state != "Z" && state != "X"
    }

    /// The non-zombie processes whose group is `pgid`, ascending.
    static func liveGroup(_ pgid: pid_t) -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap(Int32.init).filter { pid in
            guard let fields = statFields(pid) else { return false }
            return fields.pgrp == pgid && fields.state != "Z" && fields.state != "X"
        }.sorted()
    }
}
