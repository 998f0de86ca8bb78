import Testing
import WireFormats
@testable import CreditsMCP

/// A meter query answer read straight from its bytes, with the rules the tools rely on.
@Suite struct MeterRowParsingTests {
    static func rows(_ json: String) throws -> [OpenMeterClient.MeterRow]? {
        try OpenMeterClient.meterRows(Array(json.utf8))
    }

    @Test func rowsKeepTheirValueAndGroupValues() throws {
        let json = #"""
            {"from":"2026-01-01T00:00:00Z","windowSize":null,"data":[
              {"value":2.5,"windowStart":"x","windowEnd":"y","subject":"acme","groupBy":{"user":"a@b","module":"chat","n":7,"none":null}},
              {"value":"NaN","groupBy":{"user":"c"}},
              {"value":1,"groupBy":{"user":"esc\"aped\u00e9"},"extra":[1,{"deep":true}]},
              7
            ]}
            """#
        let parsed = try #require(try Self.rows(json))
        #expect(parsed == [
            OpenMeterClient.MeterRow(value: 2.5, groupBy: ["user": "a@b", "module": "chat", "n": "", "none": ""]),
            OpenMeterClient.MeterRow(value: 1, groupBy: ["user": "esc\"aped\u{e9}"]),
        ])
    }

    @Test func anAnswerWithoutDataIsNil() throws {
        #expect(try Self.rows(#"{"from":"x"}"#) == nil)
        #expect(try Self.rows(#"{"data":{"value":1}}"#) == nil)
        #expect(try Self.rows(#"{"data":[]}"#) == [])
    }

    @Test(arguments: [#"{"data":[{"value":1}"#, #"{"data":[]} x"#, "[]"])
    func malformedAnswersThrow(json: String) {
        #expect(throws: JSONParser.Failure.self) { _ = try Self.rows(json) }
    }
}
