import ArgumentParser
import BenchmarkSupport
import Foundation
import ProcessSupport
import StackSupervisor
#if canImport(Glibc)
import Glibc
#endif

/// Measures `stackctl` with built binaries: cold `up` (fresh state dir, seeding included) to all healthy and
/// registered beside each child's own start-to-healthy measured in the same run, warm `up`, `down`, then the
/// supervisor's CPU and RSS while one stack idles and the whole stack's RSS, then the dashboard (`DashboardBench`).
/// Run on a release build with `scripts/bench.sh stackctl` (or `scripts/bench.sh dashboard` for the dashboard alone).
@main
struct StackctlBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stackctl-bench",
        abstract: "Benchmark stackctl: cold/warm up vs. the slowest child's own start, down, idle CPU and RSS, the dashboard."
    )

    @Option(help: "Directory holding stackctl, fake-openmeter, fake-tais and credits-mcp (default: this binary's directory).")
    var bin: String?
    @Option(help: "Measured runs (each: the children alone, cold up, down, warm up, down).")
    var runs = 5
    @Option(help: "Seconds one stack idles while stackctl's CPU is measured.")
    var idleSeconds = 60
    @Option(help: "The package root, stackctl's working directory (default: found from this binary's location or the cwd).")
    var repo: String?
    @Option(help: "Events in a large state dir (10 tenants, 30 days) that each run also brings up and down; 0 skips it.")
    var largeEvents = 1_000_000
    @Flag(help: "Only the dashboard: pages served, a state change reaching an open page, idle CPU with a page open.")
    var dashboardOnly = false
    @Option(help: "Requests to each dashboard page (and to the /health floor), one at a time.")
    var dashboardRequests = 200
    @Option(help: "Realistic-shape events seeded into fake-openmeter before the dashboard is measured.")
    var dashboardSeedEvents = 200_000
    @Option(help: "Chat questions asked through the dashboard first, so the chat page carries that many answers.")
    var dashboardChatQuestions = 20
    @Option(help: "Restarts of credits-mcp timed from the POST to the open page's event stream.")
    var dashboardRounds = 20
    @Option(help: "Seconds the supervisor's CPU is measured with one dashboard page open, and again with none.")
    var dashboardIdleSeconds = 30

    static let goalUpMs = 2000.0
    static let goalGapMs = 300.0
    static let goalIdleCPUPercent = 1.0
    static let settleSeconds = 2.0

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard idleSeconds >= 1 else { throw ValidationError("--idle-seconds must be at least 1") }
        guard largeEvents >= 0 else { throw ValidationError("--large-events must be 0 or more") }
        guard dashboardRequests >= 1, dashboardRounds >= 1, dashboardIdleSeconds >= 1 else {
            throw ValidationError("--dashboard-requests, --dashboard-rounds and --dashboard-idle-seconds must be at least 1")
        }
        guard dashboardSeedEvents >= 1, dashboardChatQuestions >= 1 else {
            throw ValidationError("--dashboard-seed-events and --dashboard-chat-questions must be at least 1")
        }
    }

    func run() throws {
        let signals = Cleanup.shared.installSignalHandlers()
        defer { withExtendedLifetime(signals) {} }
        let context = try Context(bin: bin, repo: repo)
        Cleanup.shared.configure(stackctl: context.stackctl, repo: context.repo, environment: context.environment)
        defer { Cleanup.shared.runAll() }

        report(dashboardOnly ? "stackctl-bench: the dashboard only"
            : "stackctl-bench: \(runs) run\(runs == 1 ? "" : "s"), idle window \(idleSeconds) s, then the dashboard")
        report("  binaries \(context.bin)")
        report("  repo     \(context.repo) (stack file \(context.stackFilePath))")
        report("  scratch  \(context.scratch.path)")
        report("  \(ProcessInfo.processInfo.activeProcessorCount) cores; health polled every 5 ms by the benchmark (stackctl polls on its own schedule)")
        try context.warmPageCache()
        let dashboard = DashboardBench(requests: dashboardRequests, rounds: dashboardRounds, idleSeconds: dashboardIdleSeconds,
                                       seedEvents: dashboardSeedEvents, chatQuestions: dashboardChatQuestions)
        if dashboardOnly {
            try dashboard.run(context: context)
            try? FileManager.default.removeItem(at: context.scratch)
            return
        }
        let large = try prepareLargeStateDirectory(context: context)

        var results: [RunResult] = []
        for index in 1...runs {
            let result = try measureRun(index, context: context, large: large)
            results.append(result)
            report(result.summary(index))
        }
        let idle = try measureIdle(context: context, large: large)
        printTable(results, idle: idle, context: context)
        try dashboard.run(context: context)
        try? FileManager.default.removeItem(at: context.scratch)
    }

    // MARK: - One run

    struct RunResult {
        var seedMs: Double
        var childMs: [(name: String, ms: Double)]
        var coldUpMs: Double
        var coldDownMs: Double
        var warmUpMs: Double
        var warmDownMs: Double
        /// `up` and `down` over the large state dir (nil without one).
        var largeUpMs: Double?
        var largeDownMs: Double?
        var leftovers: Int

        var slowest: (name: String, ms: Double) { childMs.max { $0.ms < $1.ms } ?? ("none", 0) }
        /// Seeding plus each dependency wave's slowest child: what starting in dependency order costs at least.
        var chainMs: Double

        func summary(_ index: Int) -> String {
            let children = childMs.map { String(format: "%@ %.0f", $0.name, $0.ms) }.joined(separator: ", ")
            return String(format: "run %d: alone: seed %.0f ms, %@ ms (slowest %@ %.0f ms; chain %.0f ms) | stackctl: cold up %.0f ms, down %.0f ms, warm up %.0f ms, down %.0f ms | gap cold up − slowest %.0f ms%@",
                          index, seedMs, children, slowest.name, slowest.ms, chainMs, coldUpMs, coldDownMs, warmUpMs, warmDownMs,
                          coldUpMs - slowest.ms, leftovers == 0 ? "" : " | \(leftovers) process(es) left after down!")
        }
    }

    /// A state dir already seeded with `largeEvents` events (marked seeded, so `up` starts over it as is).
    private func prepareLargeStateDirectory(context: Context) throws -> URL? {
        guard largeEvents > 0 else { return nil }
        let directory = context.scratch.appendingPathComponent("large-state")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let ms = try Spawn.timedRun(
            [URL(fileURLWithPath: context.bin).appendingPathComponent("fake-openmeter").path, "seed",
             "--data", directory.appendingPathComponent("openmeter.sqlite").path,
             "--tenants", "10", "--events", String(largeEvents), "--days", "30"],
            environment: context.environment, workingDirectory: context.repo,
            log: context.scratch.appendingPathComponent("large-seed.log"))
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent(".seeded-fake-openmeter").path, contents: Data())
        report(String(format: "  large state dir: %d events (10 tenants, 30 days) seeded in %.1f s", largeEvents, ms / 1000))
        return directory
    }

    private func measureRun(_ index: Int, context: Context, large: URL?) throws -> RunResult {
        let directory = context.scratch.appendingPathComponent("run-\(index)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let floor = try measureChildrenAlone(directory.appendingPathComponent("alone"), context: context)

        let log = directory.appendingPathComponent("stackctl.log")
        var leftovers = 0
        func up(_ stateDirectory: URL) throws -> Double {
            Cleanup.shared.track(stack: stateDirectory.path)
            let ms = try Spawn.timedRun(context.stackctlArgv("up", "--detach", "--ephemeral-ports", "--state-dir", stateDirectory.path),
                                        environment: context.environment, workingDirectory: context.repo, log: log)
            try context.checkStatus(stateDirectory, log: log)
            return ms
        }
        func down(_ stateDirectory: URL) throws -> Double {
            let stamps = try StackProcesses.of(stateDirectory: stateDirectory).stamps
            let ms = try Spawn.timedRun(context.stackctlArgv("down", "--state-dir", stateDirectory.path),
                                        environment: context.environment, workingDirectory: context.repo, log: log)
            Cleanup.shared.untrack(stack: stateDirectory.path)
            leftovers += stamps.filter(\.isAlive).count
            return ms
        }
        let stateDirectory = directory.appendingPathComponent("state")
        let coldUp = try up(stateDirectory)
        let coldDown = try down(stateDirectory)
        let warmUp = try up(stateDirectory)
        let warmDown = try down(stateDirectory)
        let largeUp = try large.map { try up($0) }
        let largeDown = try large.map { try down($0) }
        return RunResult(seedMs: floor.seedMs, childMs: floor.childMs, coldUpMs: coldUp, coldDownMs: coldDown,
                         warmUpMs: warmUp, warmDownMs: warmDown, largeUpMs: largeUp, largeDownMs: largeDown,
                         leftovers: leftovers, chainMs: floor.chainMs)
    }

    struct Floor {
        var seedMs: Double
        var childMs: [(name: String, ms: Double)]
        var chainMs: Double
    }

    /// Seeds, then starts each child on its own, in dependency order (a dependent needs what it depends on):
    /// the stack file's command and environment, fresh ports, spawn → first 2xx of its readiness URL.
    private func measureChildrenAlone(_ directory: URL, context: Context) throws -> Floor {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let plan = try context.plan(stateDirectory: directory)
        let waves = plan.file.startOrder().map { $0.compactMap { plan.processes[$0] }.filter { !$0.external } }

        var seedMs = 0.0
        for process in waves.joined() {
            guard let seed = process.extras.seed else { continue }
            seedMs += try Spawn.timedRun(argv(forCommand: seed), environment: process.environment,
                                         workingDirectory: process.workingDirectory ?? context.repo,
                                         log: directory.appendingPathComponent("seed-\(process.name).log"))
        }

        var started: [pid_t] = []
        defer {
            for pid in started.reversed() {
                Spawn.stopGroup(pid)
                Cleanup.shared.untrack(group: pid)
            }
        }
        var childMs: [(name: String, ms: Double)] = []
        var chainMs = seedMs
        for wave in waves {
            var slowestInWave = 0.0
            for process in wave {
                guard let probe = process.probe else { throw BenchError("\(process.name) has no readiness probe to time") }
                let log = directory.appendingPathComponent("\(process.name).log")
                let start = ContinuousClock.now
                let pid = try Spawn.start(argv(forCommand: process.command), environment: process.environment,
                                          workingDirectory: process.workingDirectory ?? context.repo, log: log, newProcessGroup: true)
                started.append(pid)
                Cleanup.shared.track(group: pid)
                let ms = try RawHTTP.waitHealthy(probe.url, since: start, pid: pid, name: process.name, log: log)
                childMs.append((process.name, ms))
                slowestInWave = max(slowestInWave, ms)
            }
            chainMs += slowestInWave
        }
        return Floor(seedMs: seedMs, childMs: childMs, chainMs: chainMs)
    }

    // MARK: - Idle

    struct Idle {
        var upMs: Double
        var seconds: Double
        var supervisorCPUSeconds: Double
        var keepersCPUSeconds: Double
        var servicesCPUSeconds: Double
        var supervisorKiB: Int
        var supervisorPeakKiB: Int
        var keepers: [Int32: Int]
        var services: [(name: String, processes: Int, kib: Int)]
        var totalKiB: Int
        var totalProcesses: Int
        var leftovers: Int
    }

    /// One more stack up (over the large state dir when there is one, so the RSS is a realistic one); after it
    /// settles, CPU over `idleSeconds` and RSS at the end.
    private func measureIdle(context: Context, large: URL?) throws -> Idle {
        let stateDirectory = large ?? context.scratch.appendingPathComponent("idle/state")
        let log = context.scratch.appendingPathComponent("idle/stackctl.log")
        try FileManager.default.createDirectory(at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
        Cleanup.shared.track(stack: stateDirectory.path)
        let upMs = try Spawn.timedRun(context.stackctlArgv("up", "--detach", "--ephemeral-ports", "--state-dir", stateDirectory.path),
                                      environment: context.environment, workingDirectory: context.repo, log: log)
        try context.checkStatus(stateDirectory, log: log)
        report(String(format: "idle: stack up in %.0f ms; settling %.0f s, then measuring %d s…", upMs, Self.settleSeconds, idleSeconds))
        Thread.sleep(forTimeInterval: Self.settleSeconds)

        let stack = try StackProcesses.of(stateDirectory: stateDirectory)
        let servicePIDs = stack.services.flatMap(\.members)
        let start = ContinuousClock.now
        let supervisor0 = ProcessCPU.seconds(pid: stack.supervisor) ?? 0
        let keepers0 = Measure.cpuSeconds(stack.keepers)
        let services0 = Measure.cpuSeconds(servicePIDs)
        Thread.sleep(forTimeInterval: Double(idleSeconds))
        let supervisor1 = ProcessCPU.seconds(pid: stack.supervisor) ?? 0
        let keepers1 = Measure.cpuSeconds(stack.keepers)
        let services1 = Measure.cpuSeconds(servicePIDs)
        let seconds = (ContinuousClock.now - start).seconds

        // The stack as it is at the end of the window (a restarted child would show here as a new pid).
        try context.checkStatus(stateDirectory, log: log)
        let end = try StackProcesses.of(stateDirectory: stateDirectory)
        guard end.supervisor == stack.supervisor, end.all == stack.all else {
            throw BenchError("the stack's processes changed during the idle window: \(stack.all) → \(end.all)")
        }
        var keepers: [Int32: Int] = [:]
        for keeper in end.keepers { keepers[keeper] = ProcessMemory.statusKiB("VmRSS", pid: keeper) ?? 0 }
        let services = end.services.map { ($0.name, $0.members.count, Measure.rssKiB($0.members)) }
        let idle = Idle(
            upMs: upMs, seconds: seconds,
            supervisorCPUSeconds: supervisor1 - supervisor0, keepersCPUSeconds: keepers1 - keepers0,
            servicesCPUSeconds: services1 - services0,
            supervisorKiB: ProcessMemory.statusKiB("VmRSS", pid: end.supervisor) ?? 0,
            supervisorPeakKiB: ProcessMemory.statusKiB("VmHWM", pid: end.supervisor) ?? 0,
            keepers: keepers, services: services, totalKiB: Measure.rssKiB(end.all), totalProcesses: end.all.count,
            leftovers: 0)

        let stamps = end.stamps
        _ = try Spawn.timedRun(context.stackctlArgv("down", "--state-dir", stateDirectory.path),
                               environment: context.environment, workingDirectory: context.repo, log: log)
        Cleanup.shared.untrack(stack: stateDirectory.path)
        var result = idle
        result.leftovers = stamps.filter(\.isAlive).count
        return result
    }

    // MARK: - Report

    private func printTable(_ results: [RunResult], idle: Idle, context: Context) {
        func row(_ label: String, _ values: [Double], goal: String = "", verdict: String = "") {
            report(String(format: "  %@ %9.0f %9.0f %9.0f   %@%@", label.padding(toLength: 44, withPad: " ", startingAt: 0),
                          Percentile.of(values, 50), values.min() ?? 0, values.max() ?? 0,
                          goal.padding(toLength: 12, withPad: " ", startingAt: 0), verdict))
        }
        func verdict(_ values: [Double], below limit: Double) -> String {
            let p50 = Percentile.of(values, 50) < limit
            let max = (values.max() ?? 0) < limit
            return p50 && max ? "met" : p50 ? "met at p50, not at max" : "NOT met"
        }
        let names = results.first?.childMs.map(\.name) ?? []
        let cold = results.map(\.coldUpMs)
        let gapCold = results.map { $0.coldUpMs - $0.slowest.ms }

        report("")
        report("stackctl-bench results, \(results.count) run\(results.count == 1 ? "" : "s") (ms; each run measures the children alone, then stackctl):")
        report("  " + "".padding(toLength: 44, withPad: " ", startingAt: 0) + "       p50       min       max   goal")
        row("cold up (fresh state dir, seeding included)", cold, goal: "< 2000 ms", verdict: verdict(cold, below: Self.goalUpMs))
        row("warm up (same state dir after down)", results.map(\.warmUpMs))
        row("down after cold up", results.map(\.coldDownMs))
        row("down after warm up", results.map(\.warmDownMs))
        if largeEvents > 0 {
            row("up over the large state dir (\(largeEvents / 1000)k events)", results.compactMap(\.largeUpMs))
            row("down after it", results.compactMap(\.largeDownMs))
        }
        report("  children alone, spawn → first 2xx of /health (polled every 5 ms):")
        row("  seeding alone (cold up includes it)", results.map(\.seedMs))
        for name in names {
            row("  \(name)", results.map { $0.childMs.first { $0.name == name }?.ms ?? 0 })
        }
        row("  slowest child", results.map(\.slowest.ms))
        row("  chain: seed + each wave's slowest", results.map(\.chainMs))
        row("gap: cold up − slowest child", gapCold, goal: "≤ 300 ms", verdict: verdict(gapCold, below: Self.goalGapMs + 0.5))
        row("gap: warm up − slowest child", results.map { $0.warmUpMs - $0.slowest.ms })
        row("gap: cold up − chain (stackctl's own cost)", results.map { $0.coldUpMs - $0.chainMs })
        row("gap: warm up − chain without seeding", results.map { $0.warmUpMs - ($0.chainMs - $0.seedMs) })
        let leftovers = results.map(\.leftovers).reduce(0, +)
        report("  processes left running after a down: \(leftovers)")

        let supervisorPercent = idle.supervisorCPUSeconds / idle.seconds * 100
        let stackctlPercent = (idle.supervisorCPUSeconds + idle.keepersCPUSeconds) / idle.seconds * 100
        let mib = { (kib: Int) in String(format: "%.1f MiB", Double(kib) / 1024) }
        report("")
        report(String(format: "idle: one stack\(largeEvents > 0 ? " over the large state dir" : "") (up in %.0f ms, settled %.0f s), window %.1f s, CPU from /proc/PID/stat utime+stime (%d ticks/s):",
                      idle.upMs, Self.settleSeconds, idle.seconds, sysconf(Int32(_SC_CLK_TCK))))
        report(String(format: "  stackctl supervisor CPU: %.3f %% of one core (%.2f s)   goal < 1 %%: %@", supervisorPercent,
                      idle.supervisorCPUSeconds, supervisorPercent < Self.goalIdleCPUPercent ? "met" : "NOT met"))
        report(String(format: "  supervisor + %d keepers CPU: %.3f %% of one core   goal < 1 %%: %@", idle.keepers.count, stackctlPercent,
                      stackctlPercent < Self.goalIdleCPUPercent ? "met" : "NOT met"))
        report(String(format: "  services CPU (for reference): %.3f %% of one core", idle.servicesCPUSeconds / idle.seconds * 100))
        report("  RSS (VmRSS at the end of the window):")
        report("    stackctl supervisor: \(mib(idle.supervisorKiB)) (peak VmHWM \(mib(idle.supervisorPeakKiB)))")
        let keepersTotal = idle.keepers.values.reduce(0, +)
        report("    keepers (stackctl __keeper): \(idle.keepers.count), \(mib(keepersTotal)) total"
            + (idle.keepers.isEmpty ? "" : " (\(idle.keepers.keys.sorted().map { mib(idle.keepers[$0]!) }.joined(separator: ", ")))"))
        for service in idle.services {
            report("    \(service.name): \(mib(service.kib)) (\(service.processes) process\(service.processes == 1 ? "" : "es") in its group)")
        }
        report("    whole stack: \(mib(idle.totalKiB)) over \(idle.totalProcesses) processes (of which stackctl's own: \(mib(idle.supervisorKiB + keepersTotal)))")
        report("  processes left running after its down: \(idle.leftovers)")
    }
}

// MARK: - Context

/// Where everything is, and the environment stackctl and the children get.
struct Context {
    let bin: String
    let repo: String
    let stackctl: String
    let stackFilePath: String
    let stackFile: StackFile
    /// The benchmark's environment without the variables that would make stackctl use a real service or a port.
    let environment: [String: String]
    let scratch: URL

    init(bin: String?, repo: String?) throws {
        let ownDirectory: URL = {
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
                return URL(fileURLWithPath: target).deletingLastPathComponent()
            }
            return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        }()
        let binURL = bin.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? ownDirectory
        self.bin = binURL.path
        for name in ["stackctl", "fake-openmeter", "fake-tais", "credits-mcp"] {
            guard FileManager.default.isExecutableFile(atPath: binURL.appendingPathComponent(name).path) else {
                throw BenchError("no \(name) executable in \(binURL.path); build it or pass --bin")
            }
        }
        stackctl = binURL.appendingPathComponent("stackctl").path

        if let repo {
            self.repo = URL(fileURLWithPath: repo).standardizedFileURL.path
        } else {
            let starts = [ownDirectory, URL(fileURLWithPath: FileManager.default.currentDirectoryPath), BuiltProducts.packageRoot]
            guard let found = starts.lazy.compactMap(Self.packageRoot(above:)).first else {
                throw BenchError("cannot find the package root (compose/stack.yaml beside Package.swift); pass --repo")
            }
            self.repo = found
        }
        stackFilePath = URL(fileURLWithPath: self.repo).appendingPathComponent("compose/stack.yaml").path
        stackFile = try StackFile.load(path: stackFilePath)

        var environment = ProcessInfo.processInfo.environment
        for setting in stackFile.stackctl.ports.values {
            environment[setting.env] = nil
            if let urlEnv = setting.urlEnv { environment[urlEnv] = nil }
        }
        environment["STACKCTL_PORT"] = nil
        self.environment = environment
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("stackctl-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    private static func packageRoot(above start: URL) -> String? {
        var directory = start.standardizedFileURL
        for _ in 0..<8 {
            let manager = FileManager.default
            if manager.fileExists(atPath: directory.appendingPathComponent("Package.swift").path),
               manager.fileExists(atPath: directory.appendingPathComponent("compose/stack.yaml").path) {
                return directory.path
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
        return nil
    }

    func stackctlArgv(_ arguments: String...) -> [String] { [stackctl] + arguments }

    /// The stack file resolved as stackctl resolves it for `up --ephemeral-ports --state-dir DIR`.
    func plan(stateDirectory: URL) throws -> StackPlan {
        let options = StackPlan.Options(stateDirectory: stateDirectory, binDirectory: bin, ephemeralPorts: true,
                                        environment: environment, workingDirectory: repo)
        do {
            return try StackPlan.resolve(stackFile, options: options, pickPort: { try PortCheck.freePort() })
        } catch {
            throw BenchError("cannot resolve \(stackFilePath): \(error)")
        }
    }

    /// Each executable run once (`--help`) before measuring, so no run pays for reading binaries from disk.
    func warmPageCache() throws {
        for name in ["stackctl", "fake-openmeter", "fake-tais", "credits-mcp"] {
            let pid = try Spawn.start([URL(fileURLWithPath: bin).appendingPathComponent(name).path, "--help"], environment: environment,
                                      workingDirectory: repo, log: scratch.appendingPathComponent("warm.log"), newProcessGroup: false)
            _ = Spawn.wait(pid)
        }
    }

    /// `stackctl status --json`: the stack runs, every service is healthy and the tool is registered.
    func checkStatus(_ stateDirectory: URL, log: URL) throws {
        let output = stateDirectory.deletingLastPathComponent().appendingPathComponent("status.json")
        try? FileManager.default.removeItem(at: output)
        _ = try Spawn.timedRun(stackctlArgv("status", "--json", "--state-dir", stateDirectory.path),
                               environment: environment, workingDirectory: repo, log: output)
        let data = try Data(contentsOf: output)
        guard let status = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let services = status["services"] as? [[String: Any]] else {
            throw BenchError("unreadable `stackctl status --json`: \(String(decoding: data, as: UTF8.self))")
        }
        let unhealthy = services.filter { ($0["healthy"] as? Bool) != true }.compactMap { $0["name"] as? String }
        guard status["state"] as? String == "running", unhealthy.isEmpty, status["registration"] is [String: Any] else {
            throw BenchError("the stack is not running, healthy and registered: \(String(decoding: data, as: UTF8.self))\n"
                + "stackctl's output:\n\(Spawn.tail(of: log))")
        }
    }
}
