import Foundation
import WireFormats

/// Realistic AI-credit events: each tenant has its own users, modules cost differently, each
/// module has its skills, credits are fractional and spread over the plan's days.
public struct DemoDataGenerator: Sequence {
    let plan: SeedPlan

    public init(plan: SeedPlan) {
        self.plan = plan
    }

    static let modules: [(name: String, baseCredits: Double, skills: [String])] = [
        ("chat", 0.6, ["general-qa", "drafting", "brainstorming"]),
        ("search", 0.25, ["web-search", "document-search"]),
        ("summarize", 1.4, ["meeting-notes", "document-summary"]),
        ("translate", 0.9, ["translate-text", "translate-document"]),
        ("code-assist", 2.2, ["code-review", "code-generation", "test-writing"]),
        ("image", 4.0, ["image-generation"]),
    ]
    static let products = ["assistant", "workspace", "developer-api"]
    static let firstNames = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj"]

    public func makeIterator() -> Iterator {
        Iterator(plan: plan)
    }

    public struct Iterator: IteratorProtocol {
        let plan: SeedPlan
        let tenants: [String]
        var random: SplitMix64
        var index = 0
        let start: Int64
        let span: Int64

        init(plan: SeedPlan) {
            self.plan = plan
            tenants = plan.tenantIDs
            random = SplitMix64(seed: plan.seed)
            span = Int64(plan.days) * 86400
            start = plan.end - span
        }

        public mutating func next() -> CloudEvent? {
            guard index < plan.events else { return nil }
            defer { index += 1 }
            // Times advance with the index (like a live feed) with jitter inside each slot.
            let slot = Double(span) / Double(Swift.max(plan.events, 1))
            let time = start + Int64(Double(index) * slot + random.unit() * slot)
            let tenantIndex = random.below(tenants.count)
            let tenant = tenants[tenantIndex]
            let usersInTenant = 4 + (tenantIndex * 3) % 9
            let user = "\(DemoDataGenerator.firstNames[random.below(usersInTenant)])@\(tenant).example"
            let module = DemoDataGenerator.modules[random.below(DemoDataGenerator.modules.count)]
            let skill = module.skills[random.below(module.skills.count)]
            let product = DemoDataGenerator.products[random.below(DemoDataGenerator.products.count)]
            // Skewed cost: most calls are cheap, a few are several times the base.
            let factor = 0.2 + -log(Swift.max(random.unit(), 1e-9)) * 0.8
            let credits = Swift.max(0.01, (module.baseCredits * factor * 100).rounded() / 100)
            var w = JSONWriter(capacity: 160)
            w.raw("{"); w.key("credits"); w.number(credits)
            w.raw(","); w.key("user"); w.string(user)
            w.raw(","); w.key("module"); w.string(module.name)
            w.raw(","); w.key("product"); w.string(product)
            w.raw(","); w.key("tenant"); w.string(tenant)
            w.raw(","); w.key("skill"); w.string(skill)
            w.raw("}")
            return CloudEvent(
                id: "seed-\(plan.seed)-\(index)", source: "fake-openmeter-seed", type: "ai_credits", subject: tenant,
                time: Swift.min(time, plan.end - 1), data: String(decoding: w.bytes, as: UTF8.self)
            )
        }
    }
}

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same sequence on every platform.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func unit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }

    mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(Swift.max(bound, 1)))
    }
}
