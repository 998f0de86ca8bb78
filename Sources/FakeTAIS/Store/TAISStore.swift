import Foundation
import GRDB
import StackStorage

/// fake-tais's state in one SQLite file (WAL): every write is one transaction, committed before the
/// request that caused it is answered, so an acknowledged change survives `kill -9`.
/// Methods are synchronous; routes call them through `offCooperativePool`.
final class TAISStore: Sendable {
    let db: any DatabaseWriter

    init(path: String) throws {
        db = try SQLiteDatabase.open(path: path, cacheMegabytes: 64)
        try TAISSchema.migrator.migrate(db)
    }

    /// Removes every tool, session, message, ledger entry, balance, outbox event, top-up and tenant setting.
    /// Signing keys stay, so tokens already minted keep working.
    func reset() throws {
        try db.write { db in
            for table in ["tenants", "tools", "sessions", "messages", "ledger", "balances", "outbox", "idempotency", "stripe_checkouts", "stripe_events"] {
                try db.execute(sql: "DELETE FROM \(table)")
            }
        }
    }

    // MARK: - Tenants

    struct TenantPlan: Encodable, Sendable, Equatable {
        var tenant: String
        var plan: Plan
        var toolCap: Int
    }

    func tenantPlan(_ tenant: String) throws -> TenantPlan {
        try db.read { db in try Self.tenantPlan(db, tenant) }
    }

    static func tenantPlan(_ db: Database, _ tenant: String) throws -> TenantPlan {
        let row = try Row.fetchOne(db, sql: "SELECT plan, tool_cap FROM tenants WHERE tenant = ?", arguments: [tenant])
        let plan = (row?["plan"] as String?).flatMap(Plan.init(rawValue:)) ?? .team
        return TenantPlan(tenant: tenant, plan: plan, toolCap: (row?["tool_cap"] as Int?) ?? plan.toolCap)
    }

    /// Changes a tenant's plan and/or overrides its cap on live registrations (nil keeps, a new plan
    /// without a cap resets the override to the plan's cap).
    func setTenant(_ tenant: String, plan: Plan?, toolCap: Int?) throws -> TenantPlan {
        try db.write { db in
            let current = try Self.tenantPlan(db, tenant)
            let newPlan = plan ?? current.plan
            let existingOverride = try Int.fetchOne(db, sql: "SELECT tool_cap FROM tenants WHERE tenant = ?", arguments: [tenant])
            let cap: Int? = toolCap ?? (plan == nil ? existingOverride : nil)
            try db.execute(
                sql: "INSERT INTO tenants(tenant, plan, tool_cap) VALUES (?, ?, ?) ON CONFLICT(tenant) DO UPDATE SET plan = excluded.plan, tool_cap = excluded.tool_cap",
                arguments: [tenant, newPlan.rawValue, cap]
            )
            return try Self.tenantPlan(db, tenant)
        }
    }
}
