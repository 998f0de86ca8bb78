import Foundation
import Yams

/// YAML → `Scenario`, validated: every problem is reported with the file, line, step and key.
public enum ScenarioParser {
    /// `expectedName` (the file name without `.yaml`) must equal the scenario's `name`.
    public static func parse(_ yaml: String, file: String, expectedName: String? = nil) throws(ScenarioError) -> Scenario {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch {
            throw .invalid(file: file, problems: [ScenarioYAMLReader.syntaxProblem(error)])
        }
        var parser = ScenarioDocumentParser(file: file)
        let scenario = parser.scenario(root, expectedName: expectedName)
        let problems = parser.reader.problems
        guard problems.isEmpty, let scenario else {
            // By line; problems on one line keep the order they were found in.
            let ordered = problems.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
            throw .invalid(file: file, problems: ordered.map(\.element))
        }
        return scenario
    }
}

struct ScenarioDocumentParser {
    let file: String
    var reader = ScenarioYAMLReader()

    init(file: String) { self.file = file }

    static let topKeys = ["name", "description", "variables", "steps", "finally"]
    static let stepKeys = ["name", "request", "expect", "save", "retry", "repeat", "concurrent"]
    static let requestKeys = ["service", "method", "path", "auth", "token", "json", "form", "headers"]
    static let retryKeys = ["timeout", "interval"]

    mutating func scenario(_ root: Node?, expectedName: String?) -> Scenario? {
        guard let root else {
            reader.problems.append(ScenarioProblem(line: 1, location: "", message: "the file is empty"))
            return nil
        }
        let top = YAMLSpot(node: root, context: "", path: "", line: root.mark?.line ?? 1)
        guard let entries = reader.entries(top, allowed: Self.topKeys) else { return nil }
        var name: String?
        var description = ""
        var variables: [ScenarioVariable] = []
        var steps: [ScenarioStep]?
        var cleanup: [ScenarioStep] = []
        for (key, spot) in entries {
            switch key {
            case "name":
                name = reader.string(spot)
                if let name, let expectedName, name != expectedName {
                    reader.fail(spot, "is \"\(name)\" but the file is \(expectedName).yaml; they must match")
                }
            case "description": description = reader.string(spot) ?? ""
            case "variables": variables = self.variables(spot)
            case "steps": steps = self.steps(spot, cleanup: false)
            default: cleanup = self.steps(spot, cleanup: true) ?? []
            }
        }
        if name == nil, !entries.contains(where: { $0.0 == "name" }) { reader.fail(top, "missing key \"name\"") }
        if steps == nil, !entries.contains(where: { $0.0 == "steps" }) { reader.fail(top, "missing key \"steps\"") }
        guard let name, let steps else { return nil }
        return Scenario(name: name, description: description, variables: variables, steps: steps, cleanup: cleanup)
    }

    mutating func variables(_ spot: YAMLSpot) -> [ScenarioVariable] {
        guard let entries = reader.entries(spot, allowed: nil) else { return [] }
        var out: [ScenarioVariable] = []
        for (name, child) in entries {
            guard ScenarioYAMLReader.isIdentifier(name) else {
                reader.fail(child, "a variable name is letters, digits and _ (not starting with a digit)")
                continue
            }
            if let value = reader.value(child) { out.append(ScenarioVariable(name: name, value: value)) }
        }
        return out
    }

    mutating func steps(_ spot: YAMLSpot, cleanup: Bool) -> [ScenarioStep]? {
        guard case .sequence(let sequence) = spot.node else {
            reader.fail(spot, "must be a list of steps, got \(reader.describe(spot.node))")
            return nil
        }
        if sequence.isEmpty, !cleanup {
            reader.fail(spot, "needs at least one step")
            return nil
        }
        var out: [ScenarioStep] = []
        for (offset, node) in sequence.enumerated() {
            let context = "\(cleanup ? "finally step" : "step") \(offset + 1)" + Self.stepName(node).map { " \"\($0)\"" }.orEmpty
            let stepSpot = YAMLSpot(node: node, context: context, path: "", line: node.mark?.line ?? spot.line)
            if let step = step(stepSpot) { out.append(step) }
        }
        return out
    }

    /// The step's name, read ahead so every problem inside the step can name it.
    static func stepName(_ node: Node) -> String? {
        guard case .mapping(let mapping) = node else { return nil }
        for (key, value) in mapping {
            if case .scalar(let k) = key, k.string == "name", case .scalar(let v) = value { return v.string }
        }
        return nil
    }

