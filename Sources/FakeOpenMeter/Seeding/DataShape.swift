/// How varied each tenant's usage is: users per tenant, modules, products, and skills per module.
/// `demo` is the small stack's data (few groups a week); `realistic` is a production-like tenant of
/// 30 users, about 4,800 distinct (user, module, product, skill) groups in a 23,000-event week.
public struct DataShape: Codable, Sendable, Equatable {
    /// Users per tenant; nil: 4, 7 or 10, varying by tenant (the demo data).
    public var users: Int?
    public var modules: Int
    public var products: Int
    /// Skills per module; nil: each demo module's own one to three skills.
    public var skills: Int?

    public init(users: Int? = nil, modules: Int = 6, products: Int = 3, skills: Int? = nil) {
        self.users = users
        self.modules = modules
        self.products = products
        self.skills = skills
    }

    public static let demo = DataShape()
    public static let realistic = DataShape(users: 30, modules: 8, products: 5, skills: 4)

    public static let named: [String: DataShape] = ["demo": .demo, "realistic": .realistic]

    public var problem: String? {
        if let users, !(1...100_000).contains(users) { return "users must be between 1 and 100000" }
        if !(1...1000).contains(modules) { return "modules must be between 1 and 1000" }
        if !(1...1000).contains(products) { return "products must be between 1 and 1000" }
        if let skills, !(1...1000).contains(skills) { return "skills must be between 1 and 1000" }
        return nil
    }

    public var summary: String {
        "\(users.map(String.init) ?? "4, 7 or 10") users a tenant, \(modules) modules, \(products) products, \(skills.map(String.init) ?? "1-3") skills a module"
    }
}

extension DataShape {
    /// A named shape (`demo` or `realistic`; default demo) with any of its counts overridden.
    public static func resolve(
        name: String?, users: Int? = nil, modules: Int? = nil, products: Int? = nil, skills: Int? = nil
    ) throws(DataShapeError) -> DataShape {
        var shape = DataShape.demo
        if let name {
            guard let named = Self.named[name] else {
                throw DataShapeError(description: "unknown data shape \(name); use \(Self.named.keys.sorted().joined(separator: " or "))")
            }
            shape = named
        }
        if let users { shape.users = users }
        if let modules { shape.modules = modules }
        if let products { shape.products = products }
        if let skills { shape.skills = skills }
        if let problem = shape.problem { throw DataShapeError(description: problem) }
        return shape
    }
}

public struct DataShapeError: Error, CustomStringConvertible, Sendable {
    public let description: String
}
