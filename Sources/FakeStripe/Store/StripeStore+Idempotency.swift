import Foundation
import GRDB

/// Idempotency keys, per API key: the first request with a key claims it (`running`), its answer is kept
/// (`done`) and replayed; a key older than 24 h on the fake clock is forgotten.
extension StripeStore {
    static let idempotencyLifetime = 24 * 3600

    enum Claim: Equatable {
        case claimed
        case replay(status: Int, body: [UInt8], requestId: String?)
        case otherEndpoint(String)
        case otherParameters
        case inFlight
    }

    func claim(apiKey: String, key: String, endpoint: String, params: String, now: Int) throws -> Claim {
        try db.write { db in
            try db.execute(
                sql: "DELETE FROM idempotency_keys WHERE api_key = ? AND key = ? AND created <= ?",
                arguments: [apiKey, key, now - Self.idempotencyLifetime]
            )
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM idempotency_keys WHERE api_key = ? AND key = ?", arguments: [apiKey, key]) {
                let first: String = row["endpoint"]
                if first != endpoint { return .otherEndpoint(first) }
                if (row["params"] as String) != params { return .otherParameters }
                if (row["state"] as String) != "done" { return .inFlight }
                let body: Data = row["body"] ?? Data()
                return .replay(status: row["status"], body: Array(body), requestId: row["request_id"])
            }
            try db.execute(
                sql: "INSERT INTO idempotency_keys(api_key, key, endpoint, params, state, created) VALUES (?, ?, ?, ?, 'running', ?)",
                arguments: [apiKey, key, endpoint, params, now]
            )
            return .claimed
        }
    }

    /// Keeps the answer for replays.
    func complete(apiKey: String, key: String, status: Int, body: [UInt8], requestId: String?) throws {
        try db.write { db in
            try db.execute(
                sql: "UPDATE idempotency_keys SET state = 'done', status = ?, body = ?, request_id = ? WHERE api_key = ? AND key = ?",
                arguments: [status, Data(body), requestId, apiKey, key]
            )
        }
    }

    /// Frees a key whose request was not executed (refused parameters, a crash of the handler).
    func release(apiKey: String, key: String) throws {
        try db.write { db in
            try db.execute(sql: "DELETE FROM idempotency_keys WHERE api_key = ? AND key = ? AND state = 'running'", arguments: [apiKey, key])
        }
    }

    /// Keys left `running` by a process that died mid-request: never executed to an answer, so freed.
    func releaseAbandonedKeys() throws {
        try db.write { db in try db.execute(sql: "DELETE FROM idempotency_keys WHERE state = 'running'") }
    }
}
