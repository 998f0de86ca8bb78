import Foundation
import GRDB
import StackHTTP
import WireFormats

/// The two read APIs over stored events.
extension EventStore {
    /// `GET /api/v1/events`: newest first, at most `limit`.
    func listV1(_ query: V1EventQuery) throws -> [StoredEvent] {
        var conditions: [SQLCondition] = [
            SQLCondition(sql: "time >= ?", arguments: [query.from]),
        ]
        if let to = query.to { conditions.append(SQLCondition(sql: "time <= ?", arguments: [to])) }
        if let from = query.ingestedAtFrom { conditions.append(SQLCondition(sql: "ingested_at >= ?", arguments: [from])) }
        if let to = query.ingestedAtTo { conditions.append(SQLCondition(sql: "ingested_at <= ?", arguments: [to])) }
        if let subject = query.subject { conditions.append(SQLCondition(sql: "subject = ?", arguments: [subject])) }
        if let id = query.id { conditions.append(SQLCondition(sql: "instr(id, ?) > 0", arguments: [id])) }
        let condition = SQLCondition.all(conditions)
        try mergeInbox()
        return try db.read { db in
            try Self.storedEvents(
                db, sql: "SELECT \(EventStore.columns) FROM events WHERE \(condition.sql) ORDER BY time DESC, id DESC, seq DESC LIMIT ?",
                arguments: condition.statementArguments + [query.limit]
            )
        }
    }

    /// `GET /api/v2/events`: one page in (order value, id, seq) descending order, after `cursor`.
    func listV2(_ query: V2EventQuery) throws -> (events: [StoredEvent], next: EventCursor?) {
        let orderColumn = query.orderByIngestedAt ? "ingested_at" : "time"
        var condition = query.filter
        if let cursor = query.cursor {
            // The cursor's bound goes first: SQLite then starts the index range at the cursor. After the
            // filter's `time < to` it scanned from `to` down to the cursor, so deep pages grew linearly slower.
            condition = .all([SQLCondition(
                sql: "(\(orderColumn), id, seq) < (?, ?, ?)", arguments: [cursor.orderValue, cursor.id, cursor.seq]
            ), condition])
        }
        try mergeInbox()
        let events = try db.read { db in
            try Self.storedEvents(
                db, sql: "SELECT \(EventStore.columns) FROM events WHERE \(condition.sql) ORDER BY \(orderColumn) DESC, id DESC, seq DESC LIMIT ?",
                arguments: condition.statementArguments + [query.limit]
            )
        }
        let next = events.last.map {
            EventCursor(orderValue: query.orderByIngestedAt ? $0.ingestedAt : $0.event.time, id: $0.event.id, seq: $0.seq)
        }
        return (events, next)
    }
}

struct V1EventQuery {
    var from: Int64
    var to: Int64?
    var ingestedAtFrom: Int64?
    var ingestedAtTo: Int64?
    var subject: String?
    var id: String?
    var limit: Int
}

struct V2EventQuery {
    var filter: SQLCondition
    var orderByIngestedAt: Bool
    var cursor: EventCursor?
    var limit: Int
}

/// The position after the last event of a page, opaque to clients (base64 of `value,seq,id`).
struct EventCursor: Equatable {
    var orderValue: Int64
    var id: String
    var seq: Int64

    var encoded: String {
        Data("\(orderValue),\(seq),\(id)".utf8).base64EncodedString()
    }

    init(orderValue: Int64, id: String, seq: Int64) {
        self.orderValue = orderValue
        self.id = id
        self.seq = seq
    }

    init(decoding text: String) throws(HTTPFailure) {
        guard let data = Data(base64Encoded: text), let plain = String(data: data, encoding: .utf8) else {
            throw .badRequest("decode cursor: illegal base64 data")
        }
        let parts = plain.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let value = Int64(parts[0]), let seq = Int64(parts[1]) else {
            throw .badRequest("cursor is invalid: no delimiter found")
        }
        self.init(orderValue: value, id: String(parts[2]), seq: seq)
    }
}
