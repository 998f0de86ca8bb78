import StackScenarios
import Testing
import WireFormats

@Suite struct ScenarioParserTests {
    static let file = "compose/scenarios/top-up.yaml"

    /// The problems a broken file is reported with.
    static func problems(_ yaml: String, name: String? = "top-up") -> [ScenarioProblem] {
        do {
            _ = try ScenarioParser.parse(yaml, file: file, expectedName: name)
            Issue.record("parsed, but should not have")
            return []
        } catch {
            guard case .invalid(let file, let problems) = error else {
                Issue.record("unexpected error \(error)")
                return []
            }
            #expect(file == Self.file)
            return problems
        }
    }

    @Test func parsesEveryPartOfTheFormat() throws {
        let scenario = try ScenarioParser.parse("""
            name: top-up
            description: A $10 top-up.
            variables:
              amount: 10
              credits: "${amount * 100}"
            steps:
              - name: start a top-up
                request:
                  service: tais
                  method: post
                  path: /api/v1/orgs/${tenant}/ai-credits/checkout-session?x=1
                  json: {creditAmountUsd: "${amount}"}
                  headers: {Idempotency-Key: "k-${run_id}"}
                expect:
                  status: [200, 201]
                  json:
                    status: open
                    toolCalls.0.isError: false
                    data: {length: {gte: 1}}
                    content: {contains: "|", not: {matches: "^error"}}
                  body: {contains: "open"}
                  headers: {Idempotent-Replayed: "true"}
                save:
                  session_id: id
                  code: status
                retry: {timeout: 1.5s, interval: 50ms}
              - name: pay
                request: {service: stripe, method: POST, path: /v1/x, form: {"line_items[0][quantity]": 1}, auth: none}
                repeat: 3
                concurrent: true
            finally:
              - name: clear faults
                request: {service: openmeter, method: DELETE, path: /_fake/faults, auth: none}
            """, file: Self.file, expectedName: "top-up")
        #expect(scenario.name == "top-up")
        #expect(scenario.summary == ScenarioSummary(name: "top-up", description: "A $10 top-up.", steps: 3))
        #expect(scenario.variables.map(\.name) == ["amount", "credits"])
        let first = scenario.steps[0]
        #expect(first.request.service == .tais)
        #expect(first.request.method == "POST")
        #expect(first.expect?.statuses == [200, 201])
        #expect(first.expect?.json.map(\.path.description) == ["status", "toolCalls.0.isError", "data", "content"])
        #expect(first.save.map(\.variable) == ["session_id", "code"])
        #expect(first.retry?.timeout == .milliseconds(1500))
        #expect(first.retry?.interval == .milliseconds(50))
        #expect(scenario.steps[1].repeatCount == 3)
        #expect(scenario.steps[1].concurrent)
        #expect(scenario.cleanup.map(\.name) == ["clear faults"])
    }

    @Test func anUnknownKeyNamesTheFileTheStepAndTheKey() {
        let problems = Self.problems("""
            name: top-up
            steps:
              - name: ok
                request: {service: tais, path: /a}
              - name: pay with 4242
                request:
                  service: stripe
                  path: /v1/x
                  retyr: 3
            """)
        #expect(problems.count == 1)
        #expect(problems.first?.line == 9)
        #expect(problems.first?.location == "step 2 \"pay with 4242\": request.retyr")
        #expect(problems.first?.message.hasPrefix("unknown key") == true)
        let description = ScenarioError.invalid(file: Self.file, problems: problems).description
        #expect(description.contains("compose/scenarios/top-up.yaml:9: step 2 \"pay with 4242\": request.retyr: unknown key"), "\(description)")
    }

    @Test func unknownKeysAreFoundAtEveryLevel() {
        let problems = Self.problems("""
            name: top-up
            descripton: typo
            steps:
              - name: a
                request: {service: tais, path: /a}
                expect: {stauts: 200, json: {x: {containz: 1}}}
                retry: {timeout: 1s, intervall: 1s}
            finally:
              - name: clean
                request: {service: tais, path: /a}
                sav: {}
            """)
        let locations = problems.map(\.location)
        #expect(locations == ["descripton", "step 1 \"a\": expect.stauts", "step 1 \"a\": expect.json.x.containz",
                              "step 1 \"a\": retry.intervall", "finally step 1 \"clean\": sav"])
        #expect(problems.first { $0.location.hasSuffix("containz") }?.message.contains("unknown matcher") == true)
    }

    @Test func validatesTheRulesAtLoad() {
        let problems = Self.problems("""
            name: other-name
            steps:
              - name: a
                request: {service: billing, path: a, json: {}, form: {}}
                retry: {timeout: 2 seconds}
                concurrent: true
              - request: {service: tais, path: /a, auth: admin}
                expect: {status: 42}
                repeat: 0
            """)
        let messages = problems.map { "\($0.location): \($0.message)" }
        let expected = [
            "name: is \"other-name\" but the file is top-up.yaml; they must match",
            "step 1 \"a\": request.service: unknown service \"billing\"",
            "step 1 \"a\": request.path: must start with /",
            "step 1 \"a\": request: a request has a json body or a form body, not both",
            "step 1 \"a\": retry.timeout: must be a positive duration",
            "step 1 \"a\": retry needs an expect",
            "step 1 \"a\": concurrent needs repeat",
            "step 2: request.auth: unknown auth \"admin\"",
            "step 2: expect.status: must be an HTTP status, got 42",
            "step 2: repeat: must be between 1 and 10000, got 0",
            "step 2: missing key \"name\"",
        ]
        for wanted in expected {
            #expect(messages.contains { $0.hasPrefix(wanted) }, "no problem starting \(wanted) in \(messages)")
        }
    }

    @Test func aScenarioNeedsAtLeastOneStep() {
        #expect(Self.problems("name: top-up\nsteps: []\n").map(\.message) == ["needs at least one step"])
        #expect(Self.problems("name: top-up\n").map(\.message) == ["missing key \"steps\""])
    }

    @Test func aBrokenExpressionIsALoadError() {
        let problems = Self.problems("""
            name: top-up
            steps:
              - name: a
                request: {service: tais, path: "/a/${tenant", json: {x: "${1 +}"}}
            """)
        #expect(problems.map(\.message).contains { $0.contains("unclosed ${") })
        #expect(problems.map(\.message).contains { $0.contains("${1 +} ends too early") })
    }

    @Test func invalidYAMLAndDuplicateKeysAreReportedWithTheirLine() {
        let duplicate = Self.problems("name: top-up\nname: again\nsteps: []\n")
        #expect(duplicate.first?.message.contains("duplicate key \"name\"") == true)
        let syntax = Self.problems("name: top-up\nsteps:\n  - name: [unclosed\n")
        #expect(syntax.first?.message.hasPrefix("not valid YAML") == true)
        #expect(syntax.first?.line ?? 0 > 0)
    }

    @Test func plainScalarsAreTypedLikeJSONAndQuotedOnesStayStrings() throws {
        let scenario = try ScenarioParser.parse("""
            name: top-up
            variables: {a: 10, b: "10", c: true, d: yes, e: null, f: 1.5, g: 0x10}
            steps:
              - name: a
                request: {service: tais, path: /a}
            """, file: Self.file)
        let values = try scenario.variables.map { try $0.value.resolve([:]) }
        #expect(values == [.number(10), .string("10"), .bool(true), .string("yes"), .null, .number(1.5), .string("0x10")])
    }
}
