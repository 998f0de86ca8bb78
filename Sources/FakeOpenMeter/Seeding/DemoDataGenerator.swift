import Foundation
import WireFormats

/// Realistic AI-credit events: each tenant has its own users, modules cost differently, each
/// module has its skills, credits are fractional and spread over the plan's days. The plan's
/// `shape` sets how many users, modules, products and skills there are; names past the built-in
/// lists are numbered (`user-31`, `module-9`, `chat-skill-4`).
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

    typealias Module = (name: String, baseCredits: Double, skills: [String])

    /// The shape's modules: the built-in ones first (with their own skills unless a count is set).
    static func modules(_ shape: DataShape) -> [Module] {
        (0..<shape.modules).map { i in
            let base: Module = i < modules.count ? modules[i] : ("module-\(i + 1)", 0.3 + Double(i % 7) * 0.5, [])
            guard let count = shape.skills else {
                return base.skills.isEmpty ? (base.name, base.baseCredits, ["\(base.name)-skill-1"]) : base
            }
            let skills = (0..<count).map { k in k < base.skills.count ? base.skills[k] : "\(base.name)-skill-\(k + 1)" }
            return (base.name, base.baseCredits, skills)
        }
    }

    static func names(_ count: Int, from list: [String], prefix: String) -> [String] {
        (0..<count).map { $0 < list.count ? list[$0] : "\(prefix)-\($0 + 1)" }
    }

    public struct Iterator: IteratorProtocol {
        let plan: SeedPlan
        let tenants: [String]
        var random: SplitMix64
        var index = 0
        let start: Int64
        let span: Int64
        let modules: [Module]
        let products: [String]
        let users: [String]

        init(plan: SeedPlan) {
            self.plan = plan
            tenants = plan.tenantIDs
            random = SplitMix64(seed: plan.seed)
            span = Int64(plan.days) * 86400
            start = plan.end - span
            modules = DemoDataGenerator.modules(plan.shape)
            products = DemoDataGenerator.names(plan.shape.products, from: DemoDataGenerator.products, prefix: "product")
            users = DemoDataGenerator.names(plan.shape.users ?? DemoDataGenerator.firstNames.count, from: DemoDataGenerator.firstNames, prefix: "user")
        }

        public mutating func next() -> CloudEvent? {
            guard index < plan.events else { return nil }
            defer { index += 1 }
            // Times advance with the index (like a live feed) with jitter inside each slot.
            let slot = Double(span) / Double(Swift.max(plan.events, 1))
            let time = start + Int64(Double(index) * slot + random.unit() * slot)
            let tenantIndex = random.below(tenants.count)
            let tenant = tenants[tenantIndex]
            let usersInTenant = plan.shape.users ?? 4 + (tenantIndex * 3) % 9
            let user = "\(users[random.below(usersInTenant)])@\(tenant).example"
            let module = modules[random.below(modules.count)]
            let skill = module.skills[random.below(module.skills.count)]
            let product = products[random.below(products.count)]
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

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same sequence on every
/// platform. Public for the benchmark's seeded shuffle.
public struct SplitMix64 {
    var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
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

    /// Fisher-Yates: every permutation equally likely (up to the modulo's negligible bias).
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(i, Int(next() % UInt64(i + 1)))
        }
    }
}
