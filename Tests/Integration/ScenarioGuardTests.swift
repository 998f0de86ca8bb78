import Foundation
import StackClients
import Testing

extension IntegrationTests.Scenarios {
    /// Each scenario fails when the behaviour it guards is broken: the run exits 1 and its first failed step is the
    /// one that checks that behaviour. Where the stack has a control that breaks it for real (a fault on a fake),
    /// that is set before the run; where it has none, the run goes through a `ScenarioTamperingProxy` in front of
    /// fake-tais (`--service-url tais=…`) that makes the stack look as it would if the behaviour broke. Every test
    /// undoes its break, so the stack stays usable for the others.
    @Suite("Each scenario fails when what it guards is broken")
    struct Guards {
        /// Real break: fake-tais answers 503 to every lookup of a registration (`GET /api/v2/tools-service/tools/*`),
        /// so stackctl's keeper cannot see the moved clock reach 80% of the registration's lifetime and never renews
        /// it. (The scenario's own renewal on the real clock, at its start, registers without a lookup and passes.)
        @Test("registration-renews-mid-chat fails when the keeper cannot renew on the moved clock")
        func registrationNotRenewed() async throws {
            let stack = try ScenarioStack.shared()
            let taisFaults = FakeOpenMeterControl(baseURL: try stack.url("TAIS_URL"))  // the same /_fake/faults API
            let fault = try await taisFaults.addFault(FaultSpec(path: TAISClient.toolsPath + "/*", method: "GET", status: 503))
            let run = try await afterwards {
                try await stack.runScenario("registration-renews-mid-chat")
            } undo: {
                try await taisFaults.removeFault(id: fault)
                try await stack.run.waitForStatus("the keeper sees the registration again") { $0.registration?.state == "registered" }
            }
            expectGuard(run, failsAt: "the keeper renews the registration", saying: ["registration.renewals"])
        }

        /// Real break: OpenMeter refuses event ingestion for good (503 on `POST /api/v1/events`, outliving the
        /// scenario's own outage), so the credit events never arrive.
        @Test("openmeter-outage-mid-chat fails when the outage never ends for credit events")
        func creditEventsNeverArrive() async throws {
            let stack = try ScenarioStack.shared()
            let openMeter = FakeOpenMeterControl(baseURL: try stack.url("OPENMETER_URL"))
            _ = try await openMeter.addFault(FaultSpec(path: "/api/v1/events", method: "POST", status: 503))
            let run = try await afterwards {
                try await stack.runScenario("openmeter-outage-mid-chat")
            } undo: {
                try await openMeter.clearFaults()
                // The outbox retries with backoff (up to 30 s): later scenarios start with it drained.
                let tais = try stack.tais
                var outbox: TAISOutboxCounts?
                let drained = try await waitUntil(timeout: .seconds(60), interval: .milliseconds(250)) {
                    outbox = try await tais.outbox()
                    return outbox?.pending == 0
                }
                #expect(drained, "fake-tais's outbox did not drain after the outage: \(String(describing: outbox))")
            }
            expectGuard(run, failsAt: "the outbox drains", saying: ["pending"])
        }

        /// Real break: fake-stripe drops every webhook delivery, so the paid top-up is never credited and the
        /// chat cannot go on.
        @Test("credits-exhausted-then-top-up fails when the top-up's webhook never credits")
        func topUpNeverCredited() async throws {
            let stack = try ScenarioStack.shared()
            let stripe = FakeStripeControl(baseURL: try stack.url("STRIPE_URL"))
            try await stripe.addWebhookFault("drop", count: 0)
            let run = try await afterwards {
                try await stack.runScenario("credits-exhausted-then-top-up")
            } undo: {
                try await stripe.clearWebhookFaults()
            }
            expectGuard(run, failsAt: "the webhook credits 500 credits", saying: ["balanceCredits"])
        }

