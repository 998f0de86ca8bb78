import Foundation
import Yams

/// A YAML node with where it sits, for messages: the step it belongs to, its key path there, its line.
struct YAMLSpot {
    var node: Node
    /// `step 3 "pay with 4242"`, `finally step 1 "clear faults"`, or empty at the top level.
    var context: String
    var path: String
    var line: Int

    func child(_ key: String, _ node: Node, line: Int) -> YAMLSpot {
        YAMLSpot(node: node, context: context, path: path.isEmpty ? key : "\(path).\(key)", line: line)
    }

    func element(_ index: Int, _ node: Node) -> YAMLSpot {
        YAMLSpot(node: node, context: context, path: "\(path)[\(index)]", line: node.mark?.line ?? line)
    }

    var location: String { [context, path].filter { !$0.isEmpty }.joined(separator: ": ") }
}

/// Reads the shapes a scenario is made of, collecting every problem instead of stopping at the first.
struct ScenarioYAMLReader {
    var problems: [ScenarioProblem] = []

    mutating func fail(_ spot: YAMLSpot, _ message: String) {
        problems.append(ScenarioProblem(line: spot.line, location: spot.location, message: message))
    }

    /// The entries of a mapping in file order; a key outside `allowed` is a problem (typos must not pass silently).
    mutating func entries(_ spot: YAMLSpot, allowed: [String]?) -> [(String, YAMLSpot)]? {
        guard case .mapping(let mapping) = spot.node else {
            fail(spot, "must be a mapping, got \(describe(spot.node))")
            return nil
        }
        var out: [(String, YAMLSpot)] = []
        for (keyNode, value) in mapping {
            let line = keyNode.mark?.line ?? spot.line
            guard case .scalar(let key) = keyNode else {
                fail(YAMLSpot(node: keyNode, context: spot.context, path: spot.path, line: line), "keys must be strings")
                continue
            }
            let child = spot.child(key.string, value, line: line)
            if let allowed, !allowed.contains(key.string) {
                fail(child, "unknown key (expected one of: \(allowed.joined(separator: ", ")))")
                continue
            }
            out.append((key.string, child))
        }
        return out
    }

    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar): return isNull(node) ? "null" : "\"\(scalar.string)\""
        }
    }

    mutating func string(_ spot: YAMLSpot) -> String? {
        guard case .scalar(let scalar) = spot.node, !isNull(spot.node) else {
            fail(spot, "must be a string, got \(describe(spot.node))")
            return nil
        }
        return scalar.string
    }

    /// A scalar with `${…}` parts (numbers and booleans are taken as their text).
    mutating func text(_ spot: YAMLSpot) -> ScenarioText? {
        guard let raw = string(spot) else { return nil }
        do { return try ScenarioText(parsing: raw) } catch {
            fail(spot, error.description)
            return nil
        }
    }

    /// Any YAML value. Plain scalars are typed as JSON types are (`true`, `false`, `null`, numbers; not YAML 1.1's
    /// `yes`/`on`); quoted ones are always strings.
    mutating func value(_ spot: YAMLSpot) -> ScenarioValue? {
        switch spot.node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if isNull(spot.node) { return .null }
                if scalar.string == "true" { return .bool(true) }
                if scalar.string == "false" { return .bool(false) }
                if let number = Self.number(scalar.string) { return .number(number) }
            }
            return text(spot).map { .text($0) }
        case .sequence(let sequence):
            var items: [ScenarioValue] = []
            var ok = true
            for (index, node) in sequence.enumerated() {
                if let item = value(spot.element(index, node)) { items.append(item) } else { ok = false }
            }
            return ok ? .array(items) : nil
        case .mapping:
            guard let entries = entries(spot, allowed: nil) else { return nil }
            var members: [ScenarioMember] = []
            var ok = true
            for (key, child) in entries {
                if let item = value(child) { members.append(ScenarioMember(key: key, value: item)) } else { ok = false }
            }
            return ok ? .object(members) : nil
        case .alias:
            fail(spot, "YAML aliases are not supported")
            return nil
        }
    }

    /// Decimal notation only: "0x10", "inf" and "1_000" stay strings.
    static func number(_ text: String) -> Double? {
        guard let first = text.first, first.isNumber || first == "-" || first == "+" || first == ".",
              text.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }),
              let value = Double(text), value.isFinite else { return nil }
        return value
    }

    mutating func int(_ spot: YAMLSpot, in range: ClosedRange<Int>, what: String) -> Int? {
        guard case .scalar(let scalar) = spot.node, scalar.style == .plain, let value = Int(scalar.string) else {
            fail(spot, "must be a whole number, got \(describe(spot.node))")
            return nil
        }
        guard range.contains(value) else {
            fail(spot, "must be \(what), got \(value)")
            return nil
        }
        return value
    }

    mutating func bool(_ spot: YAMLSpot) -> Bool? {
        if case .scalar(let scalar) = spot.node, scalar.style == .plain {
            if scalar.string == "true" { return true }
            if scalar.string == "false" { return false }
        }
        fail(spot, "must be true or false, got \(describe(spot.node))")
        return nil
    }

    mutating func duration(_ spot: YAMLSpot) -> Duration? {
        guard let text = string(spot) else { return nil }
        guard let duration = Self.duration(text), duration > .zero else {
            fail(spot, "must be a positive duration such as 500ms, 2s, 1.5s or 1m, got \"\(text)\"")
            return nil
        }
        return duration
    }

    /// `500ms`, `2s`, `1.5s`, `1m`.
    static func duration(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        for (suffix, seconds) in units where text.hasSuffix(suffix) {
            let number = String(text.dropLast(suffix.count))
            guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }), let value = Double(number) else { return nil }
            return .milliseconds(Int64((value * seconds * 1000).rounded()))
        }
        return nil
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
        return name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }

    static func syntaxProblem(_ error: any Error) -> ScenarioProblem {
        if let yaml = error as? YamlError {
            switch yaml {
            case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
                return ScenarioProblem(line: mark.line, location: "", message: "not valid YAML: \(problem)")
            case let .duplicatedKeysInMapping(duplicates, context):
                let keys = duplicates.map { "\"\($0)\"" }.sorted().joined(separator: ", ")
                return ScenarioProblem(line: context.mark.line, location: "", message: "duplicate key \(keys)")
            default:
                break
            }
        }
        return ScenarioProblem(line: 0, location: "", message: "not valid YAML: \(error)")
    }
}
