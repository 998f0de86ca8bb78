import Foundation

/// `compose/stack.yaml`, parsed and validated: the processes stackctl runs (process-compose's keys) and
/// stackctl's own settings under `x-stackctl`. Values keep their `${VAR}` references; substituting `${BIN}`,
/// `${STATE_DIR}` and the port variables is `StackPlan`'s job.
public struct StackFile: Sendable, Equatable {
    public var processes: [String: StackProcess]
    public var stackctl: StackctlSettings

    public init(processes: [String: StackProcess], stackctl: StackctlSettings = StackctlSettings()) {
        self.processes = processes
        self.stackctl = stackctl
    }

    /// The enabled processes in dependency waves: wave 0 depends on nothing, a process sits one wave after
    /// the last of its dependencies. Alphabetical within a wave, so the order is deterministic.
    /// Assumes a validated file (no cycles, every dependency defined and enabled).
    public func startOrder() -> [[String]] {
        var wave: [String: Int] = [:]
        func depth(_ name: String, _ visiting: Set<String>) -> Int {
            if let known = wave[name] { return known }
            guard let process = processes[name], !visiting.contains(name) else { return 0 }
            let deps = process.dependsOn.keys.filter { processes[$0].map { !$0.disabled } ?? false }
            let value = deps.map { depth($0, visiting.union([name])) + 1 }.max() ?? 0
            wave[name] = value
            return value
        }
        let enabled = processes.values.filter { !$0.disabled }.map(\.name)
        for name in enabled { _ = depth(name, []) }
        let count = (wave.values.max() ?? -1) + 1
        var waves = Array(repeating: [String](), count: count)
        for name in enabled { waves[wave[name]!].append(name) }
        return waves.map { $0.sorted() }
    }

    /// The waves of `startOrder()` last to first: dependents stop before what they depend on.
    public func stopOrder() -> [[String]] {
        Array(startOrder().reversed())
    }
}

public struct StackProcess: Sendable, Equatable {
    public var name: String
    /// Run by `/bin/sh -c`.
    public var command: String
    public var workingDir: String?
    public var environment: [EnvironmentEntry]
    public var dependsOn: [String: DependencyCondition]
    public var readinessProbe: ReadinessProbe?
    public var availability: Availability
    public var shutdown: Shutdown
    public var disabled: Bool
    /// The process's `x-stackctl` block.
    public var extras: ProcessExtras

    public init(name: String, command: String, workingDir: String? = nil, environment: [EnvironmentEntry] = [],
                dependsOn: [String: DependencyCondition] = [:], readinessProbe: ReadinessProbe? = nil,
                availability: Availability = Availability(), shutdown: Shutdown = Shutdown(), disabled: Bool = false,
                extras: ProcessExtras = ProcessExtras()) {
        self.name = name
        self.command = command
        self.workingDir = workingDir
        self.environment = environment
        self.dependsOn = dependsOn
        self.readinessProbe = readinessProbe
        self.availability = availability
        self.shutdown = shutdown
        self.disabled = disabled
        self.extras = extras
    }
}

/// One `KEY=VALUE` line of a process's `environment`.
public struct EnvironmentEntry: Sendable, Equatable {
    public var key: String
    public var value: String
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

public enum DependencyCondition: String, Sendable, Equatable, CaseIterable {
    case processStarted = "process_started"
    case processHealthy = "process_healthy"
}

/// A port as a number or a `${VAR}` reference the supervisor resolves.
public enum PortValue: Sendable, Equatable {
    case number(Int)
    case variable(String)
}

public struct ReadinessProbe: Sendable, Equatable {
    public var scheme: String = "http"
    public var host: String = "127.0.0.1"
    public var port: PortValue
    public var path: String = "/"
    public var initialDelaySeconds: Int = 0
    public var periodSeconds: Int = 10
    public var timeoutSeconds: Int = 1
    public var failureThreshold: Int = 3

