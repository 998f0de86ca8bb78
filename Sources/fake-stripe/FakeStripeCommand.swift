import ArgumentParser
import FakeStripe
import Logging
import StackConfig

@main
struct FakeStripeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-stripe",
        abstract: "A local stand-in for Stripe Checkout: sessions, a hosted pay page with test cards, signed webhooks.",
        discussion: """
            Speaks Stripe's v1 wire API for Checkout Sessions (payment mode), PaymentIntents and events: form bodies,
            sk_test_ keys (Bearer or Basic), Request-Id, Stripe's error objects and Idempotency-Key. The official stripe
            SDKs work against it with their API base set to this server. Sessions are paid on a hosted page at their
            url (4242 4242 4242 4242 pays, 4000 0000 0000 0002 declines, 4000 0000 0000 9995 has insufficient funds),
            expire at expires_at on the fake clock, and every event is delivered to the webhook endpoints signed
            (Stripe-Signature), at least once, with retries. State lives in one SQLite file. Test hooks live under
            /_fake/ (pay, cancel, expire, webhook_endpoints, webhook_attempts, events/{id}/resend, webhook_faults,
            clock, faults, requests, reset). See docs/fake-stripe.md.

            Environment (flags win; a .env file in the working directory is read, real env wins over it):
              STRIPE_PORT                     port when --port is not given (default 12111)
              STRIPE_DATA                     SQLite file when --data is not given (default fake-stripe.sqlite)
              STRIPE_API_KEY                  the only secret key accepted (default: any sk_test_ key)
              STRIPE_PUBLIC_URL               base of the pay page URLs (default http://HOST:PORT as bound)
              STRIPE_WEBHOOK_URL              a webhook endpoint receiving every event
              STRIPE_WEBHOOK_SECRET           its whsec_ signing secret (default: generated, logged as its last 4)
              STRIPE_WEBHOOK_RETRY_SECONDS    waits between delivery attempts (default 0.5,1,2,4,8)
              STRIPE_WEBHOOK_TIMEOUT_SECONDS  deadline of one delivery attempt (default 10)
              LOG_LEVEL                       trace|debug|info|notice|warning|error (default info)
            """
    )

    @OptionGroup var server: ServerOptions

    @Option(help: "SQLite file for sessions, intents, events, deliveries and idempotency keys; ':memory:' for a throw-away one.")
    var data: String?

    @Option(name: .customLong("api-key"), help: "The only sk_test_ key accepted (default: STRIPE_API_KEY, else any sk_test_ key).")
    var apiKey: String?

    @Option(name: .customLong("public-url"), help: "Base URL of the hosted pay pages (default: STRIPE_PUBLIC_URL, else http://HOST:PORT).")
    var publicURL: String?

    @Option(name: .customLong("webhook-url"), help: "Deliver every event to this URL (default: STRIPE_WEBHOOK_URL).")
    var webhookURL: String?

    @Option(name: .customLong("webhook-secret"), help: "The whsec_ secret that endpoint's events are signed with (default: STRIPE_WEBHOOK_SECRET).")
    var webhookSecret: String?

    func run() async throws {
        do {
            let settings = try Settings.load()
            LogSetup.bootstrap(settings: settings)
            var flags = ["HOST": server.host]
            if let port = server.port { flags["STRIPE_PORT"] = String(port) }
            if let data { flags["STRIPE_DATA"] = data }
            if let apiKey { flags["STRIPE_API_KEY"] = apiKey }
            if let publicURL { flags["STRIPE_PUBLIC_URL"] = publicURL }
            if let webhookURL { flags["STRIPE_WEBHOOK_URL"] = webhookURL }
            if let webhookSecret { flags["STRIPE_WEBHOOK_SECRET"] = webhookSecret }
            let configuration = try StripeConfiguration.resolve(settings: settings, flags: flags)
            let app = try FakeStripeApp(configuration: configuration, logger: Logger(label: "fake-stripe"))
            try await app.run()
        } catch let failure as StartupFailure {
            StartupFailure.exit(program: "fake-stripe", failure)
        }
    }
}
