import WireFormats

/// The `validationError` OpenMeter attaches to listed events whose data fails the meters of
/// their event type (several errors joined by a newline).
struct EventValidator {
    let metersByType: [String: [Meter]]

    init(meters: [Meter]) {
        metersByType = Dictionary(grouping: meters, by: \.eventType)
    }

    func validationError(for event: CloudEvent) -> String? {
        guard let meters = metersByType[event.type], !meters.isEmpty else {
            return "no meter found for event type: \(event.type)"
        }
        let data = event.data.flatMap { try? JSONParser.parse(Array($0.utf8)) }
        var errors: [String] = []
        for meter in meters {
            guard meter.aggregation != .count, let property = meter.valueProperty else { continue }
            if let error = Self.check(value: Self.lookup(property, in: data), property: property, aggregation: meter.aggregation) {
                if !errors.contains(error) { errors.append(error) }
            }
        }
        return errors.isEmpty ? nil : errors.joined(separator: "\n")
    }

    static func check(value: JSONValue?, property: String, aggregation: MeterAggregation) -> String? {
        guard let value, !value.isNull else { return "invalid event: missing value property: \"\(property)\"" }
        if aggregation == .uniqueCount {
            if case .string = value { return nil }
            return "invalid event: value property must be a string for unique count aggregation: \"\(property)\""
        }
        switch value {
        case .number: return nil
        case .string(let text):
            guard let number = Double(text) else { return "invalid event: value cannot be parsed as float64: \"\(text)\"" }
            if number.isNaN { return "invalid event: value cannot be NaN" }
            if number.isInfinite { return "invalid event: value cannot be infinity" }
            return nil
        default:
            return "invalid event: value property cannot be parsed: \"\(property)\""
        }
    }

    /// Follows a meter path (`$.a.b`, `$.a[0]`) through parsed data.
    static func lookup(_ path: String, in data: JSONValue?) -> JSONValue? {
        guard var current = data, let expression = JSONPathExpression(path) else { return nil }
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
