import WireFormats

/// One expectation on a value: a literal (equality) or a matcher. Expected values may hold `${…}`.
public indirect enum ScenarioCheck: Sendable {
    case equals(ScenarioValue)
    case not(ScenarioCheck)
    case compare(ScenarioComparison, ScenarioValue)
    /// A substring of a string, a member of an array, a key of an object.
    case contains(ScenarioValue)
    /// A regular expression found anywhere in a string (anchor it with `^…$` for the whole).
    case matches(String)
    /// Whether the path leads to a value at all (`null` is a value).
    case exists(Bool)
    /// Of a string (characters), an array or an object (members).
    case length(ScenarioCheck)
    case oneOf([ScenarioValue])
    /// Several matchers in one mapping: all must hold.
    case all([ScenarioCheck])
}

public enum ScenarioComparison: String, Sendable, CaseIterable {
    case gt, gte, lt, lte

    var symbol: String {
        switch self {
        case .gt: ">"
        case .gte: ">="
        case .lt: "<"
        case .lte: "<="
        }
    }
}

/// Why an expectation failed: "expected `subject` `expected`, got `got`".
public struct ScenarioMismatch: Sendable, Equatable, CustomStringConvertible {
    public var subject: String
    public var expected: String
    public var got: String

    public var description: String { "expected \(subject) \(expected), got \(got)" }
}

extension ScenarioCheck {
    /// nil when the check holds for `actual` (nil: nothing at that path); else what was expected and what came.
    public func mismatch(
        _ actual: JSONValue?, subject: String, variables: [String: JSONValue]
    ) throws(ScenarioEvaluationError) -> ScenarioMismatch? {
        switch self {
        case .all(let checks):
            for check in checks {
                if let found = try check.mismatch(actual, subject: subject, variables: variables) { return found }
            }
            return nil
        case .length(let inner):
            guard let actual, let length = Self.length(of: actual) else {
                return ScenarioMismatch(subject: subject, expected: try describe(variables), got: Self.render(actual))
            }
            return try inner.mismatch(.number(Double(length)), subject: "\(subject) length", variables: variables)
        default:
            if try holds(actual, variables: variables) { return nil }
            return ScenarioMismatch(subject: subject, expected: try describe(variables), got: Self.render(actual))
        }
    }

    public func holds(_ actual: JSONValue?, variables: [String: JSONValue]) throws(ScenarioEvaluationError) -> Bool {
        switch self {
        case .exists(let wanted):
            return (actual != nil) == wanted
        case .not(let inner):
            return !(try inner.holds(actual, variables: variables))
        case .all(let checks):
            for check in checks where !(try check.holds(actual, variables: variables)) { return false }
            return true
        default:
            break
        }
        guard let actual else { return false }
        switch self {
        case .equals(let expected):
            return Self.equal(try expected.resolve(variables), actual)
        case .compare(let comparison, let expected):
            return Self.compare(actual, comparison, try expected.resolve(variables))
        case .contains(let expected):
            let wanted = try expected.resolve(variables)
            switch actual {
            case .string(let text): return text.contains(ScenarioRendering.text(wanted))
            case .array(let items): return items.contains { Self.equal(wanted, $0) }
            case .object: return actual[ScenarioRendering.text(wanted)] != nil
            default: return false
            }
        case .matches(let pattern):
            guard case .string(let text) = actual, let regex = try? Regex(pattern) else { return false }
            return (try? regex.firstMatch(in: text)) != nil
        case .length(let inner):
            guard let length = Self.length(of: actual) else { return false }
            return try inner.holds(.number(Double(length)), variables: variables)
        case .oneOf(let options):
            for option in options where Self.equal(try option.resolve(variables), actual) { return true }
            return false
        case .exists, .not, .all:
            return true // handled above
        }
    }

    /// The expectation in words, with `${…}` resolved: `= 2000`, `to contain "|"`, `length >= 1`.
    public func describe(_ variables: [String: JSONValue]) throws(ScenarioEvaluationError) -> String {
        switch self {
        case .equals(let value): return "= " + Self.render(try value.resolve(variables))
        case .not(let inner): return "not " + (try inner.describe(variables))
        case .compare(let comparison, let value): return comparison.symbol + " " + Self.render(try value.resolve(variables))
        case .contains(let value): return "to contain " + Self.render(try value.resolve(variables))
        case .matches(let pattern): return "to match /\(pattern)/"
        case .exists(let wanted): return wanted ? "to exist" : "to be absent"
        case .length(let inner): return "length " + (try inner.describe(variables))
        case .oneOf(let options):
            var shown: [String] = []
            for option in options { shown.append(Self.render(try option.resolve(variables))) }
            return "one of [" + shown.joined(separator: ", ") + "]"
        case .all(let checks):
            var parts: [String] = []
            for check in checks { parts.append(try check.describe(variables)) }
            return parts.joined(separator: " and ")
        }
    }

    static func render(_ value: JSONValue?) -> String {
        value.map { ScenarioRendering.json($0) } ?? "nothing"
    }

    static func length(of value: JSONValue) -> Int? {
        switch value {
        case .string(let text): text.count
        case .array(let items): items.count
        case .object(let members): members.count
        default: nil
        }
    }

    /// JSON equality where numbers compare numerically (1 == 1.0) and object members in any order.
    public static func equal(_ expected: JSONValue, _ actual: JSONValue) -> Bool {
        switch (expected, actual) {
        case let (.array(a), .array(b)):
            return a.count == b.count && zip(a, b).allSatisfy { equal($0, $1) }
        case let (.object(a), .object(b)):
            guard a.count == b.count else { return false }
            return a.allSatisfy { member in actual[member.key].map { equal(member.value, $0) } ?? false }
        default:
            return expected == actual
        }
    }

    /// Numbers numerically (a numeric string counts as its number), strings in code-point order (RFC 3339 times sort right).
    static func compare(_ actual: JSONValue, _ comparison: ScenarioComparison, _ expected: JSONValue) -> Bool {
        if let a = number(actual), let b = number(expected) {
            return ordered(a, comparison, b)
        }
        if case .string(let a) = actual, case .string(let b) = expected {
            return ordered(Array(a.unicodeScalars.map(\.value)), comparison, Array(b.unicodeScalars.map(\.value)))
        }
        return false
    }

    private static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let number): number
        case .string(let text): Double(text).flatMap { $0.isFinite ? $0 : nil }
        default: nil
        }
    }

    private static func ordered<T: Comparable>(_ a: T, _ comparison: ScenarioComparison, _ b: T) -> Bool {
        switch comparison {
        case .gt: a > b
        case .gte: a >= b
        case .lt: a < b
        case .lte: a <= b
        }
    }

    private static func ordered(_ a: [UInt32], _ comparison: ScenarioComparison, _ b: [UInt32]) -> Bool {
        let less = a.lexicographicallyPrecedes(b)
        let greater = b.lexicographicallyPrecedes(a)
        switch comparison {
        case .gt: return greater
        case .gte: return !less
        case .lt: return less
        case .lte: return !greater
        }
    }
}
