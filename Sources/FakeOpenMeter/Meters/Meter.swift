import Foundation

/// OpenMeter's meter aggregations.
public enum MeterAggregation: String, Codable, Sendable, CaseIterable {
    case sum = "SUM", count = "COUNT", uniqueCount = "UNIQUE_COUNT", avg = "AVG", min = "MIN", max = "MAX", latest = "LATEST"
}

/// A meter as the API shows it (`Meter` in the spec).
public struct Meter: Codable, Sendable, Equatable {
    public var id: String
    public var slug: String
    public var name: String?
    public var description: String?
    public var metadata: [String: String]?
    public var aggregation: MeterAggregation
    public var eventType: String
    public var eventFrom: String?
    public var valueProperty: String?
    public var groupBy: [String: String]?
    public var createdAt: String
    public var updatedAt: String
    public var deletedAt: String?

    /// Group-by keys in a stable order (sorted), for columns and CSV.
    public var groupByKeys: [String] { (groupBy ?? [:]).keys.sorted() }

    /// `eventFrom` as Unix seconds, when set.
    var eventFromSeconds: Int64? {
        eventFrom.flatMap { RFC3339Bridge.seconds($0) }
    }
}

/// The body of `POST /api/v1/meters` (`MeterCreate`).
public struct MeterCreate: Decodable, Sendable {
    public var slug: String?
    public var name: String?
    public var description: String?
    public var metadata: [String: String]?
    public var aggregation: String?
    public var eventType: String?
    public var eventFrom: String?
    public var valueProperty: String?
    public var groupBy: [String: String]?
}

/// The body of `PUT /api/v1/meters/{idOrSlug}` (`MeterUpdate`): only these may change.
public struct MeterUpdate: Decodable, Sendable {
    public var name: String?
    public var description: String?
    public var metadata: [String: String]?
    public var groupBy: [String: String]?
}
