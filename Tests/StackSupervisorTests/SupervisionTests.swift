import Foundation
import Testing
@testable import StackSupervisor

/// The supervisor's pure decisions: substitution, the run plan (ports, external services), restart policy
/// and backoff, how a command is handed to the shell, and log rotation.
@Suite struct SupervisionTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func substitutionReplacesVariablesAndDefaults() throws {
        let variables = ["BIN": "/b", "PORT": "8080", "EMPTY": ""]
        #expect(try Substitution.apply("${BIN}/x --port ${PORT}", variables: variables) == "/b/x --port 8080")
        #expect(try Substitution.apply("${KEY:-dev-key}", variables: variables) == "dev-key")
        #expect(try Substitution.apply("${EMPTY:-fallback}", variables: variables) == "fallback")
        #expect(try Substitution.apply("${PORT:-1}", variables: variables) == "8080")
        #expect(try Substitution.apply("no variables, a $ sign", variables: variables) == "no variables, a $ sign")
        #expect(throws: Substitution.Unknown(variable: "MISSING")) { try Substitution.apply("a ${MISSING} b", variables: variables) }
    }

    func shippedPlan(environment: [String: String] = [:], ephemeral: Bool = false) throws -> StackPlan {
        let file = try StackFile.load(path: Self.repoRoot.appendingPathComponent("compose/stack.yaml").path)
        var next = 40000
        return try StackPlan.resolve(file, options: .init(
            stateDirectory: URL(fileURLWithPath: "/state"), binDirectory: "/bin-dir", ephemeralPorts: ephemeral,
            environment: environment, workingDirectory: "/repo"),
            pickPort: { next += 1; return next })
    }

    @Test func theShippedStackResolvesToDefaultPortsAndURLs() throws {
        let plan = try shippedPlan()
        let mcp = try #require(plan.processes["credits-mcp"])
        #expect(mcp.command == "/bin-dir/credits-mcp --download-dir /state/downloads")
        #expect(mcp.environment["MCP_PORT"] == "8765")
        #expect(mcp.environment["OPENMETER_URL"] == "http://127.0.0.1:8888")
        #expect(mcp.environment["OPENMETER_API_KEY"] == "dev-openmeter-key")
        #expect(mcp.environment["TAIS_JWKS_URL"] == "http://127.0.0.1:5001/.well-known/jwks.json")
        #expect(mcp.probe?.url == "http://127.0.0.1:8765/health")
        #expect(plan.processes["fake-openmeter"]?.extras.seed?.hasPrefix("/bin-dir/fake-openmeter seed --data /state/openmeter.sqlite") == true)
        #expect(plan.variables["TAIS_URL"] == "http://127.0.0.1:5001")
        #expect(plan.started.map(\.name) == ["credits-mcp", "fake-openmeter", "fake-stripe", "fake-tais"])
        #expect(plan.variables["STRIPE_URL"] == "http://127.0.0.1:12111")
        #expect(plan.processes["fake-tais"]?.environment["STRIPE_URL"] == "http://127.0.0.1:12111")
        #expect(plan.processes["fake-stripe"]?.environment["STRIPE_WEBHOOK_URL"] == "http://127.0.0.1:5001/api/v1/stripe/webhook")
    }

    @Test func ephemeralPortsAreInjectedIntoEveryDependent() throws {
        let plan = try shippedPlan(environment: ["OPENMETER_PORT": "9999"], ephemeral: true)
        let openMeterPort = try #require(plan.processes["fake-openmeter"]?.port)
        #expect(openMeterPort != 8888 && openMeterPort != 9999)
        #expect(plan.processes["fake-tais"]?.environment["OPENMETER_URL"] == "http://127.0.0.1:\(openMeterPort)")
        #expect(plan.processes["credits-mcp"]?.environment["OPENMETER_URL"] == "http://127.0.0.1:\(openMeterPort)")
        let ports = Set(plan.processes.values.compactMap(\.port))
        #expect(ports.count == 4)
    }

    @Test func aPortFromTheEnvironmentWinsOverTheDefault() throws {
        let plan = try shippedPlan(environment: ["TAIS_PORT": "6001"])
        #expect(plan.processes["fake-tais"]?.port == 6001)
        #expect(plan.processes["credits-mcp"]?.environment["TAIS_JWKS_URL"] == "http://127.0.0.1:6001/.well-known/jwks.json")
        #expect(throws: SupervisorFailure.self) { try shippedPlan(environment: ["TAIS_PORT": "seventy"]) }
    }

    @Test func aURLInTheEnvironmentMakesThatServiceExternal() throws {
        let plan = try shippedPlan(environment: ["OPENMETER_URL": "https://openmeter.example.com/", "OPENMETER_API_KEY": "om_live"])
        let openMeter = try #require(plan.processes["fake-openmeter"])
        #expect(openMeter.external)
        #expect(openMeter.url == "https://openmeter.example.com")
        #expect(!plan.started.map(\.name).contains("fake-openmeter"))
        #expect(plan.processes["credits-mcp"]?.environment["OPENMETER_URL"] == "https://openmeter.example.com")
        #expect(plan.processes["credits-mcp"]?.environment["OPENMETER_API_KEY"] == "om_live")
        #expect(plan.processes["fake-tais"]?.external == false)
    }

    @Test func anUnknownVariableNamesTheProcessAndTheVariable() throws {
        let file = try StackFile.parse("""
            processes:
              web:
                command: serve --token ${NOT_SET_ANYWHERE}
            """)
        do {
            _ = try StackPlan.resolve(file, options: .init(
                stateDirectory: URL(fileURLWithPath: "/s"), binDirectory: "/b", ephemeralPorts: false, environment: [:],
                workingDirectory: "/"), pickPort: { 1 })
            Issue.record("resolved a command with an unknown variable")
        } catch {
            #expect(error.exitCode == 2)
            #expect(error.message.contains("processes.web.command"))
            #expect(error.message.contains("${NOT_SET_ANYWHERE}"))
        }
    }

    @Test func restartPoliciesDecideOnTheExitStatus() {
        let success = ExitStatus(raw: 0)
        let failure = ExitStatus(raw: 1 << 8)
        let killed = ExitStatus(raw: 9)
        #expect(shouldRestart(.always, status: success))
        #expect(!shouldRestart(.onFailure, status: success))
        #expect(shouldRestart(.onFailure, status: failure))
        #expect(shouldRestart(.onFailure, status: killed))
        #expect(!shouldRestart(.no, status: failure))
        #expect(!shouldRestart(.exitOnFailure, status: failure))
        #expect(killed.description == "killed by signal 9 (KILL)")
        #expect(failure.description == "exited with status 1")
    }

    @Test func backoffDoublesUpToItsCap() {
        #expect(restartBackoff(attempt: 1, baseSeconds: 1, capSeconds: 30) == .seconds(1))
        #expect(restartBackoff(attempt: 2, baseSeconds: 1, capSeconds: 30) == .seconds(2))
        #expect(restartBackoff(attempt: 5, baseSeconds: 1, capSeconds: 30) == .seconds(16))
        #expect(restartBackoff(attempt: 6, baseSeconds: 1, capSeconds: 30) == .seconds(30))
        #expect(restartBackoff(attempt: 200, baseSeconds: 2, capSeconds: 30) == .seconds(30))
        #expect(restartBackoff(attempt: 3, baseSeconds: 0, capSeconds: 30) == .zero)
    }

    @Test func simpleCommandsAreExecutedInPlaceOfTheShell() {
        #expect(ChildProcess.shellCommand("/b/fake-tais --data /s/t.sqlite") == "exec /b/fake-tais --data /s/t.sqlite")
        #expect(ChildProcess.shellCommand("  A=1 /b/x  ") == "exec A=1 /b/x")
        for compound in ["a; b", "a && b", "a | b", "sleep 1 & wait", "(a)", "a > log", "echo $HOME", "a\nb"] {
            #expect(ChildProcess.shellCommand(compound) == compound)
        }
    }

    @Test func aLogRotatesAtItsLimitKeepingTheNewestFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rotation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("p.log").path
        let file = RotatingLogFile(path: path, maximumBytes: 100, kept: 2)
        for index in 0..<10 { file.write(Array(("line " + String(format: "%02d", index) + " " + String(repeating: "x", count: 40) + "\n").utf8)) }
        let current = try String(contentsOfFile: path, encoding: .utf8)
        let previous = try String(contentsOfFile: path + ".1", encoding: .utf8)
        let oldest = try String(contentsOfFile: path + ".2", encoding: .utf8)
        #expect(current.hasPrefix("line 08") && current.contains("line 09"))
        #expect(previous.hasPrefix("line 06") && previous.contains("line 07"))
        #expect(oldest.hasPrefix("line 04"))
        #expect(!FileManager.default.fileExists(atPath: path + ".3"))
        // Every line is whole: nothing is split across files.
        for text in [current, previous, oldest] {
            #expect(text.split(separator: "\n").allSatisfy { $0.count == 48 })
        }
    }
}
