import AsyncHTTPClient
import FakeControls
import Foundation
import Hummingbird
import Logging
import StackClients
import StackConfig
import StackHTTP
import StackStorage

/// fake-tais assembled: store, identity, agent, outbox and routes. Unit tests build the router
/// in-process; the executable runs it with `run()`.
public struct FakeTAISApp: Sendable {
    public let configuration: TAISConfiguration
    public let clock: FakeClock
    public let tokens: TokenService
    let store: TAISStore
    let faults = FaultBook()
    let journal = RequestJournal()
    let outbox = WakeSignal()
    let logger: Logger
    let publicURL: PublicBaseURL
    /// Prepaid top-ups through Stripe Checkout, for the API routes and the billing page.
    let topUps: TopUpService

    public init(configuration: TAISConfiguration, clock: FakeClock = FakeClock(), logger: Logger = Logger(label: "fake-tais")) throws {
        try self.init(configuration: configuration, clock: clock, logger: logger, checkoutSessions: nil)
    }

    /// `checkoutSessions` nil talks to Stripe at `STRIPE_URL`; unit tests pass a stand-in.
    init(configuration: TAISConfiguration, clock: FakeClock, logger: Logger, checkoutSessions: (any CheckoutSessions)?) throws {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        do {
            store = try TAISStore(path: configuration.dataPath)
            tokens = try TokenService(
                db: store.db, clock: clock, rotationGrace: TimeInterval(configuration.keyGraceSeconds),
                leeway: TimeInterval(configuration.jwtLeewaySeconds)
            )
        } catch let failure as StartupFailure {
            throw failure
        } catch {
            throw StartupFailure("data file \(configuration.dataPath) is unusable: \(error)")
        }
        publicURL = PublicBaseURL(configured: configuration.publicURL, host: configuration.host, port: configuration.port)
        let stripe = StripeClient(
            baseURL: configuration.stripeURL, secretKey: configuration.stripeSecretKey,
            requester: HTTPRequester(client: Self.toolHTTPClient, timeout: .seconds(30))
        )
        topUps = TopUpService(
            store: store, sessions: checkoutSessions ?? stripe, clock: clock, publicURL: publicURL, creditsPerUSD: configuration.creditsPerUSD,
            usdRange: configuration.topUpMinUSD...configuration.topUpMaxUSD, webhookSecret: configuration.stripeWebhookSecret, logger: logger
        )
        let released = (try? store.releaseAbandonedHolds()) ?? 0
        if released > 0 { logger.notice("released \(released) credit hold(s) of chats a previous run did not finish") }
    }

    public func buildRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let renderer = TAISErrorRenderer()
        router.add(middleware: FakeControlMiddleware(faults: faults, journal: journal, renderer: renderer, secretQueryPaths: ["/login"]))
        router.add(middleware: ErrorMiddleware(renderer: renderer))
        router.add(middleware: RequestLogMiddleware())
        var routes = RouteTable(router: router)
        routes.addHealthRoute()
        let auth = BearerAuthenticator(tokens: tokens)
        let caller = ToolCaller(timeout: .seconds(configuration.toolTimeoutSeconds), httpClient: Self.toolHTTPClient)
        let chat = ChatService(
            store: store, clock: clock, caller: caller, creditsPerMessage: configuration.creditsPerMessage, outbox: outbox, logger: logger
        )
        ToolRoutes(store: store, auth: auth, clock: clock, ttl: TimeInterval(configuration.toolTTLSeconds)).register(in: &routes)
        SessionRoutes(store: store, auth: auth, clock: clock, chat: chat).register(in: &routes)
        BillingRoutes(store: store, auth: auth, clock: clock, creditsPerUSD: configuration.creditsPerUSD).register(in: &routes)
        TopUpRoutes(topUps: topUps, auth: auth).register(in: &routes)
        BillingPageRoutes(app: self).register(in: &routes)
        routes.addIdentityRoutes(tokens: tokens)
        TAISFakeRoutes(app: self).register(in: &routes)
        routes.addFakeClockRoutes(clock)
        routes.addFakeControlRoutes(faults: faults, journal: journal)
        routes.addMethodNotAllowedRoutes()
        return router
    }

    /// Serves until SIGTERM/SIGINT, delivering queued credit events to OpenMeter meanwhile.
    public func run() async throws {
        logger.info("data \(configuration.dataPath), OpenMeter \(configuration.openMeterURL), tool ttl \(configuration.toolTTLSeconds) s, \(configuration.creditsPerMessage) credit(s) per message")
        // Secrets are named by their last 4 characters only.
        logger.info("Stripe \(configuration.stripeURL) (key …\(configuration.stripeSecretKey.suffix(4)), webhook secret …\(configuration.stripeWebhookSecret.suffix(4))), top-ups $\(configuration.topUpMinUSD)–$\(configuration.topUpMaxUSD)")
        let deliverer = OutboxDeliverer(
            store: store, signal: outbox, openMeterURL: configuration.openMeterURL, apiKey: configuration.openMeterAPIKey,
            requester: HTTPRequester(client: Self.toolHTTPClient, timeout: .seconds(10)), logger: logger
        )
        let runner = HTTPServiceRunner(
            responder: buildRouter().buildResponder(), host: configuration.host, port: configuration.port, logger: logger,
            services: [deliverer], onListening: { [publicURL] port in publicURL.serverBound(port: port) }
        )
        try await runner.run()
    }

    /// Outbound HTTP for tool calls and OpenMeter: an unreachable tool is answered promptly.
    static let toolHTTPClient = FailFastHTTPClient.make(connectionsPerHost: 64)
}
