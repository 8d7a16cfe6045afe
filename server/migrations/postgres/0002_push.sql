-- Precise push (issue 19), as migrations/sqlite/0002_push.sql: integers BIGINT, fit DOUBLE
-- PRECISION, the item sequence a BIGSERIAL, text compared byte by byte.
CREATE TABLE subscriptions (
    id TEXT COLLATE "C" PRIMARY KEY,
    need_id TEXT COLLATE "C" NOT NULL,
    organization TEXT COLLATE "C" NOT NULL,
    channel TEXT COLLATE "C" NOT NULL,
    url TEXT COLLATE "C",
    email TEXT COLLATE "C",
    min_fit DOUBLE PRECISION NOT NULL,
    top BIGINT NOT NULL,
    frequency TEXT COLLATE "C" NOT NULL,
    kinds TEXT COLLATE "C" NOT NULL,
    paused BIGINT NOT NULL DEFAULT 0,
    paused_reason TEXT COLLATE "C",
    secret TEXT COLLATE "C" NOT NULL,
    feed_token TEXT COLLATE "C" NOT NULL UNIQUE,
    unsubscribe_token TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    failing_since BIGINT,
    last_error TEXT COLLATE "C",
    last_batch_at BIGINT NOT NULL,
    since_generation BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE push_changes (
    generation BIGINT PRIMARY KEY,
    version TEXT COLLATE "C" NOT NULL,
    changed TEXT COLLATE "C" NOT NULL,
    committed_at BIGINT NOT NULL,
    derived BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX push_changes_pending ON push_changes (derived, generation);
CREATE TABLE push_deliveries (
    id TEXT COLLATE "C" PRIMARY KEY,
    subscription_id TEXT COLLATE "C" NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    catalog_version TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    changed_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    status TEXT COLLATE "C" NOT NULL DEFAULT 'pending',
    last_error TEXT COLLATE "C",
    delivered_at BIGINT
);
CREATE INDEX push_deliveries_due ON push_deliveries (status, due_at);
CREATE TABLE push_items (
    seq BIGSERIAL PRIMARY KEY,
    subscription_id TEXT COLLATE "C" NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    resource_id TEXT COLLATE "C" NOT NULL,
    content_hash TEXT COLLATE "C" NOT NULL,
    change TEXT COLLATE "C" NOT NULL,
    catalog_version TEXT COLLATE "C" NOT NULL,
    generation BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    changed_at BIGINT NOT NULL,
    body TEXT COLLATE "C" NOT NULL,
    delivery_id TEXT COLLATE "C" REFERENCES push_deliveries (id) ON DELETE SET NULL,
    UNIQUE (subscription_id, resource_id, content_hash)
);
CREATE INDEX push_items_delivery ON push_items (delivery_id);
