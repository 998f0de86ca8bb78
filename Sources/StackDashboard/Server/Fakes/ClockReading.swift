/// One fake's clock after a change, as `/api/fakes/clock` answers it.
struct ClockReading: Codable, Sendable, Equatable {
    var process: String
    var now: String
    var mode: String
    var offsetSeconds: Double
}

/// fake-openmeter faults the dashboard switches as one: each on every `/api/**` request.
enum OpenMeterFaultKind: String, CaseIterable, Sendable {
    case outage, latency, rateLimit = "rate_limit"

    /// The `/_fake/faults` rule.
    var rule: [String: Any] {
        switch self {
        case .outage: ["path": "/api/**", "status": 503]
        case .latency: ["path": "/api/**", "latencyMs": 1500]
        case .rateLimit: ["path": "/api/**", "status": 429]
        }
    }
}
