import BlockingWork
import Foundation
import Logging
import ServiceLifecycle
import StackClients
import StackStorage

/// Delivers owed events to webhook endpoints, at least once. Each attempt renders the event afresh and
/// signs the exact bytes it sends at the current (fake-clock) time; anything but a 2xx is retried after
/// the waits of the schedule, then the delivery has failed. Deliveries live in SQLite, so a restart
/// resumes them. A fault fixed on a delivery shapes its first attempt only.
struct WebhookDeliverer: Service {
    let context: StripeContext
    let requester: HTTPRequester
    /// Waits after the first, second, … failed attempt.
    let retrySchedule: [Double]
    var pollInterval: Duration = .milliseconds(200)
    static let batchSize = 32

    func run() async throws {
        let signal = context.deliveries
        await cancelWhenGracefulShutdown {
            await signal.runOnWake(orEvery: pollInterval) { await deliverDue() }
        }
        signal.finish()
    }

    func deliverDue() async {
        let store = context.store
        while !Task.isCancelled {
            let now = Date().timeIntervalSince1970
            let due: [StripeStore.DueDelivery]
            do {
                due = try await offCooperativePool { try store.dueDeliveries(now: now, limit: Self.batchSize) }
            } catch {
                context.logger.error("cannot read the webhook queue", metadata: ["error": "\(error)"])
                return
            }
            guard !due.isEmpty else { return }
            await withTaskGroup(of: Void.self) { group in
                for delivery in due { group.addTask { await attempt(delivery) } }
            }
        }
    }

    func attempt(_ delivery: StripeStore.DueDelivery) async {
        let fault = delivery.attempts == 0 ? delivery.fault : nil
        let number = delivery.attempts + 1
        let records: [StripeStore.AttemptRecord]
        if fault == .duplicate {
            // Both copies at once: the receiver sees a concurrent duplicate, the harshest kind.
            async let first = post(delivery, attempt: number, fault: fault)
            async let second = post(delivery, attempt: number, fault: fault)
            records = await [first, second]
        } else {
            records = [await post(delivery, attempt: number, fault: fault)]
        }
        let succeeded = records.contains { $0.status == "succeeded" }
        var retryAt: Double?
        if !succeeded, delivery.attempts < retrySchedule.count {
            retryAt = Date().timeIntervalSince1970 + retrySchedule[delivery.attempts]
        }
        let store = context.store, nextAttempt = retryAt
        do {
            try await offCooperativePool { try store.finish(delivery, attempts: records, succeeded: succeeded, retryAt: nextAttempt) }
        } catch {
            context.logger.error("cannot record a webhook attempt", metadata: ["event": "\(delivery.event.id)", "error": "\(error)"])
        }
        let metadata: Logger.Metadata = [
            "event": "\(delivery.event.id)", "type": "\(delivery.event.type)", "endpoint": "\(delivery.endpoint.url)",
            "attempt": "\(number)", "status": "\(records.last?.responseStatus.map(String.init) ?? records.last?.error ?? "")",
        ]
        if succeeded {
            context.logger.info("webhook delivered", metadata: metadata)
        } else if retryAt != nil {
            context.logger.warning("webhook attempt failed; will retry", metadata: metadata)
        } else {
            context.logger.error("webhook delivery failed after every retry", metadata: metadata)
        }
    }

    func post(_ delivery: StripeStore.DueDelivery, attempt: Int, fault: WebhookFault.Kind?) async -> StripeStore.AttemptRecord {
        let body = EventJSON.render(delivery.event).bytes
        var timestamp = context.now
        var secret = delivery.endpoint.secret
        if fault == .staleTimestamp { timestamp -= WebhookFault.staleSeconds }
        if fault == .badSignature { secret = StripeIDs.webhookSecret() }
        let headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Stripe-Signature", StripeSignature.header(payload: body, secret: secret, timestamp: timestamp)),
            ("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)"),
            ("Cache-Control", "no-cache"),
        ]
        let sentAt = Date().timeIntervalSince1970
        let start = ContinuousClock.now
        var record = StripeStore.AttemptRecord(
            attempt: attempt, status: "failed", fault: fault?.rawValue, signedAt: timestamp, sentAt: sentAt, durationMs: 0
        )
        do {
            let reply = try await requester.send(.POST, delivery.endpoint.url, headers: headers, body: body)
            record.responseStatus = reply.status
            if (200..<300).contains(reply.status) {
                record.status = "succeeded"
            } else {
                record.error = "HTTP \(reply.status): " + String(reply.text.prefix(200))
            }
        } catch {
            record.error = "not delivered: \(error)"
        }
        let elapsed = ContinuousClock.now - start
        record.durationMs = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return record
    }
}
