import FakeControls
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StackClients
import Synchronization
import Testing
@testable import FakeStripe

/// State in a SQLite file: what one process acknowledged, the next one started on the same file still has.
@Suite struct PersistenceTests {
    static func temporaryDataPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("fake-stripe-tests-\(UUID().uuidString).sqlite").path
    }

    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    @Test func sessionsEventsAndIdempotencyKeysSurviveARestart() async throws {
        let path = Self.temporaryDataPath()
        defer { Self.remove(path) }
        let ids = FirstAnswer()
        try await withStripe(configure: { $0.dataPath = path }) { t in
            let created = try await t.createSession(idempotencyKey: "restart-key")
            #expect(created.status == .ok)
            #expect(try await t.pay(created.id).status == .ok)
            ids.set(created.id, created.body)
        }
        let (id, firstBody) = ids.get()
        try await withStripe(configure: { $0.dataPath = path }) { t in
            let session = try await t.session(id)
            #expect(session.string("status") == "complete")
            #expect(session.string("payment_status") == "paid")
            #expect(Set(try await t.events().compactMap { $0.string("type") }) == ["payment_intent.succeeded", "checkout.session.completed"])
            let replay = try await t.createSession(idempotencyKey: "restart-key")
            #expect(replay.header("Idempotent-Replayed") == "true")
            #expect(replay.body == firstBody)
        }
    }

    @Test func aRequestStillRunningIs409AndAKeyItLeftIsFreedByARestart() async throws {
        let path = Self.temporaryDataPath()
        defer { Self.remove(path) }
        let params = try StripeForm.parse(formBody(sessionParams())).canonical
        try await withStripe(configure: { $0.dataPath = path }) { t in
            // A request that claimed the key and has not answered yet (or whose process died).
            let claim = try t.app.context.store.claim(
                apiKey: testKey, key: "in-flight", endpoint: "POST /v1/checkout/sessions", params: params, now: t.now
            )
            #expect(claim == .claimed)
            let reply = try await t.createSession(idempotencyKey: "in-flight")
            #expect(reply.status == .conflict)
            #expect(reply.error.string("type") == "idempotency_error")
        }
        try await withStripe(configure: { $0.dataPath = path }) { t in
            let reply = try await t.createSession(idempotencyKey: "in-flight")
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply.header("Idempotent-Replayed") == nil)
        }
    }

    @Test func deliveriesOwedAtShutdownAreMadeByTheNextProcess() async throws {
        let path = Self.temporaryDataPath()
        defer { Self.remove(path) }
        let receiver = WebhookReceiver()
        let receiverApp = Application(router: receiver.router(), logger: quietLogger)
        try await receiverApp.test(.live) { client in
            let port = try #require(client.port)
            let configure: @Sendable (inout StripeConfiguration) -> Void = { configuration in
                configuration.dataPath = path
                configuration.webhookURL = "http://127.0.0.1:\(port)/webhook"
                configuration.webhookSecret = WebhookStack.secret
                configuration.retrySchedule = [0.05]
            }
            // No deliverer in the first process: the events are only owed when it stops.
            try await withStripe(configure: configure) { t in
                let id = try await t.createdSession()
                #expect(try await t.pay(id).status == .ok)
                #expect(try await t.events().allSatisfy { $0.int("pending_webhooks") == 1 })
            }
            #expect(receiver.hits.isEmpty)
            try await withStripe(configure: configure, services: { [makeDeliverer($0)] }) { t in
                try await waitUntil("the owed events are delivered") { receiver.hits.count >= 2 }
                #expect(Set(receiver.hits.map(\.type)) == ["payment_intent.succeeded", "checkout.session.completed"])
                for hit in receiver.hits {
                    #expect(throws: Never.self) {
                        try StripeSignature.verify(payload: hit.body, header: hit.signature, secret: WebhookStack.secret, now: t.now)
                    }
                }
            }
        }
    }
}

/// Carries values out of a `@Sendable` test body.
final class FirstAnswer: Sendable {
    private let value = Mutex<(String, [UInt8])>(("", []))
    func set(_ id: String, _ body: [UInt8]) { value.withLock { $0 = (id, body) } }
    func get() -> (String, [UInt8]) { value.withLock { $0 } }
}
