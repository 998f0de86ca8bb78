import ArgumentParser
import BenchmarkSupport
import Foundation
import ProcessSupport
import StackClients
import Synchronization
import WireFormats

/// Measures the top-up path as real processes (fake-stripe and fake-tais, wired as `stackctl up` wires them):
/// Checkout Session creates/s on fake-stripe beside a plain HTTP floor (`GET /health` at the same concurrency),
/// the same through fake-tais's checkout-session route, the latency from paying a session to fake-tais's ledger
/// credit (from fake-stripe's attempt log: the webhook POST that fake-tais answered 200 after crediting), and
/// double credits in a storm of duplicate, concurrent and repeated deliveries with syncs racing them.
/// Run on a release build with `scripts/bench.sh stripe`.
@main
struct StripeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stripe-bench",
        abstract: "Benchmark fake-stripe and fake-tais top-ups: creates/s, payment → credit latency, double credits in a webhook storm."
    )

    @Option(help: "Checkout Sessions created in the create run.") var creates = 2_000
    @Option(help: "Requests in flight at once in the create runs.") var concurrency = 8
    @Option(help: "Sessions paid one by one for the payment → credit latency.") var payments = 200
    @Option(help: "Sessions in the storm; each gets (1 + resends) × 2 concurrent deliveries of its completion.") var stormSessions = 100
    @Option(help: "Resends of each completion event in the storm.") var resends = 4
    @Option(help: "Directory holding fake-stripe and fake-tais (default: next to this binary).") var bin: String?

    static let tenant = "bench-tenant"
    static let creditsPerUSD = 100.0

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stripe-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let stack = try await BenchStack.start(directory: directory, bin: bin)
        defer { stack.stop() }
        report("binaries: \(stack.binDirectory)")

        let floor = try await measureRate(count: creates, concurrency: concurrency) { _ in
            let reply = try await stack.http.get(stack.stripe.baseURL + "/health")
            guard reply.status == 200 else { throw BenchError("GET /health answered \(reply.status)") }
        }
        let direct = try await measureRate(count: creates, concurrency: concurrency) { index in
            _ = try await stack.stripeClient.createCheckoutSession(Self.sessionParameters(index))
        }
        let token = stack.token
        let viaTAIS = try await measureRate(count: creates / 4, concurrency: concurrency) { _ in
            _ = try await stack.tais.startCheckout(org: Self.tenant, creditAmountUsd: 10, token: token)
        }
        report("")
        report("| what | rate | plain floor, same run |")
        report("|---|---|---|")
        report(String(format: "| Checkout Session create on fake-stripe (%d, %d in flight) | %.0f/s | %.0f/s (GET /health) |", creates, concurrency, direct, floor))
        report(String(format: "| top-up start through fake-tais (JWT, Stripe call, ledger row; %d) | %.0f/s | — |", creates / 4, viaTAIS))

        let latencies = try await measurePaymentToCredit(stack)
        report("")
        report(String(format: "payment → ledger credit over the webhook (%d payments, one at a time): p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                      latencies.total.count, Percentile.of(latencies.total, 50), Percentile.of(latencies.total, 99), latencies.total.max() ?? 0))
        report(String(format: "  of which fake-tais handling the webhook (verify, dedupe, credit): p50 %.1f ms, p99 %.1f ms",
                      Percentile.of(latencies.handling, 50), Percentile.of(latencies.handling, 99)))
        report(String(format: "  floor: the pay request's own round trip: p50 %.1f ms, p99 %.1f ms",
                      Percentile.of(latencies.payRoundTrip, 50), Percentile.of(latencies.payRoundTrip, 99)))

        let storm = try await measureStorm(stack)
        report("")
        report("storm: \(storm.sessions) sessions, \(storm.deliveries) completion deliveries (duplicated and concurrent, resent \(resends)×), \(storm.syncs) syncs racing them")
        report("  double credits: \(storm.doubleCredits) (must be 0); sessions credited: \(storm.credited)/\(storm.sessions); balance \(storm.balanceOK ? "exact" : "WRONG")")
        if storm.doubleCredits != 0 || !storm.balanceOK || storm.credited != storm.sessions {
            throw BenchError("the storm credited wrongly: \(storm)")
        }
        if let peak = stack.stripe.peakRSSKiB() {
            report(String(format: "fake-stripe peak RSS: %.1f MiB", Double(peak) / 1024))
        }
    }

    static func sessionParameters(_ index: Int) -> [(String, StripeFormEncoder.Value)] {
        [
            ("mode", "payment"),
            ("line_items", .list([.map([
                ("price_data", .map([("currency", "usd"), ("unit_amount", .text(String(1000 + index % 100))), ("product_data", .map([("name", "AI credits")]))])),
                ("quantity", "1"),
            ])])),
            ("success_url", "http://127.0.0.1/ok?session_id={CHECKOUT_SESSION_ID}"),
            ("client_reference_id", .text(tenant)),
            ("metadata", .map([("bench", .text(String(index)))])),
        ]
    }

    /// Runs `count` operations with `concurrency` in flight; operations per second.
    func measureRate(count: Int, concurrency: Int, _ operation: @escaping @Sendable (Int) async throws -> Void) async throws -> Double {
        let next = Counter()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while true {
                        let index = next.value.add(1, ordering: .relaxed).oldValue
                        guard index < count else { return }
                        try await operation(index)
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(count) / (ContinuousClock.now - start).seconds
    }

    struct Latencies {
        var total: [Double] = []
        var handling: [Double] = []
        var payRoundTrip: [Double] = []
    }

    /// Pays sessions one at a time; for each, the time from sending the pay request until fake-tais answered
    /// the `checkout.session.completed` webhook that credited it (wall clock of this machine on both ends).
    func measurePaymentToCredit(_ stack: BenchStack) async throws -> Latencies {
        var latencies = Latencies()
        var sessions: [(id: String, paidAt: Double)] = []
        let before = try await stack.tais.billingSummary(org: Self.tenant, token: stack.token).purchasedCredits
        for _ in 0..<payments {
            let start = try await stack.tais.startCheckout(org: Self.tenant, creditAmountUsd: 5, token: stack.token)
            let paidAt = Date().timeIntervalSince1970
            let clock = ContinuousClock.now
            _ = try await stack.control.pay(start.sessionId)
            latencies.payRoundTrip.append((ContinuousClock.now - clock).seconds * 1000)
            sessions.append((start.sessionId, paidAt))
            // One at a time: wait for this credit before the next payment, so deliveries never queue.
            try await waitFor("the credit of \(start.sessionId)") {
                try await stack.tais.billingSummary(org: Self.tenant, token: stack.token).purchasedCredits
                    >= before + Double(sessions.count) * 5 * Self.creditsPerUSD
            }
        }
        let attempts = try await stack.control.attempts()
        var completed: [String: FakeStripeControl.Attempt] = [:]
        for attempt in attempts where attempt.eventType == "checkout.session.completed" && attempt.status == "succeeded" {
            let session = try await sessionOf(event: attempt.eventId, stack)
            if completed[session] == nil { completed[session] = attempt }
        }
        for session in sessions {
            guard let attempt = completed[session.id] else { throw BenchError("no delivered completion for \(session.id)") }
            latencies.total.append((attempt.sentAt + attempt.durationMs / 1000 - session.paidAt) * 1000)
            latencies.handling.append(attempt.durationMs)
        }
        return latencies
    }

    func sessionOf(event: String, _ stack: BenchStack) async throws -> String {
        let json = try await stack.stripeClient.call(.GET, "/v1/events/\(event)")
        return json["data"]?["object"]?["id"]?.stringValue ?? ""
    }

    struct Storm: CustomStringConvertible {
        var sessions: Int
        var deliveries: Int
        var syncs: Int
        var credited: Int
        var doubleCredits: Int
        var balanceOK: Bool
        var description: String { "\(sessions) sessions, \(credited) credited, \(doubleCredits) double credits, balance ok: \(balanceOK)" }
    }

    /// Every delivery of the storm is duplicated (two concurrent POSTs), each completion is resent `resends`
    /// times at once, and three syncs per session race the deliveries. Each session must credit exactly once.
    func measureStorm(_ stack: BenchStack) async throws -> Storm {
        let token = stack.token
        let purchasedBefore = try await stack.tais.billingSummary(org: Self.tenant, token: token).purchasedCredits
        var sessionIds: [String] = []
        for _ in 0..<stormSessions {
            sessionIds.append(try await stack.tais.startCheckout(org: Self.tenant, creditAmountUsd: 7, token: token).sessionId)
        }
        try await stack.control.addWebhookFault("duplicate", count: 0)
        let ids = sessionIds
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in ids {
                group.addTask {
                    _ = try await stack.control.pay(id)
                    try await withThrowingTaskGroup(of: Void.self) { racers in
                        for _ in 0..<3 { racers.addTask { _ = try await stack.tais.syncCheckout(org: Self.tenant, sessionId: id, token: token) } }
                        try await racers.waitForAll()
                    }
                }
            }
            try await group.waitForAll()
        }
        // Resend every completion `resends` times at once; with the fault, each resend is two concurrent POSTs.
        let events = try await stack.stripeClient.call(.GET, "/v1/events?type=checkout.session.completed&limit=100")
        var completionEvents: [String] = []
        var page = events
        while true {
            guard case .array(let data)? = page["data"] else { break }
            for event in data where ids.contains(event["data"]?["object"]?["id"]?.stringValue ?? "") {
                if let id = event["id"]?.stringValue { completionEvents.append(id) }
            }
            guard page["has_more"] == .bool(true), let last = data.last?["id"]?.stringValue else { break }
            page = try await stack.stripeClient.call(.GET, "/v1/events?type=checkout.session.completed&limit=100&starting_after=\(last)")
        }
        let resends = self.resends
        try await withThrowingTaskGroup(of: Void.self) { group in
            for event in completionEvents {
                for _ in 0..<resends { group.addTask { try await stack.control.resend(eventId: event) } }
            }
            try await group.waitForAll()
        }
        let expected = completionEvents.count * (1 + resends) * 2
        try await waitFor("every storm delivery to be answered", timeout: .seconds(300)) {
            let attempts = try await stack.control.attempts()
            let set = Set(completionEvents)
            return attempts.filter { set.contains($0.eventId) && $0.status != "failed" }.count >= expected
        }
        try await stack.control.clearWebhookFaults()
        let purchases = try await stack.tais.allLedgerEntries(org: Self.tenant, category: "purchases", token: token)
        var perSession: [String: Int] = [:]
        for entry in purchases {
            for id in ids where (entry.description ?? "").contains(id) { perSession[id, default: 0] += 1 }
        }
        let purchasedAfter = try await stack.tais.billingSummary(org: Self.tenant, token: token).purchasedCredits
        let expectedCredits = Double(ids.count) * 7 * Self.creditsPerUSD
        return Storm(
            sessions: ids.count, deliveries: expected, syncs: ids.count * 3, credited: perSession.count,
            doubleCredits: perSession.values.reduce(0) { $0 + max(0, $1 - 1) },
            balanceOK: abs(purchasedAfter - purchasedBefore - expectedCredits) < 0.001
        )
    }

    func waitFor(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw BenchError("timed out waiting for \(what)")
    }
}

/// The next operation's index, shared by the workers of a rate run.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
