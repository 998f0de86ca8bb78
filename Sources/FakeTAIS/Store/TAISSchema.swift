import GRDB

/// fake-tais's tables, one SQLite file. Times are Unix seconds (REAL) on the fake clock.
enum TAISSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        IdentitySchema.register(in: &migrator)
        migrator.registerMigration("tais-v1") { db in
            try db.execute(sql: """
                CREATE TABLE tenants (
                    tenant TEXT PRIMARY KEY,
                    plan TEXT NOT NULL,
                    tool_cap INTEGER
                );
                CREATE TABLE tools (
                    id TEXT PRIMARY KEY,
                    tenant TEXT NOT NULL,
                    name TEXT NOT NULL,
                    description TEXT NOT NULL,
                    url TEXT NOT NULL,
                    transport TEXT NOT NULL,
                    created_by TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    deleted_at REAL
                );
                CREATE INDEX tools_tenant_expiry ON tools(tenant, expires_at);
                CREATE TABLE sessions (
                    id TEXT PRIMARY KEY,
                    tenant TEXT NOT NULL,
                    user_id TEXT NOT NULL,
                    title TEXT NOT NULL,
                    tool_ids TEXT NOT NULL,
                    budget_credits REAL,
                    spent_credits REAL NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL
                );
                CREATE TABLE messages (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    session_id TEXT NOT NULL,
                    role TEXT NOT NULL,
                    content TEXT NOT NULL,
                    tool_calls TEXT,
                    credits_charged REAL,
                    created_at REAL NOT NULL
                );
                CREATE INDEX messages_session ON messages(session_id, seq);
                -- The prepaid ledger. A chat debit is 'held' while its answer is being made and 'settled'
                -- with the answer; a hold left by a crash is released at the next start.
                CREATE TABLE ledger (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    tenant TEXT NOT NULL,
                    category TEXT NOT NULL,
                    credits REAL NOT NULL,
                    balance_after REAL NOT NULL,
                    description TEXT NOT NULL,
                    session_id TEXT,
                    message_id TEXT,
                    status TEXT NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE INDEX ledger_tenant ON ledger(tenant, status, category, seq);
                CREATE TABLE balances (
                    tenant TEXT PRIMARY KEY,
                    balance REAL NOT NULL DEFAULT 0,
                    purchased REAL NOT NULL DEFAULT 0,
                    granted REAL NOT NULL DEFAULT 0,
                    used REAL NOT NULL DEFAULT 0
                );
                -- Credit events for OpenMeter, written in the debit's transaction, deleted never:
                -- delivered_at marks the acknowledged ones.
                CREATE TABLE outbox (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    event_id TEXT NOT NULL UNIQUE,
                    body TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at REAL NOT NULL DEFAULT 0,
                    last_error TEXT,
                    delivered_at REAL
                );
                CREATE INDEX outbox_pending ON outbox(delivered_at, next_attempt_at);
                CREATE TABLE idempotency (
                    tenant TEXT NOT NULL,
                    key TEXT NOT NULL,
                    session_id TEXT NOT NULL,
                    request TEXT NOT NULL,
                    state TEXT NOT NULL,
                    response TEXT,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (tenant, key)
                );
                """)
        }
        migrator.registerMigration("tais-v2 topups") { db in
            try db.execute(sql: """
                -- Stripe Checkout Sessions of prepaid top-ups. 'credited' is final: the conditional update
                -- from 'pending' (or 'expired') is what makes one session credit the ledger exactly once.
                CREATE TABLE stripe_checkouts (
                    session_id TEXT PRIMARY KEY,
                    tenant TEXT NOT NULL,
                    user_id TEXT NOT NULL,
                    credit_amount_usd INTEGER NOT NULL,
                    credits REAL NOT NULL,
                    amount_cents INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    url TEXT,
                    expires_at REAL NOT NULL,
                    created_at REAL NOT NULL,
                    credited_at REAL,
                    credited_by TEXT
                );
                CREATE INDEX stripe_checkouts_tenant ON stripe_checkouts(tenant, created_at);
                -- Webhook events already processed, by Stripe's event id.
                CREATE TABLE stripe_events (
                    event_id TEXT PRIMARY KEY,
                    type TEXT NOT NULL,
                    received_at REAL NOT NULL,
                    outcome TEXT NOT NULL
                );
                """)
        }
        return migrator
    }
}
