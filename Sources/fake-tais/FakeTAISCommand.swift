import ArgumentParser
import FakeTAIS
import Logging
import StackConfig

@main
struct FakeTAISCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-tais",
        abstract: "A local stand-in for the TAIS chat platform: identity, tool registry, chat agent, credit ledger.",
        discussion: """
            Issues ES256 JWTs (JWKS at /.well-known/jwks.json), keeps tool registrations that expire, chat sessions
            whose deterministic agent calls the session's MCP tool (credits-mcp) as the caller, and the prepaid
            AI-credit ledger; every answered message is debited and sent to OpenMeter as a credit event (kept in an
            outbox until OpenMeter takes it). Prepaid top-ups go through Stripe Checkout (fake-stripe by default):
            a paid session credits the ledger once, by the signed webhook at /api/v1/stripe/webhook or a sync. State lives in one SQLite file. Test hooks live under /_fake/
            (tokens, keys/rotate, grants, tenants, clock, outbox, reset, faults, requests). See docs/fake-tais.md.

            Environment (flags win; a .env file in the working directory is read, real env wins over it):
              TAIS_PORT                  port when --port is not given (default 5001)
              TAIS_DATA                  SQLite file when --data is not given (default fake-tais.sqlite)
              OPENMETER_URL              where credit events go (default http://127.0.0.1:8888)
              OPENMETER_API_KEY          bearer key for OpenMeter
              TAIS_TOOL_TTL_SECONDS      lifetime of a tool registration (default 3600)
              CHAT_CREDITS_PER_MESSAGE   credits an answered message costs (default 1)
              CREDITS_PER_USD            credits one US dollar of a top-up buys (default 100)
              STRIPE_URL                 Stripe's API for top-ups (default http://127.0.0.1:12111, fake-stripe)
              STRIPE_SECRET_KEY          Stripe secret key (default sk_test_credits_stack_dev)
              STRIPE_WEBHOOK_SECRET      secret Stripe signs webhooks with (default whsec_credits_stack_dev)
              TAIS_PUBLIC_URL            base of the checkout's return URLs (default http://HOST:PORT as bound)
              TOPUP_MIN_USD              smallest top-up in whole US dollars (default 5)
              TOPUP_MAX_USD              largest top-up in whole US dollars (default 10000)
              TAIS_KEY_GRACE_SECONDS     a rotated-out signing key stays valid this long (default 3600)
              TAIS_JWT_LEEWAY_SECONDS    clock skew allowed on exp and nbf (default 30)
              TAIS_TOOL_TIMEOUT_SECONDS  the agent's deadline for one tool call (default 30)
              LOG_LEVEL                  trace|debug|info|notice|warning|error (default info)
            """
    )

    @OptionGroup var server: ServerOptions

    @Option(help: "SQLite file for keys, tools, sessions, messages, ledger and outbox; ':memory:' for a throw-away one.")
    var data: String?

    @Option(name: .customLong("openmeter-url"), help: "OpenMeter base URL for credit events (default: OPENMETER_URL, else http://127.0.0.1:8888).")
    var openMeterURL: String?

    @Option(name: .customLong("openmeter-api-key"), help: "Bearer key for OpenMeter (default: OPENMETER_API_KEY).")
    var openMeterAPIKey: String?

    @Option(name: .customLong("stripe-url"), help: "Stripe API base URL for top-ups (default: STRIPE_URL, else http://127.0.0.1:12111).")
    var stripeURL: String?

    @Option(name: .customLong("public-url"), help: "Base URL browsers reach fake-tais at, for checkout return URLs (default: TAIS_PUBLIC_URL, else http://HOST:PORT).")
    var publicURL: String?

    func run() async throws {
        do {
            let settings = try Settings.load()
            LogSetup.bootstrap(settings: settings)
            var flags = ["HOST": server.host]
            if let port = server.port { flags["TAIS_PORT"] = String(port) }
            if let data { flags["TAIS_DATA"] = data }
            if let openMeterURL { flags["OPENMETER_URL"] = openMeterURL }
            if let openMeterAPIKey { flags["OPENMETER_API_KEY"] = openMeterAPIKey }
            if let stripeURL { flags["STRIPE_URL"] = stripeURL }
            if let publicURL { flags["TAIS_PUBLIC_URL"] = publicURL }
            let configuration = try TAISConfiguration.resolve(settings: settings, flags: flags)
            let app = try FakeTAISApp(configuration: configuration, logger: Logger(label: "fake-tais"))
            try await app.run()
        } catch let failure as StartupFailure {
            StartupFailure.exit(program: "fake-tais", failure)
        }
    }
}
