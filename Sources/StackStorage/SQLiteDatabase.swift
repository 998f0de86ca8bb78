public import GRDB
import CSQLiteTuning
import Foundation

/// Opens a fake's SQLite state: a WAL-mode pool for a file (readers never block the writer),
/// or a private in-memory queue for `:memory:`.
public enum SQLiteDatabase {
    public struct OpenError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Process-wide SQLite settings, applied once before the first connection opens.
    private static let tuning: Int32 = csqlite_disable_memory_statistics()

    /// - Parameters:
    ///   - cacheMegabytes: the page cache of each connection.
    ///   - writerCacheMegabytes: the writer's page cache, when it needs more than the readers (it
    ///     keeps the indexes it inserts into; a reader's cache only holds what it last read).
    ///   - prepare: runs on every new connection (SQL functions, collations).
    public static func open(
        path: String, cacheMegabytes: Int = 256, writerCacheMegabytes: Int? = nil,
        prepare: @escaping @Sendable (Database) throws -> Void = { _ in }
    ) throws -> any DatabaseWriter {
        _ = tuning
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            // NORMAL in WAL mode: a committed transaction survives a crash of the process (kill -9);
            // only a power loss can drop the last commits.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            let megabytes = db.configuration.readonly ? cacheMegabytes : writerCacheMegabytes ?? cacheMegabytes
            try db.execute(sql: "PRAGMA cache_size = -\(megabytes * 1024)")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // A checkpoint that empties the WAL also truncates it to this size: a burst of writes does
            // not leave a WAL of hundreds of megabytes behind.
            try db.execute(sql: "PRAGMA journal_size_limit = \(64 * 1024 * 1024)")
            try prepare(db)
        }
        if path == ":memory:" {
            do {
                return try DatabaseQueue(configuration: config)
            } catch {
                throw OpenError(description: "cannot open an in-memory database: \(error)")
            }
        }
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw OpenError(description: "cannot create the folder \(directory) for \(path): \(error.localizedDescription)")
            }
        }
        config.maximumReaderCount = 8
        do {
            let pool = try DatabasePool(path: path, configuration: config)
            // Reading the schema proves the file is a usable SQLite database, not just openable.
            _ = try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
            return pool
        } catch let error as DatabaseError {
            throw OpenError(description: "data file \(path) is unusable: \(error.message ?? error.description)")
        } catch {
            throw OpenError(description: "data file \(path) is unusable: \(error)")
        }
    }
}
