import Foundation

/// The stack file resolved for one run: a port (or an external URL) for every process, every `${…}`
/// substituted, and the variables other tools get from `stackctl env`.
public struct StackPlan: Sendable {
    public struct Options: Sendable {
        public var stateDirectory: URL
        /// Where the stack's executables are (`${BIN}`).
        public var binDirectory: String
        public var ephemeralPorts: Bool
        /// stackctl's environment: inherited by every child, consulted for `${…}` and for overrides
        /// (`OPENMETER_PORT=…`, `OPENMETER_URL=…` for a real service).
        public var environment: [String: String]
        public var workingDirectory: String

        public init(stateDirectory: URL, binDirectory: String, ephemeralPorts: Bool, environment: [String: String],
                    workingDirectory: String) {
            self.stateDirectory = stateDirectory
            self.binDirectory = binDirectory
            self.ephemeralPorts = ephemeralPorts
            self.environment = environment
            self.workingDirectory = workingDirectory
        }
    }

    public var file: StackFile
    public var processes: [String: ResolvedProcess]
    /// BIN, STATE_DIR, every port variable and every URL variable.
    public var variables: [String: String]

    public static func resolve(_ file: StackFile, options: Options, pickPort: () throws -> Int) throws(SupervisorFailure) -> StackPlan {
        var variables = ["BIN": options.binDirectory, "STATE_DIR": options.stateDirectory.path]
        var ports: [String: Int] = [:]
        var urls: [String: String] = [:]
        var external: Set<String> = []
        for name in file.processes.keys.sorted() {
            guard let setting = file.stackctl.ports[name] else { continue }
            if let urlEnv = setting.urlEnv, let given = options.environment[urlEnv], !given.isEmpty {
                external.insert(name)
                let trimmed = given.hasSuffix("/") ? String(given.dropLast()) : given
                urls[name] = trimmed
                variables[urlEnv] = trimmed
                continue
            }
            let port: Int
            if options.ephemeralPorts {
                do { port = try pickPort() } catch {
                    throw SupervisorFailure("cannot pick a free port for \(name): \(error)", exitCode: 3)
                }
            } else if let given = options.environment[setting.env], !given.isEmpty {
                guard let value = Int(given), (1...65535).contains(value) else {
                    throw .usage("\(setting.env)=\(given) is not a port (1-65535)")
                }
                port = value
            } else {
                port = setting.defaultPort
            }
            ports[name] = port
            variables[setting.env] = String(port)
            let url = "http://127.0.0.1:\(port)"
            urls[name] = url
            if let urlEnv = setting.urlEnv { variables[urlEnv] = url }
        }
        let lookup = options.environment.merging(variables) { _, ours in ours }

        var processes: [String: ResolvedProcess] = [:]
        for (name, process) in file.processes where !process.disabled {
            if external.contains(name) {
                processes[name] = ResolvedProcess(
                    name: name, command: "", environment: [:], workingDirectory: nil, probe: nil,
                    availability: process.availability, shutdown: process.shutdown, extras: ProcessExtras(),
                    dependsOn: [:], url: urls[name], port: nil, external: true)
                continue
            }
            func substitute(_ text: String, _ key: String) throws(SupervisorFailure) -> String {
                do { return try Substitution.apply(text, variables: lookup) } catch {
                    throw .usage("processes.\(name).\(key): unknown variable ${\(error.variable)} (not a port or URL of the stack file and not in the environment)")
                }
            }
            var environment = options.environment
            for entry in process.environment {
                environment[entry.key] = try substitute(entry.value, "environment.\(entry.key)")
            }
            var probe: HealthProbe?
            if let readiness = process.readinessProbe {
                let port: String
                switch readiness.port {
                case let .number(number): port = String(number)
                case let .variable(variable):
                    guard let value = lookup[variable], Int(value) != nil else {
                        throw .usage("processes.\(name).readiness_probe.http_get.port: ${\(variable)} is not a port of the stack file")
                    }
                    port = value
                }
                probe = HealthProbe(
                    url: "\(readiness.scheme)://\(readiness.host):\(port)\(readiness.path)",
                    timeout: .seconds(readiness.timeoutSeconds), period: .seconds(readiness.periodSeconds),
                    failureThreshold: readiness.failureThreshold, initialDelay: .seconds(readiness.initialDelaySeconds))
            }
            var extras = process.extras
            if let seed = extras.seed { extras.seed = try substitute(seed, "x-stackctl.seed") }
            processes[name] = ResolvedProcess(
                name: name, command: try substitute(process.command, "command"), environment: environment,
                workingDirectory: try process.workingDir.map { dir throws(SupervisorFailure) in try substitute(dir, "working_dir") },
                probe: probe, availability: process.availability, shutdown: process.shutdown, extras: extras,
                dependsOn: process.dependsOn, url: urls[name], port: ports[name], external: external.contains(name))
        }
        return StackPlan(file: file, processes: processes, variables: variables)
    }

    /// The processes stackctl starts itself.
    public var started: [ResolvedProcess] { processes.values.filter { !$0.external }.sorted { $0.name < $1.name } }
}
