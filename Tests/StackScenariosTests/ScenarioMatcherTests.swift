import StackScenarios
import Testing
import WireFormats

@Suite struct ScenarioMatcherTests {
    static let body: JSONValue = .object([
        ("status", .string("open")),
        ("balanceCredits", .number(3000)),
        ("data", .array([.object([("id", .string("a"))]), .object([("id", .string("b"))]), .object([("id", .string("c"))])])),
        ("toolCalls", .array([.object([("isError", .bool(false))])])),
        ("content", .string("| a | b |")),
        ("note", .null),
        ("createdAt", .string("2025-01-02T03:04:05Z")),
    ])

    /// Parses `yaml` as the `expect.json` of a step and checks it against `body`: nil when it holds.
    func failure(_ json: String, variables: [String: JSONValue] = [:]) throws -> String? {
        let scenario = try ScenarioParser.parse("""
            name: m
            steps:
              - name: check
                request: {service: tais, path: /}
                expect:
                  json: \(json)
            """, file: "m.yaml")
        for item in scenario.steps[0].expect?.json ?? [] {
            if let miss = try item.check.mismatch(item.path.lookup(Self.body), subject: item.path.description, variables: variables) {
                return miss.description
            }
        }
        return nil
    }

    @Test func literalsCompareByEqualityAndNumbersNumerically() throws {
        #expect(try failure("{status: open, balanceCredits: 3000.0, toolCalls.0.isError: false, note: null}") == nil)
        #expect(try failure("{balanceCredits: 2000}") == "expected balanceCredits = 2000, got 3000")
        #expect(try failure("{status: expired}") == "expected status = \"expired\", got \"open\"")
        #expect(try failure("{balanceCredits: \"${before + 1000}\"}", variables: ["before": .number(2000)]) == nil)
        #expect(try failure("{data.1.id: b, data.1: {equals: {id: b}}}") == nil)
    }

    @Test func everyMatcherHoldsAndFails() throws {
        #expect(try failure("{data: {length: 3}, content: {contains: \"|\"}, status: {oneOf: [open, complete]}}") == nil)
        #expect(try failure("{balanceCredits: {gt: 2999, gte: 3000, lt: 3001, lte: 3000}, createdAt: {gt: \"2025-01-01\"}}") == nil)
        #expect(try failure("{content: {matches: \"^\\\\| a\"}, status: {not: expired}, missing: {exists: false}, note: {exists: true}}") == nil)
        #expect(try failure("{data: {contains: {id: a}}}") == nil)
        #expect(try failure("{data: {length: {gte: 4}}}") == "expected data length >= 4, got 3")
        #expect(try failure("{balanceCredits: {lt: 100}}") == "expected balanceCredits < 100, got 3000")
        #expect(try failure("{content: {contains: zebra}}") == "expected content to contain \"zebra\", got \"| a | b |\"")
        #expect(try failure("{status: {not: open}}") == "expected status not = \"open\", got \"open\"")
        #expect(try failure("{status: {matches: \"^c\"}}") == "expected status to match /^c/, got \"open\"")
        #expect(try failure("{status: {oneOf: [paid, expired]}}") == "expected status one of [\"paid\", \"expired\"], got \"open\"")
        #expect(try failure("{missing: {exists: true}}") == "expected missing to exist, got nothing")
        #expect(try failure("{status: {exists: false}}") == "expected status to be absent, got \"open\"")
    }

    @Test func containsFindsArrayMembersAndObjectKeys() throws {
        let list: JSONValue = .array([.number(1), .string("two")])
        #expect(try ScenarioCheck.contains(.number(1.0)).holds(list, variables: [:]))
        #expect(try ScenarioCheck.contains(.text(ScenarioText(literal: "two"))).holds(list, variables: [:]))
        #expect(try !ScenarioCheck.contains(.number(3)).holds(list, variables: [:]))
        #expect(try ScenarioCheck.contains(.text(ScenarioText(literal: "status"))).holds(Self.body, variables: [:]))
    }

    @Test func objectsCompareWithoutRegardToMemberOrder() {
        let a: JSONValue = .object([("x", .number(1)), ("y", .array([.bool(true)]))])
        let b: JSONValue = .object([("y", .array([.bool(true)])), ("x", .number(1.0))])
        #expect(ScenarioCheck.equal(a, b))
        #expect(!ScenarioCheck.equal(a, .object([("x", .number(1))])))
        #expect(!ScenarioCheck.equal(.string("1"), .number(1)))
    }

    @Test func pathsWalkObjectsAndArrays() throws {
        #expect(try JSONPath("data.2.id").lookup(Self.body) == .string("c"))
        #expect(try JSONPath("data.3.id").lookup(Self.body) == nil)
        #expect(try JSONPath("status.x").lookup(Self.body) == nil)
        #expect(try JSONPath("$").lookup(.number(1)) == .number(1))
        #expect(try JSONPath("$.status").lookup(Self.body) == .string("open"))
        #expect(throws: ScenarioSyntaxError.self) { try JSONPath("data..id") }
    }
}
