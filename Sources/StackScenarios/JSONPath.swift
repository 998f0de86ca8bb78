import WireFormats

/// A dotted path into a JSON value: `data.0.id` is member `data`, its first element, that element's `id`.
/// `$` alone is the whole value; a leading `$.` says "in the body" where a bare name means something else
/// (`save: {s: status}` is the HTTP status, `save: {s: $.status}` the body's `status`).
public struct JSONPath: Sendable, Equatable, CustomStringConvertible {
    public let segments: [String]
    public let description: String
    /// Written from `$`.
    public let rooted: Bool

    public init(_ text: String) throws(ScenarioSyntaxError) {
        description = text
        rooted = text == "$" || text.hasPrefix("$.")
        if text == "$" {
            segments = []
            return
        }
        let parts = (rooted ? text.dropFirst(2) : Substring(text)).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !parts.contains(where: \.isEmpty) else {
            throw ScenarioSyntaxError("\"\(text)\" is not a dotted path (an empty segment)")
        }
        segments = parts
    }

    /// The value at the path, or nil when a segment is missing. An object member wins over an index
    /// (a key such as "0" is looked up as a key in an object).
    public func lookup(_ root: JSONValue) -> JSONValue? {
        var current = root
        for segment in segments {
            switch current {
            case .object:
                guard let next = current[segment] else { return nil }
                current = next
            case .array(let items):
                guard let index = Int(segment), items.indices.contains(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }
}
