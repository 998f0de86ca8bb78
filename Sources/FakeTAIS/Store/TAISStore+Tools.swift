import Foundation
import GRDB
import StackHTTP

/// The tool registry: registrations live until `expires_at` on the fake clock, then read as gone.
extension TAISStore {
    struct NewTool: Sendable {
        var name: String
        var description: String
        var url: String
        var transport: String
    }

    /// Registers a tool unless the tenant is at its plan's cap of live registrations.
    func registerTool(_ tool: NewTool, tenant: String, user: String, now: Date, ttl: TimeInterval) throws -> ToolRegistration {
        try db.write { db in
            let plan = try Self.tenantPlan(db, tenant)
            let live = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM tools WHERE tenant = ? AND deleted_at IS NULL AND expires_at > ?",
                arguments: [tenant, now.timeIntervalSince1970]
            ) ?? 0
            guard live < plan.toolCap else {
                throw HTTPFailure(
                    .forbidden, "the \(plan.plan.rawValue) plan allows \(plan.toolCap) live tool registrations; delete one or wait for one to expire",
                    code: "plan_limit_reached", fields: [("plan", .string(plan.plan.rawValue)), ("cap", .int(plan.toolCap))]
                )
            }
            let registration = ToolRegistration(
                id: TAISID.make("tool"), name: tool.name, description: tool.description, url: tool.url, transport: tool.transport,
                tenantId: tenant, createdBy: user, createdAt: now, expiresAt: now.addingTimeInterval(ttl)
            )
            try db.execute(
                sql: """
                    INSERT INTO tools(id, tenant, name, description, url, transport, created_by, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [registration.id, tenant, tool.name, tool.description, tool.url, tool.transport, user,
                            now.timeIntervalSince1970, registration.expiresAt.timeIntervalSince1970]
            )
            return registration
        }
    }

    /// The tenant's live registrations, oldest first.
    func liveTools(tenant: String, now: Date) throws -> [ToolRegistration] {
        try db.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM tools WHERE tenant = ? AND deleted_at IS NULL AND expires_at > ? ORDER BY created_at, id",
                arguments: [tenant, now.timeIntervalSince1970]
            ).map(Self.registration)
        }
    }

    /// A registration of `tenant` by id, also when expired or deleted (the agent says which); nil when unknown or foreign.
    func toolRecord(id: String, tenant: String) throws -> (tool: ToolRegistration, deleted: Bool)? {
        try db.read { db in try Self.toolRecord(db, id: id, tenant: tenant) }
    }

    static func toolRecord(_ db: Database, id: String, tenant: String) throws -> (tool: ToolRegistration, deleted: Bool)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM tools WHERE id = ? AND tenant = ?", arguments: [id, tenant]) else { return nil }
        return (registration(row), (row["deleted_at"] as Double?) != nil)
    }

    /// A live registration of `tenant`; nil when unknown, foreign, deleted or expired.
    func liveTool(id: String, tenant: String, now: Date) throws -> ToolRegistration? {
        guard let record = try toolRecord(id: id, tenant: tenant), !record.deleted, record.tool.expiresAt > now else { return nil }
        return record.tool
    }

    /// Marks a live registration deleted; false when there is none to delete.
    func deleteTool(id: String, tenant: String, now: Date) throws -> Bool {
        try db.write { db in
            try db.execute(
                sql: "UPDATE tools SET deleted_at = ? WHERE id = ? AND tenant = ? AND deleted_at IS NULL AND expires_at > ?",
                arguments: [now.timeIntervalSince1970, id, tenant, now.timeIntervalSince1970]
            )
            return db.changesCount > 0
        }
    }

    func liveToolCount(tenant: String, now: Date) throws -> Int {
        try db.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM tools WHERE tenant = ? AND deleted_at IS NULL AND expires_at > ?",
                arguments: [tenant, now.timeIntervalSince1970]
            ) ?? 0
        }
    }

    static func registration(_ row: Row) -> ToolRegistration {
        ToolRegistration(
            id: row["id"], name: row["name"], description: row["description"], url: row["url"], transport: row["transport"],
            tenantId: row["tenant"], createdBy: row["created_by"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]), expiresAt: Date(timeIntervalSince1970: row["expires_at"])
        )
    }
}
