import Foundation
import StackConfig

/// How credits-mcp authenticates callers.
public enum AuthMode: String, Sendable, CaseIterable {
    /// Trust `X-Tenant-Id` and `X-User-Groups` as the chat platform forwards them.
    case headers
    /// Require a TAIS JWT on every `/mcp` request, verified against the JWKS.
    case jwt
}

/// credits-mcp's settings (see the contract's env list), resolved flag > env > `.env` > default.
public struct CreditsMCPConfiguration: Sendable {
    public static let defaultPort = 8765

    public var host = "127.0.0.1"
    public var port = defaultPort
    public var openMeterURL = "https://openmeter.cloud"
    public var openMeterAPIKey: String
    public var meterSlug = "ai_credits"
    /// The CloudEvent type of credit events (the meter's eventType).
    public var eventType = "ai_credits"
    /// Per OpenMeter request; a slow answer becomes a clear tool error instead of a hang.
    public var openMeterTimeout: Duration = .seconds(10)
    public var publicBaseURL: String?
    public var downloadTTLSeconds = 600
    public var previewRowLimit = 50
    /// Open MCP sessions in all (`MCP_MAX_SESSIONS`) and per tenant (`MCP_MAX_SESSIONS_PER_TENANT`).
    public var maximumSessions = 1000
    public var maximumSessionsPerTenant = 100
    public var downloadDirectory: String
    public var development = false
    public var devTenantID: String?
    public var devUserGroups: String?
    public var authMode: AuthMode = .headers
    public var jwksURL: String?
    public var jwtIssuer = "fake-tais"
    public var jwtAudience = "tais"
    /// Clock skew tolerated on a token's `exp` and `nbf`, in seconds (`TAIS_JWT_LEEWAY_SECONDS`, 0...600).
    public var jwtLeewaySeconds = 60

    public init(openMeterAPIKey: String, downloadDirectory: String = FileManager.default.temporaryDirectory.appendingPathComponent("credits-mcp-downloads").path) {
        self.openMeterAPIKey = openMeterAPIKey
        self.downloadDirectory = downloadDirectory
    }

    /// `PUBLIC_BASE_URL`, or `http://localhost:<port>`.
    public var resolvedPublicBaseURL: String {
        var base = publicBaseURL ?? "http://localhost:\(port)"
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    /// The dev overrides that apply: only with `CREDITS_MCP_ENV=development`.
    public var activeDevOverrides: (tenant: String?, groups: String?) {
        development ? (devTenantID, devUserGroups) : (nil, nil)
    }

    /// Reads the contract's variables; `flags` holds values given on the command line, which win.
    public static func resolve(settings: Settings, flags: [String: String] = [:]) throws -> CreditsMCPConfiguration {
        func value(_ key: String) -> String? { flags[key] ?? settings.string(key) }
        guard let key = value("OPENMETER_API_KEY") else {
            throw StartupFailure("OPENMETER_API_KEY is required (the OpenMeter API token credits-mcp sends as a bearer token)")
        }
        var config = CreditsMCPConfiguration(openMeterAPIKey: key)
        config.host = flags["HOST"] ?? "127.0.0.1"
        if let port = flags["MCP_PORT"] {
            guard let parsed = Int(port), (0...65535).contains(parsed) else { throw StartupFailure("--port must be between 0 and 65535, got \(port)") }
            config.port = parsed
        } else {
            config.port = try settings.int("MCP_PORT", in: 0...65535) ?? defaultPort
        }
        if let url = value("OPENMETER_URL") {
            guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
                throw StartupFailure("OPENMETER_URL must be an http(s) URL like https://openmeter.cloud, got \(url)")
            }
            config.openMeterURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        if let meter = value("OPENMETER_METER") { config.meterSlug = meter }
        config.eventType = value("OPENMETER_EVENT_TYPE") ?? config.meterSlug
        if let seconds = try SettingValue.integer(value("OPENMETER_TIMEOUT_SECONDS"), "OPENMETER_TIMEOUT_SECONDS", 1...300) {
            config.openMeterTimeout = .seconds(seconds)
        }
        if let base = value("PUBLIC_BASE_URL") {
            guard let parsed = URL(string: base), parsed.scheme != nil, parsed.host != nil else {
                throw StartupFailure("PUBLIC_BASE_URL must be an absolute URL like https://credits.example.com, got \(base)")
            }
            config.publicBaseURL = base
        }
        config.downloadTTLSeconds = try SettingValue.integer(value("DOWNLOAD_TTL_SECONDS"), "DOWNLOAD_TTL_SECONDS", 1...86400) ?? 600
        config.previewRowLimit = try SettingValue.integer(value("PREVIEW_ROW_LIMIT"), "PREVIEW_ROW_LIMIT", 1...10_000) ?? 50
        config.maximumSessions = try SettingValue.integer(value("MCP_MAX_SESSIONS"), "MCP_MAX_SESSIONS", 1...100_000) ?? 1000
        config.maximumSessionsPerTenant = try SettingValue.integer(value("MCP_MAX_SESSIONS_PER_TENANT"), "MCP_MAX_SESSIONS_PER_TENANT", 1...100_000) ?? 100
        if let directory = value("DOWNLOAD_DIR") { config.downloadDirectory = directory }
        config.development = value("CREDITS_MCP_ENV")?.lowercased() == "development"
        config.devTenantID = value("DEV_TENANT_ID")
        config.devUserGroups = value("DEV_USER_GROUPS")
        if let mode = value("MCP_AUTH") {
            guard let parsed = AuthMode(rawValue: mode.lowercased()) else {
                throw StartupFailure("MCP_AUTH must be headers or jwt, got \(mode)")
            }
            config.authMode = parsed
        }
        config.jwksURL = value("TAIS_JWKS_URL")
        if config.authMode == .jwt, config.jwksURL == nil {
            throw StartupFailure("MCP_AUTH=jwt needs TAIS_JWKS_URL (e.g. http://127.0.0.1:5001/.well-known/jwks.json)")
        }
        if let issuer = value("TAIS_JWT_ISSUER") { config.jwtIssuer = issuer }
        if let audience = value("TAIS_JWT_AUDIENCE") { config.jwtAudience = audience }
        config.jwtLeewaySeconds = try SettingValue.integer(value("TAIS_JWT_LEEWAY_SECONDS"), "TAIS_JWT_LEEWAY_SECONDS", 0...600) ?? 60
        return config
    }
}
