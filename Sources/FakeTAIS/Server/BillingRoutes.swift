import BlockingWork
import Foundation
import Hummingbird
import StackHTTP
import StackStorage
import FakeControls

/// `/api/v1/organizations/{orgId}/ai-credits/…`: the prepaid ledger's read side. `orgId` is the
/// caller's tenant (another org is 404). Owner, Admin and Developer view; anyone else sees nothing.
struct BillingRoutes {
    let store: TAISStore
    let auth: BearerAuthenticator
    let clock: FakeClock
    let creditsPerUSD: Double

    static let viewerRoles: Set<String> = ["Owner", "Admin", "Developer"]

    struct Summary: Encodable {
        var orgId: String
        var balanceCredits: Double
        var purchasedCredits: Double
        var usedCredits: Double
        var creditsPerUsd: Double
        var plan: String
        var hostedServers: HostedServers
    }

    struct HostedServers: Encodable {
        var used: Int
        var cap: Int
    }

    struct LedgerPage: Encodable {
        var items: [LedgerEntry]
        var page: Int
        var pageSize: Int
        var total: Int
    }

    func register(in routes: inout RouteTable<BasicRequestContext>) {
        let store = self.store, auth = self.auth, clock = self.clock, creditsPerUSD = self.creditsPerUSD
        routes.get("/api/v1/organizations/:orgId/ai-credits/summary") { request, context in
            let identity = try auth.identity(request)
            let org = try Self.organization(context, identity)
            let now = clock.now()
            let (balance, plan, used) = try await offCooperativePool {
                (try store.balance(tenant: org), try store.tenantPlan(org), try store.liveToolCount(tenant: org, now: now))
            }
            let visible = Self.mayView(identity)
            return try JSONResponse.make(Summary(
                orgId: org, balanceCredits: visible ? balance.balance : 0, purchasedCredits: visible ? balance.purchased : 0,
                usedCredits: visible ? balance.used : 0, creditsPerUsd: creditsPerUSD, plan: plan.plan.rawValue,
                hostedServers: HostedServers(used: used, cap: plan.toolCap)
            ))
        }
        routes.get("/api/v1/organizations/:orgId/ai-credits/ledger") { request, context in
            let identity = try auth.identity(request)
            let org = try Self.organization(context, identity)
            let query = request.uri.queryParameters
            let category: LedgerEntry.Category?
            switch query.get("category") {
            case nil: category = nil
            case "purchases": category = .purchase
            case "usage": category = .usage
            case "grants": category = .grant
            case let other?: throw HTTPFailure.badRequest("category must be purchases, usage or grants, got \(other)")
            }
            let page = try Self.integer(query.get("page"), "page", 1...1_000_000) ?? 1
            let pageSize = try Self.integer(query.get("pageSize"), "pageSize", 1...200) ?? 50
            guard Self.mayView(identity) else {
                return try JSONResponse.make(LedgerPage(items: [], page: page, pageSize: pageSize, total: 0))
            }
            let (items, total) = try await offCooperativePool { try store.ledger(tenant: org, category: category, page: page, pageSize: pageSize) }
            return try JSONResponse.make(LedgerPage(items: items, page: page, pageSize: pageSize, total: total))
        }
    }

    /// The caller's own organization; any other is answered like an unknown one.
    static func organization(_ context: BasicRequestContext, _ identity: TAISIdentity) throws -> String {
        let org = context.parameters.get("orgId") ?? ""
        guard org == identity.tenant else { throw HTTPFailure(.notFound, "organization \(org) not found", code: "not_found") }
        return org
    }

    static func mayView(_ identity: TAISIdentity) -> Bool {
        identity.roles.contains { viewerRoles.contains($0) }
    }

    static func integer(_ raw: String?, _ name: String, _ range: ClosedRange<Int>) throws -> Int? {
        guard let raw else { return nil }
        guard let value = Int(raw), range.contains(value) else {
            throw HTTPFailure.badRequest("\(name) must be a whole number between \(range.lowerBound) and \(range.upperBound), got \(raw)")
        }
        return value
    }
}
