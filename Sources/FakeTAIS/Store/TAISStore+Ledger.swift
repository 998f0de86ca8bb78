import Foundation
import GRDB

/// The prepaid ledger: grants and (later) purchases add credits, chat usage takes them. `balances`
/// holds each tenant's running totals, updated in the same transaction as every entry.
extension TAISStore {
    struct Balance: Sendable, Equatable {
        var balance: Double = 0
        var purchased: Double = 0
        var granted: Double = 0
        var used: Double = 0
    }

    func balance(tenant: String) throws -> Balance {
        try db.read { db in try Self.balance(db, tenant) }
    }

    static func balance(_ db: Database, _ tenant: String) throws -> Balance {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM balances WHERE tenant = ?", arguments: [tenant]) else { return Balance() }
        return Balance(balance: row["balance"], purchased: row["purchased"], granted: row["granted"], used: row["used"])
    }

    /// Adds credits to a tenant (a `grant` entry).
    func grant(tenant: String, credits: Double, description: String, now: Date) throws -> LedgerEntry {
        try db.write { db in
            try Self.adjust(db, tenant, balance: credits, granted: credits)
            let after = try Self.balance(db, tenant).balance
            let entry = LedgerEntry(
                id: TAISID.make("led"), category: .grant, credits: credits, balanceAfter: after, description: description,
                sessionId: nil, messageId: nil, createdAt: now
            )
            try Self.insert(db, entry, tenant: tenant, status: "settled")
            return entry
        }
    }

    /// Settled entries, newest first; `category` nil lists all.
    func ledger(tenant: String, category: LedgerEntry.Category?, page: Int, pageSize: Int) throws -> (items: [LedgerEntry], total: Int) {
        try db.read { db in
            var sql = "FROM ledger WHERE tenant = ? AND status = 'settled'"
            var arguments: StatementArguments = [tenant]
            if let category {
                sql += " AND category = ?"
                arguments += [category.rawValue]
            }
            let total = try Int.fetchOne(db, sql: "SELECT count(*) " + sql, arguments: arguments) ?? 0
            let (offset, overflow) = (page - 1).multipliedReportingOverflow(by: pageSize)
            guard !overflow, offset < total else { return ([], total) }
            let rows = try Row.fetchAll(db, sql: "SELECT * " + sql + " ORDER BY seq DESC LIMIT ? OFFSET ?", arguments: arguments + [pageSize, offset])
            return (rows.map(Self.entry), total)
        }
    }

    static func adjust(_ db: Database, _ tenant: String, balance: Double, purchased: Double = 0, granted: Double = 0, used: Double = 0) throws {
        try db.execute(
            sql: """
                INSERT INTO balances(tenant, balance, purchased, granted, used) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(tenant) DO UPDATE SET balance = balance + excluded.balance, purchased = purchased + excluded.purchased,
                granted = granted + excluded.granted, used = used + excluded.used
                """,
            arguments: [tenant, balance, purchased, granted, used]
        )
    }

    static func insert(_ db: Database, _ entry: LedgerEntry, tenant: String, status: String) throws {
        try db.execute(
            sql: """
                INSERT INTO ledger(id, tenant, category, credits, balance_after, description, session_id, message_id, status, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [entry.id, tenant, entry.category.rawValue, entry.credits, entry.balanceAfter, entry.description,
                        entry.sessionId, entry.messageId, status, entry.createdAt.timeIntervalSince1970]
        )
    }

    static func entry(_ row: Row) -> LedgerEntry {
        LedgerEntry(
            id: row["id"], category: LedgerEntry.Category(rawValue: row["category"]) ?? .usage, credits: row["credits"],
            balanceAfter: row["balance_after"], description: row["description"], sessionId: row["session_id"],
            messageId: row["message_id"], createdAt: Date(timeIntervalSince1970: row["created_at"])
        )
    }
}
