import Foundation
import Hummingbird
import StackHTTP
import WireFormats

/// Reads query parameters with the OpenAPI validator's rules and wording
/// (`parameter "limit" in query has an error: …`), which is what OpenMeter answers before its handlers run.
struct QueryReader {
    let parameters: [(name: String, value: String)]

    init(_ request: Request) {
        parameters = Self.parse(request.uri.query ?? "")
    }

    /// Splits a query string as Go's `url.ParseQuery` does: `+` is a space and keys are
    /// percent-decoded too (clients send `filterGroupBy%5Bmodel%5D=…`).
    static func parse(_ query: String) -> [(name: String, value: String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let value = parts.count > 1 ? decode(parts[1]) : ""
            return (decode(parts[0]), value)
        }
    }

    private static func decode(_ component: Substring) -> String {
        let spaced = component.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    static func invalid(_ name: String, _ reason: String) -> HTTPFailure {
        .badRequest("parameter \"\(name)\" in query has an error: \(reason)")
    }

    func string(_ name: String) -> String? {
        parameters.first(where: { $0.name == name })?.value
    }

    func strings(_ name: String) -> [String] {
        parameters.filter { $0.name == name }.map(\.value)
    }

    func has(_ name: String) -> Bool {
        parameters.contains { $0.name == name }
    }

    /// Pairs like `filterGroupBy[user]=alice` (deepObject style).
    func deepObject(_ name: String) -> [(key: String, value: String)] {
        let prefix = name + "["
        return parameters.compactMap { parameter in
            guard parameter.name.hasPrefix(prefix), parameter.name.hasSuffix("]") else { return nil }
            let key = String(parameter.name.dropFirst(prefix.count).dropLast())
            return key.isEmpty ? nil : (key, parameter.value)
        }
    }

    func date(_ name: String) throws(HTTPFailure) -> (seconds: Int64, nanos: Int32, raw: String)? {
        guard let raw = string(name) else { return nil }
        guard let parsed = RFC3339.parse(raw) else {
            throw Self.invalid(name, "string doesn't match the format \"date-time\" (regular expression \"^[0-9]{4}-(0[0-9]|10|11|12)-([0-2][0-9]|30|31)T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|(\\+|-)[0-9]{2}:[0-9]{2})?$\")")
        }
        return (parsed.seconds, parsed.nanos, raw)
    }

    func int(_ name: String, range: ClosedRange<Int>) throws(HTTPFailure) -> Int? {
        guard let raw = string(name) else { return nil }
        guard let value = Int(raw) else {
            // Go's strconv tells a well-formed number that does not fit 64 bits from one that is not a number.
            let digits = raw.hasPrefix("-") || raw.hasPrefix("+") ? raw.dropFirst() : Substring(raw)
            let outOfRange = !digits.isEmpty && digits.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
            throw Self.invalid(name, "value \(raw): an invalid integer: \(outOfRange ? "value out of range" : "invalid syntax")")
        }
        if value < range.lowerBound { throw Self.invalid(name, "number must be at least \(range.lowerBound)") }
        if value > range.upperBound { throw Self.invalid(name, "number must be at most \(range.upperBound)") }
        return value
    }

    func enumeration<T: RawRepresentable & CaseIterable>(_ name: String, _ type: T.Type) throws(HTTPFailure) -> T? where T.RawValue == String {
        guard let raw = string(name) else { return nil }
        guard let value = T(rawValue: raw) else {
            let allowed = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ",")
            throw Self.invalid(name, "value is not one of the allowed values [\(allowed)]")
        }
        return value
    }

    /// A parameter whose value is a JSON document (`filter`, `advancedMeterGroupByFilters`).
    func json(_ name: String) throws(HTTPFailure) -> JSONValue? {
        guard let raw = string(name) else { return nil }
        do {
            return try JSONParser.parse(Array(raw.utf8))
        } catch {
            throw Self.invalid(name, "error unmarshaling JSON: \(error.description)")
        }
    }
}
