import Foundation
import StackClients
import WireFormats

/// Known credit events of two tenants around a fixed range, and what each tool must answer for
/// tenant A, computed here from those same events (never from a server's output).
///
/// Tenant A has events inside `[from, to)`, on both edges (`from` counts, `to` does not), outside the
/// range, and one of another event type. Tenant B has events in the range with distinctive users and
/// values, one of them claiming `tenant: tenant-a` in its data: scoping must follow the subject.
struct CreditFixture {
    struct Spec {
        var offset: Int64
        var credits: Double
        var user: String
        var module: String
        var product: String
        var skill: String
        var type = "ai_credits"
        var dataTenant: String?
    }

    /// One expected row of `get_credit_usage_summary`.
    struct SummaryRow: Hashable {
        var user, module, product, tenant, skill: String
        var credits: Double
    }

    /// One expected row of `get_credit_events`.
    struct EventRow: Equatable {
        var time: Int64
        var user, module, product, tenant: String
        var credits: Double
    }

    static let tenantA = "tenant-a"
    static let tenantB = "tenant-b"

    /// Start of the range: a whole hour three days ago.
    let from: Int64
    /// End of the range (exclusive): two days after `from`.
    let to: Int64
    let events: [IngestEvent]

    /// Things that belong to tenant B (or to A outside the range) and must never show in A's answers.
    let foreignMarkers = ["zed-of-b", "yvonne-of-b", "mallory-of-b", "tenant-b", "777.75", "55.50", "999.50", "outside-user", "other-type-user"]

    static let specsA: [Spec] = [
        Spec(offset: 0, credits: 1.25, user: "alice", module: "chat", product: "assistant", skill: "summarize"),
        Spec(offset: 600, credits: 2.5, user: "alice", module: "chat", product: "assistant", skill: "summarize"),
        Spec(offset: 3600, credits: 0.75, user: "bob", module: "chat", product: "assistant", skill: "translate"),
        Spec(offset: 7200, credits: 4, user: "pipe|user", module: "search", product: "portal", skill: "lookup"),
        Spec(offset: 86400, credits: 0.1, user: "alice", module: "search", product: "portal", skill: "lookup"),
        Spec(offset: 90000, credits: 10, user: "bob", module: "chat", product: "assistant", skill: "translate"),
        Spec(offset: 100_000, credits: 0.2, user: "carol", module: "code", product: "ide", skill: "complete"),
        Spec(offset: 2 * 86400 - 1, credits: 3, user: "dave", module: "chat", product: "assistant", skill: "summarize"),
    ]

    /// Tenant A events that must not count: before `from`, exactly at `to`, and another event type.
    static let specsAOutside: [Spec] = [
        Spec(offset: -1, credits: 100, user: "outside-user", module: "chat", product: "assistant", skill: "summarize"),
        Spec(offset: 2 * 86400, credits: 200, user: "outside-user", module: "chat", product: "assistant", skill: "summarize"),
        Spec(offset: 5000, credits: 300, user: "other-type-user", module: "chat", product: "assistant", skill: "summarize", type: "other_usage"),
    ]

    static let specsB: [Spec] = [
        Spec(offset: 1200, credits: 777.75, user: "zed-of-b", module: "chat", product: "assistant", skill: "summarize"),
        Spec(offset: 50000, credits: 55.5, user: "yvonne-of-b", module: "search", product: "portal", skill: "lookup"),
        Spec(offset: 60000, credits: 999.5, user: "mallory-of-b", module: "chat", product: "assistant", skill: "summarize", dataTenant: tenantA),
    ]

    init(now: Date = Date()) {
        let hour = Int64(now.timeIntervalSince1970) / 3600 * 3600
        from = hour - 3 * 86400
        to = from + 2 * 86400
        var events: [IngestEvent] = []
        let run = UUID().uuidString.prefix(8)
        for (tenant, specs) in [(Self.tenantA, Self.specsA + Self.specsAOutside), (Self.tenantB, Self.specsB)] {
            for (index, spec) in specs.enumerated() {
                events.append(.credit(
                    id: "it-\(run)-\(tenant)-\(index)", subject: tenant, time: from + spec.offset, credits: spec.credits,
                    user: spec.user, module: spec.module, product: spec.product, skill: spec.skill,
                    tenant: spec.dataTenant ?? tenant, type: spec.type, source: "integration-tests"
                ))
            }
        }
        self.events = events
    }

    var fromText: String { RFC3339.format(seconds: from) }
    var toText: String { RFC3339.format(seconds: to) }
    var rangeArguments: [String: String] { ["from": fromText, "to": toText] }

    /// Tenant A's credit events in the range, as the meter and the event list must see them.
    var countedA: [(time: Int64, spec: Spec)] {
        Self.specsA.map { (from + $0.offset, $0) }.filter { $0.time >= from && $0.time < to && $0.spec.type == "ai_credits" }
    }

    var expectedTotal: Double { countedA.reduce(0) { $0 + $1.spec.credits } }

    var expectedSummary: [SummaryRow] {
        var sums: [SummaryRow: Double] = [:]
        for (_, spec) in countedA {
            let key = SummaryRow(user: spec.user, module: spec.module, product: spec.product, tenant: Self.tenantA, skill: spec.skill, credits: 0)
            sums[key, default: 0] += spec.credits
        }
        return sums.map { key, credits in
            var row = key
            row.credits = credits
            return row
        }.sorted { $0.credits > $1.credits }
    }

    /// Newest first.
    var expectedEvents: [EventRow] {
        countedA.map { EventRow(time: $0.time, user: $0.spec.user, module: $0.spec.module, product: $0.spec.product, tenant: Self.tenantA, credits: $0.spec.credits) }
            .sorted { $0.time > $1.time }
    }
}

/// Credits as the markdown shows them: two decimals (the fixture's values never sit on a rounding edge).
func creditsText(_ value: Double) -> String {
    String(format: "%.2f", value)
}

/// Excel's serial date-time (days since 1899-12-30, UTC) of Unix seconds.
func excelSerial(_ unixSeconds: Int64) -> Double {
    Double(unixSeconds) / 86400 + 25569
}
