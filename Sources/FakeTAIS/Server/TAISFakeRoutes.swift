import BlockingWork
import Foundation
import Hummingbird
import StackHTTP
import StackStorage
import FakeControls

/// fake-tais's own test hooks under `/_fake/` (grants, tenant plans, the outbox, reset); the clock,
/// faults, journal and token routes come from the shared libraries and the identity module.
struct TAISFakeRoutes {
    let app: FakeTAISApp

    struct Grant: Decodable {
        var tenant: String
        var credits: Double
        var description: String?
    }

    struct TenantChange: Decodable {
        var plan: String?
        var toolCap: Int?
    }

    func register(in routes: inout RouteTable<BasicRequestContext>) {
        let store = app.store, clock = app.clock, app = self.app
        routes.post("/_fake/grants") { request, _ in
            let body = try await RequestBody.decode(Grant.self, from: request, example: #"{"tenant":"tenant-01","credits":1000}"#)
            let tenant = body.tenant.trimmingCharacters(in: .whitespaces)
            guard !tenant.isEmpty else { throw HTTPFailure.badRequest("tenant must not be empty") }
            guard body.credits.isFinite, body.credits > 0, body.credits <= 1e12 else {
                throw HTTPFailure.badRequest("credits must be a positive number of credits")
            }
            let now = clock.now()
            let entry = try await offCooperativePool {
                try store.grant(tenant: tenant, credits: body.credits, description: body.description ?? "Dev grant", now: now)
            }
            app.logger.info("granted credits", metadata: ["tenant": "\(tenant)", "credits": "\(body.credits)"])
            return try JSONResponse.make(entry, status: .created)
        }
        routes.post("/_fake/tenants/:tenant") { request, context in
            let tenant = context.parameters.get("tenant") ?? ""
            let body = try await RequestBody.decode(TenantChange.self, from: request, example: #"{"plan":"team","toolCap":20}"#)
            var plan: Plan?
            if let raw = body.plan {
                guard let parsed = Plan(rawValue: raw) else {
                    throw HTTPFailure.badRequest("plan must be one of \(Plan.allCases.map(\.rawValue).joined(separator: ", ")), got \(raw)")
                }
                plan = parsed
            }
            if let cap = body.toolCap, !(0...100_000).contains(cap) {
                throw HTTPFailure.badRequest("toolCap must be between 0 and 100000")
            }
            let newPlan = plan, cap = body.toolCap
            let result = try await offCooperativePool { try store.setTenant(tenant, plan: newPlan, toolCap: cap) }
            return try JSONResponse.make(result)
        }
        routes.get("/_fake/outbox") { _, _ in
            try JSONResponse.make(try await offCooperativePool { try store.outboxCounts() })
        }
        routes.post("/_fake/reset") { _, _ in
            try await offCooperativePool { try store.reset() }
            app.faults.removeAll()
            app.journal.reset()
            app.clock.reset()
            app.logger.info("reset: tools, sessions, messages, ledger and outbox removed; the clock is real again")
            return JSONResponse.empty()
        }
    }
}
