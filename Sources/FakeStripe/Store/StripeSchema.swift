import GRDB

/// fake-stripe's tables, one SQLite file. Object times (`created`, `expires_at`) are Unix seconds on the
/// fake clock, as Stripe shows them; delivery schedules are real Unix time (REAL), so moving the clock
/// does not fire retries.
enum StripeSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("stripe-v1") { db in
            try db.execute(sql: """
                CREATE TABLE checkout_sessions (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    created INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    payment_status TEXT NOT NULL,
                    currency TEXT NOT NULL,
                    amount_subtotal INTEGER NOT NULL,
                    amount_total INTEGER NOT NULL,
                    success_url TEXT,
                    cancel_url TEXT,
                    client_reference_id TEXT,
                    customer_email TEXT,
                    metadata TEXT NOT NULL,
                    line_items TEXT NOT NULL,
                    payment_intent TEXT,
                    locale TEXT,
                    submit_type TEXT,
                    payment_method_types TEXT NOT NULL,
                    completed_at INTEGER
                );
                CREATE INDEX checkout_sessions_open ON checkout_sessions(status, expires_at);
                CREATE TABLE payment_intents (
                    id TEXT PRIMARY KEY,
                    session_id TEXT NOT NULL,
                    created INTEGER NOT NULL,
                    amount INTEGER NOT NULL,
                    currency TEXT NOT NULL,
                    status TEXT NOT NULL,
                    client_secret TEXT NOT NULL,
                    last_payment_error TEXT,
                    latest_charge TEXT,
                    payment_method TEXT,
                    receipt_email TEXT,
                    metadata TEXT NOT NULL
                );
                CREATE TABLE events (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    type TEXT NOT NULL,
                    created INTEGER NOT NULL,
                    object TEXT NOT NULL,
                    request_id TEXT,
                    idempotency_key TEXT
                );
                CREATE INDEX events_type ON events(type, seq);
                CREATE TABLE webhook_endpoints (
                    id TEXT PRIMARY KEY,
                    url TEXT NOT NULL,
                    secret TEXT NOT NULL,
                    enabled_events TEXT NOT NULL,
                    from_config INTEGER NOT NULL,
                    created INTEGER NOT NULL
                );
                -- One row per (event, endpoint): what is owed. status pending|succeeded|failed|dropped.
                CREATE TABLE deliveries (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    event_id TEXT NOT NULL,
                    endpoint_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at REAL NOT NULL,
                    fault TEXT,
                    hold_until REAL,
                    created_at REAL NOT NULL
                );
                CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at);
                CREATE INDEX deliveries_event ON deliveries(event_id);
                -- One row per POST sent (or dropped): the attempt log of /_fake/webhook_attempts.
                CREATE TABLE delivery_attempts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    delivery_id INTEGER NOT NULL,
                    event_id TEXT NOT NULL,
                    endpoint_id TEXT NOT NULL,
                    attempt INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    response_status INTEGER,
                    error TEXT,
                    fault TEXT,
                    signed_at INTEGER,
                    sent_at REAL NOT NULL,
                    duration_ms REAL NOT NULL
                );
                CREATE INDEX delivery_attempts_event ON delivery_attempts(event_id, id);
                -- Idempotency keys per API key: state running|done; kept 24 h on the fake clock.
                CREATE TABLE idempotency_keys (
                    api_key TEXT NOT NULL,
                    key TEXT NOT NULL,
                    endpoint TEXT NOT NULL,
                    params TEXT NOT NULL,
                    state TEXT NOT NULL,
                    status INTEGER,
                    body BLOB,
                    request_id TEXT,
                    created INTEGER NOT NULL,
                    PRIMARY KEY (api_key, key)
                );
                """)
        }
        return migrator
    }
}
