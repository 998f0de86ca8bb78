import ArgumentParser
import CreditsMCP
import Foundation
import Logging
import StackConfig

@main
struct CreditsMCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credits-mcp",
        abstract: "The AI-credits MCP server: tenant-scoped, admin-only usage from OpenMeter as markdown and Excel.",
        discussion: """
            Serves MCP over Streamable HTTP at /mcp (tools get_credit_usage_by_tenant, get_credit_usage_summary,
            get_credit_events), GET /health and GET /download/<token>.

            Each call is scoped by the forwarded headers X-Tenant-Id (required) and X-User-Groups (must include
            Administrators), or with MCP_AUTH=jwt by a TAIS JWT verified against TAIS_JWKS_URL.

            Environment (flags win; a .env file in the working directory is read; real env wins over it):
              OPENMETER_API_KEY       required: OpenMeter API token (never logged)
              OPENMETER_URL           OpenMeter base URL (default https://openmeter.cloud)
              OPENMETER_METER         meter slug (default ai_credits)
              OPENMETER_EVENT_TYPE    event type of credit events (default: the meter slug)
              OPENMETER_TIMEOUT_SECONDS  per request to OpenMeter (default 10)
              MCP_PORT                port (default 8765)
              PUBLIC_BASE_URL         base of download links (default http://localhost:<port>)
              DOWNLOAD_TTL_SECONDS    lifetime of a download link (default 600)
              DOWNLOAD_DIR            folder for generated Excel files (default: a temp folder)
              PREVIEW_ROW_LIMIT       rows shown in markdown (default 50)
              MCP_AUTH                headers (default) or jwt
              TAIS_JWKS_URL           JWKS for MCP_AUTH=jwt, e.g. http://127.0.0.1:5001/.well-known/jwks.json
              TAIS_JWT_ISSUER, TAIS_JWT_AUDIENCE  expected iss/aud (default fake-tais / tais)
              TAIS_JWT_LEEWAY_SECONDS  clock skew allowed on exp and nbf, 0..600 (default 60)
              CREDITS_MCP_ENV         development enables DEV_TENANT_ID and DEV_USER_GROUPS header overrides
              LOG_LEVEL               trace|debug|info|notice|warning|error (default info)
            """
    )

    @OptionGroup var server: ServerOptions

    @Option(name: .customLong("openmeter-url"), help: "OpenMeter base URL (default: OPENMETER_URL, then https://openmeter.cloud).")
    var openMeterURL: String?

    @Option(help: "Meter slug to query (default: OPENMETER_METER, then ai_credits).")
    var meter: String?

    @Option(name: .customLong("public-base-url"), help: "Base URL of download links (default: PUBLIC_BASE_URL, then http://localhost:<port>).")
    var publicBaseURL: String?

    @Option(name: .customLong("download-ttl"), help: "Seconds a download link stays valid (default: DOWNLOAD_TTL_SECONDS, then 600).")
    var downloadTTL: Int?

    @Option(name: .customLong("download-dir"), help: "Folder for generated Excel files (default: DOWNLOAD_DIR, then a temp folder).")
    var downloadDir: String?

    @Option(name: .customLong("preview-rows"), help: "Rows shown in the markdown preview (default: PREVIEW_ROW_LIMIT, then 50).")
    var previewRows: Int?

    @Option(help: "Caller authentication: headers or jwt (default: MCP_AUTH, then headers).")
    var auth: String?

    @Option(name: .customLong("jwks-url"), help: "TAIS JWKS URL for --auth jwt (default: TAIS_JWKS_URL).")
    var jwksURL: String?

    func run() async throws {
        do {
            let settings = try Settings.load()
            LogSetup.bootstrap(settings: settings)
            var flags: [String: String] = ["HOST": server.host]
            if let port = server.port { flags["MCP_PORT"] = String(port) }
            flags["OPENMETER_URL"] = openMeterURL
            flags["OPENMETER_METER"] = meter
            flags["PUBLIC_BASE_URL"] = publicBaseURL
            flags["DOWNLOAD_TTL_SECONDS"] = downloadTTL.map(String.init)
            flags["DOWNLOAD_DIR"] = downloadDir
            flags["PREVIEW_ROW_LIMIT"] = previewRows.map(String.init)
            flags["MCP_AUTH"] = auth
            flags["TAIS_JWKS_URL"] = jwksURL
            let configuration = try CreditsMCPConfiguration.resolve(settings: settings, flags: flags)
            let app = try CreditsMCPApp(configuration: configuration, logger: Logger(label: "credits-mcp"))
            try await app.run()
        } catch let failure as StartupFailure {
            StartupFailure.exit(program: "credits-mcp", failure)
        }
    }
}
