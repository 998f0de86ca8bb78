import Foundation
import StackScenarios
import Testing

@Suite struct ScenarioCatalogTests {
    static func directory(_ files: [String: String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return url
    }

    static func scenario(_ name: String, steps: Int = 1) -> String {
        "name: \(name)\ndescription: about \(name)\nsteps:\n"
            + (1...steps).map { "  - name: s\($0)\n    request: {service: tais, path: /}\n" }.joined()
    }

    @Test func listsSummariesSortedByNameAndLoadsByName() throws {
        let url = try Self.directory(["b-two.yaml": Self.scenario("b-two", steps: 2), "a-one.yaml": Self.scenario("a-one"),
                                      "notes.txt": "not a scenario"])
        defer { try? FileManager.default.removeItem(at: url) }
        let catalog = ScenarioCatalog(directory: url)
        #expect(try catalog.summaries() == [
            ScenarioSummary(name: "a-one", description: "about a-one", steps: 1),
            ScenarioSummary(name: "b-two", description: "about b-two", steps: 2),
        ])
        #expect(try catalog.load("b-two").steps.count == 2)
    }

    @Test func anUnknownNameListsTheKnownOnes() throws {
        let url = try Self.directory(["a-one.yaml": Self.scenario("a-one")])
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ScenarioError.notFound("nope", available: ["a-one"])) { try ScenarioCatalog(directory: url).load("nope") }
        #expect(ScenarioError.notFound("nope", available: ["a-one"]).description == "no scenario named \"nope\" (known: a-one)")
    }

    @Test func aBrokenFileFailsTheListNamingIt() throws {
        let url = try Self.directory(["a-one.yaml": Self.scenario("a-one"), "b-bad.yaml": Self.scenario("b-good")])
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try ScenarioCatalog(directory: url).summaries()
            Issue.record("listed a broken file")
        } catch let error as ScenarioError {
            guard case .invalid(let file, let problems) = error else { Issue.record("\(error)"); return }
            #expect(file.hasSuffix("b-bad.yaml"))
            #expect(problems.first?.message.contains("the file is b-bad.yaml") == true)
        }
    }

    @Test func aMissingDirectoryIsUnreadable() {
        let catalog = ScenarioCatalog(directory: URL(fileURLWithPath: "/nonexistent/scenarios"))
        #expect { try catalog.summaries() } throws: { error in
            guard case .unreadable(let path, _)? = error as? ScenarioError else { return false }
            return path == "/nonexistent/scenarios"
        }
    }
}

@Suite struct ScenarioEnvironmentTests {
    @Test func mapsTheStackEnvToServicesAndBuiltIns() {
        let environment = ScenarioEnvironment(
            stackEnv: [
                "OPENMETER_URL": "http://127.0.0.1:8888/", "OPENMETER_API_KEY": "om-key", "TAIS_URL": "http://127.0.0.1:8081",
                "STRIPE_URL": "http://127.0.0.1:12111", "MCP_URL": "http://127.0.0.1:8765/mcp", "TAIS_JWT": "jwt",
                "TAIS_SESSION_ID": "ses", "TAIS_TOOL_ID": "tool",
            ],
            controlURL: "http://127.0.0.1:8700", controlToken: "ctl", tenant: nil)
        #expect(environment.services == [
            "openmeter": "http://127.0.0.1:8888", "tais": "http://127.0.0.1:8081", "stripe": "http://127.0.0.1:12111",
            "mcp": "http://127.0.0.1:8765", "stackctl": "http://127.0.0.1:8700",
        ])
        #expect(environment.variables["mcp_url"] == "http://127.0.0.1:8765/mcp")
        #expect(environment.variables["openmeter_url"] == "http://127.0.0.1:8888")
        #expect(environment.variables["stackctl_url"] == "http://127.0.0.1:8700")
        #expect(environment.variables["tenant"] == "tenant-01")
        #expect(environment.variables["tais_jwt"] == "jwt")
        #expect(environment.variables["session_id"] == "ses")
        #expect(environment.variables["tool_id"] == "tool")
        #expect(environment.variables["openmeter_key"] == "om-key")
        #expect(environment.variables["control_token"] == "ctl")
        #expect(environment.variables["stripe_key"]?.hasPrefix("sk_test_") == true)
    }

    @Test func aServiceCanBeSentElsewhere() {
        var environment = ScenarioEnvironment(stackEnv: ["TAIS_URL": "http://127.0.0.1:8081", "MCP_URL": "http://127.0.0.1:8765/mcp"],
                                              controlURL: "http://127.0.0.1:8700", controlToken: "", tenant: "acme")
        environment.override(service: "tais", url: "http://127.0.0.1:9999/")
        environment.override(service: "mcp", url: "http://127.0.0.1:7777")
        #expect(environment.services["tais"] == "http://127.0.0.1:9999")
        #expect(environment.variables["tais_url"] == "http://127.0.0.1:9999")
        #expect(environment.variables["mcp_url"] == "http://127.0.0.1:7777/mcp")
        #expect(environment.variables["tenant"] == "acme")
    }
}

@Suite struct ScenarioConsoleReportTests {
    @Test func linesReadAsTheContractShowsThem() {
        let passed = ScenarioStepReport(index: 2, name: "pay with 4242", status: "passed", detail: "HTTP 200", durationMs: 35.2, cleanup: false)
        let failed = ScenarioStepReport(index: 3, name: "wait for the credit", status: "failed",
                                        detail: "expected balanceCredits = 2000,\ngot 3000", durationMs: 20_000, cleanup: false)
        let skipped = ScenarioStepReport(index: 4, name: "receipt", status: "skipped", detail: nil, durationMs: nil, cleanup: false)
        let cleanup = ScenarioStepReport(index: 9, name: "clear faults", status: "passed", detail: nil, durationMs: 3, cleanup: true)
        #expect(ScenarioConsoleReport.line(passed, total: 9) == "PASS  2/9  pay with 4242 (35 ms)")
        #expect(ScenarioConsoleReport.line(failed, total: 9) == "FAIL  3/9  wait for the credit: expected balanceCredits = 2000, got 3000")
        #expect(ScenarioConsoleReport.line(skipped, total: 9) == "SKIP  4/9  receipt")
        #expect(ScenarioConsoleReport.line(cleanup, total: 9) == "PASS  9/9  finally: clear faults (3 ms)")
        let report = ScenarioReport(status: "passed", name: "top-up", steps: Array(repeating: passed, count: 9), durationMs: 1420)
        #expect(ScenarioConsoleReport.summary(report) == "scenario top-up: PASS (9 steps, 1.4 s)")
    }
}
