import WireFormats

/// A YAML value of a scenario whose strings may hold `${…}`; resolved against the variables when the step runs.
public indirect enum ScenarioValue: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case text(ScenarioText)
    case array([ScenarioValue])
    case object([ScenarioMember])

    public func resolve(_ variables: [String: JSONValue]) throws(ScenarioEvaluationError) -> JSONValue {
        switch self {
        case .null: return .null
        case .bool(let value): return .bool(value)
        case .number(let value): return .number(value)
        case .text(let text): return try text.resolve(variables)
        case .array(let items):
            var out: [JSONValue] = []
            for item in items { out.append(try item.resolve(variables)) }
            return .array(out)
        case .object(let members):
            var out: [(key: String, value: JSONValue)] = []
            for member in members { out.append((member.key, try member.value.resolve(variables))) }
            return .object(out)
        }
    }
}

public struct ScenarioMember: Sendable {
    public var key: String
    public var value: ScenarioValue
}

/// A string with `${…}` parts, parsed once at load so a broken expression is a load error.
public struct ScenarioText: Sendable, Equatable {
    public enum Part: Sendable, Equatable {
        case literal(String)
        case expression(ScenarioExpression)
    }

    public var parts: [Part]
    /// As written in the file.
    public var source: String

    public init(literal: String) {
        parts = literal.isEmpty ? [] : [.literal(literal)]
        source = literal
    }

    /// `$` not followed by `{` is literal text; `${` must be closed by `}`.
    public init(parsing source: String) throws(ScenarioSyntaxError) {
        self.source = source
        parts = []
        var rest = Substring(source)
        while let open = rest.range(of: "${") {
            if open.lowerBound > rest.startIndex { parts.append(.literal(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw ScenarioSyntaxError("unclosed ${ in \"\(source)\"")
            }
            let inner = String(rest[open.upperBound..<close])
            parts.append(.expression(try ScenarioExpression.parse(inner)))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.literal(String(rest))) }
    }

    /// Exactly one `${expr}` and nothing else keeps the value's type (`"${amount}"` is the number 10);
    /// anything else interpolates as text.
    public func resolve(_ variables: [String: JSONValue]) throws(ScenarioEvaluationError) -> JSONValue {
        if parts.count == 1, case .expression(let expression) = parts[0] {
            return try expression.evaluate(variables)
        }
        return .string(try string(variables))
    }

    /// Always text: for paths, headers, tokens and form fields.
    public func string(_ variables: [String: JSONValue]) throws(ScenarioEvaluationError) -> String {
        var out = ""
        for part in parts {
            switch part {
            case .literal(let text): out += text
            case .expression(let expression): out += ScenarioRendering.text(try expression.evaluate(variables))
            }
        }
        return out
    }
}

/// How values print in requests and in messages.
public enum ScenarioRendering {
    /// A value spliced into text: strings as they are, whole numbers without ".0", the rest as JSON.
    public static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .number(let value): number(value)
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        case .array, .object: json(value, limit: .max)
        }
    }

    public static func number(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// Compact JSON, cut to `limit` characters (an ellipsis marks the cut).
    public static func json(_ value: JSONValue, limit: Int = 300) -> String {
        var writer = JSONWriter(capacity: 256)
        writer.value(value)
        return truncate(String(decoding: writer.bytes, as: UTF8.self), limit: limit)
    }

    public static func truncate(_ text: String, limit: Int = 300) -> String {
        text.count > limit ? String(text.prefix(limit)) + "…" : text
    }
}
