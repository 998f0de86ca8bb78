#include "csqlite_tuning.h"
#include <sqlite3.h>

int csqlite_disable_memory_statistics(void) {
    int rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (rc != SQLITE_OK) return rc;
    return sqlite3_initialize();
}
