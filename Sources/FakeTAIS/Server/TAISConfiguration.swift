import Foundation
import StackConfig

/// fake-tais's settings (docs/fake-tais.md "Running it"), resolved flag > env > `.env` > default.
public struct TAISConfiguration: Sendable {
    public static let defaultPort = 5001
    public static let defaultDataPath = "fake-tais.sqlite"

    public var host = "127.0.0.1"
    public var port = defaultPort
    public var dataPath = defaultDataPath
    public var openMeterURL = "http://127.0.0.1:8888"
    public var openMeterAPIKey: String?
    public var toolTTLSeconds = 3600
    public var creditsPerMessage: Double = 1
    public var creditsPerUSD: Double = 100
    public var keyGraceSeconds = 3600
    public var jwtLeewaySeconds = 30
    public var toolTimeoutSeconds = 30
    /// Stripe's API (fake-stripe by default) for prepaid top-ups.
    public var stripeURL = "http://127.0.0.1:12111"
    public var stripeSecretKey = "sk_test_credits_stack_dev"
    public var stripeWebhookSecret = "whsec_credits_stack_dev"
    /// Base of the checkout's success and cancel URLs; nil is `http://<host>:<bound port>`.
    public var publicURL: String?
    public var topUpMinUSD = 5
    public var topUpMaxUSD = 10_000

    public init() {}

    /// `flags` holds command-line values by env name; they win over `settings`.
    public static func resolve(settings: Settings, flags: [String: String] = [:]) throws -> TAISConfiguration {
        func value(_ key: String) -> String? { flags[key] ?? settings.string(key) }
        var config = TAISConfiguration()
        if let host = flags["HOST"] { config.host = host }
        config.port = try SettingValue.integer(value("TAIS_PORT"), "TAIS_PORT", 0...65535) ?? defaultPort
        if let path = value("TAIS_DATA") { config.dataPath = path }
        if let url = value("OPENMETER_URL") { config.openMeterURL = try httpURL(url, "OPENMETER_URL", example: "http://127.0.0.1:8888") }
        config.openMeterAPIKey = value("OPENMETER_API_KEY")
        config.toolTTLSeconds = try SettingValue.integer(value("TAIS_TOOL_TTL_SECONDS"), "TAIS_TOOL_TTL_SECONDS", 1...31_536_000) ?? 3600
        config.creditsPerMessage = try SettingValue.number(value("CHAT_CREDITS_PER_MESSAGE"), "CHAT_CREDITS_PER_MESSAGE", 0...1_000_000) ?? 1
        config.creditsPerUSD = try SettingValue.number(value("CREDITS_PER_USD"), "CREDITS_PER_USD", 0.000001...1_000_000) ?? 100
        config.keyGraceSeconds = try SettingValue.integer(value("TAIS_KEY_GRACE_SECONDS"), "TAIS_KEY_GRACE_SECONDS", 0...31_536_000) ?? 3600
        config.jwtLeewaySeconds = try SettingValue.integer(value("TAIS_JWT_LEEWAY_SECONDS"), "TAIS_JWT_LEEWAY_SECONDS", 0...600) ?? 30
        config.toolTimeoutSeconds = try SettingValue.integer(value("TAIS_TOOL_TIMEOUT_SECONDS"), "TAIS_TOOL_TIMEOUT_SECONDS", 1...600) ?? 30
        if let url = value("STRIPE_URL") { config.stripeURL = try httpURL(url, "STRIPE_URL", example: "http://127.0.0.1:12111") }
        // An empty setting reads as unset, so these are never empty.
        if let key = value("STRIPE_SECRET_KEY") { config.stripeSecretKey = key }
        if let secret = value("STRIPE_WEBHOOK_SECRET") { config.stripeWebhookSecret = secret }
        if let url = value("TAIS_PUBLIC_URL") { config.publicURL = try httpURL(url, "TAIS_PUBLIC_URL", example: "http://localhost:5001") }
        // Stripe takes at most $999,999.99 in one payment.
        config.topUpMinUSD = try SettingValue.integer(value("TOPUP_MIN_USD"), "TOPUP_MIN_USD", 1...999_999) ?? 5
        config.topUpMaxUSD = try SettingValue.integer(value("TOPUP_MAX_USD"), "TOPUP_MAX_USD", 1...999_999) ?? 10_000
        guard config.topUpMinUSD <= config.topUpMaxUSD else {
            throw StartupFailure("TOPUP_MIN_USD (\(config.topUpMinUSD)) must not be above TOPUP_MAX_USD (\(config.topUpMaxUSD))")
        }
        return config
    }

    /// An absolute http(s) URL without its trailing slash, or a `StartupFailure` naming `name`.
    static func httpURL(_ raw: String, _ name: String, example: String) throws -> String {
        guard let parsed = URL(string: raw), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
            throw StartupFailure("\(name) must be an http(s) URL like \(example), got \(raw)")
        }
        return raw.hasSuffix("/") ? String(raw.dropLast()) : raw
    }
}
