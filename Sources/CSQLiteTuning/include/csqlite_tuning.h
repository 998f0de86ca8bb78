#ifndef CSQLITE_TUNING_H
#define CSQLITE_TUNING_H

/// Turns off SQLite's memory statistics before the library is first used. With them on, every
/// allocation takes one process-wide mutex, which serializes concurrent readers (JSON extraction
/// allocates per row). sqlite3_config is variadic, so Swift cannot call it directly.
/// Returns SQLITE_OK, or SQLite's error code when the library was already in use.
int csqlite_disable_memory_statistics(void);

#endif