    mutating func step(_ spot: YAMLSpot) -> ScenarioStep? {
        guard let entries = reader.entries(spot, allowed: Self.stepKeys) else { return nil }
        var name: String?
        var request: ScenarioRequest?
        var expect: ScenarioExpectation?
        var save: [ScenarioSave] = []
        var retry: ScenarioRetry?
        var repeatCount = 1
        var concurrent = false
        var ok = true
        for (key, child) in entries {
            switch key {
            case "name": name = reader.string(child)
            case "request": request = self.request(child); ok = ok && request != nil
            case "expect": expect = self.expectation(child); ok = ok && expect != nil
            case "save": save = self.saves(child)
            case "retry": retry = self.retry(child)
            case "repeat": repeatCount = reader.int(child, in: 1...10_000, what: "between 1 and 10000") ?? 1
            default: concurrent = reader.bool(child) ?? false
            }
        }
        let keys = Set(entries.map(\.0))
        for required in ["name", "request"] where !keys.contains(required) { reader.fail(spot, "missing key \"\(required)\"") }
        if keys.contains("retry"), !keys.contains("expect") {
            reader.fail(spot, "retry needs an expect (the condition to wait for)")
        }
        if keys.contains("concurrent"), !keys.contains("repeat") {
            reader.fail(spot, "concurrent needs repeat (how many sends to make at once)")
        }
        guard ok, let name, let request else { return nil }
        return ScenarioStep(name: name, request: request, expect: expect, save: save, retry: retry,
                            repeatCount: repeatCount, concurrent: concurrent)
    }

    mutating func request(_ spot: YAMLSpot) -> ScenarioRequest? {
        guard let entries = reader.entries(spot, allowed: Self.requestKeys) else { return nil }
        var service: ScenarioService?
        var method = "GET"
        var path: ScenarioText?
        var auth: ScenarioAuth?
        var token: ScenarioText?
        var body = ScenarioBody.none
        var headers: [ScenarioHeader] = []
        for (key, child) in entries {
            switch key {
            case "service":
                guard let text = reader.string(child) else { continue }
                service = ScenarioService(rawValue: text)
                if service == nil {
                    reader.fail(child, "unknown service \"\(text)\" (expected one of: \(ScenarioService.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
            case "method":
                guard let text = reader.string(child) else { continue }
                method = text.uppercased()
                if method.isEmpty || !method.allSatisfy({ $0.isASCII && $0.isLetter }) {
                    reader.fail(child, "\"\(text)\" is not an HTTP method")
                }
            case "path":
                path = reader.text(child)
                if let source = path?.source, !source.hasPrefix("/") { reader.fail(child, "must start with /, got \"\(source)\"") }
            case "auth":
                guard let text = reader.string(child) else { continue }
                auth = ScenarioAuth(rawValue: text)
                if auth == nil {
                    reader.fail(child, "unknown auth \"\(text)\" (expected one of: \(ScenarioAuth.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
            case "token": token = reader.text(child)
            case "json": if let value = reader.value(child) { body = .json(value) }
            case "form": body = form(child)
            default: headers = self.headers(child)
            }
        }
        let keys = Set(entries.map(\.0))
        if keys.contains("json"), keys.contains("form") { reader.fail(spot, "a request has a json body or a form body, not both") }
        if !keys.contains("service") { reader.fail(spot, "missing key \"service\"") }
        if !keys.contains("path") { reader.fail(spot, "missing key \"path\"") }
        guard let service, let path else { return nil }
        return ScenarioRequest(service: service, method: method, path: path, auth: auth, token: token, body: body, headers: headers)
    }

    mutating func form(_ spot: YAMLSpot) -> ScenarioBody {
        guard case .mapping = spot.node else {
            reader.fail(spot, "must be a mapping of form fields, got \(reader.describe(spot.node))")
            return .none
        }
        guard case .object(let members)? = reader.value(spot) else { return .none }
        return .form(members)
    }

    mutating func headers(_ spot: YAMLSpot) -> [ScenarioHeader] {
        guard let entries = reader.entries(spot, allowed: nil) else { return [] }
        return entries.compactMap { name, child in reader.text(child).map { ScenarioHeader(name: name, value: $0) } }
    }

    mutating func saves(_ spot: YAMLSpot) -> [ScenarioSave] {
        guard let entries = reader.entries(spot, allowed: nil) else { return [] }
        var out: [ScenarioSave] = []
        for (name, child) in entries {
            guard ScenarioYAMLReader.isIdentifier(name) else {
                reader.fail(child, "a variable name is letters, digits and _ (not starting with a digit)")
                continue
            }
            guard let text = reader.string(child) else { continue }
            do { out.append(ScenarioSave(variable: name, path: try JSONPath(text))) } catch { reader.fail(child, error.description) }
        }
        return out
    }

    mutating func retry(_ spot: YAMLSpot) -> ScenarioRetry? {
        guard let entries = reader.entries(spot, allowed: Self.retryKeys) else { return nil }
        var timeout: Duration?
        var interval = Duration.milliseconds(200)
        for (key, child) in entries {
            if key == "timeout" { timeout = reader.duration(child) } else { interval = reader.duration(child) ?? interval }
        }
        if !entries.contains(where: { $0.0 == "timeout" }) { reader.fail(spot, "missing key \"timeout\"") }
        return timeout.map { ScenarioRetry(timeout: $0, interval: interval) }
    }
}

extension Optional<String> {
    var orEmpty: String { self ?? "" }
}
