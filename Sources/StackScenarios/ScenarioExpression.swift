import WireFormats

/// What a `${…}` holds: a variable, a number, or arithmetic over them (`+ - * /`, parentheses, unary minus).
public indirect enum ScenarioExpression: Sendable, Equatable {
    case number(Double)
    case variable(String)
    case negate(ScenarioExpression)
    case binary(Character, ScenarioExpression, ScenarioExpression)

    /// Parses the text between `${` and `}`.
    public static func parse(_ source: String) throws(ScenarioSyntaxError) -> ScenarioExpression {
        var parser = ExpressionParser(source)
        let expression = try parser.sum()
        parser.skipSpaces()
        if let extra = parser.peek() {
            throw ScenarioSyntaxError("unexpected \"\(extra)\" in ${\(source)}")
        }
        return expression
    }

    /// The value: a lone variable keeps its type (a string stays a string); arithmetic gives a number.
    public func evaluate(_ variables: [String: JSONValue]) throws(ScenarioEvaluationError) -> JSONValue {
        switch self {
        case .variable(let name):
            guard let value = variables[name] else { throw .unknownVariable(name, known: variables.keys.sorted()) }
            return value
        default:
            return .number(try numeric(variables))
        }
    }

    private func numeric(_ variables: [String: JSONValue]) throws(ScenarioEvaluationError) -> Double {
        switch self {
        case .number(let value):
            return value
        case .variable(let name):
            let value = try evaluate(variables)
            switch value {
            case .number(let number): return number
            // Lenient for numbers that arrived as text (a header, a query value).
            case .string(let text) where Double(text) != nil && Double(text)!.isFinite: return Double(text)!
            default: throw .notANumber(name, value)
            }
        case .negate(let operand):
            return -(try operand.numeric(variables))
        case .binary(let op, let lhs, let rhs):
            let a = try lhs.numeric(variables)
            let b = try rhs.numeric(variables)
            switch op {
            case "+": return a + b
            case "-": return a - b
            case "*": return a * b
            default:
                guard b != 0 else { throw .divisionByZero }
                return a / b
            }
        }
    }
}

/// A `${…}` or file shape the parser refuses.
public struct ScenarioSyntaxError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Why a `${…}` has no value at run time; fails the step.
public enum ScenarioEvaluationError: Error, CustomStringConvertible, Sendable, Equatable {
    case unknownVariable(String, known: [String])
    case notANumber(String, JSONValue)
    case divisionByZero

    public var description: String {
        switch self {
        case .unknownVariable(let name, let known):
            "unknown variable \(name) (known: \(known.joined(separator: ", ")))"
        case .notANumber(let name, let value):
            "\(name) is \(ScenarioRendering.json(value, limit: 80)), not a number"
        case .divisionByZero:
            "division by zero"
        }
    }
}

/// Recursive descent over the characters of one expression.
private struct ExpressionParser {
    let characters: [Character]
    let source: String
    var index = 0

    init(_ source: String) {
        self.source = source
        self.characters = Array(source)
    }

    mutating func skipSpaces() {
        while index < characters.count, characters[index].isWhitespace { index += 1 }
    }

    mutating func peek() -> Character? {
        skipSpaces()
        return index < characters.count ? characters[index] : nil
    }

    mutating func sum() throws(ScenarioSyntaxError) -> ScenarioExpression {
        var result = try product()
        while let op = peek(), op == "+" || op == "-" {
            index += 1
            result = .binary(op, result, try product())
        }
        return result
    }

    mutating func product() throws(ScenarioSyntaxError) -> ScenarioExpression {
        var result = try unary()
        while let op = peek(), op == "*" || op == "/" {
            index += 1
            result = .binary(op, result, try unary())
        }
        return result
    }

    mutating func unary() throws(ScenarioSyntaxError) -> ScenarioExpression {
        if peek() == "-" {
            index += 1
            return .negate(try unary())
        }
        return try primary()
    }

    mutating func primary() throws(ScenarioSyntaxError) -> ScenarioExpression {
        guard let next = peek() else {
            throw ScenarioSyntaxError(source.trimmingSpaces.isEmpty ? "empty ${}" : "${\(source)} ends too early")
        }
        if next == "(" {
            index += 1
            let inner = try sum()
            guard peek() == ")" else { throw ScenarioSyntaxError("missing \")\" in ${\(source)}") }
            index += 1
            return inner
        }
        if next.isNumber || next == "." {
            let start = index
            while index < characters.count, characters[index].isNumber || characters[index] == "." { index += 1 }
            let text = String(characters[start..<index])
            guard let value = Double(text) else { throw ScenarioSyntaxError("\"\(text)\" is not a number in ${\(source)}") }
            return .number(value)
        }
        if next == "_" || (next.isASCII && next.isLetter) {
            let start = index
            while index < characters.count, Self.isIdentifier(characters[index]) { index += 1 }
            return .variable(String(characters[start..<index]))
        }
        throw ScenarioSyntaxError("unexpected \"\(next)\" in ${\(source)}")
    }

    static func isIdentifier(_ character: Character) -> Bool {
        character == "_" || (character.isASCII && (character.isLetter || character.isNumber))
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
