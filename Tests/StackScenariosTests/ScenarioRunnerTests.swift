import Foundation
import StackScenarios
import Synchronization
import Testing

@Suite struct ScenarioRunnerTests {
    static func scenario(_ yaml: String) throws -> Scenario {
        try ScenarioParser.parse(yaml, file: "test.yaml")
    }

    /// Every report the runner passed to `progress`, in order.
    final class Progress: Sendable {
        private let reports = Mutex<[ScenarioReport]>([])
        var all: [ScenarioReport] { reports.withLock { $0 } }
        func record(_ report: ScenarioReport) { reports.withLock { $0.append(report) } }
    }

    static func run(_ yaml: String, in environment: ScenarioEnvironment, runner: ScenarioRunner = ScenarioRunner(),
                    progress: Progress = Progress()) async throws -> ScenarioReport {
        try await runner.run(scenario(yaml), in: environment) { progress.record($0) }
    }

    @Test func sendsTheRequestChecksTheReplyAndSavesForLaterSteps() async throws {
        let server = ScenarioTestServer()
        try await server.serve { environment in
            let report = try await Self.run("""
                name: t
                variables:
                  amount: 10
                  credits: "${amount * 100}"
                steps:
                  - name: post json
                    request:
                      service: tais
                      method: POST
                      path: /echo
                      json: {creditAmountUsd: "${amount}", tenant: "${tenant}", label: "top-up ${credits} credits", list: [1, "${credits}"]}
                      headers: {Idempotency-Key: "k-${run_id}"}
                    expect:
                      status: 200
                      json:
                        auth: Bearer jwt-1
                        contentType: application/json
                        json.creditAmountUsd: 10
                        json.tenant: acme
                        json.label: top-up 1000 credits
                        json.list.1: 1000
                        idempotencyKey: {matches: "^k-[0-9a-f]{16}$"}
                      headers: {Idempotent-Replayed: "true"}
                    save:
                      echoed: json.creditAmountUsd
                      code: status
                  - name: use what was saved
                    request:
                      service: stripe
                      method: POST
                      path: /echo
                      json: {twice: "${echoed * 2}", code: "${code}"}
                    expect:
                      json: {auth: Bearer sk_test_1, json.twice: 20, json.code: 200}
                  - name: form body, explicit token
                    request:
                      service: stackctl
                      method: POST
                      path: /echo
                      token: tok-${tenant}
                      form: {"line_items[0][quantity]": 1, mode: payment, metadata: {who: "a b&c"}}
                    expect:
                      json:
                        auth: Bearer tok-acme
                        contentType: application/x-www-form-urlencoded
                        raw: "line_items%5B0%5D%5Bquantity%5D=1&mode=payment&metadata%5Bwho%5D=a%20b%26c"
                  - name: no auth
                    request: {service: openmeter, method: POST, path: /echo, auth: none}
                    expect:
                      json: {auth: null}
                """, in: environment)
            #expect(report.status == "passed", "\(report.steps.map { "\($0.name): \($0.detail ?? "")" })")
            #expect(report.steps.map(\.status) == ["passed", "passed", "passed", "passed"])
            #expect(report.steps[0].detail?.contains("saved echoed = 10, code = 200") == true, "\(report.steps[0].detail ?? "")")
        }
    }

    @Test func retryPollsUntilTheExpectationHolds() async throws {
        let server = ScenarioTestServer()
        try await server.serve { environment in
            let report = try await Self.run("""
                name: t
                steps:
                  - name: wait for the third
                    request: {service: tais, path: /counter}
                    expect: {json: {count: {gte: 3}}}
                    retry: {timeout: 20s, interval: 10ms}
                """, in: environment)
            #expect(report.passed, "\(report.steps.first?.detail ?? "")")
            #expect(report.steps[0].detail == "HTTP 200 after 3 attempts")
            #expect(server.count == 3)
        }
    }

    /// The timeout is long next to one local request, so even a starved CI machine makes several attempts.
    @Test func retryFailsWithTheLastMismatchAtTheTimeout() async throws {
        let server = ScenarioTestServer()
        try await server.serve { environment in
            let report = try await Self.run("""
                name: t
                steps:
                  - name: never
                    request: {service: tais, path: /counter}
                    expect: {json: {count: 0}}
                    retry: {timeout: 2s, interval: 20ms}
                """, in: environment)
            #expect(report.status == "failed")
            let detail = try #require(report.steps[0].detail)
            let attempts = server.count
            #expect(attempts > 1)
            #expect(detail.hasPrefix("expected count = 0, got \(attempts) (still, after "), "\(detail)")
            #expect(detail.hasSuffix("and \(attempts) attempts)"), "\(detail)")
        }
    }

