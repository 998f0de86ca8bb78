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

    public init() {}

    /// `flags` holds command-line values by env name; they win over `settings`.
    public static func resolve(settings: Settings, flags: [String: String] = [:]) throws -> TAISConfiguration {
        func value(_ key: String) -> String? { flags[key] ?? settings.string(key) }
        var config = TAISConfiguration()
        if let host = flags["HOST"] { config.host = host }
        config.port = try SettingValue.integer(value("TAIS_PORT"), "TAIS_PORT", 0...65535) ?? defaultPort
        if let path = value("TAIS_DATA") { config.dataPath = path }
        if let url = value("OPENMETER_URL") {
            guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
                throw StartupFailure("OPENMETER_URL must be an http(s) URL like http://127.0.0.1:8888, got \(url)")
            }
            config.openMeterURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        config.openMeterAPIKey = value("OPENMETER_API_KEY")
        config.toolTTLSeconds = try SettingValue.integer(value("TAIS_TOOL_TTL_SECONDS"), "TAIS_TOOL_TTL_SECONDS", 1...31_536_000) ?? 3600
        config.creditsPerMessage = try SettingValue.number(value("CHAT_CREDITS_PER_MESSAGE"), "CHAT_CREDITS_PER_MESSAGE", 0...1_000_000) ?? 1
        config.creditsPerUSD = try SettingValue.number(value("CREDITS_PER_USD"), "CREDITS_PER_USD", 0.000001...1_000_000) ?? 100
        config.keyGraceSeconds = try SettingValue.integer(value("TAIS_KEY_GRACE_SECONDS"), "TAIS_KEY_GRACE_SECONDS", 0...31_536_000) ?? 3600
        config.jwtLeewaySeconds = try SettingValue.integer(value("TAIS_JWT_LEEWAY_SECONDS"), "TAIS_JWT_LEEWAY_SECONDS", 0...600) ?? 30
        config.toolTimeoutSeconds = try SettingValue.integer(value("TAIS_TOOL_TIMEOUT_SECONDS"), "TAIS_TOOL_TIMEOUT_SECONDS", 1...600) ?? 30
        return config
    }
}
