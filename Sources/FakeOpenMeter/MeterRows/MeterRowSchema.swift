import GRDB

/// Per-meter rows, OpenMeter's per-meter view: each event of a meter's type is read once, when it
/// is stored (or when the meter is created or its groups change), into a typed row. Queries then
/// aggregate these rows and never parse JSON.
///
/// - `meter_groups`: each distinct tuple of a meter's group-by values once, under an id that is never
///   reused (AUTOINCREMENT), so readers may cache it forever. `identity` is the tuple as JSON (one
///   cheap `json_extract` of all paths per event); `vals` is what queries show and filter: a JSON
///   array of each value's text ("" when missing), in `Meter.groupByKeys` order. Different
///   identities can show the same texts (the number 1 and the string "1"); queries merge those.
/// - `meter_rows`: one row per event: subject, time, group id and value (a REAL for numeric
///   aggregations, the value's text for UNIQUE_COUNT, NULL for COUNT or a value that is not a number).
///   Clustered by (meter, subject, day, seq): events arriving in random time order append at the end
///   of their day instead of landing all over one big time index, and a query reads its days' rows
///   in one range per subject and checks the exact time on each row.
/// - `meter_subjects`: the subjects a meter has rows for, so a query without a subject still reads by subject.
enum MeterRowSchema {
    /// Meter rows cluster by this many seconds (UTC days).
    static let bucketSeconds: Int64 = 86400

    static func bucket(_ time: Int64) -> Int64 {
        time >= 0 ? time / bucketSeconds : (time - bucketSeconds + 1) / bucketSeconds
    }

    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE meter_groups (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                meter INTEGER NOT NULL,
                identity TEXT NOT NULL,
                vals TEXT NOT NULL
            );
            CREATE UNIQUE INDEX meter_groups_identity ON meter_groups(meter, identity);
            CREATE TABLE meter_rows (
                meter INTEGER NOT NULL,
                subject TEXT NOT NULL,
                day INTEGER NOT NULL,
                seq INTEGER NOT NULL,
                time INTEGER NOT NULL,
                grp INTEGER NOT NULL,
                value,
                PRIMARY KEY (meter, subject, day, seq)
            ) WITHOUT ROWID;
            CREATE TABLE meter_subjects (
                meter INTEGER NOT NULL,
                subject TEXT NOT NULL,
                PRIMARY KEY (meter, subject)
            ) WITHOUT ROWID;
            """)
    }

    /// Removes a meter's rows, groups and subjects.
    static func drop(meter key: Int64, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM meter_rows WHERE meter = ?", arguments: [key])
        try db.execute(sql: "DELETE FROM meter_groups WHERE meter = ?", arguments: [key])
        try db.execute(sql: "DELETE FROM meter_subjects WHERE meter = ?", arguments: [key])
    }
}
