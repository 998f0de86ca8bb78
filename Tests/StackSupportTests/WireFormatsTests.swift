import Foundation
import Testing
import WireFormats

@Suite struct JSONParserTests {
    static func parse(_ text: String) throws(JSONParser.Failure) -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    /// The failure of parsing `text`, or nil when it parsed.
    static func failure(_ text: String) -> JSONParser.Failure? {
        failure(bytes: Array(text.utf8))
    }

    static func failure(bytes: [UInt8]) -> JSONParser.Failure? {
        do {
            _ = try JSONParser.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func documentsParseInOrder() throws {
        let value = try Self.parse(#" {"b": [1, -2.5e3, true, false, null, "x"], "a": {}, "c": [] } "#)
        #expect(value == .object([
            (key: "b", value: .array([.number(1), .number(-2500), .bool(true), .bool(false), .null, .string("x")])),
            (key: "a", value: .object([])),
            (key: "c", value: .array([])),
        ]))
        // Member order is part of the value.
        #expect(try Self.parse(#"{"a":1,"b":2}"#) != (try Self.parse(#"{"b":2,"a":1}"#)))
        #expect(try Self.parse(#"{"a":1,"a":2}"#)["a"] == .number(2))
        #expect(try Self.parse(#"{"a":1}"#)["missing"] == nil)
        #expect(try Self.parse("[1]")["a"] == nil)
    }

    @Test func scalarsAtTopLevelAndAllWhitespaceKinds() throws {
        #expect(try Self.parse(" \t\r\n42\n") == .number(42))
        #expect(try Self.parse(#""s""#) == .string("s"))
        #expect(try Self.parse("null").isNull)
        #expect(try Self.parse("[\t1\r,\n2 ]") == .array([.number(1), .number(2)]))
    }

    @Test(arguments: [
        ("0", 0.0), ("-0", -0.0), ("7", 7), ("-12", -12), ("0.5", 0.5), ("1E2", 100), ("1e+2", 100), ("25e-2", 0.25),
        ("-0.0e0", 0), ("9007199254740993", 9_007_199_254_740_992),  // 2^53 + 1 rounds to 2^53
    ])
    func numbers(text: String, expected: Double) throws {
        #expect(try Self.parse(text) == .number(expected), "\(text)")
    }

