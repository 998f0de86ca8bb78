import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import StackConfig
import StackHTTP

/// credits-mcp assembled: OpenMeter client, downloads, MCP sessions and routes.
public struct CreditsMCPApp: Sendable {
    public let configuration: CreditsMCPConfiguration
    public let downloads: DownloadStore
    let linkBase: DownloadLinkBase
    let sessions: MCPSessionStore
    let resolver: CallerResolver
    let verifier: TAISTokenVerifier?
    let logger: Logger

    public init(configuration: CreditsMCPConfiguration, logger: Logger = Logger(label: "credits-mcp")) throws {
        self.configuration = configuration
        self.logger = logger
        do {
            downloads = try DownloadStore(directory: URL(fileURLWithPath: configuration.downloadDirectory), ttl: TimeInterval(configuration.downloadTTLSeconds))
        } catch {
            throw StartupFailure("download folder \(configuration.downloadDirectory) is unusable: \(error)")
        }
        let client = OpenMeterClient(baseURL: configuration.openMeterURL, apiKey: configuration.openMeterAPIKey, timeout: configuration.openMeterTimeout)
        let linkBase = DownloadLinkBase(configuration: configuration)
        self.linkBase = linkBase
        let runner = CreditToolRunner(client: client, downloads: downloads, configuration: configuration, linkBase: linkBase, logger: logger)
        // A verified token's identity is never replaced: dev overrides stand in for the headers only.
        let overrides = configuration.authMode == .headers ? configuration.activeDevOverrides : (tenant: nil, groups: nil)
        let resolver = CallerResolver(mode: configuration.authMode, devTenant: overrides.tenant, devGroups: overrides.groups)
        let factory = CreditsServerFactory(runner: runner, resolver: resolver, logger: logger)
        self.resolver = resolver
        sessions = MCPSessionStore(
            maximumSessions: configuration.maximumSessions, maximumSessionsPerTenant: configuration.maximumSessionsPerTenant, logger: logger
        ) { await factory.makeServer() }
        verifier = configuration.authMode == .jwt
            ? configuration.jwksURL.map {
                TAISTokenVerifier(
                    jwksURL: $0, issuer: configuration.jwtIssuer, audience: configuration.jwtAudience,
                    leeway: TimeInterval(configuration.jwtLeewaySeconds), logger: logger
                )
            }
            : nil
    }

    public func buildRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ErrorMiddleware(renderer: PlainJSONErrorRenderer()))
        // The token alone grants a download, so it stays out of the log.
        router.add(middleware: RequestLogMiddleware(secretPathPrefixes: ["/download/"]))
        var routes = RouteTable(router: router)
        routes.addHealthRoute()
        let mcp = MCPRoute(sessions: sessions, verifier: verifier, resolver: resolver, logger: logger)
        for method in [HTTPRequest.Method.post, .get, .delete] {
            routes.on("/mcp", method) { request, context in try await mcp.handle(request, context) }
        }
        let downloads = self.downloads
        routes.get("/download/:token") { _, context in
            try await DownloadRoute.serve(token: context.parameters.get("token") ?? "", from: downloads)
        }
        routes.addMethodNotAllowedRoutes()
        return router
    }

    /// Logs what the process is configured to do, never the API key.
    public func logStartup() {
        logger.info("OpenMeter \(configuration.openMeterURL), meter \(configuration.meterSlug), auth \(configuration.authMode.rawValue), downloads \(configuration.downloadDirectory) (ttl \(configuration.downloadTTLSeconds) s)")
        if configuration.authMode == .jwt, configuration.devTenantID != nil || configuration.devUserGroups != nil {
            logger.warning("DEV_TENANT_ID/DEV_USER_GROUPS are ignored with MCP_AUTH=jwt: the token decides the tenant and groups")
        } else if configuration.development, configuration.devTenantID != nil || configuration.devUserGroups != nil {
            logger.warning("development mode: DEV_TENANT_ID/DEV_USER_GROUPS override the forwarded headers")
        } else if configuration.devTenantID != nil || configuration.devUserGroups != nil {
            logger.warning("DEV_TENANT_ID/DEV_USER_GROUPS are ignored: they apply only with CREDITS_MCP_ENV=development")
        }
    }

    public func run() async throws {
        logStartup()
        let sessions = self.sessions
        let linkBase = self.linkBase
        let runner = HTTPServiceRunner(
            responder: buildRouter().buildResponder(),
            host: configuration.host, port: configuration.port, logger: logger,
            services: [
                DownloadSweeper(store: downloads, interval: .seconds(max(1, min(60, configuration.downloadTTLSeconds / 4)))),
                PeriodicTask(interval: .seconds(60)) { await sessions.reap() },
            ],
            onListening: { port in linkBase.serverBound(port: port) }
        )
        try await runner.run()
        await sessions.removeAll()
    }
}

/// Runs `work` every `interval` until graceful shutdown.
struct PeriodicTask: Service {
    let interval: Duration
    let work: @Sendable () async -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                await work()
            }
        }
    }
}
