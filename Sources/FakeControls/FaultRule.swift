import Foundation

/// One injected fault: requests whose method and path match get `latencyMs` added and,
/// with `probability`, the error `status` instead of the real answer; `count` caps how many
/// requests it hits (nil: until removed).
public struct FaultRule: Codable, Sendable, Equatable {
    public var id: String
    /// Path pattern: `*` matches within one segment, `**` across segments, e.g. `/api/v1/meters/*/query`.
    public var path: String
    /// HTTP method, or nil for any.
    public var method: String?
    /// Error status to answer with, or nil for latency only.
    public var status: Int?
    public var latencyMs: Int
    public var probability: Double
    public var count: Int?
    /// How many requests this rule has hit so far.
    public var hits: Int

    public init(id: String, path: String, method: String?, status: Int?, latencyMs: Int, probability: Double, count: Int?) {
        self.id = id
        self.path = path
        self.method = method
        self.status = status
        self.latencyMs = latencyMs
        self.probability = probability
        self.count = count
        self.hits = 0
    }

    func matches(method: String, path: String) -> Bool {
        if let wanted = self.method, wanted.uppercased() != method.uppercased() { return false }
        return PathPattern.matches(pattern: self.path, path: path)
    }

    var exhausted: Bool {
        if let count { return hits >= count }
        return false
    }
}

/// The body of `POST /_fake/faults`.
public struct FaultRequest: Decodable, Sendable {
    public var path: String?
    public var route: String?
    public var method: String?
    public var status: Int?
    public var latencyMs: Int?
    public var probability: Double?
    public var count: Int?

    /// Checks ranges and returns a rule, or a message saying which field is wrong.
    func rule(id: String) -> Result<FaultRule, FaultValidationError> {
        guard let path = path ?? route, path.hasPrefix("/") else {
            return .failure(.init("path is required and must start with /, e.g. \"/api/v1/meters/*/query\""))
        }
        if let status, !(100...599).contains(status) { return .failure(.init("status must be an HTTP status code (100..599)")) }
        let latency = latencyMs ?? 0
        guard (0...120_000).contains(latency) else { return .failure(.init("latencyMs must be between 0 and 120000")) }
        let probability = self.probability ?? 1
        guard (0...1).contains(probability) else { return .failure(.init("probability must be between 0 and 1")) }
        if let count, count < 1 { return .failure(.init("count must be at least 1")) }
        guard status != nil || latency > 0 else { return .failure(.init("a fault needs a status, a latencyMs, or both")) }
        return .success(FaultRule(id: id, path: path, method: method, status: status, latencyMs: latency, probability: probability, count: count))
    }
}

struct FaultValidationError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
