-- Precise push (issue 19): subscriptions, the change log written in the catalog change's
-- transaction, the outbox of items and the deliveries. IF NOT EXISTS: a data folder from before
-- versioned migrations may have these tables already.
CREATE TABLE IF NOT EXISTS subscriptions (
    id TEXT PRIMARY KEY,
    need_id TEXT NOT NULL,
    organization TEXT NOT NULL,
    channel TEXT NOT NULL,
    url TEXT,
    email TEXT,
    min_fit REAL NOT NULL,
    top INTEGER NOT NULL,
    frequency TEXT NOT NULL,
    kinds TEXT NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0,
    paused_reason TEXT,
    secret TEXT NOT NULL,
    feed_token TEXT NOT NULL UNIQUE,
    unsubscribe_token TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    failing_since INTEGER,
    last_error TEXT,
    last_batch_at INTEGER NOT NULL,
    since_generation INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS push_changes (
    generation INTEGER PRIMARY KEY,
    version TEXT NOT NULL,
    changed TEXT NOT NULL,
    committed_at INTEGER NOT NULL,
    derived INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS push_changes_pending ON push_changes (derived, generation);
CREATE TABLE IF NOT EXISTS push_deliveries (
    id TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    catalog_version TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    changed_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'pending',
    last_error TEXT,
    delivered_at INTEGER
);
CREATE INDEX IF NOT EXISTS push_deliveries_due ON push_deliveries (status, due_at);
CREATE TABLE IF NOT EXISTS push_items (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    resource_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    change TEXT NOT NULL,
    catalog_version TEXT NOT NULL,
    generation INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    changed_at INTEGER NOT NULL,
    body TEXT NOT NULL,
    delivery_id TEXT REFERENCES push_deliveries (id) ON DELETE SET NULL,
    UNIQUE (subscription_id, resource_id, content_hash)
);
CREATE INDEX IF NOT EXISTS push_items_delivery ON push_items (delivery_id);