    @Test(arguments: [
        ("", "unexpected end of input", 0),
        ("   ", "unexpected end of input", 3),
        ("[1,]", "unexpected character", 3),
        ("[,1]", "unexpected character", 1),
        (#"{"a":1,}"#, "expected an object key", 7),
        ("{'a':1}", "expected an object key", 1),
        ("{a:1}", "expected an object key", 1),
        (#"{"a" 1}"#, "expected ':'", 5),
        ("[1 2]", "expected ',' or ']'", 3),
        (#"{"a":1 "b":2}"#, "expected ',' or '}'", 7),
        ("[1", "unexpected end of input in array", 2),
        (#"{"a":1"#, "unexpected end of input in object", 6),
        ("01", "unexpected data after the JSON value", 1),
        ("[01]", "expected ',' or ']'", 2),
        ("1.", "invalid number", 2),
        ("1.e3", "invalid number", 2),
        (".5", "unexpected character", 0),
        ("+1", "unexpected character", 0),
        ("-", "invalid number", 1),
        ("-a", "invalid number", 1),
        ("1e", "invalid number", 2),
        ("1e+", "invalid number", 3),
        ("0x10", "unexpected data after the JSON value", 1),
        ("NaN", "unexpected character", 0),
        ("Infinity", "unexpected character", 0),
        ("-Infinity", "invalid number", 1),
        ("tru", "invalid literal", 0),
        ("nul", "invalid literal", 0),
        ("truth", "invalid literal", 0),
        ("True", "unexpected character", 0),
        ("trueX", "unexpected data after the JSON value", 4),
        (#""abc"#, "unterminated string", 4),
        (#""a\"#, "unterminated escape", 3),
        ("\"a\nb\"", "control character in string", 2),
        ("\"a\tb\"", "control character in string", 2),
        ("\"\\n\u{01}\"", "control character in string", 4),
        (#""\x""#, "invalid escape", 3),
        (#""\'""#, "invalid escape", 3),
        (#""\u12""#, "invalid \\u escape", 3),
        (#""\u12G4""#, "invalid \\u escape", 5),
        ("[1] x", "unexpected data after the JSON value", 4),
        ("{} {}", "unexpected data after the JSON value", 3),
        ("\u{FEFF}{}", "unexpected character", 0),
        ("/* c */ 1", "unexpected character", 0),
        ("\u{A0}1", "unexpected character", 0),
        ("\u{0C}1", "unexpected character", 0),
    ])
    func malformedInputSaysWhatAndWhere(text: String, message: String, offset: Int) {
        let failure = Self.failure(text)
        #expect(failure?.message == message, "\(text.debugDescription)")
        #expect(failure?.offset == offset, "\(text.debugDescription)")
        #expect(failure?.description == "\(message) at offset \(offset)")
    }

    @Test func depthLimit() throws {
        let limit = JSONParser.maximumDepth
        #expect(limit == 256)
        // 256 levels parse.
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(Self.failure(deepest) == nil)
        let objects = String(repeating: #"{"a":"#, count: limit) + "1" + String(repeating: "}", count: limit)
        #expect(Self.failure(objects) == nil)
        // 257 do not, reported just after the opening bracket that went too deep.
        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(Self.failure(tooDeep)?.message == "JSON nested too deeply")
        #expect(Self.failure(tooDeep)?.offset == limit + 1)
        let tooDeepObjects = String(repeating: #"{"a":"#, count: limit + 1) + "1" + String(repeating: "}", count: limit + 1)
        #expect(Self.failure(tooDeepObjects)?.message == "JSON nested too deeply")
        #expect(Self.failure(tooDeepObjects)?.offset == limit * 5 + 1)
        // Arrays and objects count together.
        let mixed = String(repeating: #"[{"a":"#, count: 129) + "1" + String(repeating: "}]", count: 129)
        #expect(Self.failure(mixed)?.message == "JSON nested too deeply")
        // Hostile depth fails at the limit instead of exhausting the stack.
        let hostile = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        #expect(Self.failure(bytes: hostile)?.offset == limit + 1)
    }

    @Test func stringEscapes() throws {
        #expect(try Self.parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
        #expect(try Self.parse(#""caf\u00e9 \u00E9""#) == .string("café é"))
        #expect(try Self.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try Self.parse(#""\u0000""#) == .string("\u{0}"))
        #expect(try Self.parse("\"h\u{E9}llo \u{1F600}\"") == .string("héllo 😀"))
        // Escapes after plain text and plain text after escapes.
        #expect(try Self.parse(#""ab\ncd""#) == .string("ab\ncd"))
    }

    @Test func loneSurrogatesBecomeReplacementCharacters() throws {
        #expect(try Self.parse(#""\ud800x""#) == .string("\u{FFFD}x"))
        #expect(try Self.parse(#""\udc00""#) == .string("\u{FFFD}"))
        #expect(try Self.parse(#""x\ud83d""#) == .string("x\u{FFFD}"))
    }

    @Test func highSurrogateFollowedByAnotherEscape() throws {
        // Go (OpenMeter's encoding/json) keeps the second escape: "\uFFFD" + "A".
        #expect((try? Self.parse(#""\ud800\u0041""#)) == .string("\u{FFFD}A"))
        #expect((try? Self.parse(#""\ud800\ud800""#)) == .string("\u{FFFD}\u{FFFD}"))
    }

    @Test func rawOffsetsKeepAValuesOriginalText() throws {
        let text = #"{"id" : "e1", "data" : {"b" : [1, 2.50]} , "n":null}"#
        var parser = JSONParser(bytes: Array(text.utf8))
        var raw: [String: String] = [:]
        try parser.parseObjectMembers { (key, parser) throws(JSONParser.Failure) in
            parser.skipWhitespace()
            let start = parser.position
            _ = try parser.parseValue()
            raw[key] = String(decoding: parser.bytes[start..<parser.position], as: UTF8.self)
        }
        try parser.expectEnd()
        #expect(raw == ["id": #""e1""#, "data": #"{"b" : [1, 2.50]}"#, "n": "null"])
    }

    @Test func arrayElementsOneByOne() throws {
        var parser = JSONParser(bytes: Array(#" [ {"a":1}, 2 ,"x" ] "#.utf8))
        var values: [JSONValue] = []
        try parser.parseArrayElements { (parser) throws(JSONParser.Failure) in values.append(try parser.parseValue()) }
        try parser.expectEnd()
        #expect(values == [.object([(key: "a", value: .number(1))]), .number(2), .string("x")])
        var empty = JSONParser(bytes: Array("[]".utf8))
        try empty.parseArrayElements { (parser) throws(JSONParser.Failure) in _ = try parser.parseValue() }
        #expect(empty.position == 2)
    }
}

@Suite struct JSONWriterTests {
    static func written(_ build: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter()
        build(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test(arguments: [
        ("plain", #""plain""#),
        (#"a"b"#, #""a\"b""#),
        (#"back\slash"#, #""back\\slash""#),
        ("line\nbreak\r\ttab", #""line\nbreak\r\ttab""#),
        ("\u{0}", #""\u0000""#),
        ("\u{08}\u{0C}", #""\u0008\u000c""#),
        ("\u{1F}", #""\u001f""#),
        ("\u{7F}", "\"\u{7F}\""),
        ("/ </script> & <", #""/ </script> & <""#),
        ("héllo 😀 \u{2028}", "\"héllo 😀 \u{2028}\""),
        ("", #""""#),
    ])
    func stringEscaping(text: String, expected: String) {
        #expect(Self.written { $0.string(text) } == expected, "\(text.debugDescription)")
    }

    @Test func everyStringRoundTripsThroughTheParser() throws {
        var text = ""
        for scalar in 0..<0x80 { text.unicodeScalars.append(UnicodeScalar(UInt8(scalar))) }
        text += "é€😀\u{FFFD}\u{2028}"
        let json = Self.written { $0.string(text) }
        #expect(try JSONParser.parse(Array(json.utf8)) == .string(text))
        // And the output is JSON to Foundation too.
        let decoded = try JSONDecoder().decode(String.self, from: Data(json.utf8))
        #expect(decoded.unicodeScalars.elementsEqual(text.unicodeScalars))
    }

    @Test(arguments: [
        (1.0, "1"), (-3, "-3"), (0, "0"), (-0.0, "0"), (2.5, "2.5"), (0.1, "0.1"), (-0.75, "-0.75"),
        (999_999_999_999_999, "999999999999999"), (.nan, "null"), (.infinity, "null"), (-.infinity, "null"),
    ])
    func numbers(value: Double, expected: String) {
        #expect(Self.written { $0.number(value) } == expected, "\(value)")
    }

    @Test(arguments: [1e15, -1e15, 1e300, 1e-7, 123.456, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude, 0.30000000000000004])
    func largeAndTinyNumbersStayValidJSON(value: Double) throws {
        let json = Self.written { $0.number(value) }
        #expect(try JSONParser.parse(Array(json.utf8)) == .number(value), "\(json)")
    }

    @Test func valuesKeepOrderAndShape() {
        let value = JSONValue.object([
            (key: "b", value: .number(1)),
            (key: "a", value: .array([.bool(true), .null, .string("x"), .number(0.5)])),
            (key: "e", value: .object([])),
            (key: "b", value: .array([])),
        ])
        #expect(Self.written { $0.value(value) } == #"{"b":1,"a":[true,null,"x",0.5],"e":{},"b":[]}"#)
    }

    @Test func keysRawTextAndOptionals() {
        let text = Self.written { writer in
            writer.raw("{")
            writer.key("k\"")
            writer.optionalString(nil)
            writer.raw(",")
            writer.key("s")
            writer.optionalString("v")
            writer.raw(",")
            writer.key("data")
            writer.raw(bytes: Array(#"{"kept" : [1, 2.50]}"#.utf8))
            writer.raw("}")
        }
        #expect(text == #"{"k\"":null,"s":"v","data":{"kept" : [1, 2.50]}}"#)
    }
}

@Suite struct RFC3339Tests {
    // 2026-01-15T10:00:00Z: 20468 days after 1970-01-01 (56 years with 14 leap days, plus 14 days) and 10 hours.
    static let reference: Int64 = 20468 * 86400 + 10 * 3600

    @Test(arguments: [
        ("2026-01-15T10:00:00Z", reference, Int32(0)),
        ("2026-01-15t10:00:00z", reference, 0),
        ("2026-01-15 10:00:00Z", reference, 0),
        ("2026-01-15T10:00:00+00:00", reference, 0),
        ("2026-01-15T10:00:00-00:00", reference, 0),
        ("2026-01-15T11:00:00+01:00", reference, 0),
        ("2026-01-15T04:30:00-05:30", reference, 0),
        ("2026-01-15T23:59:00+13:59", reference, 0),
        ("2026-01-15T10:00:00.5Z", reference, 500_000_000),
        ("2026-01-15T10:00:00.000Z", reference, 0),
        ("2026-01-15T10:00:00.123456789Z", reference, 123_456_789),
        ("2026-01-15T10:00:00.1234567891Z", reference, 123_456_789),
        ("2026-01-15T10:00:00.000000001+00:00", reference, 1),
        ("2026-01-15T11:00:00.25+01:00", reference, 250_000_000),
    ])
    func parses(text: String, seconds: Int64, nanos: Int32) {
        let parsed = RFC3339.parse(text)
        #expect(parsed?.seconds == seconds, "\(text)")
        #expect(parsed?.nanos == nanos, "\(text)")
    }

    @Test func calendarEdges() {
        // An offset that moves the instant into the previous year: 2025-12-31T23:30:00Z.
        let newYearsEveUTC: Int64 = 20454 * 86400 - 1800
        #expect(RFC3339.parse("2026-01-01T00:30:00+01:00")?.seconds == newYearsEveUTC)
        // Leap days: 2024 (divisible by 4), 2000 (by 400).
        #expect(RFC3339.parse("2024-02-29T00:00:00Z")?.seconds == 1_709_164_800)
        #expect(RFC3339.parse("2000-02-29T00:00:00Z")?.seconds == 951_782_400)
        #expect(RFC3339.parse("1970-01-01T00:00:00Z")?.seconds == 0)
        #expect(RFC3339.parse("1969-12-31T23:59:59Z")?.seconds == -1)
        #expect(RFC3339.parse("0001-01-01T00:00:00Z")?.seconds == -62_135_596_800)
        #expect(RFC3339.parse("9999-12-31T23:59:59Z")?.seconds == 253_402_300_799)
        // A leap second reads as the second before it.
        #expect(RFC3339.parse("2016-12-31T23:59:60Z")?.seconds == 1_483_228_799)
    }

    @Test(arguments: [
        "", "2026-01-15", "2026-01-15T10:00:00", "2026-01-15T10:00Z", "2026-1-15T10:00:00Z",
        "2026-01-15T24:00:00Z", "2026-01-15T10:60:00Z", "2026-01-15T10:00:61Z",
        "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-32T00:00:00Z",
        "2026-04-31T00:00:00Z", "2023-02-29T00:00:00Z", "2100-02-29T00:00:00Z",
        "2026-01-15T10:00:00.Z", "2026-01-15T10:00:00.5", "2026-01-15T10:00:00,5Z",
        "2026-01-15T10:00:00+0100", "2026-01-15T10:00:00+01", "2026-01-15T10:00:00+01:00:00",
        "2026-01-15T10:00:00+24:00", "2026-01-15T10:00:00+01:60", "2026-01-15T10:00:00 +01:00",
        "2026-01-15T10:00:00Zjunk", "2026-01-15T10:00:00ZZ", "2026-01-15X10:00:00Z", "2026/01/15T10:00:00Z",
        "+2026-01-15T10:00:00Z", "2026-01-15T1a:00:00Z", "２０２６-01-15T10:00:00Z", "2026-01-15T10:00:00UTC",
    ])
    func rejects(text: String) {
        #expect(RFC3339.parse(text) == nil, "\(text)")
    }

    @Test func formats() {
        #expect(RFC3339.format(seconds: Self.reference) == "2026-01-15T10:00:00Z")
        #expect(RFC3339.format(seconds: Self.reference, millis: 5) == "2026-01-15T10:00:00.005Z")
        #expect(RFC3339.format(seconds: Self.reference, millis: 0) == "2026-01-15T10:00:00.000Z")
        #expect(RFC3339.format(seconds: Self.reference, millis: 999) == "2026-01-15T10:00:00.999Z")
        #expect(RFC3339.format(seconds: 0) == "1970-01-01T00:00:00Z")
        #expect(RFC3339.format(seconds: -1) == "1969-12-31T23:59:59Z")
        #expect(RFC3339.format(seconds: -365 * 86400) == "1969-01-01T00:00:00Z")
        #expect(RFC3339.format(seconds: 951_782_400) == "2000-02-29T00:00:00Z")
        #expect(RFC3339.format(seconds: 951_868_799) == "2000-02-29T23:59:59Z")
        #expect(RFC3339.format(seconds: -62_135_596_800) == "0001-01-01T00:00:00Z")
        #expect(RFC3339.format(seconds: 253_402_300_799) == "9999-12-31T23:59:59Z")
    }

    @Test func formatThenParseIsTheIdentity() {
        var seconds: Int64 = -62_135_596_800
        while seconds < 253_402_300_799 {
            let text = RFC3339.format(seconds: seconds)
            #expect(RFC3339.parse(text)?.seconds == seconds, "\(text)")
            seconds += 7_777_777  // about 90 days and an odd number of seconds
        }
    }

    @Test func civilDaysRoundTrip() {
        #expect(RFC3339.daysFromCivil(year: 1970, month: 1, day: 1) == 0)
        #expect(RFC3339.daysFromCivil(year: 2026, month: 1, day: 15) == 20468)
        #expect(RFC3339.daysFromCivil(year: 1969, month: 12, day: 31) == -1)
        let leapDay = RFC3339.civilFromDays(11016)
        #expect(leapDay.year == 2000 && leapDay.month == 2 && leapDay.day == 29)
        for day in stride(from: -800_000, through: 800_000, by: 997) {
            let civil = RFC3339.civilFromDays(day)
            #expect(RFC3339.daysFromCivil(year: civil.year, month: civil.month, day: civil.day) == day)
            #expect(civil.day >= 1 && civil.day <= RFC3339.daysIn(month: civil.month, year: civil.year))
        }
    }

    @Test(arguments: [
        (2, 2024, 29), (2, 2023, 28), (2, 2000, 29), (2, 1900, 28), (2, 2100, 28),
        (1, 2026, 31), (4, 2026, 30), (6, 2026, 30), (9, 2026, 30), (11, 2026, 30), (12, 2026, 31),
    ])
    func daysInMonth(month: Int, year: Int, days: Int) {
        #expect(RFC3339.daysIn(month: month, year: year) == days)
    }
}

/// `skipValue` steps over exactly one value, escapes and nesting included, and rejects what `parseValue` rejects.
@Suite struct JSONSkipTests {
    @Test(arguments: [
        #"{"a":[1,{"b":"x\"y"}],"c":"\u00e9"} "#, #""plain""#, #""esc\\aped\n""#, "-1.5e3", "true", "null", "[]", "{}",
    ])
    func skipsOneValue(text: String) throws {
        var parser = JSONParser(bytes: Array((text + ",7").utf8))
        try parser.skipValue()
        try parser.expect(UInt8(ascii: ","))
        #expect(try parser.parseValue() == .number(7))
    }

    @Test(arguments: [#""open"#, #"{"a":}"#, "[1,", "\"a\u{01}b\"", "tru"])
    func rejectsMalformedInput(text: String) {
        var parser = JSONParser(bytes: Array(text.utf8))
        #expect(throws: JSONParser.Failure.self) { try parser.skipValue() }
    }
}
