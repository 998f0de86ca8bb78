import Foundation

/// What `fake-openmeter seed` and `POST /_fake/seed` generate. Same plan, same events:
/// ids, times and values all derive from `seed` and `end`.
public struct SeedPlan: Codable, Sendable, Equatable {
    public var tenants: Int
    public var events: Int
    public var days: Int
    public var seed: UInt64
    /// Unix seconds the events end before; defaults to the last whole hour before now, so no event lies in the
    /// future (a "this month" answer does not change while nothing happens) and a re-run within the hour matches.
    public var end: Int64
    /// Users, modules, products and skills; `.demo` unless set.
    public var shape: DataShape

    public static let maximumEvents = 20_000_000

    public init(tenants: Int = 3, events: Int = 2_000, days: Int = 30, seed: UInt64 = 42, end: Int64? = nil, shape: DataShape = .demo) {
        self.tenants = tenants
        self.events = events
        self.days = days
        self.seed = seed
        self.end = end ?? Self.lastWholeHour()
        self.shape = shape
    }

    public static func lastWholeHour(now: Date = Date()) -> Int64 {
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        return (seconds - ((seconds % 3600) + 3600) % 3600)
    }

    /// A reason the plan cannot run, or nil.
    public var problem: String? {
        if !(1...1000).contains(tenants) { return "tenants must be between 1 and 1000" }
        if !(0...Self.maximumEvents).contains(events) { return "events must be between 0 and \(Self.maximumEvents)" }
        if !(1...3660).contains(days) { return "days must be between 1 and 3660" }
        return shape.problem
    }

    /// Tenant ids the plan uses: `tenant-01`, `tenant-02`, …
    public var tenantIDs: [String] {
        (1...max(tenants, 1)).map { String(format: "tenant-%02d", $0) }
    }
}