    public init(port: PortValue) { self.port = port }
}

public enum RestartPolicy: String, Sendable, Equatable, CaseIterable {
    case always
    case onFailure = "on_failure"
    case exitOnFailure = "exit_on_failure"
    case no
}

public struct Availability: Sendable, Equatable {
    public var restart: RestartPolicy = .no
    public var backoffSeconds: Int = 1
    /// 0 means no limit (as process-compose).
    public var maxRestarts: Int = 0
    public init() {}
}

public struct Shutdown: Sendable, Equatable {
    /// A signal number; names (`TERM`, `SIGTERM`, …) are accepted in the file.
    public var signal: Int32 = 15
    public var timeoutSeconds: Int = 10
    public init() {}
}

public struct ProcessExtras: Sendable, Equatable {
    /// Run by `/bin/sh -c` once, before the process's first start on a fresh state dir.
    public var seed: String?
    /// The restart backoff doubles from `availability.backoff_seconds` up to this cap.
    public var backoffMaxSeconds: Int = 30
    /// After running this long without exiting, a process's backoff starts over from `backoff_seconds`.
    public var stableSeconds: Int = 30
    public init(seed: String? = nil) { self.seed = seed }
}

/// The top-level `x-stackctl` block.
public struct StackctlSettings: Sendable, Equatable {
    public var identity: DevIdentity?
    public var registration: Registration?
    /// Process name → the env variable holding its port and the port used when none is chosen.
    public var ports: [String: PortSetting] = [:]
    /// Claim names for decoding `TAIS_JWT`.
    public var claims = ClaimNames()
    public init() {}
}

public struct DevIdentity: Sendable, Equatable {
    public var tenant: String
    public var user: String
    public var email: String?
    public var groups: [String] = []
    public var roles: [String] = []
    public var ttlSeconds: Int = 3600
    /// Granted to the tenant on a fresh state dir (fake-tais `/_fake/grants`); 0: none.
    public var startingCredits: Double = 0
    public init(tenant: String, user: String) {
        self.tenant = tenant
        self.user = user
    }
}

public struct Registration: Sendable, Equatable {
    public var toolName: String
    /// The process whose URL is registered as the tool.
    public var toolProcess: String
    public var path: String = "/mcp"
    public var renewAtFraction: Double = 0.8
    public var jitterFraction: Double = 0.1
    /// How often the registration is checked (a 404 means TAIS dropped it: renew at once).
    public var checkSeconds: Int = 2
    public init(toolName: String, toolProcess: String) {
        self.toolName = toolName
        self.toolProcess = toolProcess
    }
}

public struct PortSetting: Sendable, Equatable {
    public var env: String
    public var defaultPort: Int
    /// The variable carrying the process's base URL (`http://127.0.0.1:PORT`). When it is already set in
    /// stackctl's environment, the process is external (a real service): stackctl neither starts nor seeds it.
    public var urlEnv: String?
    public init(env: String, defaultPort: Int, urlEnv: String? = nil) {
        self.env = env
        self.defaultPort = defaultPort
        self.urlEnv = urlEnv
    }
}

/// Which JWT claims carry the identity when stackctl decodes a given `TAIS_JWT`.
public struct ClaimNames: Sendable, Equatable {
    public var tenant = "tenant_id"
    public var user = "sub"
    public var groups = "groups"
    public var roles = "roles"
    public init() {}
}

/// One problem in the stack file: `FILE:LINE: key.path: message`.
public struct StackFileIssue: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var path: String
    public var message: String

    public init(file: String, line: Int, path: String, message: String) {
        self.file = file
        self.line = line
        self.path = path
        self.message = message
    }

    public var description: String { "\(file):\(line): \(path): \(message)" }
}

/// Every problem found, in file order.
public struct StackFileInvalid: Error, Sendable, Equatable, CustomStringConvertible {
    public var issues: [StackFileIssue]
    public init(issues: [StackFileIssue]) { self.issues = issues }
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
