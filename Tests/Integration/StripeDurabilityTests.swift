import Foundation
import ProcessSupport
import StackClients
import Testing
import WireFormats

extension IntegrationTests {
    @Suite("fake-stripe durability")
    struct StripeDurability {
        static let key = "sk_test_durability"
        static let parameters: [(String, StripeFormEncoder.Value)] = [
            ("mode", "payment"),
            ("line_items", .list([.map([
                ("price_data", .map([("currency", "usd"), ("unit_amount", "2500"), ("product_data", .map([("name", "AI credits")]))])),
                ("quantity", "2"),
            ])])),
            ("metadata", .map([("tenant", "acme")])),
        ]

        static func start(_ data: URL, port: Int = 0) async throws -> ServiceProcess {
            try await ServiceProcess(
                executable: try BuiltProducts.executable("fake-stripe"),
                arguments: ["--host", "127.0.0.1", "--port", String(port), "--data", data.path],
                environment: [
                    "STRIPE_PORT": "", "STRIPE_DATA": "", "STRIPE_API_KEY": "", "STRIPE_PUBLIC_URL": "", "STRIPE_WEBHOOK_URL": "",
                    "STRIPE_WEBHOOK_SECRET": "", "STRIPE_WEBHOOK_RETRY_SECONDS": "", "LOG_LEVEL": "info",
                ]
            )
        }

        @Test("fake-stripe survives kill -9: sessions, intents, events, idempotent answers and owed deliveries intact")
        func survivesKill9() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stripe-it-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let data = directory.appendingPathComponent("stripe.sqlite")
            let first = try await Self.start(data)
            let port = first.port
            var stripe = StripeClient(baseURL: first.baseURL, secretKey: Self.key)
            // An endpoint nothing listens on: its deliveries stay owed.
            try await FakeStripeControl(baseURL: first.baseURL).addWebhookEndpoint(url: "http://127.0.0.1:9/hook", secret: "whsec_durability")
            let created = try await stripe.createCheckoutSession(Self.parameters, idempotencyKey: "durable-key")
            _ = try await FakeStripeControl(baseURL: first.baseURL).pay(created.id)
            let eventsBefore = try await stripe.call(.GET, "/v1/events")
            first.stop(signal: SIGKILL)

            let second = try await Self.start(data, port: port)
            defer { second.stop() }
            stripe = StripeClient(baseURL: second.baseURL, secretKey: Self.key)
            let session = try await stripe.checkoutSession(created.id)
            #expect(session.status == "complete" && session.paymentStatus == "paid" && session.amountTotal == 5000)
            #expect(session.metadata == ["tenant": "acme"])
            let intentId = try #require(session.json["payment_intent"]?.stringValue)
            let intent = try await stripe.call(.GET, "/v1/payment_intents/\(intentId)")
            #expect(intent["status"]?.stringValue == "succeeded")
            let eventsAfter = try await stripe.call(.GET, "/v1/events")
            #expect(Self.ids(eventsAfter) == Self.ids(eventsBefore) && Self.ids(eventsAfter).count == 2)
            // The same key and parameters replay the session made before the kill instead of making another.
            let replayed = try await stripe.createCheckoutSession(Self.parameters, idempotencyKey: "durable-key")
            #expect(replayed.id == created.id)
            // Deliveries owed before the kill are still owed: the restarted deliverer keeps attempting them.
            let control = FakeStripeControl(baseURL: second.baseURL)
            let before = try await control.attempts().count
            let retried = try await waitUntil(timeout: .seconds(60), interval: .milliseconds(100)) {
                try await control.attempts().count > before
            }
            #expect(retried, "no delivery attempt after the restart:\n\(second.log.suffix(2000))")
        }

        static func ids(_ list: JSONValue) -> [String] {
            guard case .array(let data)? = list["data"] else { return [] }
            return data.compactMap { $0["id"]?.stringValue }
        }
    }
}
