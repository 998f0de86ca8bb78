import Foundation
import StackConfig

/// fake-stripe's settings (docs/fake-stripe.md "Running it"), resolved flag > env > `.env` > default.
public struct StripeConfiguration: Sendable {
    public static let defaultPort = 12111
    public static let defaultDataPath = "fake-stripe.sqlite"

    public var host = "127.0.0.1"
    public var port = defaultPort
    public var dataPath = defaultDataPath
    public var apiKey: String?
    public var publicURL: String?
    public var webhookURL: String?
    public var webhookSecret: String?
    public var retrySchedule: [Double] = [0.5, 1, 2, 4, 8]
    public var webhookTimeoutSeconds = 10

    public init() {}

    public static func resolve(settings: Settings, flags: [String: String] = [:]) throws -> StripeConfiguration {
        func value(_ key: String) -> String? {
            let raw = flags[key] ?? settings.string(key)
            return raw?.isEmpty == true ? nil : raw
        }
        var config = StripeConfiguration()
        if let host = flags["HOST"] { config.host = host }
        config.port = try SettingValue.integer(value("STRIPE_PORT"), "STRIPE_PORT", 0...65535) ?? defaultPort
        if let path = value("STRIPE_DATA") { config.dataPath = path }
        if let key = value("STRIPE_API_KEY") {
            guard key.hasPrefix("sk_test_"), key.count > 8 else {
                throw StartupFailure("STRIPE_API_KEY must be a test-mode secret key (sk_test_…); fake-stripe never takes live keys")
            }
            config.apiKey = key
        }
        config.publicURL = try value("STRIPE_PUBLIC_URL").map { try url($0, "STRIPE_PUBLIC_URL") }
        config.webhookURL = try value("STRIPE_WEBHOOK_URL").map { try url($0, "STRIPE_WEBHOOK_URL") }
        if let secret = value("STRIPE_WEBHOOK_SECRET") {
            guard secret.hasPrefix("whsec_"), secret.count >= 10 else {
                throw StartupFailure("STRIPE_WEBHOOK_SECRET must look like whsec_… (at least 4 characters after the prefix)")
            }
            config.webhookSecret = secret
        }
        if let schedule = value("STRIPE_WEBHOOK_RETRY_SECONDS") {
            let parts = schedule.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.allSatisfy({ $0.map { $0 >= 0 && $0 <= 86400 } ?? false }) else {
                throw StartupFailure("STRIPE_WEBHOOK_RETRY_SECONDS must be comma-separated waits in seconds (0 to 86400), like 0.5,1,2,4,8; got \(schedule)")
            }
            config.retrySchedule = parts.compactMap { $0 }
        }
        config.webhookTimeoutSeconds = try SettingValue.integer(value("STRIPE_WEBHOOK_TIMEOUT_SECONDS"), "STRIPE_WEBHOOK_TIMEOUT_SECONDS", 1...300) ?? 10
        return config
    }

    static func url(_ raw: String, _ name: String) throws -> String {
        guard let parsed = URL(string: raw), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
            throw StartupFailure("\(name) must be an http(s) URL, got \(raw)")
        }
        return raw.hasSuffix("/") ? String(raw.dropLast()) : raw
    }
}
