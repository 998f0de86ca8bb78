import Foundation
import StackHTTP
import WireFormats

public enum WindowSize: String, Sendable, CaseIterable {
    case minute = "MINUTE", hour = "HOUR", day = "DAY", month = "MONTH"
}

/// A meter query from either the GET parameters or the POST body, already validated.
struct MeterQueryRequest {
    struct Bound {
        var seconds: Int64
        var nanos: Int32
        /// As the client sent it: OpenMeter echoes `from`/`to` unchanged.
        var raw: String
    }

    var from: Bound?
    var to: Bound?
    var windowSize: WindowSize?
    var timeZone: TimeZone = TimeZone(identifier: "UTC") ?? .current
    var subjects: [String] = []
    var filterGroupBy: [(key: String, values: [String])] = []
    var advancedFilters: [(key: String, filter: JSONValue)] = []
    var groupBy: [String] = []

    static func timeZone(_ name: String) throws(HTTPFailure) -> TimeZone {
        guard let zone = TimeZone(identifier: name) else { throw .badRequest("invalid time zone: unknown time zone \(name)") }
        return zone
    }

    init() {}

    /// `GET …/query`: repeated `subject` and `groupBy`, deepObject `filterGroupBy[key]=value`,
    /// JSON `advancedMeterGroupByFilters`.
    init(query: QueryReader) throws(HTTPFailure) {
        if let from = try query.date("from") { self.from = Bound(seconds: from.seconds, nanos: from.nanos, raw: from.raw) }
        if let to = try query.date("to") { self.to = Bound(seconds: to.seconds, nanos: to.nanos, raw: to.raw) }
        windowSize = try query.enumeration("windowSize", WindowSize.self)
        if let zone = query.string("windowTimeZone") { timeZone = try Self.timeZone(zone) }
        subjects = query.strings("subject")
        groupBy = query.strings("groupBy")
        var filters: [(key: String, values: [String])] = []
        for (key, value) in query.deepObject("filterGroupBy") {
            if let index = filters.firstIndex(where: { $0.key == key }) {
                filters[index].values.append(value)
            } else {
                filters.append((key, [value]))
            }
        }
        filterGroupBy = filters
        if let advanced = try query.json("advancedMeterGroupByFilters") {
            guard case .object(let members) = advanced else {
                throw QueryReader.invalid("advancedMeterGroupByFilters", "must be a JSON object of filters by group-by key")
            }
            advancedFilters = members.map { ($0.key, $0.value) }
        }
    }

    /// `POST …/query` with a `MeterQueryRequest` JSON body.
    init(body: [UInt8]) throws(HTTPFailure) {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw .badRequest("request body has an error: failed to decode request body: \(error.description)")
        }
        guard case .object(let members) = json else {
            throw .badRequest("request body has an error: doesn't match schema: value must be an object")
        }
        func field(_ message: String) -> HTTPFailure { .badRequest("request body has an error: doesn't match schema: \(message)") }
        for (key, value) in members where !value.isNull {
            switch key {
            case "from", "to":
                guard let text = value.stringValue, let parsed = RFC3339.parse(text) else {
                    throw field("Error at \"/\(key)\": string doesn't match the format \"date-time\"")
                }
                let bound = Bound(seconds: parsed.seconds, nanos: parsed.nanos, raw: text)
                if key == "from" { from = bound } else { to = bound }
            case "windowSize":
                guard let text = value.stringValue, let size = WindowSize(rawValue: text) else {
                    throw field("Error at \"/windowSize\": value is not one of the allowed values [\"MINUTE\",\"HOUR\",\"DAY\",\"MONTH\"]")
                }
                windowSize = size
            case "windowTimeZone":
                guard let text = value.stringValue else { throw field("Error at \"/windowTimeZone\": value must be a string") }
                timeZone = try Self.timeZone(text)
            case "subject", "groupBy", "filterCustomerId":
                guard case .array(let items) = value, let strings = Self.strings(items) else {
                    throw field("Error at \"/\(key)\": value must be an array of strings")
                }
                guard strings.count <= 100 else { throw field("Error at \"/\(key)\": maximum number of items is 100") }
                if key == "subject" { subjects = strings } else if key == "groupBy" { groupBy = strings }
            case "filterGroupBy":
                guard case .object(let filters) = value else { throw field("Error at \"/filterGroupBy\": value must be an object") }
                for (groupKey, groupValues) in filters {
                    guard case .array(let items) = groupValues, let strings = Self.strings(items) else {
                        throw field("Error at \"/filterGroupBy/\(groupKey)\": value must be an array of strings")
                    }
                    filterGroupBy.append((groupKey, strings))
                }
            case "advancedMeterGroupByFilters":
                guard case .object(let filters) = value else {
                    throw field("Error at \"/advancedMeterGroupByFilters\": value must be an object")
                }
                advancedFilters = filters.map { ($0.key, $0.value) }
            case "clientId":
                guard value.stringValue != nil else { throw field("Error at \"/clientId\": value must be a string") }
            default:
                continue
            }
        }
    }

    private static func strings(_ items: [JSONValue]) -> [String]? {
        var out: [String] = []
        for item in items {
            guard let s = item.stringValue else { return nil }
            out.append(s)
        }
        return out
    }
}
