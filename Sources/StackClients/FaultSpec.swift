import WireFormats

/// A fault to inject with `POST /_fake/faults`: requests matching `path` (and `method`) get
/// `latencyMs` added and, with `probability`, the error `status` instead of the real answer,
/// for at most `count` requests (nil: until removed).
public struct FaultSpec: Sendable, Equatable {
    /// OpenMeter's meter query route, as a fault path pattern.
    public static let meterQueryPath = "/api/v1/meters/*/query"
    /// OpenMeter's v2 event list route.
    public static let eventListPath = "/api/v2/events"
    /// Every OpenMeter API route.
    public static let everyAPIPath = "/api/**"

    /// Path pattern: `*` matches within one segment, `**` across segments.
    public var path: String
    /// HTTP method, or nil for any.
    public var method: String?
    /// Error status to answer with, or nil for latency only.
    public var status: Int?
    public var latencyMs: Int
    public var probability: Double
    public var count: Int?

    public init(path: String, method: String? = nil, status: Int? = nil, latencyMs: Int = 0, probability: Double = 1, count: Int? = nil) {
        self.path = path
        self.method = method
        self.status = status
        self.latencyMs = latencyMs
        self.probability = probability
        self.count = count
    }

    /// The request body.
    var json: [UInt8] {
        var members: [(key: String, value: JSONValue)] = [("path", .string(path))]
        if let method { members.append(("method", .string(method))) }
        if let status { members.append(("status", .number(Double(status)))) }
        members.append(("latencyMs", .number(Double(latencyMs))))
        members.append(("probability", .number(probability)))
        if let count { members.append(("count", .number(Double(count)))) }
        var w = JSONWriter(capacity: 128)
        w.value(.object(members))
        return w.bytes
    }
}
