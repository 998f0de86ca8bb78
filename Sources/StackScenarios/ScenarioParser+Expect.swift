import Yams

/// `expect:` and its matchers.
extension ScenarioDocumentParser {
    static let expectKeys = ["status", "json", "body", "headers"]
    static let matcherKeys = ["equals", "not", "gt", "gte", "lt", "lte", "contains", "matches", "exists", "length", "oneOf"]

    mutating func expectation(_ spot: YAMLSpot) -> ScenarioExpectation? {
        guard let entries = reader.entries(spot, allowed: Self.expectKeys) else { return nil }
        var expectation = ScenarioExpectation(statuses: nil, json: [], body: nil, headers: [])
        for (key, child) in entries {
            switch key {
            case "status": expectation.statuses = statuses(child)
            case "json":
                guard let members = reader.entries(child, allowed: nil) else { continue }
                for (path, matcherSpot) in members {
                    let parsed: JSONPath
                    do { parsed = try JSONPath(path) } catch {
                        reader.fail(matcherSpot, error.description)
                        continue
                    }
                    if let check = check(matcherSpot) { expectation.json.append(ScenarioJSONCheck(path: parsed, check: check)) }
                }
            case "body": expectation.body = check(child)
            default:
                guard let members = reader.entries(child, allowed: nil) else { continue }
                for (name, matcherSpot) in members {
                    if let check = check(matcherSpot) { expectation.headers.append(ScenarioHeaderCheck(name: name, check: check)) }
                }
            }
        }
        return expectation
    }

    /// `200` or `[200, 201]`.
    mutating func statuses(_ spot: YAMLSpot) -> [Int]? {
        if case .sequence(let sequence) = spot.node {
            guard !sequence.isEmpty else {
                reader.fail(spot, "must list at least one status")
                return nil
            }
            let codes = sequence.enumerated().map { reader.int(spot.element($0.offset, $0.element), in: 100...599, what: "an HTTP status") }
            return codes.contains(nil) ? nil : codes.compactMap { $0 }
        }
        return reader.int(spot, in: 100...599, what: "an HTTP status").map { [$0] }
    }

    /// A literal (equality) or a mapping of matchers, all of which must hold.
    mutating func check(_ spot: YAMLSpot) -> ScenarioCheck? {
        guard case .mapping = spot.node else { return reader.value(spot).map { .equals($0) } }
        guard let entries = reader.entries(spot, allowed: nil) else { return nil }
        guard !entries.isEmpty else {
            reader.fail(spot, "an empty mapping is no expectation; name a matcher (\(Self.matcherKeys.joined(separator: ", ")))")
            return nil
        }
        var checks: [ScenarioCheck] = []
        for (key, child) in entries {
            guard let parsed = matcher(key, child) else { continue }
            checks.append(parsed)
        }
        guard checks.count == entries.count else { return nil }
        return checks.count == 1 ? checks[0] : .all(checks)
    }

    private mutating func matcher(_ key: String, _ spot: YAMLSpot) -> ScenarioCheck? {
        switch key {
        case "equals": return reader.value(spot).map { .equals($0) }
        case "not": return check(spot).map { .not($0) }
        case "gt", "gte", "lt", "lte":
            guard case .scalar = spot.node else {
                reader.fail(spot, "must be a number or a string to compare with, got \(reader.describe(spot.node))")
                return nil
            }
            return reader.value(spot).map { .compare(ScenarioComparison(rawValue: key)!, $0) }
        case "contains": return reader.value(spot).map { .contains($0) }
        case "matches":
            guard let pattern = reader.string(spot) else { return nil }
            do { _ = try Regex(pattern) } catch {
                reader.fail(spot, "\"\(pattern)\" is not a regular expression: \(error)")
                return nil
            }
            return .matches(pattern)
        case "exists": return reader.bool(spot).map { .exists($0) }
        case "length": return check(spot).map { .length($0) }
        case "oneOf":
            guard case .array(let options)? = reader.value(spot) else {
                if case .sequence = spot.node {} else { reader.fail(spot, "must be a list of values") }
                return nil
            }
            return .oneOf(options)
        default:
            reader.fail(spot, "unknown matcher \"\(key)\" (matchers: \(Self.matcherKeys.joined(separator: ", "))); "
                + "to compare with a whole object write {equals: {…}}")
            return nil
        }
    }
}
