import FakeControls
import Foundation
import Hummingbird
import Logging
import StackClients
import StackConfig
import StackHTTP
import StackStorage

/// fake-stripe assembled: store, routes, the webhook deliverer and the expiry sweep. Unit tests build the
/// router in-process; the executable runs it with `run()`.
public struct FakeStripeApp: Sendable {
    public let configuration: StripeConfiguration
    public let clock: FakeClock
    let context: StripeContext
    let webhookFaults: WebhookFaultBook
    let faults = FaultBook()
    let journal = RequestJournal()

    public init(configuration: StripeConfiguration, clock: FakeClock = FakeClock(), logger: Logger = Logger(label: "fake-stripe")) throws {
        self.configuration = configuration
        self.clock = clock
        let webhookFaults = WebhookFaultBook()
        self.webhookFaults = webhookFaults
        let store: StripeStore
        do {
            store = try StripeStore(path: configuration.dataPath, faults: webhookFaults)
            try store.releaseAbandonedKeys()
        } catch let error as SQLiteDatabase.OpenError {
            throw StartupFailure(error.description)
        } catch {
            throw StartupFailure("data file \(configuration.dataPath) is unusable: \(error)")
        }
        let publicURL = PublicURL(configuration.publicURL ?? "http://\(configuration.host):\(configuration.port)")
        context = StripeContext(
            store: store, clock: clock, auth: StripeAuthenticator(requiredKey: configuration.apiKey), publicURL: publicURL,
            deliveries: WakeSignal(), logger: logger
        )
        if let url = configuration.webhookURL {
            let secret = configuration.webhookSecret ?? StripeIDs.webhookSecret()
            let endpoint = WebhookEndpointRecord(
                id: "we_config", url: url, secret: secret, enabledEvents: ["*"], fromConfig: true, createdAt: context.now
            )
            do {
                try store.addEndpoint(endpoint)
            } catch {
                throw StartupFailure("cannot record the webhook endpoint \(url): \(error)")
            }
            logger.info("webhook endpoint \(url) (secret whsec_…\(secret.suffix(4)))")
        }
    }

    public func buildRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let renderer = StripeErrorRenderer()
        router.add(middleware: RequestIdMiddleware())
        router.add(middleware: FakeControlMiddleware(faults: faults, journal: journal, renderer: renderer))
        router.add(middleware: ErrorMiddleware(renderer: renderer))
        router.add(middleware: RequestLogMiddleware(secretPathPrefixes: ["/c/pay/"]))
        var routes = RouteTable(router: router)
        routes.addHealthRoute()
        CheckoutSessionRoutes(context: context).register(in: &routes)
        PaymentIntentAndEventRoutes(context: context).register(in: &routes)
        PayPageRoutes(context: context).register(in: &routes)
        let faults = self.faults, journal = self.journal, clock = self.clock
        StripeFakeRoutes(context: context, faults: webhookFaults) {
            faults.removeAll()
            journal.reset()
            clock.reset()
        }.register(in: &routes)
        routes.addFakeClockRoutes(clock)
        routes.addFakeControlRoutes(faults: faults, journal: journal)
        // No 405s: Stripe answers a known path with another method as an unrecognized URL (404).
        return router
    }

    /// Serves until SIGTERM/SIGINT, delivering webhooks and expiring sessions meanwhile.
    public func run() async throws {
        let configuration = self.configuration, context = self.context
        context.logger.info("data \(configuration.dataPath), \(configuration.apiKey == nil ? "any sk_test_ key" : "one sk_test_ key") accepted, webhook retries after \(configuration.retrySchedule.map { String($0) }.joined(separator: ", ")) s")
        let deliverer = WebhookDeliverer(
            context: context, requester: HTTPRequester(client: Self.webhookHTTPClient, timeout: .seconds(configuration.webhookTimeoutSeconds)),
            retrySchedule: configuration.retrySchedule
        )
        let runner = HTTPServiceRunner(
            responder: buildRouter().buildResponder(), host: configuration.host, port: configuration.port, logger: context.logger,
            services: [deliverer, ExpirySweeper(context: context)],
            onListening: { port in
                if configuration.publicURL == nil { context.publicURL.set("http://\(configuration.host):\(port)") }
                context.deliveries.wake()  // deliveries a previous run left owed
            }
        )
        try await runner.run()
    }

    static let webhookHTTPClient = FailFastHTTPClient.make(connectionsPerHost: 32)
}
