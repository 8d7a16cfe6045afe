-- The schema of the SQLite store as it was when versioned migrations began: the catalog and its
-- version, the API tokens, the engagements and their steps, the stored needs, the docking fairs.
-- IF NOT EXISTS throughout: a data folder from before versioned migrations has these tables
-- already (brought to this shape by the store's legacy upgrade first) and is then recorded as at
-- version 1.
CREATE TABLE IF NOT EXISTS catalog (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version TEXT NOT NULL,
    generation INTEGER NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE IF NOT EXISTS resources (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    hash BLOB PRIMARY KEY,
    scope TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    organization TEXT
);
CREATE TABLE IF NOT EXISTS engagements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    status TEXT NOT NULL,
    need TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    region TEXT,
    disciplines TEXT NOT NULL,
    industries TEXT NOT NULL,
    society TEXT NOT NULL,
    fair TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    contacted_at TEXT,
    negotiating_at TEXT,
    signed_at TEXT,
    landed_at TEXT,
    dropped_at TEXT,
    idempotency_owner TEXT,
    idempotency_key TEXT,
    request_hash TEXT,
    public_id TEXT,
    legacy_id INTEGER,
    enterprise TEXT,
    enterprise_region TEXT,
    need_id TEXT,
    UNIQUE (idempotency_owner, idempotency_key)
);
CREATE INDEX IF NOT EXISTS engagements_created ON engagements (created_at);
CREATE UNIQUE INDEX IF NOT EXISTS engagements_public_id ON engagements (public_id);
CREATE UNIQUE INDEX IF NOT EXISTS engagements_legacy_id ON engagements (legacy_id);
CREATE TABLE IF NOT EXISTS engagement_steps (
    engagement_id INTEGER NOT NULL REFERENCES engagements (id),
    seq INTEGER NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    at TEXT NOT NULL,
    by_token TEXT NOT NULL,
    by_scope TEXT NOT NULL,
    note TEXT,
    PRIMARY KEY (engagement_id, seq)
);
CREATE TABLE IF NOT EXISTS needs (
    id TEXT PRIMARY KEY,
    organization TEXT NOT NULL,
    status TEXT NOT NULL,
    visibility TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS need_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS fairs (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fair_participants (
    fair TEXT NOT NULL REFERENCES fairs (id),
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (fair, id)
);
CREATE TABLE IF NOT EXISTS fair_requests (
    fair TEXT NOT NULL REFERENCES fairs (id),
    id TEXT NOT NULL,
    position INTEGER NOT NULL,
    need TEXT NOT NULL,
    resource TEXT NOT NULL,
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (fair, id)
);
CREATE TABLE IF NOT EXISTS fair_meetings (
    fair TEXT NOT NULL REFERENCES fairs (id),
    request TEXT NOT NULL,
    slot INTEGER NOT NULL,
    seat INTEGER NOT NULL,
    published INTEGER NOT NULL,
    PRIMARY KEY (fair, request)
);
