import Foundation
import Yams

extension StackFile {
    /// Reads and validates the stack file at `path`; problems are reported against `path` as given.
    public static func load(path: String) throws -> StackFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw StackFileInvalid(issues: [StackFileIssue(file: path, line: 0, path: "(file)", message: "cannot read: \(error.localizedDescription)")])
        }
        return try parse(text, file: path)
    }

    /// Parses and validates stack-file YAML. Every problem found is reported, each with its key path and line.
    public static func parse(_ yaml: String, file: String = "compose/stack.yaml") throws(StackFileInvalid) -> StackFile {
        var parser = StackFileParser(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw StackFileInvalid(issues: [parser.syntaxIssue(error)])
        }
        let stack = parser.stackFile(root)
        if !parser.issues.isEmpty {
            // By line; problems on one line keep the order they were found in.
            let ordered = parser.issues.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
            throw StackFileInvalid(issues: ordered.map(\.element))
        }
        return stack
    }
}

/// A node with where it sits: its key path and the line of its key (or of itself).
private struct Located {
    var node: Node
    var path: String
    var line: Int

    func child(_ key: String, _ node: Node, keyLine: Int) -> Located {
        Located(node: node, path: path.isEmpty ? key : "\(path).\(key)", line: keyLine)
    }
}

private struct StackFileParser {
    let file: String
    var issues: [StackFileIssue] = []

    init(file: String) { self.file = file }

    mutating func fail(_ at: Located, _ message: String) {
        issues.append(StackFileIssue(file: file, line: at.line, path: at.path.isEmpty ? "(root)" : at.path, message: message))
    }

    func syntaxIssue(_ error: any Error) -> StackFileIssue {
        var line = 0
        var problem = "\(error)"
        if let yaml = error as? YamlError {
            switch yaml {
            case let .scanner(_, p, mark, _), let .parser(_, p, mark, _), let .composer(_, p, mark, _):
                line = mark.line
                problem = p
            case let .duplicatedKeysInMapping(duplicates, context):
                line = context.mark.line
                let keys = duplicates.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
                return StackFileIssue(file: file, line: line, path: "(yaml)", message: "duplicate key \(keys)")
            default: break
            }
        }
        return StackFileIssue(file: file, line: line, path: "(yaml)", message: "not valid YAML: \(problem)")
    }

    // MARK: shapes

    /// The entries of a mapping, in file order, after checking for duplicate keys and unknown keys
    /// (`allowed` nil means any key; keys starting with `x-` are always allowed and skipped, except `keep`).
    mutating func entries(_ at: Located, allowed: Set<String>?, keep: Set<String> = []) -> [(String, Located)]? {
        guard case let .mapping(mapping) = at.node else {
            fail(at, "must be a mapping, got \(describe(at.node))")
            return nil
        }
        var seen: Set<String> = []
        var out: [(String, Located)] = []
        for (keyNode, value) in mapping {
            let keyLine = keyNode.mark?.line ?? at.line
            guard case let .scalar(keyScalar) = keyNode else {
                fail(Located(node: keyNode, path: at.path, line: keyLine), "keys must be strings")
                continue
            }
            let key = keyScalar.string
            let child = at.child(key, value, keyLine: keyLine)
            if !seen.insert(key).inserted {
                fail(child, "duplicate key")
                continue
            }
            if key.hasPrefix("x-") && !keep.contains(key) { continue }
            if let allowed, !allowed.contains(key), !keep.contains(key) {
                fail(child, "unknown key")
                continue
            }
            out.append((key, child))
        }
        return out
    }

    func isNull(_ node: Node) -> Bool {
        guard case let .scalar(scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case let .scalar(scalar):
            if isNull(node) { return "null" }
            return "\"\(scalar.string)\""
        }
    }

    mutating func string(_ at: Located) -> String? {
        guard case let .scalar(scalar) = at.node, !isNull(at.node) else {
            fail(at, "must be a string, got \(describe(at.node))")
            return nil
        }
        return scalar.string
    }

    mutating func nonEmptyString(_ at: Located) -> String? {
        guard let value = string(at) else { return nil }
        if value.trimmingCharacters(in: .whitespaces).isEmpty {
            fail(at, "must not be empty")
            return nil
        }
        return value
    }

