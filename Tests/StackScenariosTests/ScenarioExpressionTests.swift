import StackScenarios
import Testing
import WireFormats

@Suite struct ScenarioExpressionTests {
    let variables: [String: JSONValue] = [
        "amount": .number(10), "balance": .number(1500), "tenant": .string("acme"), "text_number": .string("7"),
        "flag": .bool(true), "half": .number(0.5),
    ]

    func resolve(_ text: String) throws -> JSONValue {
        try ScenarioText(parsing: text).resolve(variables)
    }

    @Test func arithmeticFollowsPrecedenceParenthesesAndUnaryMinus() throws {
        #expect(try resolve("${balance + amount * 100}") == .number(2500))
        #expect(try resolve("${(balance + amount) * 2}") == .number(3020))
        #expect(try resolve("${-amount + 3}") == .number(-7))
        #expect(try resolve("${balance / 4 - -1}") == .number(376))
        #expect(try resolve("${ amount*half }") == .number(5))
        #expect(try resolve("${text_number + 1}") == .number(8))
    }

    @Test func aSoleExpressionKeepsItsTypeAndTextInterpolates() throws {
        #expect(try resolve("${amount}") == .number(10))
        #expect(try resolve("${flag}") == .bool(true))
        #expect(try resolve("${tenant}") == .string("acme"))
        #expect(try resolve("${text_number}") == .string("7"))
        #expect(try resolve("/orgs/${tenant}/top-up/${amount * 100}") == .string("/orgs/acme/top-up/1000"))
        #expect(try resolve("${half * 3}x") == .string("1.5x"))
        #expect(try resolve("cost: $5, ${amount}") == .string("cost: $5, 10"))
        #expect(try resolve("plain") == .string("plain"))
    }

    @Test func anUnknownVariableSaysWhichAndWhatIsKnown() {
        #expect(throws: ScenarioEvaluationError.self) { try resolve("${balanc + 1}") }
        do {
            _ = try resolve("${balanc + 1}")
        } catch {
            #expect("\(error)".hasPrefix("unknown variable balanc (known: amount, balance, flag"), "\(error)")
        }
    }

    @Test func arithmeticOnTextOrByZeroFails() {
        #expect(throws: ScenarioEvaluationError.notANumber("tenant", .string("acme"))) { try resolve("${tenant + 1}") }
        #expect(throws: ScenarioEvaluationError.divisionByZero) { try resolve("${amount / (balance - 1500)}") }
    }

    @Test func syntaxErrorsAreCaughtWhenParsed() {
        for bad in ["${}", "${1 +}", "${(1 + 2}", "${a b}", "${1 % 2}", "x ${y"] {
            #expect(throws: ScenarioSyntaxError.self, "\(bad)") { try ScenarioText(parsing: bad) }
        }
    }

    @Test func wholeNumbersPrintWithoutAFraction() {
        #expect(ScenarioRendering.text(.number(2000)) == "2000")
        #expect(ScenarioRendering.text(.number(-3)) == "-3")
        #expect(ScenarioRendering.text(.number(0.25)) == "0.25")
        #expect(ScenarioRendering.text(.object([("a", .number(1))])) == "{\"a\":1}")
    }
}

@Suite struct ScenarioRenderingTests {
    @Test func aListSplicedIntoARequestIsWholeHoweverLong() {
        let items = (1...100).map { JSONValue.string("item-\($0)") }
        let text = ScenarioRendering.text(.array(items))
        #expect(text.hasPrefix("[\"item-1\"") && text.hasSuffix("\"item-100\"]") && !text.contains("…"))
        // Messages still cut long values.
        #expect(ScenarioRendering.json(.array(items)).hasSuffix("…"))
    }
}
