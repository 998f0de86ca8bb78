import Foundation

/// Configuration values from the process environment and a `.env` file; the real environment wins.
/// Flags are resolved by the caller first, so the order is flag > env > `.env` > default.
public struct Settings: Sendable {
    public let values: [String: String]

    public init(values: [String: String]) {
        self.values = values
    }

    /// The process environment layered over `.env` in the working directory (or `dotEnvPath`).
    public static func load(dotEnvPath: String = ".env") throws -> Settings {
        var merged = try DotEnv.load(path: dotEnvPath)
        for (key, value) in ProcessInfo.processInfo.environment { merged[key] = value }
        return Settings(values: merged)
    }

    /// A non-empty value, or nil.
    public func string(_ key: String) -> String? {
        guard let value = values[key], !value.isEmpty else { return nil }
        return value
    }

    public func int(_ key: String, in range: ClosedRange<Int>? = nil) throws -> Int? {
        guard let raw = string(key) else { return nil }
        guard let value = Int(raw.trimmingCharacters(in: .whitespaces)) else {
            throw StartupFailure("\(key) must be a whole number, got \"\(raw)\"")
        }
        if let range, !range.contains(value) {
            throw StartupFailure("\(key) must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
        return value
    }

    public func bool(_ key: String) throws -> Bool? {
        guard let raw = string(key)?.lowercased() else { return nil }
        switch raw {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw StartupFailure("\(key) must be true or false, got \"\(raw)\"")
        }
    }
}
