import Foundation
import StackHTTP
import WireFormats

/// The rules OpenMeter applies to meter definitions, with its error wording.
enum MeterValidation {
    static func validSlug(_ slug: String) -> Bool {
        guard (1...64).contains(slug.utf8.count) else { return false }
        // ^[a-z0-9]+(?:_[a-z0-9]+)*$
        var previousUnderscore = true
        for byte in slug.utf8 {
            if byte == UInt8(ascii: "_") {
                if previousUnderscore { return false }
                previousUnderscore = true
            } else if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                previousUnderscore = false
            } else {
                return false
            }
        }
        return !previousUnderscore
    }

    static func validGroupByKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy { b in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "_")
        }
    }

    static func check(groupBy: [String: String]?, valueProperty: String?) throws(HTTPFailure) {
        for (key, path) in groupBy ?? [:] {
            guard validGroupByKey(key) else {
                throw .badRequest("invalid meter group by key: \(key): must consist only of alphanumeric and underscore characters")
            }
            guard JSONPathExpression(path) != nil else {
                throw .badRequest("invalid meter group by: \(key): invalid JSONPath: \(path)")
            }
            if let valueProperty, path == valueProperty {
                throw .badRequest("invalid meter group by: \(key): cannot be the same as value property: \(valueProperty)")
            }
        }
    }

    static func meter(from create: MeterCreate, id: String, now: String) throws(HTTPFailure) -> Meter {
        guard let slug = create.slug, !slug.isEmpty else { throw .badRequest("slug is required") }
        guard validSlug(slug) else {
            throw .badRequest("invalid meter slug: \(slug): must consist only of lowercase alphanumeric and underscore characters, and start with a letter or digit")
        }
        guard let rawAggregation = create.aggregation, !rawAggregation.isEmpty else { throw .badRequest("aggregation is required") }
        guard let aggregation = MeterAggregation(rawValue: rawAggregation) else {
            throw .badRequest("invalid meter aggregation: \(rawAggregation): must be one of \(MeterAggregation.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let eventType = create.eventType, !eventType.isEmpty else { throw .badRequest("eventType is required") }
        if let name = create.name, !(1...256).contains(name.count) { throw .badRequest("name must be between 1 and 256 characters") }
        if let description = create.description, description.count > 1024 { throw .badRequest("description must be at most 1024 characters") }
        var valueProperty = create.valueProperty.flatMap { $0.isEmpty ? nil : $0 }
        if aggregation == .count {
            valueProperty = nil
        } else {
            guard let property = valueProperty else {
                throw .badRequest("valueProperty is required for \(aggregation.rawValue) aggregation")
            }
            guard JSONPathExpression(property) != nil else {
                throw .badRequest("invalid meter value property: \(property): must be a JSONPath starting with $")
            }
        }
        if let eventFrom = create.eventFrom, RFC3339.parse(eventFrom) == nil {
            throw .badRequest("invalid eventFrom: \(eventFrom): must be an RFC 3339 date-time")
        }
        try check(groupBy: create.groupBy, valueProperty: valueProperty)
        return Meter(
            id: id, slug: slug, name: create.name ?? slug, description: create.description, metadata: create.metadata,
            aggregation: aggregation, eventType: eventType, eventFrom: create.eventFrom, valueProperty: valueProperty,
            groupBy: create.groupBy ?? [:], createdAt: now, updatedAt: now, deletedAt: nil
        )
    }
}

enum RFC3339Bridge {
    static func seconds(_ text: String) -> Int64? { RFC3339.parse(text)?.seconds }
}
