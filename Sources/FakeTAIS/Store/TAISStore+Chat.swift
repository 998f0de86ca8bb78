import Foundation
import GRDB
import StackHTTP

/// A chat message's money path in two transactions around the agent's work:
/// `beginChat` checks balance and budget and holds the charge (with the question and the
/// idempotency record); `finishChat` stores the answer, settles the charge and queues the credit
/// event for OpenMeter, all at once. A hold that never finishes (an error, a crash) is released.
extension TAISStore {
    struct ChatHold: Sendable {
        var tenant: String
        var sessionID: String
        var userMessageID: String
        var ledgerID: String
        var cost: Double
        var idempotencyKey: String?
    }

    enum ChatStart: Sendable {
        case started(ChatHold)
        /// The stored answer of an earlier request with the same Idempotency-Key.
        case replay(String)
        case inProgress
        case exhausted(String)
    }

    func beginChat(
        sessionID: String, tenant: String, content: String, cost: Double, idempotencyKey: String?, now: Date
    ) throws -> ChatStart {
        try db.write { db in
            if let key = idempotencyKey,
               let row = try Row.fetchOne(db, sql: "SELECT * FROM idempotency WHERE tenant = ? AND key = ?", arguments: [tenant, key]) {
                guard row["session_id"] == sessionID, row["request"] == content else {
                    throw HTTPFailure(.badRequest, "Idempotency-Key \(key) was already used for another request", code: "invalid_request")
                }
                if row["state"] == "done", let response = row["response"] as String? { return .replay(response) }
                return .inProgress
            }
            guard let session = try Self.session(db, id: sessionID, tenant: tenant) else {
                throw HTTPFailure(.notFound, "session not found", code: "not_found")
            }
            let balance = try Self.balance(db, tenant)
            guard balance.balance >= cost else {
                return .exhausted("no AI credits left: the balance is \(Self.format(balance.balance)) and a message costs \(Self.format(cost))")
            }
            if let budget = session.budgetCredits, session.spentCredits + cost > budget {
                return .exhausted("this session's budget of \(Self.format(budget)) credits is spent (\(Self.format(session.spentCredits)) used)")
            }
            let hold = ChatHold(
                tenant: tenant, sessionID: sessionID, userMessageID: TAISID.make("msg"), ledgerID: TAISID.make("led"),
                cost: cost, idempotencyKey: idempotencyKey
            )
            try db.execute(
                sql: "INSERT INTO messages(id, session_id, role, content, created_at) VALUES (?, ?, 'user', ?, ?)",
                arguments: [hold.userMessageID, sessionID, content, now.timeIntervalSince1970]
            )
            let entry = LedgerEntry(
                id: hold.ledgerID, category: .usage, credits: cost, balanceAfter: balance.balance - cost,
                description: "Chat message in \"\(session.title)\"", sessionId: sessionID, messageId: hold.userMessageID, createdAt: now
            )
            try Self.insert(db, entry, tenant: tenant, status: "held")
            try Self.adjust(db, tenant, balance: -cost, used: cost)
            try db.execute(sql: "UPDATE sessions SET spent_credits = spent_credits + ? WHERE id = ?", arguments: [cost, sessionID])
            if let key = idempotencyKey {
                try db.execute(
                    sql: "INSERT INTO idempotency(tenant, key, session_id, request, state, created_at) VALUES (?, ?, ?, ?, 'pending', ?)",
                    arguments: [tenant, key, sessionID, content, now.timeIntervalSince1970]
                )
            }
            return .started(hold)
        }
    }

    /// Stores the answer, settles the held charge and queues `event` for OpenMeter in one transaction.
    func finishChat(_ hold: ChatHold, answer: ChatMessage, eventID: String, eventBody: String, response: String) throws {
        let calls = answer.toolCalls.map { String(decoding: (try? JSONEncoder().encode($0)) ?? Data("[]".utf8), as: UTF8.self) }
        try db.write { db in
            try db.execute(
                sql: "INSERT INTO messages(id, session_id, role, content, tool_calls, credits_charged, created_at) VALUES (?, ?, 'assistant', ?, ?, ?, ?)",
                arguments: [answer.id, hold.sessionID, answer.content, calls, answer.creditsCharged, answer.createdAt.timeIntervalSince1970]
            )
            try db.execute(sql: "UPDATE ledger SET status = 'settled', message_id = ? WHERE id = ?", arguments: [answer.id, hold.ledgerID])
            try db.execute(sql: "INSERT OR IGNORE INTO outbox(event_id, body) VALUES (?, ?)", arguments: [eventID, eventBody])
            if let key = hold.idempotencyKey {
                try db.execute(
                    sql: "UPDATE idempotency SET state = 'done', response = ? WHERE tenant = ? AND key = ?",
                    arguments: [response, hold.tenant, key]
                )
            }
        }
    }

    /// Undoes a hold: the charge, the question and the idempotency record, as if nothing was asked.
    func abortChat(_ hold: ChatHold) throws {
        try db.write { db in try Self.release(db, hold) }
    }

    /// Releases holds left by a process that died mid-answer, with their pending idempotency records
    /// (at start nothing can be in progress). Returns how many holds.
    @discardableResult
    func releaseAbandonedHolds() throws -> Int {
        try db.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM ledger WHERE status = 'held'")
            for row in rows {
                try Self.release(db, ChatHold(
                    tenant: row["tenant"], sessionID: row["session_id"], userMessageID: row["message_id"], ledgerID: row["id"],
                    cost: row["credits"], idempotencyKey: nil
                ))
            }
            try db.execute(sql: "DELETE FROM idempotency WHERE state = 'pending'")
            return rows.count
        }
    }

    static func release(_ db: Database, _ hold: ChatHold) throws {
        guard let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM ledger WHERE id = ? AND status = 'held'", arguments: [hold.ledgerID]) else { return }
        try db.execute(sql: "DELETE FROM ledger WHERE seq = ?", arguments: [seq])
        // Entries written after the hold computed their balance with it taken: give it back to them too.
        try db.execute(
            sql: "UPDATE ledger SET balance_after = balance_after + ? WHERE tenant = ? AND seq > ?",
            arguments: [hold.cost, hold.tenant, seq]
        )
        try adjust(db, hold.tenant, balance: hold.cost, used: -hold.cost)
        try db.execute(sql: "UPDATE sessions SET spent_credits = spent_credits - ? WHERE id = ?", arguments: [hold.cost, hold.sessionID])
        try db.execute(sql: "DELETE FROM messages WHERE id = ?", arguments: [hold.userMessageID])
        if let key = hold.idempotencyKey {
            try db.execute(sql: "DELETE FROM idempotency WHERE tenant = ? AND key = ? AND state = 'pending'", arguments: [hold.tenant, key])
        }
    }

    static func format(_ credits: Double) -> String {
        credits == credits.rounded() && abs(credits) < 1e15 ? String(Int64(credits)) : String(format: "%.2f", credits)
    }
}
