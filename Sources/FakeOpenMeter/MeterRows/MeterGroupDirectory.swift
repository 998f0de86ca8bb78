import GRDB
import Synchronization
import WireFormats

/// In-memory maps over `meter_groups`, both ways.
///
/// The writer's map (meter, identity → id) is changed only after a transaction commits, from the
/// ids that transaction created, so a rolled-back id never stays in it; it is dropped whole when a
/// meter's groups are rebuilt or everything is reset. The readers' map (id → values) holds only
/// committed rows, and ids are never reused, so its entries stay true.
final class MeterGroupDirectory: Sendable {
    /// Keyed by UTF-8 bytes: Swift's String equality would merge canonically equivalent texts, SQLite's does not.
    private let ids = Mutex<[Int64: [BytewiseString: Int64]]>([:])
    private let values = Mutex<[Int64: [String]]>([:])

    /// Group ids created inside one write transaction, not yet visible to other writes.
    struct Pending: Sendable {
        var created: [Int64: [BytewiseString: Int64]] = [:]
    }

    /// The id of a meter's group, creating the group if it is new; `vals` gives its shown values then.
    func id(meter: Int64, identity: String, _ db: Database, pending: inout Pending, vals: () throws -> String) throws -> Int64 {
        let text = BytewiseString(identity)
        if let known = pending.created[meter]?[text] { return known }
        if let known = ids.withLock({ $0[meter]?[text] }) { return known }
        let id: Int64
        if let existing = try Int64.fetchOne(db, sql: "SELECT id FROM meter_groups WHERE meter = ? AND identity = ?", arguments: [meter, identity]) {
            id = existing
        } else {
            try db.execute(sql: "INSERT INTO meter_groups (meter, identity, vals) VALUES (?, ?, ?)", arguments: [meter, identity, try vals()])
            id = db.lastInsertedRowID
        }
        pending.created[meter, default: [:]][text] = id
        return id
    }

    enum Forgetting: Sendable { case none, meter(Int64), all }

    /// Once the current transaction commits, and before the next write can start, forgets what its
    /// deletions made stale and learns the ids it created. A rollback changes nothing.
    func commitAfterTransaction(_ db: Database, _ pending: Pending, forgetting: Forgetting = .none) {
        db.afterNextTransaction { [self] _ in
            ids.withLock { map in
                switch forgetting {
                case .none: break
                case .meter(let meter): map[meter] = nil
                case .all: map.removeAll()
                }
                for (meter, created) in pending.created { map[meter, default: [:]].merge(created) { _, new in new } }
            }
        }
    }

    /// The group-by values of each id, read from `meter_groups` when not cached.
    func values(of groups: some Collection<Int64>, _ db: Database) throws -> [Int64: [String]] {
        var found: [Int64: [String]] = [:]
        var missing: [Int64] = []
        values.withLock { cache in
            for id in groups {
                if let known = cache[id] { found[id] = known } else { missing.append(id) }
            }
        }
        guard !missing.isEmpty else { return found }
        var loaded: [Int64: [String]] = [:]
        for start in stride(from: 0, to: missing.count, by: 500) {
            let batch = missing[start..<min(start + 500, missing.count)]
            let marks = Array(repeating: "?", count: batch.count).joined(separator: ",")
            let rows = try Row.fetchCursor(db, sql: "SELECT id, vals FROM meter_groups WHERE id IN (\(marks))", arguments: StatementArguments(Array(batch)))
            while let row = try rows.next() {
                let text: String = row[1]
                guard case .array(let items)? = try? JSONParser.parse(Array(text.utf8)) else { continue }
                loaded[row[0]] = items.map { $0.stringValue ?? "" }
            }
        }
        values.withLock { cache in cache.merge(loaded) { _, new in new } }
        found.merge(loaded) { _, new in new }
        return found
    }
}