    @Test func repeatSendsNTimesOneAfterAnother() async throws {
        let server = ScenarioTestServer()
        try await server.serve { environment in
            let report = try await Self.run("""
                name: t
                steps:
                  - name: five times
                    request: {service: tais, path: /counter}
                    repeat: 5
                    save: {last: count}
                  - name: the last reply was saved
                    request: {service: tais, method: POST, path: /echo, json: {last: "${last}"}}
                    expect: {json: {json.last: 5}}
                """, in: environment)
            #expect(report.passed, "\(report.steps.map { $0.detail ?? "" })")
            #expect(report.steps[0].detail == "5 × HTTP 200; saved last = 5")
            #expect(server.requests.filter { $0 == "GET /counter" }.count == 5)
        }
    }

    @Test func concurrentRepeatsAreInFlightTogether() async throws {
        let server = ScenarioTestServer()
        try await server.serve { environment in
            // The barrier answers only once all four wait together, so sequential sends would time out.
            var runner = ScenarioRunner()
            runner.requestTimeout = .seconds(10)
            let report = try await Self.run("""
                name: t
                steps:
                  - name: four at once
                    request: {service: tais, path: "/barrier?n=4"}
                    expect: {json: {released: true}}
                    repeat: 4
                    concurrent: true
                """, in: environment, runner: runner)
            #expect(report.passed, "\(report.steps.first?.detail ?? "")")
            #expect(report.steps[0].detail == "4 × HTTP 200")
        }
    }

    @Test func aFailingStepSkipsTheRestButFinallyStepsRun() async throws {
        let server = ScenarioTestServer()
        try await server.serve { environment in
            let progress = Progress()
            let report = try await Self.run("""
                name: t
                steps:
                  - name: fine
                    request: {service: tais, path: /items}
                    expect: {json: {data: {length: 3}}}
                  - name: wait for the credit
                    request: {service: tais, path: /items}
                    expect: {json: {balanceCredits: 2000}}
                  - name: never sent
                    request: {service: tais, path: /counter}
                finally:
                  - name: clear faults
                    request: {service: openmeter, method: DELETE, path: /faults, auth: none}
                """, in: environment, progress: progress)
            #expect(report.status == "failed")
            #expect(report.steps.map(\.status) == ["passed", "failed", "skipped", "passed"])
            #expect(report.steps[1].detail == "expected balanceCredits = 2000, got 1000")
            #expect(report.steps.map(\.cleanup) == [false, false, false, true])
            #expect(server.requests == ["GET /items", "GET /items", "DELETE /faults"])
            #expect(ScenarioConsoleReport.line(report.steps[1], total: 4) == "FAIL  2/4  wait for the credit: expected balanceCredits = 2000, got 1000")

            // Reported live: all pending first, each step running then ending, the final verdict last.
            let seen = progress.all
            #expect(seen.first?.steps.allSatisfy { $0.status == "pending" } == true)
            #expect(seen.first?.status == "running")
            #expect(seen.contains { $0.steps[1].status == "running" && $0.steps[0].status == "passed" })
            #expect(seen.contains { $0.steps[3].status == "running" && $0.steps[2].status == "skipped" })
            #expect(seen.last == report)
        }
    }

    @Test func aFailingFinallyStepFailsTheRun() async throws {
        let server = ScenarioTestServer()
        try await server.serve { environment in
            let report = try await Self.run("""
                name: t
                steps:
                  - name: fine
                    request: {service: tais, path: /items}
                finally:
                  - name: broken cleanup
                    request: {service: tais, path: /status/500}
                  - name: other cleanup
                    request: {service: tais, path: /items}
                """, in: environment)
            #expect(report.status == "failed")
            #expect(report.steps.map(\.status) == ["passed", "failed", "passed"])
            #expect(report.steps[1].detail == "expected a 2xx status, got 500: {\"error\":\"answered 500 on purpose\"}")
        }
    }