    mutating func int(_ at: Located) -> Int? {
        guard case let .scalar(scalar) = at.node, scalar.style == .plain, let value = Int(scalar.string) else {
            fail(at, "must be a whole number, got \(describe(at.node))")
            return nil
        }
        return value
    }

    mutating func int(_ at: Located, min: Int, what: String) -> Int? {
        guard let value = int(at) else { return nil }
        if value < min {
            fail(at, "must be \(what), got \(value)")
            return nil
        }
        return value
    }

    mutating func positive(_ at: Located) -> Int? { int(at, min: 1, what: "positive") }
    mutating func nonNegative(_ at: Located) -> Int? { int(at, min: 0, what: "0 or more") }

    /// A finite number (whole or decimal) of at least `min`.
    mutating func number(_ at: Located, min: Double, what: String) -> Double? {
        guard case let .scalar(scalar) = at.node, scalar.style == .plain, let value = Double(scalar.string), value.isFinite else {
            fail(at, "must be a number, got \(describe(at.node))")
            return nil
        }
        if value < min {
            fail(at, "must be \(what), got \(scalar.string)")
            return nil
        }
        return value
    }

    mutating func fraction(_ at: Located) -> Double? {
        guard case let .scalar(scalar) = at.node, scalar.style == .plain, let value = Double(scalar.string) else {
            fail(at, "must be a number, got \(describe(at.node))")
            return nil
        }
        guard value > 0, value < 1 else {
            fail(at, "must be between 0 and 1 (exclusive), got \(scalar.string)")
            return nil
        }
        return value
    }

    mutating func bool(_ at: Located) -> Bool? {
        if case let .scalar(scalar) = at.node, scalar.style == .plain {
            if scalar.string == "true" { return true }
            if scalar.string == "false" { return false }
        }
        fail(at, "must be true or false, got \(describe(at.node))")
        return nil
    }

    mutating func port(_ at: Located) -> Int? {
        guard let value = int(at) else { return nil }
        guard (0...65535).contains(value) else {
            fail(at, "must be a port between 0 and 65535, got \(value)")
            return nil
        }
        return value
    }

    mutating func portValue(_ at: Located) -> PortValue? {
        if case let .scalar(scalar) = at.node, scalar.string.hasPrefix("${") {
            let name = String(scalar.string.dropFirst(2).dropLast())
            if scalar.string.hasSuffix("}"), isEnvName(name) { return .variable(name) }
            fail(at, "must be a port between 0 and 65535 or a ${VARIABLE}, got \(describe(at.node))")
            return nil
        }
        return port(at).map(PortValue.number)
    }

    mutating func stringList(_ at: Located) -> [String]? {
        guard case let .sequence(sequence) = at.node else {
            fail(at, "must be a list, got \(describe(at.node))")
            return nil
        }
        var out: [String] = []
        for (index, item) in sequence.enumerated() {
            let itemAt = Located(node: item, path: "\(at.path)[\(index)]", line: item.mark?.line ?? at.line)
            if let value = string(itemAt) { out.append(value) }
        }
        return out
    }

    mutating func oneOf<T: RawRepresentable & CaseIterable>(_ at: Located, _: T.Type) -> T? where T.RawValue == String {
        guard case let .scalar(scalar) = at.node, !isNull(at.node) else {
            fail(at, "must be \(choices(T.self)), got \(describe(at.node))")
            return nil
        }
        guard let value = T(rawValue: scalar.string) else {
            fail(at, "must be \(choices(T.self)), got \"\(scalar.string)\"")
            return nil
        }
        return value
    }

