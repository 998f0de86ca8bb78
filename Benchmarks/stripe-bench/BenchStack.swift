import BenchmarkSupport
import Foundation
import ProcessSupport
import StackClients

/// fake-stripe and fake-tais as real processes on free ports, wired like the shipped stack: fake-tais creates
/// sessions on fake-stripe with a secret key, fake-stripe signs every event to fake-tais's webhook.
/// fake-tais's credit events go to an address nothing listens on: they wait in its outbox, off the measured path.
struct BenchStack: Sendable {
    let stripe: ServiceProcess
    let taisProcess: ServiceProcess
    let binDirectory: String
    let token: String
    let http = HTTPRequester(timeout: .seconds(60))

    static let secretKey = "sk_test_stripe_bench"
    static let webhookSecret = "whsec_stripe_bench_secret"

    var stripeClient: StripeClient { StripeClient(baseURL: stripe.baseURL, secretKey: Self.secretKey, requester: http) }
    var control: FakeStripeControl { FakeStripeControl(baseURL: stripe.baseURL, requester: http) }
    var tais: TAISClient { TAISClient(baseURL: taisProcess.baseURL, requester: http) }

    static func start(directory: URL, bin: String?) async throws -> BenchStack {
        func executable(_ name: String) throws -> URL {
            if let bin { return URL(fileURLWithPath: bin).appendingPathComponent(name) }
            return try BuiltProducts.executable(name)
        }
        let quiet = ["LOG_LEVEL": "info"]  // ServiceProcess waits for the info line `listening on`
        let stripe = try await ServiceProcess(
            executable: try executable("fake-stripe"),
            arguments: ["--port", "0", "--data", directory.appendingPathComponent("stripe.sqlite").path, "--api-key", secretKey],
            environment: quiet.merging(["STRIPE_WEBHOOK_URL": "", "STRIPE_WEBHOOK_SECRET": "", "STRIPE_PUBLIC_URL": ""]) { $1 }
        )
        do {
            let tais = try await ServiceProcess(
                executable: try executable("fake-tais"),
                arguments: [
                    "--port", "0", "--data", directory.appendingPathComponent("tais.sqlite").path,
                    "--openmeter-url", "http://127.0.0.1:9", "--openmeter-api-key", "unused",
                ],
                environment: quiet.merging([
                    "STRIPE_URL": stripe.baseURL, "STRIPE_SECRET_KEY": secretKey, "STRIPE_WEBHOOK_SECRET": webhookSecret,
                    "CREDITS_PER_USD": "100", "TAIS_PUBLIC_URL": "",
                ]) { $1 }
            )
            let control = FakeStripeControl(baseURL: stripe.baseURL)
            try await control.addWebhookEndpoint(url: tais.baseURL + "/api/v1/stripe/webhook", secret: webhookSecret)
            let token = try await TAISClient(baseURL: tais.baseURL).mint(
                tenant: StripeBench.tenant, user: "owner@bench.example", groups: ["Administrators"], roles: ["Owner"], ttlSeconds: 86400
            )
            return BenchStack(
                stripe: stripe, taisProcess: tais, binDirectory: try executable("fake-stripe").deletingLastPathComponent().path, token: token
            )
        } catch {
            _ = stripe.stop()
            throw error
        }
    }

    func stop() {
        _ = taisProcess.stop()
        _ = stripe.stop()
    }
}
