import BlockingWork
import Foundation
import Hummingbird
import StackHTTP
import StackStorage

/// Fake-only test hooks: `POST /_fake/reset`, `POST /_fake/seed`, `GET /_fake/stats`.
struct FakeOpenMeterRoutes {
    let app: OpenMeterApp

    struct SeedBody: Decodable {
        var tenants: Int?
        var events: Int?
        var days: Int?
        var seed: UInt64?
        var end: String?
        var shape: String?
        var users: Int?
        var modules: Int?
        var products: Int?
        var skills: Int?
    }

    func register(in routes: inout RouteTable<BasicRequestContext>) {
        routes.post("/_fake/reset") { _, _ in
            try await offCooperativePool { try app.reset() }
            app.logger.info("reset: all events removed, meters re-seeded")
            return Response(status: .noContent)
        }
        routes.post("/_fake/seed") { request, _ in
            let body = try await request.collectBody(limit: 64 * 1024)
            let seed: SeedBody
            do {
                seed = body.readableBytes == 0 ? SeedBody() : try JSONDecoder().decode(SeedBody.self, from: Data(buffer: body))
            } catch {
                throw HTTPFailure.badRequest("seed body must be JSON like {\"tenants\":3,\"events\":2000,\"days\":30,\"seed\":42,\"end\":\"2026-01-31T00:00:00Z\"}")
            }
            var end: Int64?
            if let text = seed.end {
                guard let parsed = RFC3339Bridge.seconds(text) else { throw HTTPFailure.badRequest("end must be an RFC 3339 date-time") }
                end = parsed
            }
            let shape: DataShape
            do {
                shape = try DataShape.resolve(name: seed.shape, users: seed.users, modules: seed.modules, products: seed.products, skills: seed.skills)
            } catch let error as DataShapeError {
                throw HTTPFailure.badRequest(error.description)
            }
            let plan = SeedPlan(tenants: seed.tenants ?? 3, events: seed.events ?? 2_000, days: seed.days ?? 30, seed: seed.seed ?? 42, end: end, shape: shape)
            if let problem = plan.problem { throw HTTPFailure.badRequest(problem) }
            let store = app.store
            // Seeding a million events takes seconds: off the cooperative pool, so other requests go on.
            let inserted = try await offCooperativePool { try Seeder.seed(plan, into: store) }
            app.logger.info("seeded \(inserted) events for \(plan.tenants) tenants over \(plan.days) days (seed \(plan.seed))")
            return try JSONResponse.make(SeedResult(inserted: inserted, plan: plan, tenants: plan.tenantIDs))
        }
        routes.get("/_fake/stats") { _, _ in
            let store = app.store
            let counts = try await offCooperativePool { ["events": try store.eventCount(), "meters": try store.meters().count] }
            return try JSONResponse.make(counts)
        }
    }

    struct SeedResult: Encodable {
        var inserted: Int
        var plan: SeedPlan
        var tenants: [String]
    }
}