        /// Tampering break (no control makes fake-tais credit twice): the proxy shows every top-up credited twice.
        @Test("webhook-storm fails when a top-up is credited twice")
        func stormCreditsTwice() async throws {
            let stack = try ScenarioStack.shared()
            let run = try await ScenarioTamperingProxy.with(target: try stack.url("TAIS_URL"), tamper: ScenarioTampers.creditsEveryTopUpTwice) { proxy in
                try await stack.runScenario("webhook-storm", serviceURLs: ["tais": proxy.url])
            }
            expectGuard(run, failsAt: "the balance is exact, each top-up credited once", saying: ["balanceCredits", "6000"])
        }

        /// Tampering break (no control makes fake-tais credit an expired session): the proxy turns sync's
        /// `expired` into `credited`.
        @Test("expired-checkout fails when an expired checkout is credited")
        func expiredCheckoutCredited() async throws {
            let stack = try ScenarioStack.shared()
            let run = try await ScenarioTamperingProxy.with(target: try stack.url("TAIS_URL"), tamper: ScenarioTampers.creditsExpiredCheckouts) { proxy in
                try await stack.runScenario("expired-checkout", serviceURLs: ["tais": proxy.url])
            }
            expectGuard(run, failsAt: "sync says expired", saying: ["credited"])
        }

        /// Tampering break: the proxy shows the top-up paid after the decline credited twice.
        @Test("declined-then-good-card fails when the top-up is credited twice")
        func declinedThenGoodCreditedTwice() async throws {
            let stack = try ScenarioStack.shared()
            let run = try await ScenarioTamperingProxy.with(target: try stack.url("TAIS_URL"), tamper: ScenarioTampers.creditsEveryTopUpTwice) { proxy in
                try await stack.runScenario("declined-then-good-card", serviceURLs: ["tais": proxy.url])
            }
            expectGuard(run, failsAt: "credited exactly once", saying: ["2000"])
        }

        /// Tampering break (the override is a fake-only control with no fault of its own): the proxy acknowledges
        /// the operator's cap override without passing it on, so the cap stays.
        @Test("plan-cap-override fails when the operator's override is ignored")
        func overrideIgnored() async throws {
            let stack = try ScenarioStack.shared()
            let run = try await ScenarioTamperingProxy.with(target: try stack.url("TAIS_URL"), tamper: ScenarioTampers.ignoresCapOverrides) { proxy in
                try await stack.runScenario("plan-cap-override", serviceURLs: ["tais": proxy.url])
            }
            expectGuard(run, failsAt: "the next registration goes through", saying: ["403", "plan_limit_reached"])
        }
    }
}

/// The run failed as a guard should: exit 1, status `failed`, the first failed step is `step` and its detail names
/// what was wrong (each of `saying`), the steps after it were skipped and every `finally` step still ran and passed.
private func expectGuard(
    _ run: ScenarioRun, failsAt step: String, saying words: [String], sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(run.code == 1, "\(run)", sourceLocation: sourceLocation)
    #expect(run.report?.status == "failed", "\(run)", sourceLocation: sourceLocation)
    #expect(run.firstFailure?.name == step, "expected the first failure at \"\(step)\":\n\(run)", sourceLocation: sourceLocation)
    let detail = run.firstFailure?.detail ?? ""
    #expect(words.allSatisfy(detail.contains), "the failure does not say \(words): \(detail)", sourceLocation: sourceLocation)
    guard let steps = run.report?.steps, let failed = steps.firstIndex(where: { $0.status == "failed" }) else { return }
    let after = steps[(failed + 1)...]
    #expect(after.filter { !$0.cleanup }.allSatisfy { $0.status == "skipped" }, "\(run)", sourceLocation: sourceLocation)
    #expect(steps.filter(\.cleanup).allSatisfy { $0.status == "passed" }, "a cleanup step failed:\n\(run)", sourceLocation: sourceLocation)
}

/// Runs `body`, then `undo` whether or not `body` threw.
private func afterwards<T: Sendable>(_ body: () async throws -> T, undo: () async throws -> Void) async throws -> T {
    let result: Result<T, any Error>
    do { result = .success(try await body()) } catch { result = .failure(error) }
    try await undo()
    return try result.get()
}
