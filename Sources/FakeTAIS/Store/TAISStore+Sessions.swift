import Foundation
import GRDB
import StackHTTP

/// Chat sessions and their conversations.
extension TAISStore {
    func createSession(tenant: String, user: String, title: String, budget: Double?, toolIds: [String], now: Date) throws -> ChatSession {
        try db.write { db in
            try Self.checkToolIDs(db, toolIds, tenant: tenant, now: now)
            let session = ChatSession(
                id: TAISID.make("ses"), tenantId: tenant, userId: user, title: title, toolIds: toolIds,
                budgetCredits: budget, spentCredits: 0, createdAt: now
            )
            try db.execute(
                sql: "INSERT INTO sessions(id, tenant, user_id, title, tool_ids, budget_credits, spent_credits, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                arguments: [session.id, tenant, user, title, Self.encodeIDs(toolIds), budget, now.timeIntervalSince1970]
            )
            return session
        }
    }

    /// The session when it belongs to `tenant`; nil for unknown and foreign ones alike.
    func session(id: String, tenant: String) throws -> ChatSession? {
        try db.read { db in try Self.session(db, id: id, tenant: tenant) }
    }

    static func session(_ db: Database, id: String, tenant: String) throws -> ChatSession? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM sessions WHERE id = ? AND tenant = ?", arguments: [id, tenant]) else { return nil }
        return ChatSession(
            id: row["id"], tenantId: row["tenant"], userId: row["user_id"], title: row["title"],
            toolIds: decodeIDs(row["tool_ids"]), budgetCredits: row["budget_credits"], spentCredits: row["spent_credits"],
            createdAt: Date(timeIntervalSince1970: row["created_at"])
        )
    }

    /// Replaces the session's tools and/or budget (`.some(nil)` removes the budget).
    func patchSession(id: String, tenant: String, toolIds: [String]?, budget: Double??, now: Date) throws -> ChatSession? {
        try db.write { db in
            guard try Self.session(db, id: id, tenant: tenant) != nil else { return nil }
            if let toolIds {
                try Self.checkToolIDs(db, toolIds, tenant: tenant, now: now)
                try db.execute(sql: "UPDATE sessions SET tool_ids = ? WHERE id = ?", arguments: [Self.encodeIDs(toolIds), id])
            }
            if let budget {
                try db.execute(sql: "UPDATE sessions SET budget_credits = ? WHERE id = ?", arguments: [budget, id])
            }
            return try Self.session(db, id: id, tenant: tenant)
        }
    }

    func messages(sessionID: String) throws -> [ChatMessage] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM messages WHERE session_id = ? ORDER BY seq", arguments: [sessionID]).map { row in
                let calls = (row["tool_calls"] as String?).flatMap { try? JSONDecoder().decode([ToolCallRecord].self, from: Data($0.utf8)) }
                return ChatMessage(
                    id: row["id"], role: row["role"], content: row["content"], toolCalls: calls,
                    creditsCharged: row["credits_charged"], createdAt: Date(timeIntervalSince1970: row["created_at"])
                )
            }
        }
    }

    /// 422 listing every id that is not a live registration of `tenant`.
    static func checkToolIDs(_ db: Database, _ ids: [String], tenant: String, now: Date) throws {
        var invalid: [String] = []
        for id in ids {
            let live = try Bool.fetchOne(
                db, sql: "SELECT 1 FROM tools WHERE id = ? AND tenant = ? AND deleted_at IS NULL AND expires_at > ?",
                arguments: [id, tenant, now.timeIntervalSince1970]
            ) ?? false
            if !live, !invalid.contains(id) { invalid.append(id) }
        }
        guard invalid.isEmpty else {
            throw HTTPFailure(
                .unprocessableContent, "unknown, expired or foreign tool ids: \(invalid.joined(separator: ", "))",
                code: "invalid_tool_ids", fields: [("invalidToolIds", .strings(invalid))]
            )
        }
    }

    static func encodeIDs(_ ids: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(ids)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func decodeIDs(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}
