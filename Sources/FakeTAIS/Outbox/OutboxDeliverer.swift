import BlockingWork
import Foundation
import Logging
import ServiceLifecycle
import StackClients
import StackStorage

/// Delivers queued credit events to OpenMeter (`POST /api/v1/events`, a CloudEvents batch), in
/// order, and marks them delivered only after OpenMeter's 2xx. While OpenMeter is down the batch
/// is retried with exponential backoff (0.5 s doubling, at most 30 s); events stay queued in
/// SQLite meanwhile, so a restart loses none. OpenMeter deduplicates a resend by the event id.
struct OutboxDeliverer: Service {
    let store: TAISStore
    let signal: WakeSignal
    let openMeterURL: String
    let apiKey: String?
    let requester: HTTPRequester
    let logger: Logger
    /// How often the queue is checked without a wake-up (retries come due on their own).
    var pollInterval: Duration = .milliseconds(500)
    static let batchSize = 500

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await signal.runOnWake(orEvery: pollInterval) { await deliverDue() }
        }
        signal.finish()
    }

    /// Sends every due event, batch by batch, until the queue is empty or a batch fails.
    func deliverDue() async {
        let store = self.store
        while !Task.isCancelled {
            let now = Date()
            guard let due = try? await offCooperativePool({ try store.dueOutboxEvents(limit: Self.batchSize, now: now) }), !due.isEmpty else { return }
            let body = Array(("[" + due.map(\.body).joined(separator: ",") + "]").utf8)
            var headers = [("Content-Type", "application/cloudevents-batch+json")]
            if let apiKey { headers.append(("Authorization", "Bearer \(apiKey)")) }
            let seqs = due.map(\.seq)
            do {
                let reply = try await requester.send(.POST, openMeterURL + "/api/v1/events", headers: headers, body: body)
                guard (200..<300).contains(reply.status) else {
                    throw DeliveryFailure(description: "OpenMeter answered HTTP \(reply.status)")
                }
                try await offCooperativePool { try store.markDelivered(seqs, at: Date()) }
                logger.debug("delivered \(seqs.count) credit event(s) to OpenMeter")
            } catch {
                let attempts = due.map(\.attempts).max() ?? 0
                let delay = min(30, 0.5 * pow(2, Double(min(attempts, 10))))
                let reason = (error as? DeliveryFailure)?.description ?? "OpenMeter is unreachable"
                try? await offCooperativePool { try store.markFailed(seqs, error: reason, retryAt: Date().addingTimeInterval(delay)) }
                logger.warning("credit events wait in the outbox", metadata: [
                    "events": "\(seqs.count)", "reason": "\(reason)", "retry_in_s": "\(delay)",
                ])
                return
            }
        }
    }

    struct DeliveryFailure: Error, CustomStringConvertible {
        let description: String
    }
}
