import Foundation
import GRDB
import StackStorage

/// fake-stripe's state in one SQLite file (WAL). Every change and the events it emits (with their
/// deliveries owed) commit in one transaction before the request is answered, so nothing acknowledged
/// is lost on `kill -9`. Methods are synchronous; routes call them through `offCooperativePool`.
final class StripeStore: Sendable {
    let db: any DatabaseWriter
    let faults: WebhookFaultBook

    init(path: String, faults: WebhookFaultBook) throws {
        db = try SQLiteDatabase.open(path: path, cacheMegabytes: 32)
        try StripeSchema.migrator.migrate(db)
        self.faults = faults
    }

    /// Forgets every object, event, delivery, idempotency key and API-made endpoint; config endpoints stay.
    func reset() throws {
        try db.write { db in
            for table in ["checkout_sessions", "payment_intents", "events", "deliveries", "delivery_attempts", "idempotency_keys"] {
                try db.execute(sql: "DELETE FROM \(table)")
            }
            try db.execute(sql: "DELETE FROM webhook_endpoints WHERE from_config = 0")
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func encode<T: Encodable>(_ value: T) -> String {
        (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "null"
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String?) -> T? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}

/// A page of a list, newest first, as Stripe pages: `starting_after` gives older items, `ending_before`
/// newer ones (the `limit` closest to it), `has_more` whether more lie beyond in that direction.
struct ListPage {
    var limit: Int
    var startingAfter: Int64?
    var endingBefore: Int64?

    /// Runs `SELECT … FROM table WHERE <conditions>` paged by `seq`.
    func fetch(_ db: Database, table: String, conditions: [String], arguments: StatementArguments) throws -> (rows: [Row], hasMore: Bool) {
        var conditions = conditions
        var arguments = arguments
        let ascending = endingBefore != nil && startingAfter == nil
        if let startingAfter {
            conditions.append("seq < ?")
            arguments += [startingAfter]
        }
        if let endingBefore {
            conditions.append("seq > ?")
            arguments += [endingBefore]
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT * FROM \(table)\(whereClause) ORDER BY seq \(ascending ? "ASC" : "DESC") LIMIT ?"
        var rows = try Row.fetchAll(db, sql: sql, arguments: arguments + [limit + 1])
        let hasMore = rows.count > limit
        if hasMore { rows.removeLast() }
        if ascending { rows.reverse() }
        return (rows, hasMore)
    }
}