    @Test func mismatchesNameTheExpectationAndShowTheBody() async throws {
        let server = ScenarioTestServer()
        try await server.serve { environment in
            let report = try await Self.run("""
                name: t
                steps:
                  - name: status list
                    request: {service: tais, path: /status/402}
                    expect: {status: [200, 201]}
                finally:
                  - name: missing path
                    request: {service: tais, path: /items}
                    expect: {json: {balance: 1}}
                  - name: header
                    request: {service: tais, method: POST, path: /echo}
                    expect: {headers: {Idempotent-Replayed: "false"}}
                  - name: body
                    request: {service: tais, path: /status/404}
                    expect: {status: 404, body: {contains: Paid}}
                  - name: not json
                    request: {service: tais, path: /sse}
                    expect: {json: {result.ok: true, jsonrpc: "2.0"}}
                  - name: redirects are not followed
                    request: {service: tais, path: /redirect}
                    expect: {status: 303, headers: {Location: /elsewhere}}
                """, in: environment)
            let details = report.steps.map { $0.detail ?? "" }
            #expect(details[0] == "expected status one of 200, 201, got 402: {\"error\":\"answered 402 on purpose\"}")
            #expect(details[1].hasPrefix("expected balance = 1, got nothing (the body: {\"data\":"), "\(details[1])")
            #expect(details[2] == "expected header Idempotent-Replayed = \"false\", got \"true\"")
            #expect(details[3] == "expected body to contain \"Paid\", got {\"error\":\"answered 404 on purpose\"}")
            #expect(report.steps[4].status == "passed", "an event stream's JSON data is the body: \(details[4])")
            #expect(report.steps[5].status == "passed", "\(details[5])")
        }
    }

    @Test func anUnknownVariableFailsTheStepClearly() async throws {
        let server = ScenarioTestServer()
        try await server.serve { environment in
            let report = try await Self.run("""
                name: t
                steps:
                  - name: typo
                    request: {service: tais, path: "/items/${tennant}"}
                """, in: environment)
            #expect(report.status == "failed")
            #expect(report.steps[0].detail?.hasPrefix("unknown variable tennant (known: ") == true, "\(report.steps[0].detail ?? "")")
            #expect(server.requests.isEmpty)
        }
    }

    @Test func aServiceThatIsDownIsNamedWithItsURL() async throws {
        let environment = ScenarioEnvironment(services: ["tais": "http://127.0.0.1:1"], variables: [:])
        let report = try await Self.run("""
            name: t
            steps:
              - name: unreachable
                request: {service: tais, method: POST, path: /api/v1/x}
              - name: no URL at all
                request: {service: stripe, path: /v1/x}
            """, in: environment)
        #expect(report.steps[0].detail == "cannot reach tais at http://127.0.0.1:1: connection refused (POST /api/v1/x)")
        #expect(report.steps[1].status == "skipped")
        let missing = try await Self.run("""
            name: t
            steps:
              - name: no URL at all
                request: {service: stripe, path: /v1/x}
            """, in: environment)
        #expect(missing.steps[0].detail?.hasPrefix("no URL for service stripe") == true)
    }

    @Test func cancellingStopsTheStepsButFinallyStepsStillRun() async throws {
        let server = ScenarioTestServer()
        try await server.serve { environment in
            let scenario = try Self.scenario("""
                name: t
                steps:
                  - name: wait forever
                    request: {service: tais, path: /counter}
                    expect: {json: {count: 0}}
                    retry: {timeout: 60s, interval: 20ms}
                  - name: never sent
                    request: {service: tais, path: /items}
                finally:
                  - name: clear faults
                    request: {service: openmeter, method: DELETE, path: /faults, auth: none}
                """)
            let (polling, signal) = AsyncStream.makeStream(of: Void.self)
            let run = Task {
                await ScenarioRunner().run(scenario, in: environment) { report in
                    if report.steps[0].status == "running" { signal.yield() }
                }
            }
            for await _ in polling { break }
            run.cancel()
            let report = await run.value
            #expect(report.steps.map(\.status) == ["failed", "skipped", "passed"])
            #expect(report.steps[0].detail?.hasPrefix("cancelled") == true, "\(report.steps[0].detail ?? "")")
            #expect(server.requests.last == "DELETE /faults")
        }
    }

    @Test func eachRunHasItsOwnRunID() async throws {
        let server = ScenarioTestServer()
        try await server.serve { environment in
            let yaml = """
                name: t
                steps:
                  - name: echo
                    request: {service: tais, method: POST, path: /echo, json: {id: "${run_id}"}}
                    save: {id: json.id}
                    expect: {json: {json.id: {matches: "^[0-9a-f]{16}$"}}}
                """
            let first = try await Self.run(yaml, in: environment)
            let second = try await Self.run(yaml, in: environment)
            #expect(first.passed && second.passed)
            #expect(first.steps[0].detail != second.steps[0].detail)
        }
    }
}