    func choices<T: RawRepresentable & CaseIterable>(_: T.Type) -> String where T.RawValue == String {
        let names = T.allCases.map(\.rawValue)
        if names.count <= 2 { return names.joined(separator: " or ") }
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    func isEnvName(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { ($0.isLetter || $0.isNumber || $0 == "_") && $0.isASCII }
    }

    mutating func require(_ at: Located, _ key: String, in fields: [String: Located]) -> Located? {
        if let found = fields[key] { return found }
        fail(at.child(key, at.node, keyLine: at.line), "required")
        return nil
    }

    // MARK: the file

    mutating func stackFile(_ root: Node?) -> StackFile {
        let rootAt = Located(node: root ?? Node(""), path: "", line: root?.mark?.line ?? 1)
        guard case .mapping = root else {
            fail(rootAt, "the stack file must be a mapping with a processes key")
            return StackFile(processes: [:])
        }
        guard let top = entries(rootAt, allowed: ["processes"], keep: ["x-stackctl"]) else { return StackFile(processes: [:]) }
        let fields = Dictionary(top, uniquingKeysWith: { first, _ in first })
        var processes: [String: StackProcess] = [:]
        var processLines: [String: Located] = [:]
        if let processesAt = require(rootAt, "processes", in: fields),
           let list = entries(processesAt, allowed: nil) {
            if list.isEmpty { fail(processesAt, "must define at least one process") }
            for (name, at) in list {
                processLines[name] = at
                if let process = process(name, at) { processes[name] = process }
            }
        }
        var settings = StackctlSettings()
        if let extrasAt = fields["x-stackctl"] { settings = stackctl(extrasAt) }

        validateDependencies(processes, processLines)
        validateReferences(settings, fields["x-stackctl"], processes)
        return StackFile(processes: processes, stackctl: settings)
    }

    mutating func process(_ name: String, _ at: Located) -> StackProcess? {
        let allowed: Set<String> = ["command", "working_dir", "environment", "depends_on", "readiness_probe",
                                    "availability", "shutdown", "disabled"]
        guard let list = entries(at, allowed: allowed, keep: ["x-stackctl"]) else { return nil }
        let fields = Dictionary(list, uniquingKeysWith: { first, _ in first })
        var valid = true
        var command = ""
        if let commandAt = require(at, "command", in: fields) {
            if let value = nonEmptyString(commandAt) { command = value } else { valid = false }
        } else {
            valid = false
        }
        var process = StackProcess(name: name, command: command)
        if let dirAt = fields["working_dir"] { process.workingDir = nonEmptyString(dirAt) }
        if let envAt = fields["environment"], let lines = stringList(envAt) {
            guard case let .sequence(sequence) = envAt.node else { return nil }
            for (index, line) in lines.enumerated() {
                let itemAt = Located(node: sequence[index], path: "\(envAt.path)[\(index)]", line: sequence[index].mark?.line ?? envAt.line)
                guard let eq = line.firstIndex(of: "="), isEnvName(String(line[..<eq])) else {
                    fail(itemAt, "must be KEY=VALUE, got \"\(line)\"")
                    continue
                }
                process.environment.append(EnvironmentEntry(key: String(line[..<eq]), value: String(line[line.index(after: eq)...])))
            }
        }
        if let depsAt = fields["depends_on"], let deps = entries(depsAt, allowed: nil) {
            for (dependency, depAt) in deps {
                guard let conditionFields = entries(depAt, allowed: ["condition"]) else { continue }
                let byKey = Dictionary(conditionFields, uniquingKeysWith: { first, _ in first })
                if let conditionAt = require(depAt, "condition", in: byKey),
                   let condition = oneOf(conditionAt, DependencyCondition.self) {
                    process.dependsOn[dependency] = condition
                }
            }
        }
        if let probeAt = fields["readiness_probe"] { process.readinessProbe = probe(probeAt) }
        if let availabilityAt = fields["availability"] { process.availability = availability(availabilityAt) }
        if let shutdownAt = fields["shutdown"] { process.shutdown = shutdown(shutdownAt) }
        if let disabledAt = fields["disabled"], let disabled = bool(disabledAt) { process.disabled = disabled }
        if let extrasAt = fields["x-stackctl"] { process.extras = processExtras(extrasAt) }
        return valid ? process : nil
    }

    mutating func probe(_ at: Located) -> ReadinessProbe? {
        let allowed: Set<String> = ["http_get", "initial_delay_seconds", "period_seconds", "timeout_seconds", "failure_threshold"]
        guard let list = entries(at, allowed: allowed) else { return nil }
        let fields = Dictionary(list, uniquingKeysWith: { first, _ in first })
        // Every field is checked even when an earlier one is wrong, so all problems are reported at once.
        var probe = ReadinessProbe(port: .number(0))
        var complete = false
        if let httpAt = require(at, "http_get", in: fields),
           let httpList = entries(httpAt, allowed: ["host", "port", "path", "scheme"]) {
            let http = Dictionary(httpList, uniquingKeysWith: { first, _ in first })
            if let portAt = require(httpAt, "port", in: http), let port = portValue(portAt) {
                probe.port = port
                complete = true
            }
            httpGet(http, into: &probe)
        }
        if let valueAt = fields["initial_delay_seconds"], let value = nonNegative(valueAt) { probe.initialDelaySeconds = value }
        if let valueAt = fields["period_seconds"], let value = positive(valueAt) { probe.periodSeconds = value }
        if let valueAt = fields["timeout_seconds"], let value = positive(valueAt) { probe.timeoutSeconds = value }
        if let valueAt = fields["failure_threshold"], let value = positive(valueAt) { probe.failureThreshold = value }
        return complete ? probe : nil
    }

    mutating func httpGet(_ http: [String: Located], into probe: inout ReadinessProbe) {
        if let hostAt = http["host"], let host = nonEmptyString(hostAt) { probe.host = host }
        if let pathAt = http["path"], let path = string(pathAt) {
            if path.hasPrefix("/") { probe.path = path } else { fail(pathAt, "must start with /, got \"\(path)\"") }
        }
        if let schemeAt = http["scheme"], let scheme = string(schemeAt) {
            if scheme == "http" || scheme == "https" { probe.scheme = scheme } else { fail(schemeAt, "must be http or https, got \"\(scheme)\"") }
        }
    }

    mutating func availability(_ at: Located) -> Availability {
        var availability = Availability()
        guard let list = entries(at, allowed: ["restart", "backoff_seconds", "max_restarts"]) else { return availability }
        let fields = Dictionary(list, uniquingKeysWith: { first, _ in first })
        if let restartAt = fields["restart"], let restart = oneOf(restartAt, RestartPolicy.self) { availability.restart = restart }
        if let valueAt = fields["backoff_seconds"], let value = nonNegative(valueAt) { availability.backoffSeconds = value }
        if let valueAt = fields["max_restarts"], let value = nonNegative(valueAt) { availability.maxRestarts = value }
        return availability
    }

    mutating func processExtras(_ at: Located) -> ProcessExtras {
        var extras = ProcessExtras()
        guard let list = entries(at, allowed: ["seed", "backoff_max_seconds", "stable_seconds"]) else { return extras }
        let fields = Dictionary(list, uniquingKeysWith: { first, _ in first })
        if let seedAt = fields["seed"] { extras.seed = nonEmptyString(seedAt) }
        if let valueAt = fields["backoff_max_seconds"], let value = nonNegative(valueAt) { extras.backoffMaxSeconds = value }
        if let valueAt = fields["stable_seconds"], let value = nonNegative(valueAt) { extras.stableSeconds = value }
        return extras
    }

    static let signals: [String: Int32] = ["HUP": 1, "INT": 2, "QUIT": 3, "KILL": 9, "USR1": 10, "USR2": 12, "TERM": 15]

    mutating func shutdown(_ at: Located) -> Shutdown {
        var shutdown = Shutdown()
        guard let list = entries(at, allowed: ["signal", "timeout_seconds"]) else { return shutdown }
        let fields = Dictionary(list, uniquingKeysWith: { first, _ in first })
        if let signalAt = fields["signal"], case let .scalar(scalar) = signalAt.node {
            let text = scalar.string.uppercased()
            let name = text.hasPrefix("SIG") ? String(text.dropFirst(3)) : text
            if let number = Int32(scalar.string), (1...64).contains(number) {
                shutdown.signal = number
            } else if let number = Self.signals[name] {
                shutdown.signal = number
            } else {
                fail(signalAt, "must be a signal number (1-64) or one of TERM, INT, HUP, QUIT, KILL, USR1, USR2, got \(describe(signalAt.node))")
            }
        } else if let signalAt = fields["signal"] {
            fail(signalAt, "must be a signal number or name, got \(describe(signalAt.node))")
        }
        if let valueAt = fields["timeout_seconds"], let value = positive(valueAt) { shutdown.timeoutSeconds = value }
        return shutdown
    }

    // MARK: x-stackctl

    mutating func stackctl(_ at: Located) -> StackctlSettings {
        var settings = StackctlSettings()
        guard let list = entries(at, allowed: ["identity", "registration", "ports", "claims"]) else { return settings }
        let fields = Dictionary(list, uniquingKeysWith: { first, _ in first })
        if let identityAt = fields["identity"] { settings.identity = identity(identityAt) }
        if let registrationAt = fields["registration"] { settings.registration = registration(registrationAt) }
        if let portsAt = fields["ports"], let ports = entries(portsAt, allowed: nil) {
            for (name, portAt) in ports {
                guard let portFields = entries(portAt, allowed: ["env", "default", "url_env"]) else { continue }
                let byKey = Dictionary(portFields, uniquingKeysWith: { first, _ in first })
                let envAt = require(portAt, "env", in: byKey)
                let defaultAt = require(portAt, "default", in: byKey)
                // Each field is checked even when another is wrong, so all problems are reported at once.
                var env: String?
                if let envAt { env = envName(envAt) }
                var defaultPort: Int?
                if let defaultAt { defaultPort = port(defaultAt) }
                var urlEnv: String?
                var urlEnvValid = true
                if let urlEnvAt = byKey["url_env"] {
                    urlEnv = envName(urlEnvAt)
                    if let urlEnv, urlEnv == env {
                        fail(urlEnvAt, "must differ from env, got \"\(urlEnv)\"")
                    }
                    urlEnvValid = urlEnv != nil && urlEnv != env
                }
                guard let env, let defaultPort, urlEnvValid else { continue }
                settings.ports[name] = PortSetting(env: env, defaultPort: defaultPort, urlEnv: urlEnv)
            }
        }
        if let claimsAt = fields["claims"] { settings.claims = claims(claimsAt) }
        return settings
    }

    /// A string that is an environment variable name.
    mutating func envName(_ at: Located) -> String? {
        guard let value = string(at) else { return nil }
        guard isEnvName(value) else {
            fail(at, "must be an environment variable name, got \"\(value)\"")
            return nil
        }
        return value
    }

    mutating func claims(_ at: Located) -> ClaimNames {
        var claims = ClaimNames()
        guard let list = entries(at, allowed: ["tenant", "user", "groups", "roles"]) else { return claims }
        let fields = Dictionary(list, uniquingKeysWith: { first, _ in first })
        if let valueAt = fields["tenant"], let value = nonEmptyString(valueAt) { claims.tenant = value }
        if let valueAt = fields["user"], let value = nonEmptyString(valueAt) { claims.user = value }
        if let valueAt = fields["groups"], let value = nonEmptyString(valueAt) { claims.groups = value }
        if let valueAt = fields["roles"], let value = nonEmptyString(valueAt) { claims.roles = value }
        return claims
    }

    mutating func identity(_ at: Located) -> DevIdentity? {
        let allowed: Set<String> = ["tenant", "user", "email", "groups", "roles", "ttlSeconds", "startingCredits"]
        guard let list = entries(at, allowed: allowed) else { return nil }
        let fields = Dictionary(list, uniquingKeysWith: { first, _ in first })
        let tenantAt = require(at, "tenant", in: fields)
        let userAt = require(at, "user", in: fields)
        guard let tenantAt, let userAt, let tenant = nonEmptyString(tenantAt), let user = nonEmptyString(userAt) else { return nil }
        var identity = DevIdentity(tenant: tenant, user: user)
        if let emailAt = fields["email"] { identity.email = nonEmptyString(emailAt) }
        if let groupsAt = fields["groups"], let groups = stringList(groupsAt) { identity.groups = groups }
        if let rolesAt = fields["roles"], let roles = stringList(rolesAt) { identity.roles = roles }
        if let ttlAt = fields["ttlSeconds"], let ttl = positive(ttlAt) { identity.ttlSeconds = ttl }
        if let creditsAt = fields["startingCredits"], let credits = number(creditsAt, min: 0, what: "0 or more") {
            identity.startingCredits = credits
        }
        return identity
    }

    mutating func registration(_ at: Located) -> Registration? {
        let allowed: Set<String> = ["toolName", "toolProcess", "path", "renewAtFraction", "jitterFraction", "checkSeconds"]
        guard let list = entries(at, allowed: allowed) else { return nil }
        let fields = Dictionary(list, uniquingKeysWith: { first, _ in first })
        let nameAt = require(at, "toolName", in: fields)
        let processAt = require(at, "toolProcess", in: fields)
        guard let nameAt, let processAt, let name = nonEmptyString(nameAt), let process = nonEmptyString(processAt) else { return nil }
        var registration = Registration(toolName: name, toolProcess: process)
        if let pathAt = fields["path"], let path = string(pathAt) {
            if path.hasPrefix("/") { registration.path = path } else { fail(pathAt, "must start with /, got \"\(path)\"") }
        }
        if let valueAt = fields["renewAtFraction"], let value = fraction(valueAt) { registration.renewAtFraction = value }
        if let valueAt = fields["jitterFraction"], let value = fraction(valueAt) { registration.jitterFraction = value }
        if let valueAt = fields["checkSeconds"], let value = positive(valueAt) { registration.checkSeconds = value }
        return registration
    }

    // MARK: cross-checks

    /// Every `depends_on` names a defined, enabled process; no cycles.
    mutating func validateDependencies(_ processes: [String: StackProcess], _ lines: [String: Located]) {
        func dependencyAt(_ name: String, _ dependency: String) -> Located {
            guard let processAt = lines[name], case let .mapping(mapping) = processAt.node,
                  let deps = mapping.first(where: { $0.key.string == "depends_on" }),
                  case let .mapping(depMapping) = deps.value,
                  let entry = depMapping.first(where: { $0.key.string == dependency }) else {
                return Located(node: Node(""), path: "processes.\(name).depends_on.\(dependency)", line: lines[name]?.line ?? 0)
            }
            return Located(node: entry.value, path: "processes.\(name).depends_on.\(dependency)", line: entry.key.mark?.line ?? 0)
        }
        for name in processes.keys.sorted() {
            let process = processes[name]!
            for dependency in process.dependsOn.keys.sorted() {
                if dependency == name {
                    fail(dependencyAt(name, dependency), "a process cannot depend on itself")
                } else if let target = processes[dependency] {
                    if target.disabled && !process.disabled {
                        fail(dependencyAt(name, dependency), "\"\(dependency)\" is disabled")
                    }
                } else if lines[dependency] == nil {
                    fail(dependencyAt(name, dependency), "no process named \"\(dependency)\"")
                }
            }
        }
        // Cycles: depth-first search in alphabetical order, each cycle reported once at its first edge.
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var stack: [String] = []
        func visit(_ name: String) {
            state[name] = 1
            stack.append(name)
            for dependency in (processes[name]?.dependsOn.keys.sorted() ?? []) where dependency != name && processes[dependency] != nil {
                switch state[dependency] {
                case 1:
                    let start = stack.firstIndex(of: dependency)!
                    let cycle = stack[start...] + [dependency]
                    let at = dependencyAt(cycle[cycle.startIndex], cycle[cycle.startIndex + 1])
                    fail(at, "dependency cycle: \(cycle.joined(separator: " -> "))")
                case 2: break
                default: visit(dependency)
                }
            }
            stack.removeLast()
            state[name] = 2
        }
        for name in processes.keys.sorted() where state[name] == nil { visit(name) }
    }

    /// `x-stackctl.ports` and `x-stackctl.registration.toolProcess` name defined processes.
    mutating func validateReferences(_ settings: StackctlSettings, _ at: Located?, _ processes: [String: StackProcess]) {
        guard let at, case let .mapping(mapping) = at.node else { return }
        if let ports = mapping.first(where: { $0.key.string == "ports" }), case let .mapping(portMapping) = ports.value {
            for (key, _) in portMapping {
                guard let name = key.string, processes[name] == nil, !name.hasPrefix("x-") else { continue }
                fail(Located(node: key, path: "x-stackctl.ports.\(name)", line: key.mark?.line ?? at.line), "no process named \"\(name)\"")
            }
        }
        if let registration = settings.registration, processes[registration.toolProcess] == nil,
           let reg = mapping.first(where: { $0.key.string == "registration" }), case let .mapping(regMapping) = reg.value,
           let entry = regMapping.first(where: { $0.key.string == "toolProcess" }) {
            fail(Located(node: entry.value, path: "x-stackctl.registration.toolProcess", line: entry.key.mark?.line ?? at.line),
                 "no process named \"\(registration.toolProcess)\"")
        }
    }
}
