import WireFormats

/// The `validationError` OpenMeter attaches to listed events whose data fails the meters of
/// their event type (several errors joined by a newline).
struct EventValidator {
    /// A meter's value rule, its path parsed once per listing rather than once per event.
    struct Rule {
        var aggregation: MeterAggregation
        var property: String?
        var path: JSONPathExpression?
    }

    let rulesByType: [String: [Rule]]

    init(meters: [Meter]) {
        rulesByType = Dictionary(grouping: meters, by: \.eventType).mapValues { meters in
            meters.map { Rule(aggregation: $0.aggregation, property: $0.valueProperty, path: $0.valueProperty.flatMap(JSONPathExpression.init)) }
        }
    }

    func validationError(for event: CloudEvent) -> String? {
        guard let rules = rulesByType[event.type], !rules.isEmpty else {
            return "no meter found for event type: \(event.type)"
        }
        // COUNT meters take any event: most listings need not parse the data at all.
        guard rules.contains(where: { $0.aggregation != .count }) else { return nil }
        let data = event.data.flatMap { Self.relevantData($0, rules: rules) }
        var errors: [String] = []
        for rule in rules where rule.aggregation != .count {
            if let error = Self.check(data: data, property: rule.property, path: rule.path, aggregation: rule.aggregation) {
                if !errors.contains(error) { errors.append(error) }
            }
        }
        return errors.isEmpty ? nil : errors.joined(separator: "\n")
    }

    /// The data with only the top-level members the rules' paths start at (stored data is always one
    /// valid JSON object): listing validates every event, and building the whole tree of each costs more
    /// than reading it.
    static func relevantData(_ text: String, rules: [Rule]) -> JSONValue? {
        var wanted: Set<String> = []
        for rule in rules where rule.aggregation != .count {
            guard case .key(let first)? = rule.path?.steps.first else { return try? JSONParser.parse(Array(text.utf8)) }
            wanted.insert(first)
        }
        var parser = JSONParser(bytes: Array(text.utf8))
        guard parser.peek() == UInt8(ascii: "{") else { return try? JSONParser.parse(Array(text.utf8)) }
        var members: [(key: String, value: JSONValue)] = []
        do {
            try parser.parseObjectMembers { (key, p) throws(JSONParser.Failure) in
                if wanted.contains(key) { members.append((key, try p.parseValue())) } else { try p.skipValue() }
            }
        } catch {
            return nil
        }
        return .object(members)
    }

    /// OpenMeter's `meter.ParseEvent` checks, in its order: data null or absent, then the value
    /// property's presence, then a null value, then the aggregation's type rules.
    static func check(data: JSONValue?, property: String?, path: JSONPathExpression?, aggregation: MeterAggregation) -> String? {
        guard let data, !data.isNull else { return "invalid event: null and missing value property" }
        guard let property else { return "invalid event: non count meter value property is missing" }
        guard let value = lookup(path, in: data) else { return "invalid event: missing value property: \"\(property)\"" }
        if value.isNull { return "invalid event: value cannot be null" }
        // UNIQUE_COUNT takes any value, formatted as text.
        if aggregation == .uniqueCount { return nil }
        switch value {
        case .number:
            return nil  // JSON numbers are finite
        case .string(let text):
            guard let number = goParseFloat(text) else { return "invalid event: value cannot be parsed as float64: \(text)" }
            if number.isNaN { return "invalid event: value cannot be NaN" }
            if number.isInfinite { return "invalid event: value cannot be infinity" }
            return nil
        case .bool:
            return "invalid event: unsupported value property type: bool"
        case .object:
            return "invalid event: unsupported value property type: map[string]interface {}"
        case .array:
            return "invalid event: unsupported value property type: []interface {}"
        case .null:
            return "invalid event: value cannot be null"
        }
    }

    /// Go's `strconv.ParseFloat(text, 64)`: like Swift's parser, except that a finite literal too large
    /// for a double is an error in Go (ErrRange), while only `inf`/`infinity` spell infinity.
    static func goParseFloat(_ text: String) -> Double? {
        guard let number = Double(text) else { return nil }
        if number.isInfinite {
            var word = text.lowercased()
            if word.hasPrefix("+") || word.hasPrefix("-") { word.removeFirst() }
            guard word == "inf" || word == "infinity" else { return nil }
        }
        return number
    }

    /// Follows a meter path (`$.a.b`, `$.a[0]`) through parsed data.
    static func lookup(_ expression: JSONPathExpression?, in data: JSONValue?) -> JSONValue? {
        guard var current = data, let expression else { return nil }
        for step in expression.steps {
            switch step {
            case .key(let key):
                guard let next = current[key] else { return nil }
                current = next
            case .index(let index):
                guard case .array(let items) = current, index < items.count else { return nil }
                current = items[index]
            }
        }
        return current
    }
}
