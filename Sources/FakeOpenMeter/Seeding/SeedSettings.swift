import Foundation
import Yams

/// Seed settings from a YAML file (`compose/seed.yaml`): the demo data the stack starts with.
/// Every key is optional; command-line flags win over the file, the file over the defaults.
public struct SeedSettings: Decodable, Sendable, Equatable {
    public var tenants: Int?
    public var events: Int?
    public var days: Int?
    public var seed: UInt64?
    /// RFC 3339 instant the events end before; absent: the last whole hour before now.
    public var end: String?
    /// `demo` or `realistic`; the four counts below override it.
    public var shape: String?
    public var users: Int?
    public var modules: Int?
    public var products: Int?
    public var skills: Int?

    public init(tenants: Int? = nil, events: Int? = nil, days: Int? = nil, seed: UInt64? = nil, end: String? = nil) {
        self.tenants = tenants
        self.events = events
        self.days = days
        self.seed = seed
        self.end = end
    }

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func load(path: String) throws(LoadError) -> SeedSettings {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw LoadError(description: "cannot read seed settings \(path): \(error.localizedDescription)")
        }
        do {
            return try YAMLDecoder().decode(SeedSettings.self, from: text)
        } catch {
            throw LoadError(description: "seed settings \(path) are invalid: \(error)")
        }
    }
}
